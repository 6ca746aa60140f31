"""Spreadsheet import speed: a 10,000-row XLSX and the same rows as CSV, read into a ReadDocument.

Generates the files with openpyxl (1,000 orders of 10 lines; in the XLSX dates and numbers are typed
cells as Excel stores them, in the CSV German-style text dates and decimal commas), then times
``read_xlsx`` and ``read_csv`` in-process, best of a few runs. openpyxl writes text as inline strings,
where Excel writes shared strings, which read faster: the XLSX figures are on the slow side.
A third point adds a formula column outside the mapped columns: the sheet then
holds formulas, so the reader makes its second pass looking for formulas without values. Writes the
table into bench/RESULTS.md between the documents-xlsx markers.

    python bench/documents_xlsx.py [--rows 10000] [--repeat 3]
"""

from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

from lightsoff.formats.documents import ReadDocument
from lightsoff.formats.spreadsheet import SpreadsheetLimits, SpreadsheetMapping, read_csv, read_xlsx

sys.path.insert(0, str(Path(__file__).parent))
from results import RESULTS, record

COLUMNS = ("file", "rows", "size KB", "best s", "rows/s", "orders", "problems")
HEADER = ["Bestellnummer", "Bestelldatum", "Liefertermin", "Lieferort", "Pos", "Artikel", "Menge", "ME", "Bemerkung"]
MAPPING = SpreadsheetMapping(
    partner="ACME",
    columns={
        "po_number": ("Bestellnummer",),
        "order_date": ("Bestelldatum",),
        "requested_ship_date": ("Liefertermin",),
        "ship_to_code": ("Lieferort",),
        "line_no": ("Pos",),
        "customer_sku": ("Artikel",),
        "quantity": ("Menge",),
        "uom": ("ME",),
        "notes": ("Bemerkung",),
    },
    date_formats=("%d.%m.%Y",),
    decimal_separator=",",
    thousands_separator=".",
)
console = Console()


def rows(count: int) -> list[list[str]]:
    return [
        [f"PO-{n // 10:06d}", "23.11.2026", "07.12.2026", "DC-NORTH", str(n % 10 + 1), f"A-{n % 97:04d}",
         f"{(n % 50) + 1},5", "ST", "bitte avisieren"]
        for n in range(count)
    ]  # fmt: skip


def typed(row: list[str]) -> list[object]:
    """As Excel stores what a person types: dates as dates, numbers as numbers."""
    day, month, year = (int(part) for part in row[1].split("."))
    ship_day, ship_month, ship_year = (int(part) for part in row[2].split("."))
    quantity = float(row[6].replace(",", "."))
    return [row[0], datetime(year, month, day), datetime(ship_year, ship_month, ship_day), row[3], int(row[4]),
            row[5], quantity, row[7], row[8]]  # fmt: skip


def xlsx(data: list[list[str]], *, formulas: bool = False) -> bytes:
    # Not write-only mode: that writes inline strings and no dimension, which Excel never does and which
    # cost openpyxl's reader far more than shared strings do.
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Bestellungen"
    sheet.append([*HEADER, "Summe"] if formulas else HEADER)
    for number, row in enumerate(data, start=2):
        sheet.append([*typed(row), f"=G{number}*2"] if formulas else typed(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv(data: list[list[str]]) -> bytes:
    lines = [";".join(HEADER), *(";".join(row) for row in data)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def best(read: Callable[[], ReadDocument], repeat: int) -> tuple[float, ReadDocument]:
    times, document = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        document = read()
        times.append(time.perf_counter() - start)
    assert document is not None
    return min(times), document


def measure(count: int, repeat: int) -> list[tuple[str, ...]]:
    data = rows(count)
    limits = SpreadsheetLimits(max_rows=count + 10)
    files = {
        "xlsx": (xlsx(data), read_xlsx),
        "xlsx with a formula column": (xlsx(data, formulas=True), read_xlsx),
        "csv (;, decimal comma)": (csv(data), read_csv),
    }
    table_rows = []
    for name, (content, reader) in files.items():
        seconds, document = best(lambda content=content, reader=reader: reader(content, MAPPING, limits), repeat)
        problems = len(document.problems) + sum(len(order.problems) for order in document.orders)
        table_rows.append(
            (name, f"{count:,}", f"{len(content) / 1024:,.0f}", f"{seconds:.2f}", f"{count / seconds:,.0f}",
             f"{len(document.orders):,}", str(problems))
        )  # fmt: skip
    return table_rows


def markdown(table_rows: list[tuple[str, ...]], repeat: int) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    header = (
        f"Run {date.today()} on {os.cpu_count()} cores, Python {platform.python_version()}, commit "
        f"{commit.stdout.strip() or '?'}; best of {repeat}, in-process, bytes to ReadDocument."
    )
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows]
    return header + "\n\n" + "\n".join(lines) + "\n"


def main(
    count: Annotated[int, typer.Option("--rows", help="order lines in the file")] = 10_000,
    repeat: Annotated[int, typer.Option(help="runs per file; the best counts")] = 3,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
) -> None:
    table_rows = measure(count, repeat)
    table = Table(*COLUMNS)
    for row in table_rows:
        table.add_row(*row)
    console.print(table)
    if write:
        record("documents-xlsx", "Documents: XLSX and CSV import", markdown(table_rows, repeat))
        console.print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    typer.run(main)
