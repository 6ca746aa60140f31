"""X12 850s parsed and mapped to canonical orders, per second: a realistic 20-line 850, and a file of 100 interchanges.

Measures ``read_x12`` end to end (tokenize, envelope checks, 850 mapping) in one process, best of
several rounds, and writes the table into bench/RESULTS.md between the documents-x12 markers.

    python bench/documents_x12.py [--seconds 3] [--no-write]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lightsoff.formats.x12 import read_x12

sys.path.insert(0, str(Path(__file__).parent))
from results import RESULTS, how_it_ran, record

console = Console()


def order_850(number: int, lines: int = 20) -> str:
    """One realistic VICS-style 850 interchange (header refs, dates, N1 loops, PO1 with PID/PO4), CRLF after ~."""
    control = f"{number:09d}"
    body = [
        f"ST*850*{number:04d}",
        f"BEG*00*SA*PO{number:08d}**20261120",
        "CUR*BY*USD",
        "REF*DP*038",
        "REF*IA*0000100183",
        "ITD*14*3*2**45**46",
        "DTM*010*20261201",
        "DTM*002*20261204",
        "TD5*A*92*P3**SEE ROUTING GUIDE",
        "N9*ZZ*NOTE",
        "MSG*Deliver to dock 4 between 6 and 14 h",
        "N1*BT*ACME CORP*92*ACME-HQ",
        "N3*1 MAIN ST",
        "N4*CLEVELAND*OH*44101*US",
        "N1*ST*ACME DC NORTH*92*ACME-DC-NORTH",
        "N3*31875 SOLON RD*BUILDING 2",
        "N4*SOLON*OH*44139*US",
    ]
    for line in range(1, lines + 1):
        body += [
            f"PO1*{line}*{line * 12}*EA*{9 + line / 4:.2f}*TE*BP*A-{7700 + line}*VP*WID-{100 + line}*UP*012345678905",
            f"PID*F****WIDGET SIZE {line}",
            "PO4*4*4*EA*PLT94**3*LR*15*CT",
        ]
    body.append(f"CTT*{lines}")
    body.append(f"SE*{len(body) + 1}*{number:04d}")
    isa = f"ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*LIGHTSOFF      *261120*0900*U*00401*{control}*0*P*>"
    segments = [isa, f"GS*PO*ACMEBUYER*LIGHTSOFF*20261120*0900*{number}*X*004010", *body, f"GE*1*{number}"]
    segments.append(f"IEA*1*{control}")
    return "~\r\n".join(segments) + "~\r\n"


def measure(data: bytes, orders_per_read: int, seconds: float) -> tuple[float, float]:
    """Best-of-rounds documents/s and MB/s for ``read_x12(data)``."""
    document = read_x12(data)
    assert len(document.orders) == orders_per_read, "the benchmark input must read cleanly"
    assert not document.problems
    best = float("inf")
    deadline = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < deadline or rounds < 3:
        start = time.perf_counter()
        read_x12(data)
        best = min(best, time.perf_counter() - start)
        rounds += 1
    return orders_per_read / best, len(data) / best / 1_000_000


def main(
    seconds: Annotated[float, typer.Option(help="measured seconds per case")] = 3,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
) -> None:
    single = order_850(1).encode()
    many = "".join(order_850(n) for n in range(1, 101)).encode()
    cases = [
        ("one 850, 20 lines", single, 1),
        ("100 interchanges, one 20-line 850 each", many, 100),
    ]
    table = Table(title="X12 850 read and mapped")
    for column in ("input", "bytes", "orders/s", "MB/s"):
        table.add_column(column, justify="right" if column != "input" else "left")
    rows = []
    for name, data, orders in cases:
        per_second, megabytes = measure(data, orders, seconds)
        rows.append((name, f"{len(data):,}", f"{per_second:,.0f}", f"{megabytes:.1f}"))
        table.add_row(*rows[-1])
    console.print(table)
    if write:
        lines = ["| input | bytes | orders/s | MB/s |", "|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in rows]
        what = "`read_x12` end to end (tokenize, envelope checks, 850 mapping), best round, one core"
        record("documents-x12", "Documents: X12", how_it_ran(what) + "\n".join(lines) + "\n")
        console.print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    typer.run(main)
