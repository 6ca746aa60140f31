"""XLSX orders: one row per line, grouped by PO number; every problem located at sheet, row and column."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from lightsoff.formats.canonical_json import parse_order
from lightsoff.formats.documents import ReadDocument
from lightsoff.formats.spreadsheet import SpreadsheetLimits, SpreadsheetMapping, read_xlsx

from .sheets import GERMAN_HEADER, GERMAN_MAPPING, HEADER, MAPPING, ROWS, rewrite_member, with_member, xlsx


def codes(document: ReadDocument) -> dict[str, list[tuple[str, str]]]:
    """Problems by order reference (``""`` for the document's own), as (location, code)."""
    found = {"": [(problem.location, problem.code) for problem in document.problems]}
    for order in document.orders:
        found[order.reference] = [(problem.location, problem.code) for problem in order.problems]
    return found


def test_rows_are_grouped_into_canonical_orders_by_po_number() -> None:
    document = read_xlsx(xlsx([HEADER, *ROWS]), MAPPING)

    assert document.format == "xlsx"
    assert document.problems == ()
    assert [order.reference for order in document.orders] == ["PO-1", "PO-2"]
    first = document.orders[0]
    assert first.location == "sheet Orders, rows 2-3"
    assert first.problems == ()
    assert first.order == {
        "partner": "ACME",
        "po_number": "PO-1",
        "order_date": "2026-11-23",
        "requested_ship_date": "2026-12-07",
        "ship_to": {"code": "DC-N"},
        "lines": [
            {"line_no": 1, "sku": "WID-100", "quantity": 12, "uom": "EA"},
            {"line_no": 2, "sku": "WID-200", "quantity": 3.5, "uom": "EA"},
        ],
    }
    assert document.details["sheet"] == "Orders"
    assert document.details["columns"]["quantity"] == "F (Quantity)"


def test_each_order_is_a_valid_canonical_json_order() -> None:
    document = read_xlsx(xlsx([HEADER, *ROWS]), MAPPING)

    for found in document.orders:
        parsed = parse_order(json.dumps(found.order).encode())
        assert parsed.problems == ()
        assert parsed.order is not None
        assert parsed.order.po_number == found.reference


def test_german_headers_decimal_comma_day_first_dates_and_constants() -> None:
    rows = [
        GERMAN_HEADER,
        ["4711", "23.11.2026", "07.12.26", "1.250,5", "A-77", "bitte avisieren"],
        ["4711", "23.11.2026", "07.12.26", "2", "A-78", "bitte avisieren"],
    ]
    document = read_xlsx(xlsx(rows), GERMAN_MAPPING)

    assert codes(document) == {"": [], "4711": []}
    order = document.orders[0].order
    assert order["partner"] is None
    assert order["order_date"] == "2026-11-23"
    assert order["requested_ship_date"] == "2026-12-07"
    assert order["ship_to"] == {"code": "WERK-1"}
    assert order["notes"] == "bitte avisieren"
    assert order["lines"] == [
        {"line_no": 1, "customer_sku": "A-77", "quantity": 1250.5, "uom": "ST"},
        {"line_no": 2, "customer_sku": "A-78", "quantity": 2, "uom": "ST"},
    ]


def test_headers_match_whatever_the_case_and_spacing() -> None:
    header = ["  po   NUMBER ", "ORDER_DATE", "requested ship date", "ship to code", "Gtin", "QTY", "uom"]
    mapping = SpreadsheetMapping(columns={"quantity": ("Menge", "Qty")})
    document = read_xlsx(xlsx([header, ["P1", "2026-11-23", "2026-11-30", "S1", "4006381333931", 5, "EA"]]), mapping)

    assert codes(document) == {"": [], "P1": []}
    assert document.orders[0].order["lines"] == [{"line_no": 1, "gtin": "4006381333931", "quantity": 5, "uom": "EA"}]


def test_real_excel_dates_numbers_and_optional_columns() -> None:
    header = ["PO", "Date", "Due", "Ship To", "Name", "Street", "City", "Country", "Line", "SKU", "Qty", "UoM"]
    rows = [[4711, datetime(2026, 11, 23), datetime(2026, 12, 7), "DC-N", "North DC", "Hafenstr. 1", "Kiel", "DE", 10,
             "WID-100", 12.0, "EA"]]  # fmt: skip
    mapping = SpreadsheetMapping(
        columns={
            "po_number": ("PO",),
            "order_date": ("Date",),
            "requested_ship_date": ("Due",),
            "ship_to_code": ("Ship To",),
            "ship_to_name": ("Name",),
            "ship_to_street": ("Street",),
            "ship_to_city": ("City",),
            "ship_to_country": ("Country",),
            "line_no": ("Line",),
            "quantity": ("Qty",),
        }
    )
    order = read_xlsx(xlsx([header, *rows]), mapping).orders[0].order

    assert order["po_number"] == "4711"
    assert order["order_date"] == "2026-11-23"
    assert order["ship_to"] == {
        "code": "DC-N",
        "name": "North DC",
        "address": {"lines": ["Hafenstr. 1"], "city": "Kiel", "country": "DE"},
    }
    assert order["lines"] == [{"line_no": 10, "sku": "WID-100", "quantity": 12, "uom": "EA"}]


def test_header_row_and_first_data_row_skip_a_title_block() -> None:
    rows = [["ACME order export"], [], HEADER, ["(units in EA)"], *ROWS]
    mapping = MAPPING.model_copy(update={"header_row": 3, "first_data_row": 5})

    document = read_xlsx(xlsx(rows), mapping)

    assert [order.location for order in document.orders] == ["sheet Orders, rows 5-6", "sheet Orders, row 7"]


def test_empty_rows_are_skipped() -> None:
    document = read_xlsx(xlsx([HEADER, ROWS[0], [], [None, None, ""], ROWS[1]]), MAPPING)

    assert codes(document) == {"": [], "PO-1": []}
    assert document.orders[0].location == "sheet Orders, rows 2, 5"


def test_the_named_sheet_is_read_whatever_its_position_and_case() -> None:
    def add_sheets(workbook: Workbook, sheet: Worksheet) -> None:
        orders = workbook.create_sheet("Bestellungen")
        for row in [HEADER, ROWS[2]]:
            orders.append(row)

    data = xlsx([["cover page"]], title="Info", extra=add_sheets)
    document = read_xlsx(data, MAPPING.model_copy(update={"sheet": "bestellungen"}))

    assert [order.reference for order in document.orders] == ["PO-2"]
    assert document.orders[0].location == "sheet Bestellungen, row 2"


def test_a_missing_sheet_names_the_sheets_there_are() -> None:
    document = read_xlsx(xlsx([HEADER, *ROWS]), MAPPING.model_copy(update={"sheet": "Orders 2026"}))

    assert codes(document) == {"": [("file", "missing_sheet")]}
    assert "'Orders'" in document.problems[0].message


def test_hidden_sheets_are_ignored_unless_named() -> None:
    def hide_first(workbook: Workbook, sheet: Worksheet) -> None:
        sheet.sheet_state = "hidden"
        visible = workbook.create_sheet("Orders")
        for row in [HEADER, ROWS[2]]:
            visible.append(row)

    data = xlsx([HEADER, *ROWS[:2]], title="Old orders", extra=hide_first)

    default = read_xlsx(data, MAPPING)
    assert [order.reference for order in default.orders] == ["PO-2"]
    assert default.details["hidden_sheets"] == ["Old orders"]
    assert "hidden sheets ignored: Old orders" in default.details["note"]

    named = read_xlsx(data, MAPPING.model_copy(update={"sheet": "Old orders"}))
    assert [order.reference for order in named.orders] == ["PO-1"]
    assert "hidden" in named.details["note"]


def test_a_chart_sheet_in_front_is_passed_over() -> None:
    def chart_first(workbook: Workbook, sheet: Worksheet) -> None:
        chart = BarChart()
        chart.add_data(Reference(sheet, min_col=6, min_row=1, max_row=4), titles_from_data=True)
        workbook.create_chartsheet("Chart", 0).add_chart(chart)

    document = read_xlsx(xlsx([HEADER, *ROWS], extra=chart_first), MAPPING)

    assert document.details["sheet"] == "Orders"
    assert [order.reference for order in document.orders] == ["PO-1", "PO-2"]
    named = read_xlsx(xlsx([HEADER, *ROWS], extra=chart_first), MAPPING.model_copy(update={"sheet": "Chart"}))
    assert codes(named) == {"": [("sheet Chart", "not_a_worksheet")]}


def test_a_formula_without_a_cached_value_is_refused_where_it_is() -> None:
    def formula(workbook: Workbook, sheet: Worksheet) -> None:
        sheet["F3"] = "=2*3"  # openpyxl, like most scripts, writes no calculated value
        sheet["H2"] = "=F2*2"  # outside the mapped columns: harmless

    document = read_xlsx(xlsx([HEADER, *ROWS], extra=formula), MAPPING)

    assert codes(document) == {
        "": [],
        "PO-1": [("sheet Orders, row 3, column F", "formula_without_value")],
        "PO-2": [],
    }
    assert "=2*3" in document.orders[0].problems[0].message


def test_a_row_of_formulas_without_values_is_not_skipped_as_empty() -> None:
    def formulas(workbook: Workbook, sheet: Worksheet) -> None:
        for column in "ABCDEFG":
            sheet[f"{column}3"] = f"=Source!{column}3"

    document = read_xlsx(xlsx([HEADER, ROWS[0], [], ROWS[2]], extra=formulas), MAPPING)

    assert len(document.problems) == 7
    assert {problem.code for problem in document.problems} == {"formula_without_value"}
    assert codes(document)["PO-1"] == []
    assert codes(document)["PO-2"] == []


def test_a_formula_with_a_cached_value_reads_as_its_value() -> None:
    def formula(workbook: Workbook, sheet: Worksheet) -> None:
        sheet["F3"] = "=2*3"

    data = rewrite_member(
        xlsx([HEADER, *ROWS], extra=formula),
        "xl/worksheets/sheet1.xml",
        lambda part: part.replace(b"<f>2*3</f><v />", b"<f>2*3</f><v>6</v>"),
    )
    document = read_xlsx(data, MAPPING)

    assert codes(document) == {"": [], "PO-1": [], "PO-2": []}
    assert document.orders[0].order["lines"][1]["quantity"] == 6


def test_merged_cells_in_the_data_are_reported_and_spoil_only_their_order() -> None:
    def merge(workbook: Workbook, sheet: Worksheet) -> None:
        sheet.merge_cells("A2:A3")  # the PO number written once for two lines
        sheet.merge_cells("G1:H1")  # a merged header: not in the data

    rows = [HEADER, ROWS[0], [None, *ROWS[1][1:]], ROWS[2]]
    document = read_xlsx(xlsx(rows, extra=merge), MAPPING)

    assert codes(document) == {"": [], "PO-1": [("sheet Orders, row 3, column A", "merged_cells")], "PO-2": []}
    assert "A2:A3" in document.orders[0].problems[0].message


def test_missing_headers_name_the_fields_and_the_aliases_tried() -> None:
    header = ["PO Number", "Order Date", "Ship To", "Menge", "UoM"]
    document = read_xlsx(xlsx([header, ["PO-1", "2026-11-23", "DC", 1, "EA"]]), MAPPING)

    assert document.orders == ()
    assert codes(document) == {"": [("sheet Orders, row 1", "missing_header")]}
    message = document.problems[0].message
    assert "requested_ship_date (tried 'Ship Date')" in message
    assert "quantity (tried 'quantity')" in message
    assert "sku (tried 'sku')" in message
    assert "'Menge'" in message


def test_a_wrong_date_spoils_only_its_order() -> None:
    rows = [HEADER, ROWS[0], ["PO-2", "2026-13-45", "2026-12-08", "DC-S", "WID-100", 48, "CS"]]
    document = read_xlsx(xlsx(rows), MAPPING)

    assert codes(document) == {"": [], "PO-1": [], "PO-2": [("sheet Orders, row 3, column B", "invalid_date")]}
    message = document.orders[1].problems[0].message
    assert "'2026-13-45'" in message
    assert "%Y-%m-%d (2026-11-23)" in message


def test_a_quantity_that_is_not_a_number_is_located() -> None:
    rows = [HEADER, ["PO-1", "2026-11-23", "2026-12-07", "DC-N", "WID-100", "twelve", "EA"], ROWS[2]]
    document = read_xlsx(xlsx(rows), MAPPING)

    assert codes(document) == {"": [], "PO-1": [("sheet Orders, row 2, column F", "invalid_number")], "PO-2": []}
    assert "'twelve' is not a number" in document.orders[0].problems[0].message


def test_missing_values_and_items_are_located() -> None:
    rows = [
        HEADER,
        ["PO-1", "2026-11-23", None, "DC-N", None, 5, "EA"],
        [None, "2026-11-23", "2026-12-07", "X", "S", 1, "EA"],
    ]
    document = read_xlsx(xlsx(rows), MAPPING)

    assert codes(document) == {
        "": [("sheet Orders, row 3, column A", "missing_value")],
        "PO-1": [("sheet Orders, row 2, column C", "missing_value"), ("sheet Orders, row 2", "missing_item")],
    }


def test_order_fields_must_agree_within_one_po_number() -> None:
    rows = [HEADER, ROWS[0], ["PO-1", "2026-11-23", "2026-12-09", "DC-N", "WID-200", 1, "EA"], ROWS[2]]
    document = read_xlsx(xlsx(rows), MAPPING)

    assert codes(document) == {
        "": [],
        "PO-1": [("sheet Orders, row 3, column C", "conflicting_order_field")],
        "PO-2": [],
    }
    assert "row 2, the first line of PO PO-1" in document.orders[0].problems[0].message


def test_canonical_checks_are_located_at_the_cell() -> None:
    header = ["PO Number", "Order Date", "Ship Date", "Ship To", "GTIN", "Quantity", "UoM"]
    rows = [header, ["PO-1", "2026-11-23", "2026-12-07", "DC-N", "4006381333932", 1, "EA"]]
    document = read_xlsx(xlsx(rows), MAPPING)

    assert codes(document) == {"": [], "PO-1": [("sheet Orders, row 2, column E", "invalid_value")]}
    assert "4006381333932" in document.orders[0].problems[0].message


def test_an_empty_file_and_a_header_only_sheet() -> None:
    assert codes(read_xlsx(b"", MAPPING)) == {"": [("file", "empty_file")]}
    assert codes(read_xlsx(xlsx([]), MAPPING)) == {"": [("sheet Orders, row 1", "missing_header_row")]}
    assert codes(read_xlsx(xlsx([HEADER]), MAPPING)) == {"": [("sheet Orders, row 2", "no_rows")]}


def test_not_a_workbook() -> None:
    assert codes(read_xlsx(b"PO,Qty\n1,2\n", MAPPING)) == {"": [("file", "not_xlsx")]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert codes(read_xlsx(buffer.getvalue(), MAPPING)) == {"": [("file", "not_xlsx")]}


def test_a_workbook_openpyxl_trips_over_is_refused_not_crashed_on() -> None:
    def empty_chart_sheet(workbook: Workbook, sheet: Worksheet) -> None:
        workbook.create_chartsheet("Chart", 0)  # no chart in it: openpyxl cannot read this back

    document = read_xlsx(xlsx([HEADER, *ROWS], extra=empty_chart_sheet), MAPPING)

    assert codes(document) == {"": [("file", "unreadable_xlsx")]}


def test_a_damaged_workbook_is_refused_with_a_reason() -> None:
    data = rewrite_member(xlsx([HEADER, *ROWS]), "xl/worksheets/sheet1.xml", lambda part: part[: len(part) // 2])
    document = read_xlsx(data, MAPPING)

    assert codes(document) == {"": [("file", "unreadable_xlsx")]}


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it() -> None:
    bomb = with_member(xlsx([HEADER, *ROWS]), "xl/media/image1.png", b"\0" * (8 * 1024 * 1024))

    assert codes(read_xlsx(bomb, MAPPING)) == {"": [("file", "suspicious_compression")]}
    small_limit = SpreadsheetLimits(max_uncompressed_bytes=1024 * 1024)
    assert codes(read_xlsx(bomb, MAPPING, small_limit)) == {"": [("file", "too_large_unpacked")]}


def test_a_50_mb_file_is_refused_by_its_size_alone() -> None:
    data = b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024)

    document = read_xlsx(data, MAPPING)

    assert codes(document) == {"": [("file", "too_large")]}
    assert "52,428,804 bytes" in document.problems[0].message


def test_row_and_column_limits() -> None:
    data = xlsx([HEADER, *ROWS])
    assert codes(read_xlsx(data, MAPPING, SpreadsheetLimits(max_rows=3))) == {"": [("sheet Orders", "too_many_rows")]}
    assert codes(read_xlsx(data, MAPPING, SpreadsheetLimits(max_columns=5))) == {
        "": [("sheet Orders, row 1", "too_many_columns")]
    }
