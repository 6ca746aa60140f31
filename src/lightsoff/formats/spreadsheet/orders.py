"""A grid of cells becomes orders: find the columns, read each row as one order line, group lines by PO number.

A row that cannot be read spoils only the order it belongs to; the other orders of the file stand.
A row whose PO number cannot be read belongs to no order, so it is a problem of the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from lightsoff.formats.canonical_json import OrderCreate
from lightsoff.formats.documents import DocumentOrder, DocumentProblem, ReadDocument
from lightsoff.formats.spreadsheet.grid import Grid, where, where_rows
from lightsoff.formats.spreadsheet.mapping import (
    DATE_FIELDS,
    FIELDS,
    ITEM_FIELDS,
    ORDER_FIELDS,
    REQUIRED_FIELDS,
    SpreadsheetMapping,
    normalise_header,
)
from lightsoff.formats.spreadsheet.values import CellError, is_blank, show, to_date, to_line_no, to_quantity, to_text

_ADDRESS_KEYS = {
    "ship_to_city": "city",
    "ship_to_postal_code": "postal_code",
    "ship_to_region": "region",
    "ship_to_country": "country",
}


@dataclass(frozen=True, slots=True)
class _Layout:
    """Which column (1-based) holds each field found in the header row, and the header text of each column."""

    columns: dict[str, int]
    headers: dict[int, str]
    sources: tuple[tuple[str, int | None], ...]
    """The fields a row can give a value: those with a column, or a constant (column None)."""

    def label(self, name: str) -> str:
        column = self.columns.get(name)
        return name if column is None else f"{name} (column {get_column_letter(column)}, {self.headers[column]!r})"


@dataclass(slots=True)
class _Row:
    number: int
    po_number: str | None
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[DocumentProblem] = field(default_factory=list)


def read_grid(grid: Grid, mapping: SpreadsheetMapping) -> ReadDocument:
    header = next((cells for number, cells in grid.rows if number == mapping.header_row), None)
    if header is None or all(is_blank(cell) for cell in header):
        problem = DocumentProblem(
            where(grid.sheet, mapping.header_row),
            "missing_header_row",
            f"Row {mapping.header_row} should hold the column headers but is empty; put the headers there "
            "or set header_row in the partner's spreadsheet mapping.",
        )
        return _document(grid, (), (problem,))
    layout = _find_columns(header, mapping)
    missing = _missing_fields(layout, mapping)
    if missing:
        return _document(grid, (), (_missing_header(grid, layout, mapping, missing),), layout)
    # A row of formulas without values looks empty, but is not: keep it so that its problems are seen.
    flagged = {row for row, column in grid.cell_problems if column in layout.columns.values()}
    rows = [
        _read_row(grid, layout, mapping, number, cells)
        for number, cells in grid.rows
        if number >= mapping.data_starts and (number in flagged or not all(is_blank(cell) for cell in cells))
    ]
    orphans = [problem for row in rows if row.po_number is None for problem in row.problems]
    if not rows:
        orphans.append(
            DocumentProblem(
                where(grid.sheet, mapping.data_starts),
                "no_rows",
                f"There are no order lines from row {mapping.data_starts} on: the sheet holds only the header.",
            )
        )
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        if row.po_number is not None:
            groups.setdefault(row.po_number, []).append(row)
    orders = tuple(_order(grid, layout, mapping, po, group) for po, group in groups.items())
    return _document(grid, orders, tuple(orphans), layout)


def _document(
    grid: Grid,
    orders: tuple[DocumentOrder, ...],
    problems: tuple[DocumentProblem, ...],
    layout: _Layout | None = None,
) -> ReadDocument:
    details = dict(grid.details)
    if layout is not None:
        details["columns"] = {
            name: f"{get_column_letter(column)} ({layout.headers[column]})" for name, column in layout.columns.items()
        }
    return ReadDocument(format=grid.format, sender=None, orders=orders, problems=problems, details=details)


# ---- the header row ----


def _find_columns(header: Sequence[Any], mapping: SpreadsheetMapping) -> _Layout:
    by_name: dict[str, int] = {}
    headers: dict[int, str] = {}
    for index, cell in enumerate(header, start=1):
        if not is_blank(cell):
            headers[index] = to_text(cell)
            by_name.setdefault(normalise_header(headers[index]), index)
    columns: dict[str, int] = {}
    for name in FIELDS:
        for alias in mapping.aliases(name):
            column = by_name.get(normalise_header(alias))
            if column is not None:
                columns[name] = column
                break
    sources = tuple(
        (name, columns.get(name)) for name in FIELDS if name in columns or mapping.constant(name) is not None
    )
    return _Layout(columns, headers, sources)


def _missing_fields(layout: _Layout, mapping: SpreadsheetMapping) -> list[str]:
    def available(name: str) -> bool:
        return name in layout.columns or mapping.constant(name) is not None

    missing = [name for name in REQUIRED_FIELDS if not available(name)]
    if not any(available(name) for name in ITEM_FIELDS):
        missing.extend(ITEM_FIELDS)
    return missing


def _missing_header(grid: Grid, layout: _Layout, mapping: SpreadsheetMapping, missing: list[str]) -> DocumentProblem:
    tried = "; ".join(f"{name} (tried {', '.join(repr(a) for a in mapping.aliases(name))})" for name in missing)
    found = ", ".join(repr(text) for text in layout.headers.values())
    item_note = (
        " A line needs at least one of sku, customer_sku or gtin." if any(n in ITEM_FIELDS for n in missing) else ""
    )
    return DocumentProblem(
        where(grid.sheet, mapping.header_row),
        "missing_header",
        f"No column found for {tried}. The header row holds {found}.{item_note} Add the columns, add their "
        "header names to the mapping's columns, or give a constant.",
    )


# ---- one row, one order line ----


def _read_row(grid: Grid, layout: _Layout, mapping: SpreadsheetMapping, number: int, cells: Sequence[Any]) -> _Row:
    row = _Row(number, None, dict.fromkeys(FIELDS))
    for name, column in layout.sources:
        raw = cells[column - 1] if column is not None and column <= len(cells) else None
        cell_problem = grid.cell_problems.get((number, column)) if column is not None and grid.cell_problems else None
        if cell_problem is not None:
            row.problems.append(cell_problem)
            row.values[name] = None
            continue
        if is_blank(raw):
            raw = mapping.constant(name)
        if is_blank(raw):
            row.values[name] = None
            continue
        try:
            row.values[name] = _convert(name, raw, mapping)
        except CellError as error:
            row.values[name] = None
            row.problems.append(
                DocumentProblem(where(grid.sheet, number, column), error.code, f"{layout.label(name)}: {error.message}")
            )
    row.po_number = row.values["po_number"] or _merged_po(grid, layout, number)
    _required(grid, layout, row)
    return row


def _convert(name: str, raw: Any, mapping: SpreadsheetMapping) -> Any:
    if name in DATE_FIELDS:
        return to_date(raw, mapping).isoformat()
    if name == "quantity":
        return to_quantity(raw, mapping)
    if name == "line_no":
        return to_line_no(raw, mapping)
    return to_text(raw)


def _merged_po(grid: Grid, layout: _Layout, number: int) -> str | None:
    """A PO number merged down over several rows still says which order those rows belong to."""
    value = grid.merged_values.get((number, layout.columns["po_number"])) if "po_number" in layout.columns else None
    return None if is_blank(value) else to_text(value)


def _required(grid: Grid, layout: _Layout, row: _Row) -> None:
    values = row.values
    if all(values[name] is not None for name in REQUIRED_FIELDS) and any(values[name] for name in ITEM_FIELDS):
        return
    unreadable = {problem.location for problem in row.problems}
    for name in REQUIRED_FIELDS:
        column = layout.columns.get(name)
        location = where(grid.sheet, row.number, column)
        if row.values[name] is None and location not in unreadable:
            row.problems.append(
                DocumentProblem(
                    location,
                    "missing_value",
                    f"{layout.label(name)} is empty; every order line needs it (or give a constant in the mapping).",
                )
            )
    if not any(row.values[name] for name in ITEM_FIELDS) and not any(
        where(grid.sheet, row.number, layout.columns.get(name)) in unreadable for name in ITEM_FIELDS
    ):
        row.problems.append(
            DocumentProblem(
                where(grid.sheet, row.number),
                "missing_item",
                "The line names no item: fill in at least one of "
                + ", ".join(layout.label(name) for name in ITEM_FIELDS if name in layout.columns)
                + ".",
            )
        )


# ---- rows of one PO number, one order ----


def _order(grid: Grid, layout: _Layout, mapping: SpreadsheetMapping, po: str, rows: list[_Row]) -> DocumentOrder:
    problems = [problem for row in rows for problem in row.problems]
    problems.extend(_disagreements(grid, layout, po, rows))
    order = _canonical(mapping, po, rows)
    if not problems:
        problems.extend(_validate(grid, layout, order, rows))
    return DocumentOrder(
        order=order,
        location=where_rows(grid.sheet, [row.number for row in rows]),
        reference=po,
        problems=tuple(problems),
    )


def _disagreements(grid: Grid, layout: _Layout, po: str, rows: list[_Row]) -> list[DocumentProblem]:
    first = rows[0]
    found = []
    for row in rows[1:]:
        for name in ORDER_FIELDS:
            value, expected = row.values[name], first.values[name]
            if value is not None and expected is not None and value != expected:
                found.append(
                    DocumentProblem(
                        where(grid.sheet, row.number, layout.columns.get(name)),
                        "conflicting_order_field",
                        f"{layout.label(name)} is {show(value)} here but {show(expected)} "
                        f"in row {first.number}, the first line of PO {po}; the lines of one order must agree.",
                    )
                )
    return found


def _canonical(mapping: SpreadsheetMapping, po: str, rows: list[_Row]) -> dict[str, Any]:
    head = rows[0].values
    ship_to: dict[str, Any] = {"code": head["ship_to_code"]}
    if head["ship_to_name"] is not None:
        ship_to["name"] = head["ship_to_name"]
    address = {key: head[name] for name, key in _ADDRESS_KEYS.items() if head[name] is not None}
    if head["ship_to_street"] is not None:
        address["lines"] = [head["ship_to_street"]]
    if address:
        ship_to["address"] = address
    order: dict[str, Any] = {
        "partner": mapping.partner,
        "po_number": po,
        "order_date": head["order_date"],
        "requested_ship_date": head["requested_ship_date"],
        "ship_to": ship_to,
        "lines": [_line(row, position) for position, row in enumerate(rows, start=1)],
    }
    if head["notes"] is not None:
        order["notes"] = head["notes"]
    return order


def _line(row: _Row, position: int) -> dict[str, Any]:
    values = row.values
    line: dict[str, Any] = {"line_no": values["line_no"] if values["line_no"] is not None else position}
    line.update({name: values[name] for name in ITEM_FIELDS if values[name] is not None})
    line["quantity"] = values["quantity"]
    line["uom"] = values["uom"]
    return line


def _validate(grid: Grid, layout: _Layout, order: dict[str, Any], rows: list[_Row]) -> list[DocumentProblem]:
    """The canonical model's own checks (GTIN check digits, lengths, ranges), said at the cell they came from."""
    try:
        OrderCreate.model_validate({**order, "partner": order["partner"] or "?"})
    except ValidationError as exc:
        return [_located(grid, layout, rows, error["loc"], error["msg"], error.get("input")) for error in exc.errors()]
    return []


def _located(
    grid: Grid, layout: _Layout, rows: list[_Row], loc: tuple[int | str, ...], message: str, value: Any
) -> DocumentProblem:
    row = rows[loc[1]] if len(loc) > 1 and loc[0] == "lines" and isinstance(loc[1], int) else rows[0]
    name = _field_of(loc)
    return DocumentProblem(
        where(grid.sheet, row.number, layout.columns.get(name)),
        "invalid_value",
        f"{layout.label(name)} {show(value)}: {message}.",
    )


def _field_of(loc: tuple[int | str, ...]) -> str:
    names = [part for part in loc if isinstance(part, str)]
    if names[:1] == ["ship_to"]:
        key = names[-1]
        return {"code": "ship_to_code", "name": "ship_to_name", "lines": "ship_to_street"}.get(key, f"ship_to_{key}")
    return names[-1] if names else "po_number"
