"""EDIFACT ORDERS read and mapped per second, beside pydifact's own parse of the same bytes in the same run.

Two inputs, generated here (no corpus file is copied): a realistic 20-line EANCOM D96A ORDERS (parties
with addresses, free text, per line LIN/PIA/IMD/QTY/PRI/DTM), and a file of 100 such interchanges.
For each: lightsoff's ``read_edifact`` (lex, envelope checks, mapping to canonical orders), its lexer
alone, and pydifact's ``Parser.parse`` (tokenise and build segments, no mapping). The ratio is
lightsoff's full read time over pydifact's parse time. Writes the table into bench/RESULTS.md.

    python bench/documents_edifact.py [--seconds 3] [--no-write]
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydifact.exceptions import MissingImplementationWarning
from pydifact.parser import Parser
from rich.console import Console
from rich.table import Table

from lightsoff.domain import gs1
from lightsoff.formats.edifact import read_edifact
from lightsoff.formats.edifact.lexer import lex

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from results import RESULTS, record  # noqa: E402 (bench/ is not a package)

console = Console()


def gtin(n: int) -> str:
    body = f"401234500{n:03d}"
    return body + str(gs1.check_digit(body))


def orders_message(number: int, lines: int = 20) -> list[str]:
    day = date(2026, 11, 23) + timedelta(days=number % 30)
    segments = [
        f"UNH+{number}+ORDERS:D:96A:UN:EAN008",
        f"BGM+220+PO-{number:06d}+9",
        f"DTM+137:{day:%Y%m%d}:102",
        f"DTM+2:{day + timedelta(days=14):%Y%m%d}:102",
        "FTX+DEL+++PLEASE DELIVER TO DOCK 4 BETWEEN 06?:00 AND 14?:00",
        "RFF+CT:FRAME-2026-11",
        "NAD+BY+5412345000013::9++ACME RETAIL GMBH+HAFENSTRASSE 1+HAMBURG++20457+DE",
        "NAD+SU+4012345000009::9++LIGHTSOFF PLANT ONE+INDUSTRIEWEG 7+BREMEN++28197+DE",
        "NAD+DP+5412345000020::9++ACME DC NORTH+LAGERWEG 12+HAMBURG++21079+DE",
        "CUX+2:EUR:9",
    ]
    for line in range(1, lines + 1):
        segments += [
            f"LIN+{line}++{gtin(line)}:EN",
            f"PIA+1+WID-{line:03d}:SA+A-{7700 + line}:IN",
            f"IMD+F++:::WIDGET SIZE {line} STEEL?+ZINC",
            f"QTY+21:{line * 12}:PCE",
            f"PRI+AAA:{line}.25:CT",
            f"DTM+2:{day + timedelta(days=14):%Y%m%d}:102",
        ]
    segments += ["UNS+S", f"CNT+2:{lines}"]
    segments.append(f"UNT+{len(segments) + 1}+{number}")
    return segments


def interchange(number: int) -> str:
    body = [f"UNB+UNOC:3+5412345000013:14+4012345000009:14+261123:1200+IC{number:08d}", *orders_message(number)]
    body.append(f"UNZ+1+IC{number:08d}")
    return "'\n".join(body) + "'\n"


def inputs() -> dict[str, bytes]:
    return {
        "one 20-line ORDERS": ("UNA:+.? '\n" + interchange(1)).encode("latin-1"),
        "100 interchanges": ("UNA:+.? '\n" + "".join(interchange(n) for n in range(1, 101))).encode("latin-1"),
    }


def pydifact_parse(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingImplementationWarning)
        for _ in Parser().parse(data.decode("latin-1")):
            pass


def measure(action: Callable[[bytes], object], data: bytes, seconds: float) -> float:
    """Seconds per call: calls repeated for at least ``seconds`` after one warm-up call."""
    action(data)
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        action(data)
        calls += 1
    return elapsed / calls


def run(seconds: float) -> list[list[str]]:
    rows = []
    for name, data in inputs().items():
        orders = len(read_edifact(data).orders)
        ours = measure(read_edifact, data, seconds)
        lexer = measure(lex, data, seconds)
        theirs = measure(pydifact_parse, data, seconds)
        megabytes = len(data) / 1_000_000
        rows.append(
            [
                name,
                f"{len(data):,}",
                f"{orders / ours:,.0f}",
                f"{megabytes / ours:.1f}",
                f"{ours * 1000:.2f}",
                f"{lexer * 1000:.2f}",
                f"{theirs * 1000:.2f}",
                f"{ours / theirs:.2f}",
            ]
        )
    return rows


HEADERS = [
    "input",
    "bytes",
    "orders/s (read+map)",
    "MB/s",
    "lightsoff ms",
    "lexer only ms",
    "pydifact parse ms",
    "lightsoff / pydifact",
]


def markdown(rows: list[list[str]]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    head = (
        f"Run {date.today()} on {os.cpu_count()} cores, Python {platform.python_version()}, commit "
        f"{commit.stdout.strip() or '?'}; one process, in memory, no I/O.\n\n"
    )
    table = "| " + " | ".join(HEADERS) + " |\n|" + "---|" * len(HEADERS) + "\n"
    table += "".join("| " + " | ".join(row) + " |\n" for row in rows)
    return head + table


def main(
    seconds: Annotated[float, typer.Option(help="measured seconds per point")] = 3,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
) -> None:
    rows = run(seconds)
    table = Table(title="EDIFACT ORDERS: lightsoff read_edifact vs pydifact parse")
    for header in HEADERS:
        table.add_column(header, justify="left" if header == "input" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if write:
        record("documents-edifact", "EDIFACT documents", markdown(rows))
        console.print(f"written to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    sys.exit(typer.run(main))
