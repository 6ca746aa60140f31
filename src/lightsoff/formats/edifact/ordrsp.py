"""ORDRSP from an ``OrderAcknowledgement``: lightsoff's answer to a purchase order (EANCOM PO response).

BGM+231 with 1225 = 29 (all accepted), 27 (not accepted) or 4 (changed); RFF+ON the buyer's order
number with DTM+171 its date; RFF+VN lightsoff's order id. Per line ``LIN+n+1229`` with 5 accepted, 3
changed, 7 not accepted; the item ids (GTIN as EN in D96A, SRV in D01B; SA ours, IN the buyer's);
QTY+21 the confirmed quantity; DTM+10 the ship date; each change or reason as FTX+AAI. The parties
are the envelope's (NAD+BY recipient, NAD+SU sender) when they are GLNs (qualifier 14).
"""

from __future__ import annotations

from lightsoff.domain.documents_out import LineAcknowledgement, LineStatus, OrderAcknowledgement
from lightsoff.formats.edifact.values import format_number
from lightsoff.formats.edifact.writer import EdifactEnvelope, Segment, dtm, interchange

_FUNCTION = {LineStatus.ACCEPTED: "29", LineStatus.REJECTED: "27", LineStatus.CHANGED: "4"}
_ACTION = {LineStatus.ACCEPTED: "5", LineStatus.CHANGED: "3", LineStatus.REJECTED: "7"}


def write_ordrsp(acknowledgement: OrderAcknowledgement, envelope: EdifactEnvelope) -> bytes:
    """The ORDRSP interchange (UNA..UNZ) acknowledging one order, encoded for the envelope's syntax level."""
    return interchange(envelope, "ORDRSP", ordrsp_segments(acknowledgement, envelope))


def ordrsp_segments(ack: OrderAcknowledgement, envelope: EdifactEnvelope) -> list[Segment]:
    body: list[Segment] = [
        ("BGM", "231", ack.order_id, _FUNCTION[ack.status]),
        dtm("137", ack.acknowledged_at),
        ("RFF", ("ON", ack.po_number)),
        dtm("171", ack.po_date),
        ("RFF", ("VN", ack.order_id)),
        *parties(envelope),
    ]
    for line in ack.lines:
        body.extend(_line(line, envelope))
    body.extend([("UNS", "S"), ("CNT", ("2", str(len(ack.lines))))])
    return body


def parties(envelope: EdifactEnvelope) -> list[Segment]:
    """NAD+BY (the recipient) and NAD+SU (us, the sender), when the envelope ids are GLNs."""
    found: list[Segment] = []
    if envelope.recipient_qualifier == "14":
        found.append(("NAD", "BY", (envelope.recipient_id, "", "9")))
    if envelope.sender_qualifier == "14":
        found.append(("NAD", "SU", (envelope.sender_id, "", "9")))
    return found


def item_segments(
    number: int, action: str | None, gtin: str | None, sku: str | None, customer_sku: str | None, version: str
) -> list[Segment]:
    """LIN with the GTIN (EN in D96A, SRV from D01B), then PIA+5 with our SKU (SA) and the buyer's (IN)."""
    gtin_type = "EN" if version == "D96A" else "SRV"
    lin: Segment = ("LIN", str(number), action, (gtin, gtin_type) if gtin else None)
    segments = [lin]
    ids = [(value, kind) for value, kind in ((sku, "SA"), (customer_sku, "IN")) if value]
    if ids:
        segments.append(("PIA", "5", *ids))
    return segments


def _line(line: LineAcknowledgement, envelope: EdifactEnvelope) -> list[Segment]:
    segments = item_segments(
        line.line_no, _ACTION[line.status], line.gtin, line.sku, line.customer_sku, envelope.message_version
    )
    segments.append(("QTY", ("21", format_number(line.quantity), line.uom)))
    if line.ship_date is not None:
        segments.append(dtm("10", line.ship_date))
    for change in line.changes:
        text = f"{change.field} changed from {change.before} to {change.after}: {change.reason}"
        segments.append(("FTX", "AAI", None, None, _free_text(text)))
    if line.status is LineStatus.REJECTED and line.reason:
        segments.append(("FTX", "AAI", None, None, _free_text(f"not accepted: {line.reason}")))
    return segments


def _free_text(text: str) -> tuple[str, ...]:
    """C108: up to five 4440 components of 512 characters each."""
    return tuple(text[start : start + 512] for start in range(0, min(len(text), 2560), 512))
