"""The examples in docs/formats/edifact.md are what the writers produce today."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from lightsoff.domain import gs1
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
from lightsoff.formats.edifact import EdifactEnvelope, read_edifact, write_contrl, write_desadv, write_ordrsp

DOC = Path(__file__).parents[4] / "docs" / "formats" / "edifact.md"
AT = datetime(2026, 11, 23, 14, 5)
ENVELOPE = EdifactEnvelope(
    sender_id="4012345000009",
    recipient_id="5412345000013",
    interchange_reference="LS000042",
    message_reference="1",
    prepared_at=AT,
    association="EAN005",
)
RECEIVED = (
    "UNA:+.? '\n"
    "UNB+UNOC:3+5412345000013:14+4012345000009:14+261123:1200+IC1'\n"
    "UNH+M1+ORDERS:D:96A:UN:EAN008'\n"
    "BGM+220+PO-4711+9'\n"
    "DTM+137:20261123:102'\n"
    "DTM+2:20261207:102'\n"
    "NAD+BY+5412345000013::9'\n"
    "NAD+DP+5412345000020::9'\n"
    "LIN+1++4012345000016:EN'\n"
    "QTY+21:120:PCE'\n"
    "LIN+2++4012345000023:EN'\n"
    "QTY+21:48:PCE'\n"
    "UNS+S'\n"
    "UNT+13+M1'\n"
    "UNZ+1+IC1'\n"
)


def examples() -> dict[str, str]:
    ack = OrderAcknowledgement(
        "ORD-1",
        "PO-4711",
        date(2026, 11, 23),
        AT,
        (
            LineAcknowledgement(1, LineStatus.ACCEPTED, Decimal(120), "PCE", gtin="4012345000016"),
            LineAcknowledgement(
                2,
                LineStatus.CHANGED,
                Decimal(40),
                "PCE",
                gtin="4012345000023",
                ship_date=date(2026, 12, 9),
                changes=(LineChange("quantity", "48", "40", "short stock"),),
            ),
        ),
    )
    notice = ShipmentNotice(
        "SHP-9",
        datetime(2026, 12, 7, 8, 30),
        Party("Plant One", gln="4012345000009"),
        Party("DC North", gln="5412345000020"),
        (
            ShippedOrder(
                "ORD-1",
                "PO-4711",
                date(2026, 11, 23),
                (
                    ShippedPallet(
                        gs1.build_sscc(3, "4012345", 1),
                        (ShippedItem(1, Decimal(120), "PCE", gtin="4012345000016"),),
                        Decimal("480.5"),
                    ),
                    ShippedPallet(
                        gs1.build_sscc(3, "4012345", 2), (ShippedItem(2, Decimal(40), "PCE", gtin="4012345000023"),)
                    ),
                ),
            ),
        ),
        estimated_delivery=date(2026, 12, 8),
    )
    received = read_edifact(RECEIVED.encode())
    return {
        "ORDRSP": write_ordrsp(ack, ENVELOPE).decode(),
        "DESADV": write_desadv(notice, ENVELOPE).decode(),
        "CONTRL": write_contrl(received, interchange_reference="LS000043", prepared_at=AT).decode(),
        "ORDERS": RECEIVED,
    }


def test_every_example_in_the_doc_is_current_output():
    text = DOC.read_text()

    for name, output in examples().items():
        assert f"```edifact\n{output}```" in text, f"the {name} example in {DOC.name} is out of date"
