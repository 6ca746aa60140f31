"""What the CSV and XLSX readers hand over: rows of cell values, plus what they found wrong with single cells.

Both file kinds end up as the same grid, so header matching, cell conversion and grouping into orders
(``orders.py``) are written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from lightsoff.formats.documents import DocumentProblem

Cell = tuple[int, int]
"""(row number, column index), both 1-based as a person counts them."""


@dataclass(frozen=True, slots=True)
class Grid:
    format: str
    """``csv`` or ``xlsx``."""
    sheet: str | None
    """The sheet read (XLSX); None for CSV."""
    rows: Sequence[tuple[int, Sequence[Any]]]
    """(row number, cell values), in file order; rows may be missing (XLSX skips empty ones)."""
    cell_problems: Mapping[Cell, DocumentProblem] = field(default_factory=dict)
    """Cells whose value cannot be trusted (a formula without a cached value, a merged cell)."""
    merged_values: Mapping[Cell, Any] = field(default_factory=dict)
    """For a cell covered by a merged range: the value of the range's first cell (used only to group rows)."""
    details: dict[str, Any] = field(default_factory=dict)


def where(sheet: str | None, row: int, column: int | None = None) -> str:
    """``sheet Orders, row 12, column C``: the words a person uses to find a cell."""
    parts = [f"sheet {sheet}"] if sheet is not None else []
    parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {get_column_letter(column)}")
    return ", ".join(parts)


def where_rows(sheet: str | None, rows: Sequence[int]) -> str:
    """``sheet Orders, rows 2-4, 9``: the rows of one order, ranges folded."""
    spans: list[str] = []
    start = previous = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if row is not None:
            start = previous = row
    label = "row" if len(rows) == 1 else "rows"
    prefix = f"sheet {sheet}, " if sheet is not None else ""
    return f"{prefix}{label} {', '.join(spans)}"
