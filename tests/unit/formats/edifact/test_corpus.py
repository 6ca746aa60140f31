"""Every EDIFACT sample in the corpus reads, and the facts its README row gives come out as problems or values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lightsoff.formats.canonical_json import OrderCreate
from lightsoff.formats.documents import ReadDocument
from lightsoff.formats.edifact import read_edifact
from lightsoff.formats.edifact.lexer import lex

from .corpus import CORPUS, sample


def codes(document: ReadDocument) -> list[str]:
    return [problem.code for problem in document.problems]


def message_problems(document: ReadDocument, interchange: int = 0) -> list[list[tuple[str, str]]]:
    messages = document.details["interchanges"][interchange]["messages"]
    return [[(problem["code"], problem["location"]) for problem in message["problems"]] for message in messages]


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.edi")), ids=lambda path: path.name)
def test_every_corpus_file_reads_with_located_problems(path):
    document = read_edifact(path.read_bytes())

    assert document.format == "edifact"
    assert document.details["interchanges"]
    for problem in document.problems:
        assert problem.location.startswith("interchange") or problem.location == "the document"
    for order in document.orders:
        assert order.location.startswith("interchange")
        assert all("segment" in problem.location for problem in order.problems)


def test_the_corpus_has_the_eighteen_files_its_readme_lists():
    assert len(list(CORPUS.glob("*.edi"))) == 18


def test_eancom_order_without_unz_maps_every_field_and_reports_the_missing_unz():
    document = read_edifact(sample("ORDERS_D96A_EAN008_no-UNZ_pydifact.edi"))

    assert codes(document) == ["missing_unz"]
    assert document.problems[0].location == "interchange 807, segment 17 (UNT)"
    assert document.sender == "12345678"
    assert document.details["service_characters"] == "UNA:+,? '"
    assert document.details["syntax"] == {"identifier": "UNOA", "version": "4"}
    (order,) = document.orders
    assert order.problems == ()
    assert order.reference == "807/1"
    assert order.order == {
        "partner": None,
        "po_number": "801715918011",
        "order_date": "2015-08-03",
        "requested_ship_date": "2015-08-06",
        "ship_to": {"code": "8711576100019"},
        "lines": [
            {"line_no": 1, "gtin": "5020436373085", "quantity": Decimal(8), "uom": "PCE"},
            {"line_no": 2, "gtin": "5020436373108", "quantity": Decimal(8), "uom": "PCE"},
        ],
    }
    facts = document.details["orders"]["807/1"]
    assert facts["buyer"] == {"id": "8711576000012", "agency": "9", "segment": 8}
    assert facts["sender"] == {"id": "12345678", "qualifier": "8", "routing": ""}
    assert (facts["version"], facts["association"], facts["requested_date_qualifier"]) == ("D96A", "EAN008", "2")


def test_minimal_order_without_una_reads_with_default_delimiters_and_lacks_date_and_ship_to():
    document = read_edifact(sample("ORDERS_D96A_minimal_no-UNA_no-UNZ_pydifact.edi"))

    assert document.details["service_characters"] == "UNA:+.? '"
    assert codes(document) == ["missing_unz"]
    (order,) = document.orders
    assert order.order["po_number"] == "PO123456"
    assert order.order["lines"] == [{"line_no": 1, "customer_sku": "ABC123", "quantity": Decimal(10), "uom": "PCE"}]
    assert [problem.code for problem in order.problems] == ["missing_requested_ship_date", "missing_ship_to"]


def test_wikipedia_order_reports_unz_reference_against_unb_0020():
    document = read_edifact(sample("ORDERS_D96A_wikipedia-de_pydifact.edi"))

    (problem,) = document.problems
    assert problem.code == "reference_mismatch"
    assert problem.location == "interchange 1, segment 11 (UNZ), element 2"
    assert "'1234567'" in problem.message
    assert "'1'" in problem.message
    (order,) = document.orders
    assert order.order["order_date"] == "2006-06-20"  # DTM+4, the order date
    assert order.order["lines"] == [{"line_no": 1, "sku": "Produkt Schrauben"}]
    assert "missing_quantity" in [p.code for p in order.problems]  # QTY+1, not +21


def test_order_in_a_group_reports_the_unt_count_and_warns_about_the_ung_version():
    document = read_edifact(sample("ORDERS_D96B_EAN008_UNG-UNE_staedi.edi"))

    assert document.problems == ()
    (order,) = document.orders
    assert order.location == "interchange 2722166169492, group 1, message 1 (ORDERS) (segments 3-20)"
    count = order.problems[0]
    assert (count.code, count.location) == ("count_mismatch", "interchange 2722166169492, segment 20 (UNT), element 1")
    assert "21" in count.message
    assert "18" in count.message
    assert order.order["notes"] == "THIS IS AN EXAMPLE OF EDIFACT FILE."
    assert order.order["lines"][0] == {
        "line_no": 1,
        "gtin": "5400111864181",
        "customer_sku": "8641800",
        "quantity": Decimal(288),
        "uom": "PCE",
    }
    assert [warning["code"] for warning in document.details["warnings"]] == ["group_version_mismatch"]
    assert document.details["interchanges"][0]["agreement"] == "EANCOM"


def test_real_size_order_has_146_lines_escaped_names_and_units_as_sent():
    document = read_edifact(sample("ORDERS_D01B_EAN010_U+FFFD-mojibake_escapes_php-edifact-LGPL.edi"))

    assert document.problems == ()
    (order,) = document.orders
    assert order.problems == ()
    lines = order.order["lines"]
    assert len(lines) == 146
    assert {line["uom"] for line in lines} == {"GBND", "STK", "BTL", "EIM", "PACK", "SCHA"}  # as sent
    assert lines[0] == {"line_no": 1, "sku": "1001", "customer_sku": "6001001", "quantity": Decimal(2), "uom": "GBND"}
    assert order.order["ship_to"]["code"] == "4250159399005"
    assert order.order["ship_to"]["name"].startswith("A+A K")  # "A?+A": the released plus
    assert order.order["requested_ship_date"] == "2018-12-06"
    interchange = document.details["interchanges"][0]
    assert interchange["messages"][0]["segments"] == [2, 600]  # UNH..UNT = 599 segments, as UNT says
    assert interchange["syntax"] == {"identifier": "UNOC", "version": "3"}
    assert document.details["orders"]["896/2019265563"]["association"] == "EAN010"


def test_ordrsp_sample_is_not_an_order_and_its_envelope_defects_are_located():
    document = read_edifact(sample("ORDRSP_D10A_single-line_indice.edi"))

    assert codes(document) == ["reference_mismatch", "not_an_order", "count_mismatch", "reference_mismatch"]
    assert document.problems[0].location == "interchange DAREFNR0000001, segment 33 (UNZ), element 2"
    assert [code for code, _ in message_problems(document)[0]] == ["count_mismatch", "reference_mismatch"]
    assert document.orders == ()


def test_desadv_with_three_messages_reads_without_envelope_problems():
    document = read_edifact(sample("DESADV_D96A_EAN005_PCI-33E_GIN-BJ_bots-GPL.edi"))

    messages = document.details["interchanges"][0]["messages"]
    assert [(message["reference"], message["type"]) for message in messages] == [
        ("7", "DESADV"),
        ("8", "DESADV"),
        ("10", "DESADV"),
    ]
    assert message_problems(document) == [[], [], []]
    assert codes(document) == ["not_an_order"] * 3


def test_desadv_with_version_0_warns_about_the_unh_version():
    document = read_edifact(sample("DESADV_D96A_CPS-no-PAC_php-edifact-LGPL.edi"))

    (message,) = document.details["interchanges"][0]["messages"]
    assert [warning["code"] for warning in message["warnings"]] == ["unusual_version"]


def test_indented_invoice_with_bom_reports_unt_count_and_reference():
    document = read_edifact(sample("INVOIC_D01B_EAN011_indented_GIN-BJ_indice.edi"))

    assert message_problems(document) == [
        [
            ("count_mismatch", "interchange 1, segment 103 (UNT), element 1"),
            ("reference_mismatch", "interchange 1, segment 103 (UNT), element 2"),
        ]
    ]
    assert document.details["warnings"][0]["code"] == "unknown_syntax_level"  # IATB


def test_comma_decimal_invoice_under_unoa_reports_its_lower_case_letters():
    document = read_edifact(sample("INVOIC_D93A_comma-decimal_staedi.edi"))

    first = message_problems(document)[0][0]
    assert first == ("invalid_character", "interchange 9908021557, segment 7 (NAD), element 3, component 1")


@pytest.mark.parametrize("name", ["INVOIC_D97A_UNOA_pydifact.edi", "INVOIC_D97A_trailing-component-sep_pydifact.edi"])
def test_clean_invoices_have_no_envelope_problems(name):
    document = read_edifact(sample(name))

    assert message_problems(document) == [[]]
    assert codes(document) == ["not_an_order"]


@pytest.mark.parametrize(
    "name", ["INVOIC_D97B_custom-UNA-delimiters_staedi.edi", "INVOIC_D97B_custom-UNA_wrapped-15col_staedi.edi"]
)
def test_custom_una_and_wrapped_lines_read_the_recipient_without_the_stray_release(name):
    document = read_edifact(sample(name))

    assert document.details["service_characters"] == "UNA=*.? ~"
    interchange = document.details["interchanges"][0]
    assert interchange["recipient"] == {"id": "006415160", "qualifier": "1", "routing": ""}
    assert interchange["reference"] == "00000000000778"
    assert [warning["code"] for warning in interchange["warnings"]] == ["stray_release"]
    assert message_problems(document) == [[]]
    assert interchange["messages"][0]["segments"] == [2, 25]


def test_wrapped_and_unwrapped_custom_una_files_read_the_same():
    plain = read_edifact(sample("INVOIC_D97B_custom-UNA-delimiters_staedi.edi"))
    wrapped = read_edifact(sample("INVOIC_D97B_custom-UNA_wrapped-15col_staedi.edi"))

    assert plain.details == wrapped.details


def test_utf8_umlaut_under_unoa_is_an_invalid_character_at_its_element():
    document = read_edifact(sample("INVOIC_D97B_non-UNOA-char_staedi.edi"))

    (problems,) = message_problems(document)
    assert problems == [("invalid_character", "interchange 00000000000778, segment 7 (NAD), element 4, component 1")]


def test_invalid_values_sample_has_correct_counts_and_only_the_dollar_is_a_syntax_error():
    document = read_edifact(sample("bad_INVOIC_D97B_invalid-values_staedi.edi"))

    (problems,) = message_problems(document)
    assert problems == [("invalid_character", "interchange 00000000000778, segment 14 (PRI), element 1, component 2")]


def test_multi_message_file_reports_each_message_on_its_own():
    document = read_edifact(sample("bad_multi-message_UNT-mismatch_indice.edi"))

    assert document.problems[0].code == "count_mismatch"
    assert document.problems[0].location == "interchange 581575491, segment 14 (UNZ), element 1"
    assert "4 messages" in document.problems[0].message
    per_message = [[code for code, _ in problems] for problems in message_problems(document)]
    assert per_message == [
        ["count_mismatch"],
        ["count_mismatch", "reference_mismatch"],
        ["count_mismatch"],
        ["duplicate_reference", "count_mismatch", "reference_mismatch"],
    ]


def test_release_character_vectors_tokenise_as_iso_9735_says():
    segments = lex(sample("release-character-cases_PAORES_php-edifact-LGPL.edi")).segments
    ift = [segment.elements[1:] for segment in segments if segment.tag == "IFT"]

    assert ift[1:] == [
        [["NO MORE FLIGHTS 1"]],
        [["NO MORE FLIGHTS 2?"]],
        [["NO MORE ' FLIGHTS 3"]],
        [["NO MORE ? FLIGHTS 3"]],
        [["NO MORE ?' FLIGHTS 3"]],
        [["FIELD 1"], ["FIELD 2"]],
        [["FIELD 1?"], ["FIELD 2"]],
        [["FIELD 1?+FIELD 2"]],
        [["FIELD 1.1", "FIELD 1.2"]],
        [["FIELD 1.1?", "FIELD 1.2"]],
        [["FIELD 1.1?:FIELD 1.2"]],
    ]
    document = read_edifact(sample("release-character-cases_PAORES_php-edifact-LGPL.edi"))
    assert message_problems(document)[0][0] == ("count_mismatch", "interchange 1, segment 24 (UNT), element 1")


@pytest.mark.parametrize(
    "name",
    ["ORDERS_D96A_EAN008_no-UNZ_pydifact.edi", "ORDERS_D01B_EAN010_U+FFFD-mojibake_escapes_php-edifact-LGPL.edi"],
)
def test_orders_without_problems_are_valid_canonical_orders_once_the_partner_is_known(name):
    (order,) = read_edifact(sample(name)).orders

    model = OrderCreate.model_validate({**order.order, "partner": "ACME"})

    assert model.po_number == order.order["po_number"]
    assert len(model.lines) == len(order.order["lines"])
