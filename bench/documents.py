"""Documents parsed and mapped to canonical orders, per second: X12 850, EDIFACT ORDERS beside pydifact, XLSX.

One quick run (well under a minute) of the three document paths, from bytes to validated canonical
orders (``CustomerOrder``): the codec (``read_x12``, ``read_edifact``, ``read_xlsx``), then each order it
found through the intake's own first steps (``rules.malformed.normalize``, the ``malformed_data`` rule's
auto-corrections, and ``parse_order_data``, the canonical model's validation). No database: what the
intake does after that is measured by bench/intake.py.

- X12: 100 interchanges of one realistic 20-line 850 each (bench/documents_x12.py generates them).
- EDIFACT: 100 interchanges of one 20-line EANCOM D96A ORDERS each (bench/documents_edifact.py), and
  pydifact's ``Parser.parse`` of the same bytes in the same run (tokenise and build segments, no
  mapping); the ratio is lightsoff's whole read-and-map time over pydifact's parse alone.
- XLSX: 10,000 rows (1,000 orders of 10 lines), written by openpyxl (bench/documents_xlsx.py), imported.

Writes its table into bench/RESULTS.md between the ``documents`` markers (bench/results.py).

    python bench/documents.py [--seconds 2] [--no-write]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lightsoff.domain.policy import DEFAULT_POLICY
from lightsoff.formats.canonical_json import parse_order_data
from lightsoff.formats.documents import ReadDocument
from lightsoff.formats.edifact import read_edifact
from lightsoff.formats.spreadsheet import SpreadsheetLimits, read_xlsx
from lightsoff.formats.x12 import read_x12
from lightsoff.rules import malformed

sys.path.insert(0, str(Path(__file__).parent))
import documents_edifact
import documents_x12
import documents_xlsx
from results import RESULTS, how_it_ran, record

console = Console(width=200 if not sys.stdout.isatty() else None)
COLUMNS = ("input", "bytes", "documents", "orders", "documents/s", "orders/s", "MB/s", "ms per file",
           "pydifact parse ms", "lightsoff / pydifact")  # fmt: skip
TITLE = "Documents: parsed and mapped to canonical orders (bench/documents.py)"
XLSX_ROWS = 10_000


def to_canonical(document: ReadDocument, partner: str = "ACME") -> int:
    """Map every order the codec found to a validated canonical order; the number that validated."""
    valid = 0
    for found in document.orders:
        raw = found.order if found.order.get("partner") else {**found.order, "partner": partner}
        fixed, corrections = malformed.normalize(raw, DEFAULT_POLICY)
        valid += parse_order_data(fixed, corrections).order is not None
    return valid


def per_call(action: Callable[[], object], seconds: float, at_least: int = 3) -> float:
    """Best seconds per call over ``seconds`` of calls (at least ``at_least``), after one warm-up call."""
    action()
    best, calls, started = float("inf"), 0, time.perf_counter()
    while calls < at_least or time.perf_counter() - started < seconds:
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
        calls += 1
    return best


def edi_row(name: str, data: bytes, read: Callable[[bytes], ReadDocument], seconds: float) -> list[str]:
    document = read(data)
    orders = to_canonical(document)
    assert orders == len(document.orders), f"{name}: every order must map"
    assert not document.problems, f"{name}: the input must read cleanly"
    best = per_call(lambda: to_canonical(read(data)), seconds)
    # One order per message here, so documents/s (850s or ORDERS messages) equals orders/s.
    return [name, f"{len(data):,}", f"{orders:,}", f"{orders:,}", f"{orders / best:,.0f}", f"{orders / best:,.0f}",
            f"{len(data) / best / 1e6:.2f}", f"{best * 1000:,.1f}", "", ""]  # fmt: skip


def measure(seconds: float) -> list[list[str]]:
    rows = []
    x12 = "".join(documents_x12.order_850(n) for n in range(1, 101)).encode()
    rows.append(edi_row("X12 850: 100 interchanges of 20 lines", x12, read_x12, seconds))
    edifact = documents_edifact.inputs()["100 interchanges"]
    row = edi_row("EDIFACT ORDERS: 100 interchanges of 20 lines", edifact, read_edifact, seconds)
    theirs = per_call(lambda: documents_edifact.pydifact_parse(edifact), seconds)
    ours = float(row[7].replace(",", "")) / 1000
    row[8:] = [f"{theirs * 1000:,.1f}", f"{ours / theirs:.2f}"]
    rows.append(row)
    workbook = documents_xlsx.xlsx(documents_xlsx.rows(XLSX_ROWS))
    limits = SpreadsheetLimits(max_rows=XLSX_ROWS + 10)
    document = read_xlsx(workbook, documents_xlsx.MAPPING, limits)
    orders = to_canonical(document)
    assert orders == len(document.orders) == XLSX_ROWS // 10, "the workbook must read cleanly"
    started = time.perf_counter()
    to_canonical(read_xlsx(workbook, documents_xlsx.MAPPING, limits))
    took = time.perf_counter() - started
    rows.append([f"XLSX: {XLSX_ROWS:,} rows, 1 workbook", f"{len(workbook):,}", "1", f"{orders:,}",
                 f"{1 / took:,.2f}", f"{orders / took:,.0f}", f"{len(workbook) / took / 1e6:.2f}",
                 f"{took * 1000:,.0f}", "", ""])  # fmt: skip
    return rows


def markdown(rows: list[list[str]], seconds: float) -> str:
    what = (
        f"one process, in memory; bytes to validated canonical orders; EDI best call over {seconds:g} s, the "
        "XLSX import timed once after one warm-up; ratio = lightsoff read and map / pydifact parse alone"
    )
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell or "" for cell in row) + " |" for row in rows]
    return how_it_ran(what) + "\n".join(lines) + "\n"


def main(
    seconds: Annotated[float, typer.Option(help="measured seconds per EDI case")] = 2,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
) -> None:
    started = time.perf_counter()
    rows = measure(seconds)
    table = Table(*COLUMNS, title="Documents to canonical orders")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"took {time.perf_counter() - started:.1f} s")
    if write:
        record("documents", TITLE, markdown(rows, seconds))
        console.print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    typer.run(main)
