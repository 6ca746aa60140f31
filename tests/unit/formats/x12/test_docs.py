"""The examples in docs/formats/x12.md are what the writers produce today."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

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
from lightsoff.formats.x12 import Envelope, read_x12, reply_envelope, write_855, write_856, write_functional_ack

from .conftest import corpus_bytes

DOC = (Path(__file__).parents[4] / "docs" / "formats" / "x12.md").read_text()
AT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def shown(data: bytes) -> bool:
    return data.decode().strip() in DOC


def test_the_997_and_999_examples() -> None:
    good = corpus_bytes("850_4010VICS_node-x12.edi")
    document = read_x12(good)
    assert shown(
        write_functional_ack(
            document, reply_envelope(document, interchange_control_number=12, group_control_number=13, created_at=AT)
        )
    )
    text = good.decode().replace("*00400*", "*00501*").replace("004010VICS", "005010")
    five = read_x12(text.replace("DTM*002*20101214", "DTM*002*2010121").encode())
    envelope = reply_envelope(five, interchange_control_number=14, group_control_number=15, created_at=AT)
    assert shown(write_functional_ack(five, envelope))


def test_the_855_and_856_examples() -> None:
    envelope = Envelope("LIGHTSOFF", "XYZRETAIL", interchange_control_number=42, group_control_number=7, created_at=AT)
    ack = OrderAcknowledgement(
        "ord_01JD",
        "08292233294",
        date(2010, 11, 27),
        AT,
        (
            LineAcknowledgement(
                1,
                LineStatus.ACCEPTED,
                Decimal(120),
                "EA",
                sku="AB3542",
                customer_sku="065322-117",
                ship_date=date(2026, 12, 1),
            ),
            LineAcknowledgement(
                2,
                LineStatus.CHANGED,
                Decimal(200),
                "EA",
                sku="RD5322",
                ship_date=date(2026, 12, 3),
                changes=(LineChange("quantity", "220", "200", "pallet multiple"),),
            ),
            LineAcknowledgement(3, LineStatus.REJECTED, Decimal(126), "EA", sku="XY5266", reason="discontinued"),
        ),
    )
    assert shown(write_855(ack, envelope))
    pallet = ShippedPallet(
        gs1.build_sscc(0, "4012345", 1),
        (
            ShippedItem(1, Decimal(120), "EA", sku="AB3542", gtin="4012345000016"),
            ShippedItem(2, Decimal(200), "EA", sku="RD5322"),
        ),
        Decimal("410.5"),
    )
    notice = ShipmentNotice(
        "SHP-1",
        AT,
        Party("Plant 1", gln="4012345000009"),
        Party("XYZ RETAIL", code="0003947268292", address=Address(("31875 SOLON RD",), "SOLON", "44139", "OH", "US")),
        (ShippedOrder("ord_01JD", "08292233294", date(2010, 11, 27), (pallet,)),),
        estimated_delivery=date(2026, 11, 25),
        carrier_scac="ABCD",
        bill_of_lading="BOL-9",
    )
    second = Envelope("LIGHTSOFF", "XYZRETAIL", interchange_control_number=43, group_control_number=7, created_at=AT)
    assert shown(write_856(notice, second))
