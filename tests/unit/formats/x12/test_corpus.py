"""Every real sample in the corpus reads, or is refused with a located error where it is broken."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lightsoff.domain import gs1
from lightsoff.formats.canonical_json import OrderCreate
from lightsoff.formats.documents import ReadDocument
from lightsoff.formats.x12 import X12Error, read_x12
from lightsoff.formats.x12.tokens import tokenize

from .conftest import CORPUS, corpus_bytes

BROKEN_BEYOND_READING = {"bad_855_isa-broken-across-lines_stupidedi.edi"}


def read(name: str) -> ReadDocument:
    return read_x12(corpus_bytes(name))


def codes(document: ReadDocument) -> list[str]:
    return [p.code for p in document.problems]


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir() if p.name not in BROKEN_BEYOND_READING))
def test_every_readable_corpus_file_reads(corpus: Path, name: str) -> None:
    document = read(name)
    assert document.format == "x12"
    assert document.details["interchanges"]
    for order in document.orders:
        # Whatever the 850 carries fits the canonical shape once the service fills in the partner.
        complete = {"partner": "P", **{k: v for k, v in order.order.items() if k != "partner"}}
        if {"po_number", "order_date", "requested_ship_date", "ship_to"} <= complete.keys() and complete["ship_to"].get(
            "code"
        ):
            OrderCreate.model_validate(complete)


def test_isa_broken_across_lines_is_refused_never_misread(corpus: Path) -> None:
    with pytest.raises(X12Error) as raised:
        read("bad_855_isa-broken-across-lines_stupidedi.edi")
    assert raised.value.location == "interchange 1, segment 1 (ISA), element 10"
    assert "ISA10" in raised.value.message
    assert "'213\\n5'" in raised.value.message


def test_vics_850_maps_to_the_canonical_order(corpus: Path) -> None:
    document = read("850_4010VICS_node-x12.edi")
    assert document.problems == ()
    assert document.sender == "4405197800"
    (order,) = document.orders
    assert order.problems == ()
    assert order.reference == "000003438/1421/000000010"
    data = order.order
    assert data["partner"] is None
    assert data["po_number"] == "08292233294"
    assert data["order_date"] == "2010-11-27"
    assert data["requested_ship_date"] == "2010-12-14"  # DTM*002: the only date sent
    assert data["ship_to"] == {
        "code": "0003947268292",
        "name": "XYZ RETAIL",
        "address": {"lines": ["31875 SOLON RD"], "city": "SOLON", "region": "OH", "postal_code": "44139"},
    }
    assert [line["line_no"] for line in data["lines"]] == [1, 2, 3, 4, 5, 6]
    assert [line["quantity"] for line in data["lines"]] == [120, 220, 126, 76, 72, 696]
    assert data["lines"][0] == {
        "line_no": 1,
        "quantity": 120,
        "uom": "EA",
        "customer_sku": "065322-117",
        "sku": "AB3542",
    }
    OrderCreate.model_validate({**data, "partner": "XYZ"})


def test_envelope_details_keep_what_an_acknowledgement_needs(corpus: Path) -> None:
    details = read("850_4010VICS_node-x12.edi").details
    assert (details["sender_qualifier"], details["sender"]) == ("12", "4405197800")
    assert (details["receiver_qualifier"], details["receiver"]) == ("01", "999999999")
    assert details["version"] == "004010VICS"
    assert details["interchange_control_number"] == "000003438"
    (group,) = details["interchanges"][0]["groups"]
    assert (group["functional_id"], group["control_number"]) == ("PO", "1421")
    assert group["sets"][0]["control_number"] == "000000010"
    assert group["sets"][0]["accepted"] is True


def test_newline_terminator_reads_the_same_order(corpus: Path) -> None:
    tilde = read("850_4010VICS_node-x12.edi").orders[0].order
    newline = read("850_4010VICS_newline-terminator_node-x12.edi")
    assert newline.details["interchanges"][0]["delimiters"]["segment"] == "\n"
    assert newline.orders[0].order == tilde


def test_masked_petco_order_numbers_its_line_and_keeps_the_notes(corpus: Path) -> None:
    (order,) = read("850_4010_newline-terminator_masked_node-x12.edi").orders
    data = order.order
    assert data["po_number"] == "----------"
    assert data["lines"] == [{"line_no": 1, "quantity": 1, "uom": "KI", "sku": "UNKNOWN"}]
    assert data["requested_ship_date"] == "2016-05-02"  # DTM*106 required by
    assert "SAN ANTONIO, TX 78245" in data["notes"]
    assert data["ship_to"]["code"] == "100"


def test_snacks_order_numbers_lines_by_position_and_never_takes_ua_as_gtin(corpus: Path) -> None:
    (order,) = read("850_4010_snacks_x12-types.edi").orders
    lines = order.order["lines"]
    assert [line["line_no"] for line in lines] == [1, 2, 3, 4, 5, 6, 7]
    assert [line["quantity"] for line in lines] == [16, 13, 32, 51, 9, 85, 1]
    assert all("gtin" not in line for line in lines)
    assert lines[0]["customer_sku"] == "000111111"
    assert order.order["requested_ship_date"] == "1997-12-19"


def test_minimal_850_with_a_107_character_isa_reads(corpus: Path) -> None:
    document = read("850_4010_minimal_stupidedi.edi")
    (order,) = document.orders
    assert order.order["po_number"] == "PO12345"
    assert order.order["lines"] == [{"line_no": 1, "quantity": 1, "uom": "EA", "sku": "VENDORSKU"}]
    assert document.details["interchanges"][0]["receiver"] == "RECEIVER"
    assert [w["code"] for w in document.details["warnings"]] == ["isa_not_fixed_width"]


def test_one_line_aerospace_set_reads_and_notes_the_functional_id(corpus: Path) -> None:
    document = read("850_4010X357_aerospace_one-line-set_stupidedi.edi")
    (order,) = document.orders
    assert order.problems == ()
    assert order.order["po_number"] == "508517"
    assert order.order["lines"][0]["quantity"] == 48
    assert document.details["interchanges"][0]["delimiters"]["component"] == ":"
    assert "functional_id_mismatch" in [w["code"] for w in document.details["warnings"]]


def test_bom_and_nbsp_padding_are_tolerated_and_the_iea_mismatch_is_located(corpus: Path) -> None:
    document = read("850_4010_bom_nbsp-padded-ISA_ctrl-mismatch_indice.edi")
    assert document.sender == "000123456"
    assert document.details["receiver"] == "PARTNERID"
    (problem,) = document.problems
    assert problem.code == "control_number_mismatch"
    assert problem.location == "interchange 000000055, segment 15 (IEA), element 2"
    assert "000000001" in problem.message
    (order,) = document.orders
    assert order.problems == ()  # the interchange trailer does not spoil the set
    assert order.order["ship_to"]["address"]["lines"] == ["126 Any St"]  # the trailing * is dropped


def test_tab_indented_850_reads_its_loops(corpus: Path) -> None:
    document = read("850_4010_bom_nbsp-ISA_tab-indented_indice.edi")
    assert codes(document) == ["control_number_mismatch"]
    (order,) = document.orders
    data = order.order
    assert data["ship_to"]["code"] == "T100"
    assert data["ship_to"]["address"]["country"] == "US"
    assert data["lines"][0]["line_no"] == 100001
    assert data["lines"][0]["customer_sku"] == "A_QU001-BLK"
    assert data["lines"][0]["quantity"] == 2500
    assert "PO: 4600000406" in data["notes"]


def test_two_groups_give_one_order_and_the_invoices_are_reported(corpus: Path) -> None:
    document = read("810x2_850_two-groups_staedi.edi")
    assert codes(document) == ["unsupported_transaction_set", "unsupported_transaction_set"]
    (order,) = document.orders
    assert order.reference == "000000020/165/000191240"
    assert order.order["order_date"] == "2004-03-17"  # YYMMDD in version 003010
    assert [line["customer_sku"] for line in order.order["lines"]] == ["02006", "02008", "01019", "01220"]
    assert len(document.details["interchanges"][0]["groups"]) == 2


def test_control_numbers_mismatch_is_reported_at_each_trailer(corpus: Path) -> None:
    problems = {(p.code, p.location) for p in read("bad_control-numbers-mismatch_940_ediengine.edi").problems}
    assert ("control_number_mismatch", "interchange 000003438, segment 9 (IEA), element 2") in problems
    assert ("control_number_mismatch", "interchange 000003438, group 3314, segment 8 (GE), element 2") in problems
    assert (
        "control_number_mismatch",
        "interchange 000003438, group 3314, transaction set 0001, segment 5 (SE), element 2",
    ) in problems
    assert (
        "unsupported_transaction_set",
        "interchange 000003438, group 3314, transaction set 0001, segment 1 (ST), element 1",
    ) in problems


def test_group_and_set_counts_and_a_short_iea02_are_reported(corpus: Path) -> None:
    document = read("bad_group-and-set-counts_940_ediengine.edi")
    by_location = {p.location: p for p in document.problems}
    assert by_location["interchange 000003438, segment 9 (IEA), element 1"].code == "count_mismatch"
    iea02 = by_location["interchange 000003438, segment 9 (IEA), element 2"]
    assert iea02.code == "control_number_mismatch"
    assert "numerically equal" in iea02.message
    assert by_location["interchange 000003438, group 3314, segment 8 (GE), element 1"].code == "count_mismatch"


def test_mixed_terminators_are_located_as_invalid_characters_and_a_wrong_count(corpus: Path) -> None:
    document = read("bad_856_mixed-segment-terminators_stupidedi.edi")
    found = {(p.code, p.location) for p in document.problems}
    assert (
        "invalid_character",
        "interchange 000000089, group 000000089, transaction set 0000001, segment 11 (N1), element 4",
    ) in found
    assert (
        "count_mismatch",
        "interchange 000000089, group 000000089, transaction set 0000001, segment 22 (SE), element 1",
    ) in found


@pytest.mark.parametrize(
    ("name", "delimiters"),
    [
        ("810_4010_pipe-element-sep_stupidedi.edi", ("|", ">", "~", None)),
        ("855_4010_brace-component-sep_stupidedi.edi", ("*", "{", "~", None)),
        ("856_2001_tare-pack-levels_bang-terminator_stupidedi.edi", ("*", "@", "!", None)),
        ("856_4060_S-O-I_node-x12.edi", ("*", ">", "~", "-")),
        ("856_4010_S-O-P-I_22digit-MAN_bots-GPL.x12", ("*", ">", "~", "^")),
        ("bad_856_mixed-segment-terminators_stupidedi.edi", ("*", "{", "$", None)),
    ],
)
def test_delimiters_come_from_each_isa(corpus: Path, name: str, delimiters: tuple[str, str, str, str | None]) -> None:
    found = read(name).details["interchanges"][0]["delimiters"]
    assert (found["element"], found["component"], found["segment"], found["repetition"]) == delimiters


def test_unpadded_isa_with_two_sets_in_one_group_reads_both(corpus: Path) -> None:
    document = read("856_2001_tare-pack-levels_bang-terminator_stupidedi.edi")
    (group,) = document.details["interchanges"][0]["groups"]
    assert [s["control_number"] for s in group["sets"]] == ["0001", "0002"]
    # Only "not an 850" is wrong with them: the envelope counts are right.
    assert codes(document) == ["unsupported_transaction_set", "unsupported_transaction_set"]


def test_quantities_with_decimals_stay_exact(corpus: Path) -> None:
    data = read("850_4010_syntax-note-errors_ediengine.edi").orders[0].order
    assert data["lines"][0]["quantity"] == 120
    assert "customer_sku" not in data["lines"][0]  # CB with an empty PO107
    assert Decimal(str(data["lines"][5]["quantity"])) == Decimal(696)


def test_short_isa_810_reads_with_a_width_warning(corpus: Path) -> None:
    document = read("810_4010_bom_short-ISA_tab-indented_indice.edi")
    (warning,) = document.details["warnings"]
    assert warning["code"] == "isa_not_fixed_width"
    assert "81 characters" in warning["message"]
    assert document.details["interchanges"][0]["receiver"] == "ARIBAEDI"


def test_real_856_sscc_values_are_the_kind_write_856_refuses(corpus: Path) -> None:
    (raw,), _ = tokenize(corpus_bytes("856_4010_crossdock_S-O-P-I_MAN-GM_ediengine.edi"))
    marks = [s.get(2) for s in raw.segments if s.tag == "MAN" and s.get(1) == "GM"]
    assert len(marks) == 5
    assert all(len(mark) == 20 and mark.startswith("00") for mark in marks)
    assert not any(gs1.is_valid_sscc(mark[2:]) for mark in marks)
    assert gs1.check_digit("00071567000215236") == 3  # 000715670002152360 should end in 3
