"""DESADV from a ``ShipmentNotice``: the advance ship notice, one CPS per pallet with its SSCC.

BGM+351 shipment id; DTM+137 issued, DTM+11 despatched, DTM+17 estimated delivery; RFF+BM bill of
lading; NAD+SF ship-from and NAD+ST ship-to (a GLN with agency 9, else the partner's code with 92);
TDT+20 with the carrier's SCAC (agency 182). Packing hierarchy: ``CPS+1`` is the consignment; each
pallet is ``CPS+n+1`` followed by ``PAC+1++PX`` (one pallet), its gross weight ``MEA+PD+AAB+KGM``,
``PCI+33E`` (marked with SSCC) and ``GIN+BJ+<SSCC>``, then its items: LIN, PIA (SA, IN, batch NB),
``QTY+12`` despatched and ``RFF+ON:<po>:<line>`` tying the item to its order line.
"""

from __future__ import annotations

from lightsoff.domain import gs1
from lightsoff.domain.documents_out import Party, ShipmentNotice
from lightsoff.formats.edifact.ordrsp import item_segments
from lightsoff.formats.edifact.values import format_number
from lightsoff.formats.edifact.writer import EdifactEnvelope, Segment, dtm, interchange


def write_desadv(notice: ShipmentNotice, envelope: EdifactEnvelope) -> bytes:
    """The DESADV interchange (UNA..UNZ) for one shipment; raises ValueError on an invalid SSCC."""
    return interchange(envelope, "DESADV", desadv_segments(notice, envelope))


def desadv_segments(notice: ShipmentNotice, envelope: EdifactEnvelope) -> list[Segment]:
    body: list[Segment] = [
        ("BGM", "351", notice.shipment_id, "9"),
        dtm("137", envelope.prepared_at),
        dtm("11", notice.shipped_at),
    ]
    if notice.estimated_delivery is not None:
        body.append(dtm("17", notice.estimated_delivery))
    if notice.bill_of_lading:
        body.append(("RFF", ("BM", notice.bill_of_lading)))
    body.extend([_nad("SF", notice.ship_from), _nad("ST", notice.ship_to)])
    if notice.carrier_scac:
        body.append(("TDT", "20", None, None, None, (notice.carrier_scac, "", "182")))
    body.append(("CPS", "1"))
    package, line_number = 1, 0
    for order in notice.orders:
        for pallet in order.pallets:
            if not gs1.is_valid_sscc(pallet.sscc):
                raise ValueError(f"pallet SSCC {pallet.sscc!r} is not 18 digits with a valid GS1 check digit")
            package += 1
            body.extend([("CPS", str(package), "1"), ("PAC", "1", None, "PX")])
            if pallet.gross_weight_kg is not None:
                body.append(("MEA", "PD", "AAB", ("KGM", format_number(pallet.gross_weight_kg))))
            body.extend([("PCI", "33E"), ("GIN", "BJ", pallet.sscc)])
            for item in pallet.items:
                line_number += 1
                segments = item_segments(
                    line_number, None, item.gtin, item.sku, item.customer_sku, envelope.message_version
                )
                if item.lot:
                    segments.append(("PIA", "1", (item.lot, "NB")))
                segments.append(("QTY", ("12", format_number(item.quantity), item.uom)))
                segments.append(("RFF", ("ON", order.po_number, str(item.line_no))))
                body.extend(segments)
    body.append(("CNT", ("2", str(line_number))))
    return body


def _nad(qualifier: str, party: Party) -> Segment:
    identifier = (party.gln, "", "9") if party.gln else ((party.code, "", "92") if party.code else None)
    address = party.address
    if address is None:
        return ("NAD", qualifier, identifier, None, party.name[:35])
    return (
        "NAD",
        qualifier,
        identifier,
        None,
        party.name[:35],
        tuple(line[:35] for line in address.lines[:4]),
        address.city,
        address.region,
        address.postal_code,
        address.country,
    )
