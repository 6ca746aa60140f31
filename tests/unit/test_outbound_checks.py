"""The independent checks of outbound documents catch what they are there to catch (tests/outbound_checks.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lightsoff.domain import gs1
from lightsoff.domain.documents_out import Party, ShipmentNotice, ShippedItem, ShippedOrder, ShippedPallet
from lightsoff.formats.edifact.desadv import write_desadv
from lightsoff.formats.edifact.writer import EdifactEnvelope
from lightsoff.formats.x12 import Envelope, write_856
from tests.outbound_checks import check_856, check_desadv, read_edifact, read_x12

AT = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
SSCCS = [gs1.build_sscc(0, "4012345", n) for n in (1, 2)]
NOTICE = ShipmentNotice(
    "SHP-1",
    AT,
    Party("Werk 1", gln="4012345000009"),
    Party("DC North", gln="5400110000016"),
    (
        ShippedOrder(
            "SO-1",
            "PO-1",
            date(2026, 11, 23),
            tuple(ShippedPallet(sscc, (ShippedItem(1, Decimal(5), "EA", "WID-100"),)) for sscc in SSCCS),
        ),
    ),
)
X12 = write_856(NOTICE, Envelope("LIGHTSOFF", "ACME", 7, 7, AT))
EDIFACT = write_desadv(NOTICE, EdifactEnvelope("4012345000009", "5400110000016", "7", AT))


def test_a_well_formed_856_and_desadv_pass() -> None:
    assert check_856(read_x12(X12)) == SSCCS
    assert check_desadv(read_edifact(EDIFACT)) == SSCCS


@pytest.mark.parametrize(
    ("before", "after", "what"),
    [
        (b"SE*", b"SE*99", "SE01"),
        (b"IEA*1*000000007", b"IEA*1*000000008", "ISA13"),
        (b"GE*1*7", b"GE*1*8", "GE02"),
        (b"HL*3*2*T", b"HL*3*1*T", "parent"),
        (b"HL*2*1*O", b"HL*2**O", "parent"),
        (SSCCS[1].encode(), SSCCS[1][:-1].encode() + b"0", "SSCC"),
    ],
)
def test_a_tampered_856_fails(before: bytes, after: bytes, what: str) -> None:
    tampered = X12.replace(before, after, 1)
    assert tampered != X12, what
    with pytest.raises(AssertionError):
        check_856(read_x12(tampered))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"UNT+", b"UNT+9"),
        (b"UNZ+1+7", b"UNZ+1+8"),
        (b"CPS+3+1", b"CPS+4+1"),
        (SSCCS[0].encode(), b"040123450000000011"),
    ],
)
def test_a_tampered_desadv_fails(before: bytes, after: bytes) -> None:
    tampered = EDIFACT.replace(before, after, 1)
    assert tampered != EDIFACT
    with pytest.raises(AssertionError):
        check_desadv(read_edifact(tampered))
