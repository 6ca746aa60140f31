"""CSV orders: encodings and delimiters as partners' tools write them, through the same mapping as XLSX."""

from __future__ import annotations

import codecs
from typing import get_args

import pytest
from pydantic import ValidationError

from lightsoff.formats.spreadsheet import FIELDS, SpreadsheetLimits, SpreadsheetMapping, read_csv
from lightsoff.formats.spreadsheet.mapping import CanonicalField

from .sheets import GERMAN_HEADER, GERMAN_MAPPING, HEADER, MAPPING, ROWS, csv_bytes
from .test_spreadsheet_xlsx import codes

GERMAN_ROWS = [
    GERMAN_HEADER,
    ["4711", "23.11.2026", "07.12.2026", "1.250,5", "A-77", "Größe M"],
    ["4711", "23.11.2026", "07.12.2026", "2", "A-78", "Größe M"],
    ["4712", "24.11.2026", "31.11.2026", "3", "A-79", ""],
]


def test_comma_separated_utf8() -> None:
    document = read_csv(csv_bytes([HEADER, *ROWS]), MAPPING)

    assert document.format == "csv"
    assert document.details["delimiter"] == ","
    assert codes(document) == {"": [], "PO-1": [], "PO-2": []}
    assert document.orders[0].location == "rows 2-3"
    assert document.orders[0].order["lines"][1] == {"line_no": 2, "sku": "WID-200", "quantity": 3.5, "uom": "EA"}


def test_excel_csv_with_a_bom_semicolons_and_decimal_commas() -> None:
    data = codecs.BOM_UTF8 + csv_bytes(GERMAN_ROWS, delimiter=";")

    document = read_csv(data, GERMAN_MAPPING)

    assert document.details["encoding"] == "utf-8-sig"
    assert document.details["delimiter"] == ";"
    assert [order.reference for order in document.orders] == ["4711", "4712"]
    first = document.orders[0]
    assert first.problems == ()
    assert first.order["notes"] == "Größe M"
    assert [line["quantity"] for line in first.order["lines"]] == [1250.5, 2]
    assert codes(document)["4712"] == [("row 4, column C", "invalid_date")]


def test_cp1252_is_read_when_the_file_is_not_utf8() -> None:
    document = read_csv(csv_bytes(GERMAN_ROWS[:2], delimiter=";", encoding="cp1252"), GERMAN_MAPPING)

    assert document.details["encoding"] == "cp1252"
    assert document.orders[0].order["notes"] == "Größe M"


def test_utf16_with_a_bom_and_tabs() -> None:
    data = csv_bytes([HEADER, *ROWS], delimiter="\t", encoding="utf-16")

    document = read_csv(data, MAPPING)

    assert document.details == document.details | {"encoding": "utf-16", "delimiter": "\t"}
    assert codes(document) == {"": [], "PO-1": [], "PO-2": []}


def test_the_mapping_may_pin_delimiter_and_encoding() -> None:
    mapping = GERMAN_MAPPING.model_copy(update={"delimiter": ";", "encoding": "latin-1"})
    document = read_csv(csv_bytes(GERMAN_ROWS[:2], delimiter=";", encoding="latin-1"), mapping)

    assert document.details == document.details | {"encoding": "latin-1", "delimiter": ";"}
    assert document.orders[0].problems == ()


def test_a_file_not_in_the_pinned_encoding_is_refused() -> None:
    mapping = GERMAN_MAPPING.model_copy(update={"encoding": "utf-8"})
    document = read_csv(csv_bytes(GERMAN_ROWS[:2], delimiter=";", encoding="cp1252"), mapping)

    assert codes(document) == {"": [("file", "undecodable")]}


def test_quoted_fields_hold_delimiters_and_line_breaks() -> None:
    data = (
        b"PO Number,Order Date,Ship Date,Ship To,SKU,Quantity,UoM,Notes\r\n"
        b'PO-1,2026-11-23,2026-12-07,DC-N,WID-100,12,EA,"ring, then\r\nleave at gate"\r\n'
    )
    document = read_csv(data, MAPPING)

    assert document.orders[0].order["notes"] == "ring, then\r\nleave at gate"


def test_empty_and_header_only_files() -> None:
    assert codes(read_csv(b"", MAPPING)) == {"": [("file", "empty_file")]}
    assert codes(read_csv(b"\r\n \r\n", MAPPING)) == {"": [("file", "empty_file")]}
    assert codes(read_csv(csv_bytes([HEADER]), MAPPING)) == {"": [("row 2", "no_rows")]}


def test_limits() -> None:
    data = csv_bytes([HEADER, *ROWS])
    assert codes(read_csv(data, MAPPING, SpreadsheetLimits(max_bytes=100))) == {"": [("file", "too_large")]}
    assert codes(read_csv(data, MAPPING, SpreadsheetLimits(max_rows=2))) == {"": [("file", "too_many_rows")]}
    assert codes(read_csv(data, MAPPING, SpreadsheetLimits(max_columns=3))) == {"": [("file", "too_many_columns")]}


def test_a_50_mb_file_is_refused_by_its_size_alone() -> None:
    assert codes(read_csv(b"a,b\r\n" * (10 * 1024 * 1024), MAPPING)) == {"": [("file", "too_large")]}


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"columns": {"quantity": ()}}, "lists no header name"),
        ({"columns": {"qty": ("Menge",)}}, "literal_error"),
        ({"date_formats": ("dd.mm.yyyy",)}, "no strftime directive"),
        ({"decimal_separator": ",", "thousands_separator": ","}, "both ','"),
        ({"header_row": 3, "first_data_row": 3}, "must come after header_row 3"),
        ({"encoding": "klingon"}, "encoding 'klingon' is unknown"),
        ({"delimiter": "#"}, "literal_error"),
        ({"sheets": "Orders"}, "extra_forbidden"),
    ],
)
def test_a_mapping_that_cannot_work_is_refused_when_loaded(settings: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SpreadsheetMapping.model_validate(settings)
    assert says in str(raised.value) or says in {error["type"] for error in raised.value.errors()}


def test_a_mapping_is_frozen() -> None:
    with pytest.raises(ValidationError):
        MAPPING.sheet = "Other"  # type: ignore[misc]


def test_the_field_names_a_mapping_accepts_are_the_fields_the_codec_reads() -> None:
    assert set(get_args(CanonicalField)) == set(FIELDS)
    assert len(FIELDS) == len(set(FIELDS))
