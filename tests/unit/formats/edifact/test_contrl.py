"""CONTRL: written for what we received (mirroring its envelope), read for what we sent."""

from __future__ import annotations

from datetime import datetime

import pytest

from lightsoff.formats.edifact import EdifactError, read_contrl, read_edifact, write_contrl

from .corpus import sample
from .pydifact_check import parse

AT = datetime(2026, 11, 23, 14, 5)


def contrl_for(name: str, **options):
    received = read_edifact(sample(name))
    return received, write_contrl(received, interchange_reference="LSC1", prepared_at=AT, **options)


def test_contrl_mirrors_syntax_and_swaps_the_parties_of_a_clean_interchange():
    _, data = contrl_for("ORDERS_D01B_EAN010_U+FFFD-mojibake_escapes_php-edifact-LGPL.edi")
    parsed = parse(data)

    assert parsed.one("UNB")[:3] == [["UNOC", "3"], ["unbekannt", "14"], ["4250159300001", "14"]]
    assert parsed.one("UNH") == ["1", ["CONTRL", "D", "3", "UN"]]
    assert parsed.one("UCI") == ["896", ["4250159300001", "14"], ["unbekannt", "14"], "7"]
    assert parsed.one("UCM") == ["2019265563", ["ORDERS", "D", "01B", "UN", "EAN010"], "7"]


def test_contrl_rejects_an_interchange_without_unz_and_uses_its_comma_una():
    _, data = contrl_for("ORDERS_D96A_EAN008_no-UNZ_pydifact.edi")

    assert data.startswith(b"UNA:+,? '\nUNB+UNOA:4+WBDZDD:ZZ+12345678:8+20261123:1405+LSC1'")
    parsed = parse(data)
    assert parsed.one("UCI") == ["807", ["12345678", "8"], ["WBDZDD", "ZZ"], "4", "13", "UNT"]
    assert parsed.one("UCM") == ["1", ["ORDERS", "D", "96A", "UN", "EAN008"], "7"]


def test_contrl_points_at_the_bad_unt_count_inside_a_group():
    _, data = contrl_for("ORDERS_D96B_EAN008_UNG-UNE_staedi.edi")
    parsed = parse(data)

    assert parsed.tags()[3:8] == ["UCI", "UCF", "UCM", "UCS", "UCD"]
    assert parsed.one("UCF") == ["1", ["5400110000009", "14"], ["5013546107732", "14"], "7"]
    assert parsed.one("UCM") == ["1", ["ORDERS", "D", "96B", "UN", "EAN008B"], "4", "29"]
    assert parsed.one("UCS") == ["18"]  # UNT is the 18th segment of the message
    assert parsed.one("UCD") == ["29", "1"]


def test_contrl_of_a_multi_message_file_answers_each_message_and_reads_back():
    received, data = contrl_for("bad_multi-message_UNT-mismatch_indice.edi")

    (report,) = read_contrl(data)
    assert report.interchange_reference == "581575491"
    assert (report.status, report.error) == ("rejected", "29")
    assert [(message.reference, message.type, message.action) for message in report.messages] == [
        ("42", "IFTMIN", "4"),
        ("44", "INVOIC", "4"),
        ("43", "IFTMIN", "4"),
        ("44", "INVOIC", "4"),
    ]
    assert report.messages[1].segment_errors == ((3, "29", "1"), (3, "28", "2"))
    assert report.messages[3].segment_errors == ((1, "26", "1"), (3, "29", "1"), (3, "28", "2"))
    assert report.contrl_reference == "LSC1"
    assert received.details["interchanges"][0]["reference"] == report.interchange_reference


def test_read_contrl_reports_accepted_messages():
    _, data = contrl_for("INVOIC_D97A_UNOA_pydifact.edi")

    (report,) = read_contrl(data)
    assert report.status == "accepted"
    assert [(message.reference, message.accepted) for message in report.messages] == [("1", True)]


def test_read_contrl_refuses_a_document_without_contrl():
    with pytest.raises(EdifactError) as raised:
        read_contrl(sample("INVOIC_D97A_UNOA_pydifact.edi"))

    assert raised.value.problem.code == "not_contrl"


def test_contrl_for_the_second_interchange_of_a_file():
    text = sample("INVOIC_D97A_UNOA_pydifact.edi") + sample("ORDERS_D96A_wikipedia-de_pydifact.edi")
    received = read_edifact(text)
    data = write_contrl(received, interchange_reference="LSC2", prepared_at=AT, index=1)

    (report,) = read_contrl(data)
    assert report.interchange_reference == "1"
    assert (report.action, report.error) == ("4", "28")  # UNZ 0020 1234567 is not UNB 0020 1
