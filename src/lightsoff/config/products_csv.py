"""The product master as a spreadsheet export: ``products.csv``, one product a row.

The header row names the columns, in any order, with the keys of ``products.yaml``; the pallet pack
is two columns, ``cases_per_layer`` and ``layers``. An empty cell is a value left out. The delimiter
is a comma, or a semicolon (what spreadsheets write where the comma is the decimal separator); a
UTF-8 byte order mark is skipped. Rows become the same data ``products.yaml`` gives, so one model
validates both, and each problem names the file, the row's line and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lightsoff.config.problems import Loc

COLUMNS = (
    "sku",
    "description",
    "uom",
    "case_pack",
    "gtin",
    "cases_per_layer",
    "layers",
    "status",
    "successor",
    "effective_date",
    "min_quantity",
    "max_quantity",
)
REQUIRED = ("sku", "description", "uom", "case_pack")
PALLET = ("cases_per_layer", "layers")


@dataclass(frozen=True, slots=True)
class CsvDocument:
    path: Path
    columns: dict[str, int]
    """Column name → its position, from 0."""
    rows: list[int] = field(default_factory=list)
    """The line each product's row starts on."""
    data: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"products": []})

    def line_of(self, loc: Loc) -> int:
        if len(loc) > 1 and loc[0] == "products" and isinstance(loc[1], int) and loc[1] < len(self.rows):
            return self.rows[loc[1]]
        return 1

    def field(self, loc: Loc) -> str:
        names = [part for part in loc[2:] if isinstance(part, str)]
        name = names[-1] if names else ""
        if name == "pallet":
            return " and ".join(self.column(column) for column in PALLET)
        return self.column(name) if name in self.columns else name

    def column(self, name: str) -> str:
        """``case_pack (column D)``: the name, and the letter a spreadsheet shows."""
        index = self.columns.get(name)
        return name if index is None else f"{name} (column {_letter(index)})"


class CsvError(Exception):
    """Problems with the header, which make the rows unreadable: each one line, located."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_products_csv(path: Path) -> tuple[CsvDocument, list[str]]:
    """The rows as product data, and problems of the header that still let the rows be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError([f"{path}:1: not UTF-8 text: export the sheet as CSV UTF-8"]) from exc
    except OSError as exc:
        raise CsvError([f"{path}:1: cannot be read: {exc.strerror}"]) from exc
    first = text.partition("\n")[0]
    reader = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [cell.strip() for cell in next(reader, [])]
    document = CsvDocument(path, {name: index for index, name in reversed(list(enumerate(header)))})
    problems = _header_problems(document, header)
    start = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            if len(cells) > len(header):
                problems.append(f"{path}:{start}: the row has {len(cells)} cells, the header {len(header)}")
            document.rows.append(start)
            document.data["products"].append(_product(header, cells))
        start = reader.line_num + 1
    return document, problems


def _header_problems(document: CsvDocument, header: list[str]) -> list[str]:
    where = f"{document.path}:1"
    missing = [name for name in REQUIRED if name not in document.columns]
    if missing:
        raise CsvError(
            [f"{where}: the header has no column {', '.join(missing)}; the columns are: {', '.join(COLUMNS)}"]
        )
    problems = []
    for index, name in enumerate(header):
        column = f"{name or '(empty)'} (column {_letter(index)})"
        if name not in COLUMNS:
            problems.append(
                f"{where}: {column}: not a column of the product master; the columns are: {', '.join(COLUMNS)}"
            )
        elif document.columns[name] != index:
            problems.append(f"{where}: {column}: the header names {name} twice; keep one")
    return problems


def _product(header: list[str], cells: list[str]) -> dict[str, Any]:
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name in COLUMNS and cell.strip()}
    pallet = {name: values.pop(name) for name in PALLET if name in values}
    return values | ({"pallet": pallet} if pallet else {})


def _letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column letters of a spreadsheet."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
