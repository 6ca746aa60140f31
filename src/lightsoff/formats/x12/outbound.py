"""The documents lightsoff sends: 855 purchase order acknowledgement and 856 ship notice.

855: BAK (AD all accepted with detail, AC accepted with changes, RD rejected with detail), then per
line PO1 (the line as ordered: the quantity before any change) and ACK (IA accepted, IC accepted
with changes, IR rejected; the confirmed quantity and unit, ``068`` current schedule ship date, and
for a substituted item our new part number as VP), CTT with the line count and quantity hash.

856: BSN05 ``0001`` and the HL hierarchy shipment (S) → order (O) → pallet (T, tare) → item (I), each
HL naming its parent; MAN*GM carries AI ``00`` + the pallet's SSCC-18 (check digit verified here);
LIN/SN1 per item; CTT01 = number of HL segments, CTT02 = sum of SN102.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from lightsoff.domain import gs1
from lightsoff.domain.documents_out import (
    LineAcknowledgement,
    LineStatus,
    OrderAcknowledgement,
    Party,
    ShipmentNotice,
    ShippedItem,
)
from lightsoff.formats.x12.errors import X12WriteError
from lightsoff.formats.x12.writer import Envelope, SegmentData, Value, interchange

ACK_TYPES = {LineStatus.ACCEPTED: "AD", LineStatus.CHANGED: "AC", LineStatus.REJECTED: "RD"}
LINE_STATUSES = {LineStatus.ACCEPTED: "IA", LineStatus.CHANGED: "IC", LineStatus.REJECTED: "IR"}
GTIN_QUALIFIERS = {12: "UP", 13: "EN", 14: "UK"}


def write_855(acknowledgement: OrderAcknowledgement, envelope: Envelope) -> bytes:
    body: list[SegmentData] = [
        (
            "BAK",
            (
                "00",
                ACK_TYPES[acknowledgement.status],
                acknowledgement.po_number,
                acknowledgement.po_date.strftime("%Y%m%d"),
                None,
                None,
                None,
                acknowledgement.order_id,
                acknowledgement.acknowledged_at.strftime("%Y%m%d"),
            ),
        )
    ]
    ordered_total = Decimal(0)
    for line in acknowledgement.lines:
        ordered = _ordered_quantity(line)
        ordered_total += ordered
        ids = _item_ids(line.customer_sku, _original_sku(line), line.gtin)
        body.append(("PO1", (str(line.line_no), ordered, line.uom, None, None, *ids)))
        body.append(("ACK", _ack(line)))
    body.append(("CTT", (str(len(acknowledgement.lines)), ordered_total)))
    return interchange(envelope, "PR", [("855", "", body)])


def _ack(line: LineAcknowledgement) -> tuple[Value, ...]:
    date: tuple[Value, ...] = ("068", line.ship_date.strftime("%Y%m%d")) if line.ship_date else (None, None)
    substitute = next((c.after for c in line.changes if c.field == "sku"), None)
    ids: tuple[Value, ...] = (None, "VP", substitute) if substitute else ()
    return (LINE_STATUSES[line.status], line.quantity, line.uom, *date, *ids)


def _ordered_quantity(line: LineAcknowledgement) -> Decimal:
    change = next((c for c in line.changes if c.field == "quantity"), None)
    if change is None:
        return line.quantity
    try:
        return Decimal(change.before)
    except ArithmeticError as exc:
        raise X12WriteError(
            f"line {line.line_no}", f"the quantity change's before {change.before!r} is no number"
        ) from exc


def _original_sku(line: LineAcknowledgement) -> str | None:
    change = next((c for c in line.changes if c.field == "sku"), None)
    return change.before if change else line.sku


def _item_ids(customer_sku: str | None, sku: str | None, gtin: str | None, lot: str | None = None) -> list[str]:
    ids: list[str] = []
    for qualifier, value in (("BP", customer_sku), ("VP", sku)):
        if value:
            ids += [qualifier, value]
    if gtin:
        padded = gtin if len(gtin) in GTIN_QUALIFIERS else gtin.zfill(14)
        ids += [GTIN_QUALIFIERS[len(padded)], padded]
    if lot:
        ids += ["LT", lot]
    return ids


# ---- 856 ----


def write_856(notice: ShipmentNotice, envelope: Envelope) -> bytes:
    body: list[SegmentData] = [
        (
            "BSN",
            (
                "00",
                notice.shipment_id,
                notice.shipped_at.strftime("%Y%m%d"),
                notice.shipped_at.strftime("%H%M"),
                "0001",
            ),
        )
    ]
    hl = _Hierarchy(body)
    shipment = hl.open(None, "S")
    pallets = [pallet for order in notice.orders for pallet in order.pallets]
    weights = [p.gross_weight_kg for p in pallets if p.gross_weight_kg is not None]
    weight: tuple[Value, ...] = ("G", sum(weights, Decimal(0)), "KG") if len(weights) == len(pallets) else ()
    body.append(("TD1", ("PLT94", str(len(pallets)), None, None, None, *weight)))
    if notice.carrier_scac:
        body.append(("TD5", (None, "2", notice.carrier_scac)))
    if notice.bill_of_lading:
        body.append(("REF", ("BM", notice.bill_of_lading)))
    body.append(("DTM", ("011", notice.shipped_at.strftime("%Y%m%d"), notice.shipped_at.strftime("%H%M"))))
    if notice.estimated_delivery:
        body.append(("DTM", ("017", notice.estimated_delivery.strftime("%Y%m%d"))))
    body.extend(_party("ST", notice.ship_to))
    body.extend(_party("SF", notice.ship_from))
    shipped = Decimal(0)
    for order in notice.orders:
        order_hl = hl.open(shipment, "O")
        body.append(("PRF", (order.po_number, None, None, order.po_date.strftime("%Y%m%d"))))
        body.append(("REF", ("VN", order.order_id)))
        for pallet in order.pallets:
            if not gs1.is_valid_sscc(pallet.sscc):
                raise X12WriteError(
                    f"order {order.po_number}, pallet {pallet.sscc}",
                    "the SSCC must be 18 digits with a valid GS1 check digit",
                )
            pallet_hl = hl.open(order_hl, "T")
            body.append(("MAN", ("GM", "00" + pallet.sscc)))
            if pallet.gross_weight_kg is not None:
                body.append(("MEA", ("PD", "G", pallet.gross_weight_kg, "KG")))
            for item in pallet.items:
                hl.open(pallet_hl, "I")
                body.extend(_item(item))
                shipped += item.quantity
    hl.finish()
    body.append(("CTT", (str(hl.count), shipped)))
    return interchange(envelope, "SH", [("856", "", body)])


def _item(item: ShippedItem) -> Iterable[SegmentData]:
    yield ("LIN", (str(item.line_no), *_item_ids(item.customer_sku, item.sku, item.gtin, item.lot)))
    yield ("SN1", (None, item.quantity, item.uom))


def _party(role: str, party: Party) -> Iterable[SegmentData]:
    if party.gln:
        yield ("N1", (role, party.name, "UL", party.gln))
    elif party.code:
        yield ("N1", (role, party.name, "92", party.code))
    else:
        yield ("N1", (role, party.name))
    address = party.address
    if address is None:
        return
    if address.lines:
        yield ("N3", tuple(address.lines[:2]))
    if address.city or address.postal_code:
        yield ("N4", (address.city, address.region, address.postal_code, address.country))


class _Hierarchy:
    """HL segments numbered from 1, each naming its parent; HL04 (has children) is set once known."""

    def __init__(self, body: list[SegmentData]) -> None:
        self.body = body
        self.count = 0
        self.indexes: dict[int, int] = {}
        self.parents_with_children: set[int] = set()

    def open(self, parent: int | None, level: str) -> int:
        self.count += 1
        if parent is not None:
            self.parents_with_children.add(parent)
        self.indexes[self.count] = len(self.body)
        self.body.append(("HL", (str(self.count), str(parent) if parent else None, level)))
        return self.count

    def finish(self) -> None:
        for number, index in self.indexes.items():
            tag, values = self.body[index]
            self.body[index] = (tag, (*values, "1" if number in self.parents_with_children else "0"))
