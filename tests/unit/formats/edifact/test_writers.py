"""ORDRSP and DESADV writers: pydifact reads what we write, and the envelope, hierarchy and SSCCs hold."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from lightsoff.domain import gs1
from lightsoff.domain.customer_order import Address
from lightsoff.domain.documents_out import (
    LineAcknowledgement,
    LineChange,
    LineStatus,
    OrderAcknowledgement,
    Party,
    ShipmentNotice,
    ShippedItem,
    ShippedOrder,
    ShippedPallet,
)
from lightsoff.formats.edifact import Delimiters, EdifactEnvelope, read_edifact, write_desadv, write_ordrsp
from lightsoff.formats.edifact.lexer import lex

from .corpus import sample
from .pydifact_check import parse

AT = datetime(2026, 11, 23, 14, 5)


def envelope(**changes) -> EdifactEnvelope:
    values = {
        "sender_id": "4012345000009",
        "recipient_id": "5412345000013",
        "interchange_reference": "LS000042",
        "message_reference": "ACK1",
        "prepared_at": AT,
        "association": "EAN005",
    }
    return EdifactEnvelope(**(values | changes))


def acknowledgement(*statuses: LineStatus) -> OrderAcknowledgement:
    lines = []
    for number, status in enumerate(statuses, start=1):
        changes = (LineChange("quantity", "10", "6", "short stock: 6 left"),) if status is LineStatus.CHANGED else ()
        lines.append(
            LineAcknowledgement(
                line_no=number,
                status=status,
                quantity=Decimal("6") if changes else Decimal("10.5"),
                uom="PCE",
                gtin="4012345000016",
                sku=f"WID-{number}",
                customer_sku=f"A'{number}+",
                ship_date=date(2026, 12, 1),
                changes=changes,
                reason="discontinued" if status is LineStatus.REJECTED else None,
            )
        )
    return OrderAcknowledgement("ord_7", "PO-4711", date(2026, 11, 20), AT, tuple(lines))


def test_ordrsp_is_read_by_pydifact_with_line_actions_and_the_order_status():
    parsed = parse(
        write_ordrsp(acknowledgement(LineStatus.ACCEPTED, LineStatus.CHANGED, LineStatus.REJECTED), envelope())
    )

    assert parsed.one("UNH") == ["ACK1", ["ORDRSP", "D", "96A", "UN", "EAN005"]]
    assert parsed.one("BGM") == ["231", "ord_7", "4"]
    assert [elements[:2] for elements in parsed.all("LIN")] == [["1", "5"], ["2", "3"], ["3", "7"]]
    assert parsed.all("LIN")[0][2] == ["4012345000016", "EN"]
    assert parsed.all("PIA")[0] == ["5", ["WID-1", "SA"], ["A'1+", "IN"]]  # released on the way, intact here
    quantities = [elements[0] for elements in parsed.all("QTY")]
    assert quantities == [["21", "10.5", "PCE"], ["21", "6", "PCE"], ["21", "10.5", "PCE"]]
    assert parsed.all("FTX")[0][3] == "quantity changed from 10 to 6: short stock: 6 left"
    assert parsed.all("FTX")[1][3] == "not accepted: discontinued"
    assert parsed.one("CNT") == [["2", "3"]]
    assert ["RFF", ["ON", "PO-4711"]] in [[tag, *elements] for tag, elements in parsed.segments]


@pytest.mark.parametrize(
    ("statuses", "function"),
    [
        ((LineStatus.ACCEPTED,) * 2, "29"),
        ((LineStatus.REJECTED,) * 2, "27"),
        ((LineStatus.ACCEPTED, LineStatus.CHANGED), "4"),
    ],
)
def test_ordrsp_function_code_follows_the_lines(statuses, function):
    parsed = parse(write_ordrsp(acknowledgement(*statuses), envelope()))

    assert parsed.one("BGM")[2] == function


def test_ordrsp_d01b_uses_srv_and_syntax_4_dates_and_custom_delimiters():
    custom = Delimiters(component="=", element="*", terminator="~")
    data = write_ordrsp(
        acknowledgement(LineStatus.ACCEPTED),
        envelope(message_version="D01B", syntax_version="4", association="EAN010", delimiters=custom),
    )

    assert data.startswith(b"UNA=*.? ~\nUNB*UNOC=4*4012345000009=14*5412345000013=14*20261123=1405*LS000042~")
    parsed = parse(data)
    assert parsed.all("LIN")[0][2] == ["4012345000016", "SRV"]
    assert parsed.one("UNH")[1] == ["ORDRSP", "D", "01B", "UN", "EAN010"]


def test_unoa_output_is_upper_case_and_refuses_what_unoa_cannot_carry():
    ack = acknowledgement(LineStatus.ACCEPTED)
    data = write_ordrsp(
        OrderAcknowledgement("ord-7", "po-4711", ack.po_date, AT, ack.lines), envelope(syntax_identifier="UNOA")
    )

    assert b"BGM+231+ORD-7+29'" in data
    assert b"RFF+ON:PO-4711'" in data
    with pytest.raises(ValueError, match="'ORD_7' holds '_', which syntax level UNOA cannot carry"):
        write_ordrsp(ack, envelope(syntax_identifier="UNOA"))
    with pytest.raises(ValueError, match="UNOA cannot carry"):
        write_ordrsp(
            OrderAcknowledgement("ORD 7", "PO-Ö", date(2026, 11, 20), AT, acknowledgement(LineStatus.ACCEPTED).lines),
            envelope(syntax_identifier="UNOA"),
        )


def test_envelope_refuses_references_longer_than_14_and_unknown_versions():
    with pytest.raises(ValueError, match="interchange_reference"):
        envelope(interchange_reference="X" * 15)
    with pytest.raises(ValueError, match="message_version"):
        envelope(message_version="D93A")


def pallet(serial: int, *items: ShippedItem, weight: Decimal | None = Decimal("512.5")) -> ShippedPallet:
    return ShippedPallet(gs1.build_sscc(3, "4012345", serial), items, weight)


def notice() -> ShipmentNotice:
    item = ShippedItem(line_no=1, quantity=Decimal(40), uom="PCE", gtin="4012345000016", sku="WID-100", lot="L-7")
    other = ShippedItem(line_no=2, quantity=Decimal("12.5"), uom="KGM", customer_sku="A-7788")
    return ShipmentNotice(
        shipment_id="SHP-9",
        shipped_at=datetime(2026, 11, 24, 8, 30),
        ship_from=Party("Plant One", gln="4012345000009"),
        ship_to=Party(
            "DC North",
            code="ACME-DC-NORTH",
            address=Address(lines=("Dock 4", "Harbour Road 1"), city="Hamburg", postal_code="20457", country="DE"),
        ),
        orders=(
            ShippedOrder("ord_1", "PO-1", date(2026, 11, 20), (pallet(1, item), pallet(2, item, other))),
            ShippedOrder("ord_2", "PO-2", date(2026, 11, 21), (pallet(3, other, weight=None),)),
        ),
        estimated_delivery=date(2026, 11, 26),
        carrier_scac="DHLX",
        bill_of_lading="BOL-1",
    )


def test_desadv_is_read_by_pydifact_with_a_valid_cps_hierarchy_and_sscc_per_pallet():
    parsed = parse(write_desadv(notice(), envelope()))

    assert parsed.one("BGM") == ["351", "SHP-9", "9"]
    cps = parsed.all("CPS")
    assert cps[0] == ["1"]
    seen = {"1"}
    for elements in cps[1:]:
        assert elements[1] in seen  # a parent comes before its children
        seen.add(str(elements[0]))
    ssccs = [elements[1] for elements in parsed.all("GIN")]
    assert ssccs == [gs1.build_sscc(3, "4012345", serial) for serial in (1, 2, 3)]
    assert all(gs1.is_valid_sscc(str(sscc)) for sscc in ssccs)
    assert parsed.all("PCI") == [["33E"]] * 3
    assert parsed.all("PAC") == [["1", "", "PX"]] * 3
    quantities = [elements[0] for elements in parsed.all("QTY")]
    assert quantities == [["12", "40", "PCE"], ["12", "40", "PCE"], ["12", "12.5", "KGM"], ["12", "12.5", "KGM"]]
    assert parsed.all("RFF")[0] == [["BM", "BOL-1"]]
    assert parsed.one("CNT") == [["2", "4"]]


def test_desadv_puts_each_pallet_before_its_items_and_links_items_to_order_lines():
    segments = lex(write_desadv(notice(), envelope())).segments
    tags = [segment.tag for segment in segments]
    order_refs = [segment.element(1) for segment in segments if segment.tag == "RFF" and segment.get(1, 1) == "ON"]

    assert order_refs == [["ON", "PO-1", "1"], ["ON", "PO-1", "1"], ["ON", "PO-1", "2"], ["ON", "PO-2", "2"]]
    second_pallet = [i for i, segment in enumerate(segments) if segment.tag == "CPS"][2]
    assert tags[second_pallet : second_pallet + 5] == ["CPS", "PAC", "MEA", "PCI", "GIN"]
    ship_to = next(segment for segment in segments if segment.tag == "NAD" and segment.get(1) == "ST")
    assert ship_to.elements == [
        ["ST"], ["ACME-DC-NORTH", "", "92"], [""], ["DC North"], ["Dock 4", "Harbour Road 1"], ["Hamburg"], [""],
        ["20457"], ["DE"],
    ]  # fmt: skip


def test_desadv_refuses_an_invalid_sscc():
    bad = ShippedPallet("354123450000000010", (ShippedItem(1, Decimal(1), "PCE", sku="X"),))
    shipment = notice()
    broken = ShipmentNotice(
        shipment.shipment_id,
        shipment.shipped_at,
        shipment.ship_from,
        shipment.ship_to,
        (ShippedOrder("ord_1", "PO-1", date(2026, 11, 20), (bad,)),),
    )

    with pytest.raises(ValueError, match="354123450000000010"):
        write_desadv(broken, envelope())


def test_orders_to_ordrsp_round_trip_for_a_corpus_order():
    received = read_edifact(sample("ORDERS_D96A_EAN008_no-UNZ_pydifact.edi"))
    (order,) = received.orders
    details = received.details
    lines = tuple(
        LineAcknowledgement(
            line_no=line["line_no"],
            status=LineStatus.ACCEPTED if line["line_no"] == 1 else LineStatus.CHANGED,
            quantity=line["quantity"] if line["line_no"] == 1 else Decimal(5),
            uom=line["uom"],
            gtin=line["gtin"],
            changes=() if line["line_no"] == 1 else (LineChange("quantity", "8", "5", "short stock"),),
        )
        for line in order.order["lines"]
    )
    ack = OrderAcknowledgement(
        "ORD-1", order.order["po_number"], date.fromisoformat(order.order["order_date"]), AT, lines
    )
    answer = EdifactEnvelope(
        sender_id=details["recipient"]["id"],
        sender_qualifier=details["recipient"]["qualifier"],
        recipient_id=details["sender"]["id"],
        recipient_qualifier=details["sender"]["qualifier"],
        interchange_reference="LS1",
        prepared_at=AT,
        syntax_identifier=details["syntax"]["identifier"],
        syntax_version=details["syntax"]["version"],
        association="EAN005",
    )

    parsed = parse(write_ordrsp(ack, answer))

    assert parsed.one("UNB")[:3] == [["UNOA", "4"], ["WBDZDD", "ZZ"], ["12345678", "8"]]
    assert parsed.all("RFF")[0] == [["ON", "801715918011"]]
    assert [elements[:3] for elements in parsed.all("LIN")] == [
        ["1", "5", ["5020436373085", "EN"]],
        ["2", "3", ["5020436373108", "EN"]],
    ]
    assert [elements[0] for elements in parsed.all("QTY")] == [["21", "8", "PCE"], ["21", "5", "PCE"]]
    assert parsed.all("DTM")[1] == [["171", "20150803", "102"]]
    assert parsed.all("NAD") == []  # the envelope ids are not GLNs (qualifiers 8 and ZZ), so no NAD
