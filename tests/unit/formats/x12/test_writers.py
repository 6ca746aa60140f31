"""Writers: output reads back with our reader, passes pyx12's envelope checks and a second, independent reading."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import pyx12.x12file

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
from lightsoff.formats.x12 import (
    Envelope,
    X12WriteError,
    read_functional_ack,
    read_x12,
    reply_envelope,
    write_855,
    write_856,
    write_997,
    write_functional_ack,
)
from lightsoff.formats.x12.reader import read_interchanges
from lightsoff.formats.x12.tokens import tokenize

from .conftest import corpus_bytes
from .test_bad_input import ORDER, interchange

AT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
ENVELOPE = Envelope("LIGHTSOFF", "ACME", interchange_control_number=42, group_control_number=7, created_at=AT)


def pyx12_errors(data: bytes) -> list[tuple[object, ...]]:
    """pyx12 (an independent implementation) reads the envelope and counts; it returns what it finds wrong."""
    reader = pyx12.x12file.X12Reader(io.StringIO(data.decode()))
    for _ in reader:
        pass
    return list(reader.pop_errors())


def second_reading(data: bytes) -> list[list[str]]:
    """A reading written differently from ours: fixed ISA offsets (our writer pads the ISA) and a regex split."""
    text = data.decode()
    element, terminator = text[3], text[105]
    assert text[106] == "\n"
    segments = [s.strip() for s in re.split(re.escape(terminator), text) if s.strip()]
    return [s.split(element) for s in segments]


def reads_back_cleanly(data: bytes) -> None:
    """Our own reader finds no envelope problem in what our writers wrote."""
    interchanges, _ = read_interchanges(data)
    for one in interchanges:
        assert one.problems == []
        assert one.warnings == []
        for group in one.groups:
            assert group.problems == []
            assert all(transaction.problems == [] for transaction in group.sets)


def check_envelope(rows: list[list[str]]) -> None:
    isa, iea = rows[0], rows[-1]
    assert isa[0] == "ISA"
    assert iea[0] == "IEA"
    assert iea[2] == isa[13]
    assert iea[1] == str(sum(1 for r in rows if r[0] == "GS"))
    gs_index = 0
    for index, row in enumerate(rows):
        if row[0] == "GS":
            gs_index = index
        if row[0] == "GE":
            assert row[2] == rows[gs_index][6]
            assert row[1] == str(sum(1 for r in rows[gs_index:index] if r[0] == "ST"))
        if row[0] == "SE":
            st_index = max(i for i in range(index) if rows[i][0] == "ST")
            assert row[1] == str(index - st_index + 1)
            assert row[2] == rows[st_index][2]


def body(rows: list[list[str]], tag: str) -> list[list[str]]:
    return [row for row in rows if row[0] == tag]


# ---- 997 / 999 ----


def test_997_mirrors_the_850_it_acknowledges() -> None:
    document = read_x12(corpus_bytes("850_4010VICS_node-x12.edi"))
    envelope = reply_envelope(document, interchange_control_number=12, group_control_number=13, created_at=AT)
    out = write_functional_ack(document, envelope)
    assert pyx12_errors(out) == []
    reads_back_cleanly(out)
    rows = second_reading(out)
    check_envelope(rows)
    isa = rows[0]
    assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == ("01", "999999999", "12", "4405197800")
    assert isa[12] == "00401"
    assert isa[15] == "P"
    assert body(rows, "GS")[0][1] == "FA"
    assert body(rows, "GS")[0][8] == "004010VICS"
    assert body(rows, "ST")[0][1] == "997"
    assert body(rows, "AK1") == [["AK1", "PO", "1421"]]
    assert body(rows, "AK2") == [["AK2", "850", "000000010"]]
    assert body(rows, "AK5") == [["AK5", "A"]]
    assert body(rows, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_997_rejects_a_broken_set_with_its_segment_and_element() -> None:
    good = interchange(*ORDER).decode()
    text = good.replace("BEG*00*SA*PO-1**20261120", "BEG*00*SA*PO-1**2026112X").replace("SE*6*0001", "SE*9*0001")
    document = read_x12(text.encode())
    out = write_997(
        document, reply_envelope(document, interchange_control_number=1, group_control_number=1, created_at=AT)
    )
    assert pyx12_errors(out) == []
    reads_back_cleanly(out)
    rows = second_reading(out)
    assert body(rows, "AK3") == [["AK3", "BEG", "2", "", "8"]]
    assert body(rows, "AK4") == [["AK4", "5", "", "8"]]
    assert body(rows, "AK5") == [["AK5", "R", "4", "5"]]
    assert body(rows, "AK9") == [["AK9", "R", "1", "1", "0"]]


def test_999_for_5010_input_carries_versions_and_ik_segments() -> None:
    text = interchange(*ORDER[:3], "PO1*1*x*EA").decode().replace("*00401*", "*00501*").replace("*004010", "*005010")
    document = read_x12(text.encode())
    envelope = reply_envelope(document, interchange_control_number=5, group_control_number=6, created_at=AT)
    assert envelope.version == "005010"
    out = write_functional_ack(document, envelope)
    assert pyx12_errors(out) == []
    reads_back_cleanly(out)
    rows = second_reading(out)
    check_envelope(rows)
    assert rows[0][12] == "00501"
    assert body(rows, "ST")[0][1:] == ["999", "0001", "005010X231A1"]
    assert body(rows, "AK1") == [["AK1", "PO", "77", "005010"]]
    assert body(rows, "IK3") == [["IK3", "PO1", "5", "", "8"]]
    assert body(rows, "IK5") == [["IK5", "R", "5"]]


def test_a_written_997_reads_back_with_read_functional_ack() -> None:
    document = read_x12(corpus_bytes("bad_856_mixed-segment-terminators_stupidedi.edi"))
    out = write_997(
        document, reply_envelope(document, interchange_control_number=3, group_control_number=4, created_at=AT)
    )
    ack = read_functional_ack(out)
    assert ack.kind == "997"
    assert ack.problems == ()
    (group,) = ack.groups
    assert (group.functional_id, group.control_number, group.status, group.accepted) == ("SH", "000000089", "R", False)
    (answer,) = group.sets
    assert (answer.code, answer.control_number, answer.accepted) == ("856", "0000001", False)
    assert answer.error_codes == ("1", "5", "4")
    (segment_error,) = answer.segment_errors
    assert (segment_error.tag, segment_error.position) == ("N1", 11)
    assert [e.position for e in segment_error.elements] == ["4", "5", "9"]


def test_read_functional_ack_reads_a_partners_997_for_what_we_sent() -> None:
    text = (
        "ISA*00*          *00*          *ZZ*ACME           *ZZ*LIGHTSOFF      *261124*0900*U*00401*000000777*0*P*>~"
        "GS*FA*ACME*LIGHTSOFF*20261124*0900*777*X*004010~ST*997*0001~"
        "AK1*SH*7~AK2*856*0001~AK5*A~AK2*856*0002~AK3*MAN*9**8~AK4*2**6*0012~AK5*R*5~AK9*P*2*2*1~"
        "SE*10*0001~GE*1*777~IEA*1*000000777~"
    )
    ack = read_functional_ack(text.encode())
    (group,) = ack.groups
    assert (group.control_number, group.status) == ("7", "P")
    first, second = group.sets
    assert (first.control_number, first.accepted) == ("0001", True)
    assert (second.control_number, second.accepted, second.error_codes) == ("0002", False, ("5",))
    assert second.segment_errors[0].tag == "MAN"
    assert second.segment_errors[0].elements[0].code == "6"


# ---- 855 ----


def test_855_round_trip_from_a_corpus_order() -> None:
    (order,) = read_x12(corpus_bytes("850_4010VICS_node-x12.edi")).orders
    lines = order.order["lines"]
    acknowledged = []
    for line in lines:
        status = {1: LineStatus.CHANGED, 2: LineStatus.REJECTED}.get(line["line_no"], LineStatus.ACCEPTED)
        changes = (
            (LineChange("quantity", str(line["quantity"]), "100", "pallet multiple"),) if status == "changed" else ()
        )
        quantity = Decimal(100) if changes else Decimal(line["quantity"])
        acknowledged.append(
            LineAcknowledgement(
                line["line_no"],
                status,
                quantity,
                line["uom"],
                sku=line["sku"],
                customer_sku=line["customer_sku"],
                ship_date=date(2026, 12, 10),
                changes=changes,
            )
        )
    acknowledgement = OrderAcknowledgement(
        "ord_1", order.order["po_number"], date(2010, 11, 27), AT, tuple(acknowledged)
    )
    out = write_855(acknowledgement, ENVELOPE)
    assert pyx12_errors(out) == []
    reads_back_cleanly(out)
    rows = second_reading(out)
    check_envelope(rows)
    assert body(rows, "GS")[0][1] == "PR"
    (bak,) = body(rows, "BAK")
    assert bak[1:5] == ["00", "AC", "08292233294", "20101127"]
    assert bak[8:10] == ["ord_1", "20261123"]
    po1 = body(rows, "PO1")
    assert [row[1] for row in po1] == [str(line["line_no"]) for line in lines]
    assert po1[0][2] == "120"  # the line as ordered
    assert po1[0][6:10] == ["BP", "065322-117", "VP", "AB3542"]
    acks = body(rows, "ACK")
    assert [row[1] for row in acks] == ["IC", "IR", "IA", "IA", "IA", "IA"]
    assert acks[0][1:6] == ["IC", "100", "EA", "068", "20261210"]
    assert body(rows, "CTT") == [["CTT", "6", str(sum(line["quantity"] for line in lines))]]
    (raw,), _ = tokenize(out)
    assert raw.segments[-1].tag == "IEA"


def test_writers_refuse_a_delimiter_inside_a_value() -> None:
    line = LineAcknowledgement(1, LineStatus.ACCEPTED, Decimal(1), "EA", sku="A*B")
    with pytest.raises(X12WriteError) as raised:
        write_855(OrderAcknowledgement("o", "PO", date(2026, 1, 1), AT, (line,)), ENVELOPE)
    assert raised.value.location == "PO107"


# ---- 856 ----


def sscc(serial: int) -> str:
    return gs1.build_sscc(0, "4012345", serial)


NOTICE = ShipmentNotice(
    shipment_id="SHP-1",
    shipped_at=AT,
    ship_from=Party("Plant 1", gln="4012345000009"),
    ship_to=Party("DC North", code="DC-N", address=Address(("1 Dock Rd",), "Solon", "44139", "OH", "US")),
    orders=(
        ShippedOrder(
            "ord_1",
            "PO-1",
            date(2026, 11, 20),
            (
                ShippedPallet(
                    sscc(1), (ShippedItem(1, Decimal(40), "EA", sku="WID-100", gtin="4012345000016"),), Decimal(410)
                ),
                ShippedPallet(
                    sscc(2),
                    (
                        ShippedItem(1, Decimal(20), "EA", sku="WID-100"),
                        ShippedItem(2, Decimal("7.5"), "KG", customer_sku="A-7788", lot="L42"),
                    ),
                    Decimal(300),
                ),
            ),
        ),
        ShippedOrder(
            "ord_2", "PO-2", date(2026, 11, 21), (ShippedPallet(sscc(3), (ShippedItem(5, Decimal(12), "CS"),)),)
        ),
    ),
    estimated_delivery=date(2026, 11, 25),
    carrier_scac="ABCD",
    bill_of_lading="BOL-9",
)


def test_856_hierarchy_parents_sscc_and_totals() -> None:
    out = write_856(NOTICE, ENVELOPE)
    assert pyx12_errors(out) == []
    reads_back_cleanly(out)
    rows = second_reading(out)
    check_envelope(rows)
    hls = body(rows, "HL")
    levels = {row[1]: row[3] for row in hls}
    expected_parent_level = {"S": None, "O": "S", "T": "O", "I": "T"}
    for number, row in enumerate(hls, start=1):
        assert row[1] == str(number)
        parent = row[2] or None
        assert (levels[parent] if parent else None) == expected_parent_level[row[3]]
        has_children = any(other[2] == row[1] for other in hls)
        assert row[4] == ("1" if has_children else "0")
    assert [row[3] for row in hls] == ["S", "O", "T", "I", "T", "I", "I", "O", "T", "I"]
    mans = body(rows, "MAN")
    assert [row[1] for row in mans] == ["GM", "GM", "GM"]
    for row in mans:
        assert len(row[2]) == 20
        assert row[2].startswith("00")
        assert gs1.is_valid_sscc(row[2][2:])
    assert body(rows, "CTT") == [["CTT", "10", "79.5"]]
    assert body(rows, "BSN")[0][5] == "0001"
    assert body(rows, "PRF")[0][1:5] == ["PO-1", "", "", "20261120"]
    lins = body(rows, "LIN")
    assert lins[0] == ["LIN", "1", "VP", "WID-100", "EN", "4012345000016"]
    assert lins[2] == ["LIN", "2", "BP", "A-7788", "LT", "L42"]
    assert ["N1", "ST", "DC North", "92", "DC-N"] in rows
    assert ["N4", "Solon", "OH", "44139", "US"] in rows
    assert body(rows, "TD1") == [["TD1", "PLT94", "3"]]  # one pallet has no weight: no total


def test_856_refuses_an_invalid_sscc() -> None:
    bad = ShippedOrder("o", "PO", date(2026, 1, 1), (ShippedPallet("000715670002152360", ()),))
    notice = ShipmentNotice("S", AT, Party("A"), Party("B"), (bad,))
    with pytest.raises(X12WriteError, match="check digit"):
        write_856(notice, ENVELOPE)


def test_856_in_5010_and_custom_delimiters(tmp_path: Path) -> None:
    envelope = Envelope(
        "LIGHTSOFF", "ACME", interchange_control_number=9, group_control_number=9, created_at=AT, version="005010"
    )
    out = write_856(NOTICE, envelope)
    assert pyx12_errors(out) == []
    reads_back_cleanly(out)
    (raw,), _ = tokenize(out)
    assert raw.isa.get(12) == "00501"
    assert raw.delimiters.repetition == "^"


def test_997_answers_every_group_and_a_partly_accepted_one_is_p() -> None:
    text = interchange(*ORDER).decode()
    st, ge = text.index("ST*"), text.index("GE*")
    second = text[st:ge].replace("0001", "0002").replace("20261120", "2026112")
    combined = text[:ge] + second + "GE*2*77" + text[ge + len("GE*1*77") :]
    document = read_x12(combined.encode())
    out = write_997(
        document, reply_envelope(document, interchange_control_number=1, group_control_number=2, created_at=AT)
    )
    rows = second_reading(out)
    assert body(rows, "AK5") == [["AK5", "A"], ["AK5", "R", "5"]]
    assert body(rows, "AK9") == [["AK9", "P", "2", "2", "1"]]
    assert read_functional_ack(out).groups[0].status == "P"


def test_the_repetition_separator_is_only_reserved_from_00402_on() -> None:
    line = LineAcknowledgement(1, LineStatus.ACCEPTED, Decimal(1), "EA", sku="A^B")
    acknowledgement = OrderAcknowledgement("o", "PO", date(2026, 1, 1), AT, (line,))
    assert b"VP*A^B" in write_855(acknowledgement, ENVELOPE)
    five = Envelope(
        "LIGHTSOFF", "ACME", interchange_control_number=1, group_control_number=1, created_at=AT, version="005010"
    )
    with pytest.raises(X12WriteError, match="delimiter"):
        write_855(acknowledgement, five)
