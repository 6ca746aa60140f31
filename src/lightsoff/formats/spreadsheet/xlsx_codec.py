"""XLSX orders, read with openpyxl in read-only, cached-values mode after the zip itself has been checked.

Read-only mode streams the sheet instead of building every cell in memory, and ``data_only`` gives the
values Excel last calculated. A formula Excel never calculated (files written by scripts) has no such
value and would read as an empty cell; when the sheet holds formulas at all, a second streaming pass
finds them, so such a cell is reported instead of silently read as empty.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from lightsoff.formats.documents import DocumentProblem, ReadDocument
from lightsoff.formats.spreadsheet.grid import Cell, Grid, where
from lightsoff.formats.spreadsheet.limits import DEFAULT_LIMITS, SpreadsheetLimits
from lightsoff.formats.spreadsheet.mapping import SpreadsheetMapping
from lightsoff.formats.spreadsheet.orders import read_grid
from lightsoff.formats.spreadsheet.xlsx_archive import (
    ArchiveProblem,
    check_archive,
    has_formulas,
    merged_ranges,
    sheet_part,
)

# What a damaged or unusual workbook makes openpyxl, zipfile or the XML parser raise (openpyxl itself
# trips over some valid files, with AttributeError or TypeError); each becomes a problem, never a crash.
_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    LookupError,
    ValueError,
    SyntaxError,
    EOFError,
    OSError,
    AttributeError,
    TypeError,
)


class _Refused(Exception):
    def __init__(self, problem: DocumentProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_xlsx(data: bytes, mapping: SpreadsheetMapping, limits: SpreadsheetLimits = DEFAULT_LIMITS) -> ReadDocument:
    details: dict[str, Any] = {}
    try:
        grid = _read(data, mapping, limits, details)
    except _Refused as refused:
        return ReadDocument(format="xlsx", sender=None, problems=(refused.problem,), details=details)
    return read_grid(grid, mapping)


def _read(data: bytes, mapping: SpreadsheetMapping, limits: SpreadsheetLimits, details: dict[str, Any]) -> Grid:
    if len(data) > limits.max_bytes:
        raise _refuse("file", "too_large", f"The file has {len(data):,} bytes; at most {limits.max_bytes:,} are read.")
    if not data:
        raise _refuse("file", "empty_file", "The file is empty: send the workbook again.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        message = (
            "The file is not an XLSX workbook (not a zip archive): an old .xls file, or one with a password? "
            "Save it as .xlsx without a password."
        )
        raise _refuse("file", "not_xlsx", message) from None
    with archive:
        try:
            check_archive(archive, limits)
        except ArchiveProblem as problem:
            raise _refuse("file", problem.code, problem.message) from None
        try:
            return _read_workbook(data, archive, mapping, limits, details)
        except _UNREADABLE as exc:
            raise _refuse(
                "file", "unreadable_xlsx", f"The workbook cannot be read ({type(exc).__name__}: {exc}); save it again."
            ) from exc


def _read_workbook(
    data: bytes,
    archive: zipfile.ZipFile,
    mapping: SpreadsheetMapping,
    limits: SpreadsheetLimits,
    details: dict[str, Any],
) -> Grid:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        title = _choose_sheet(workbook, mapping, details)
        rows = _rows(workbook, title, limits)
    finally:
        workbook.close()
    part = sheet_part(archive, title)
    content = archive.read(part) if part is not None and part in archive.namelist() else b""
    cell_problems: dict[Cell, DocumentProblem] = {}
    merged_values: dict[Cell, Any] = {}
    if has_formulas(content):
        cell_problems.update(_uncalculated_formulas(data, title, rows, limits))
    _merged(content, title, rows, mapping, cell_problems, merged_values)
    return Grid("xlsx", title, rows, cell_problems, merged_values, details)


def _choose_sheet(workbook: Workbook, mapping: SpreadsheetMapping, details: dict[str, Any]) -> str:
    names = workbook.sheetnames
    hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
    if mapping.sheet is not None:
        title = next((name for name in names if name == mapping.sheet), None) or next(
            (name for name in names if name.casefold() == mapping.sheet.casefold()), None
        )
        if title is None:
            raise _refuse(
                "file",
                "missing_sheet",
                f"The workbook has no sheet {mapping.sheet!r}; its sheets are {', '.join(map(repr, names))}. "
                "Rename the sheet or change sheet in the partner's spreadsheet mapping.",
            )
        if title in hidden:
            details["note"] = f"sheet {title} is hidden; it was read because the mapping names it"
    else:
        visible = [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"]  # chart sheets excluded
        if not visible:
            message = "The workbook has no visible sheet of cells; name the sheet to read in the mapping."
            raise _refuse("file", "no_visible_sheet", message)
        title = visible[0]
        if hidden:
            details["note"] = f"hidden sheets ignored: {', '.join(hidden)} (name one in the mapping to read it)"
    details["sheet"] = title
    details["hidden_sheets"] = hidden
    return title


def _rows(workbook: Workbook, title: str, limits: SpreadsheetLimits) -> list[tuple[int, Sequence[Any]]]:
    worksheet = workbook[title]
    if not hasattr(worksheet, "reset_dimensions"):
        raise _refuse(f"sheet {title}", "not_a_worksheet", f"{title} is a chart sheet, not a sheet of cells.")
    # The stored dimension may be wrong (or huge): read what is there instead of what it claims.
    worksheet.reset_dimensions()
    rows: list[tuple[int, Sequence[Any]]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number > limits.max_rows:
            message = f"The sheet has more than {limits.max_rows:,} rows; split it."
            raise _refuse(f"sheet {title}", "too_many_rows", message)
        cells = _trimmed(values)
        if len(cells) > limits.max_columns:
            raise _refuse(
                where(title, number),
                "too_many_columns",
                f"Row {number} uses {len(cells)} columns; at most {limits.max_columns} are read.",
            )
        rows.append((number, cells))
    return rows


def _trimmed(values: Sequence[Any]) -> Sequence[Any]:
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return values[:end] if end < len(values) else values


def _uncalculated_formulas(
    data: bytes, title: str, rows: list[tuple[int, Sequence[Any]]], limits: SpreadsheetLimits
) -> dict[Cell, DocumentProblem]:
    cached = dict(rows)
    found: dict[Cell, DocumentProblem] = {}
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        worksheet = workbook[title]
        worksheet.reset_dimensions()
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number > limits.max_rows:
                break
            row = cached.get(number, ())
            for column, value in enumerate(values, start=1):
                if _is_formula(value) and (column > len(row) or row[column - 1] is None):
                    found[(number, column)] = DocumentProblem(
                        where(title, number, column),
                        "formula_without_value",
                        f"The cell holds the formula {_formula_text(value)} but no calculated value (the file was "
                        "saved by a program that does not calculate). Open and save it in Excel, or write values.",
                    )
    finally:
        workbook.close()
    return found


def _is_formula(value: Any) -> bool:
    return isinstance(value, ArrayFormula | DataTableFormula) or (isinstance(value, str) and value.startswith("="))


def _formula_text(value: Any) -> str:
    text = str(value.text) if isinstance(value, ArrayFormula) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _merged(
    content: bytes,
    title: str,
    rows: list[tuple[int, Sequence[Any]]],
    mapping: SpreadsheetMapping,
    cell_problems: dict[Cell, DocumentProblem],
    merged_values: dict[Cell, Any],
) -> None:
    """Each cell a merge hides in the data rows is a problem; its range's first value still groups the row."""
    cached = dict(rows)
    for ref in merged_ranges(content):
        bounds = range_boundaries(ref)
        if None in bounds:
            continue
        min_col, min_row, max_col, max_row = (int(bound) for bound in bounds)  # type: ignore[arg-type]
        if max_row < mapping.data_starts:
            continue
        top = cached.get(min_row, ())
        first = top[min_col - 1] if min_col <= len(top) else None
        for row in range(max(min_row, mapping.data_starts), max_row + 1):
            for column in range(min_col, max_col + 1):
                if (row, column) == (min_row, min_col):
                    continue
                merged_values[(row, column)] = first
                cell_problems[(row, column)] = DocumentProblem(
                    where(title, row, column),
                    "merged_cells",
                    f"The cell is part of the merged range {ref}, so it holds no value of its own; unmerge the "
                    "cells and fill in the value on every row.",
                )


def _refuse(location: str, code: str, message: str) -> _Refused:
    return _Refused(DocumentProblem(location, code, message))
