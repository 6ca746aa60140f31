"""Intake throughput and latency, beside the machine's ceiling for a bare FastAPI + SQLite insert.

Posts realistic 3- to 20-line orders (three demo partners; items by SKU, customer SKU or GTIN; about
1 in 20 with an unknown item, so held) at each concurrency for a fixed time, one server at a time:
the bare endpoint (bench/bare_app.py), then ``lightsoff serve --demo`` on a fresh SQLite database as
deployed (with a bearer token; authentication and audit on), then the same with both off
(``LIGHTSOFF_INSECURE_NO_AUTH``), for the cost of security as a ratio. Writes the table into
bench/RESULTS.md.

    python bench/intake.py [--seconds 20] [--warmup 3] [--concurrency 16 --concurrency 64]

``--security`` measures only that ratio, the way a shared, noisy machine allows: both servers stay up
(the idle one costs next to nothing), and each round, at every concurrency, loads one then the other
(alternating which goes first), then both at once (side by side: the machine's other work falls on
both alike, which makes the ratio far steadier). It records each round's ratios, the best figure and
the spread of each server, and the load average, in its own section of bench/RESULTS.md.

    python bench/intake.py --security [--rounds 4] [--seconds 10]
"""

from __future__ import annotations

import asyncio
import itertools
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import httpx
import orjson
import typer
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import Run, load
from results import RESULTS, record

HERE = Path(__file__).parent
console = Console()

PARTNERS = {
    "ACME": ("ACME-DC-NORTH", {"A-7788": None, "A-7790": None}),
    "BOLT": ("0042", {"BIS-10060": None, "BIS-10061": None, "BIS-88": None}),
    "NORDPIPE": ("NP-GBG", {"NP-ELB25": None, "NP-KIT": None}),
}
SKUS = ["WID-100", "WID-200", "WID-300", "FIT-410", "CHN-800", "KIT-900"]
GTINS = ["4012345000016", "4012345000023", "4012345000030", "4012345000047"]


class Orders:
    """Distinct, realistic orders: every PO number is new, so every post makes an order."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._numbers = itertools.count(1)
        self._prefix = f"B{seed}"

    def __call__(self) -> bytes:
        partner = self._random.choice(list(PARTNERS))
        ship_to, customer_skus = PARTNERS[partner]
        today = date(2026, 11, 23)
        lines = []
        for line_no in range(1, self._random.randint(3, 20) + 1):
            kind = self._random.random()
            item: dict[str, str]
            if kind < 0.5:
                item = {"sku": self._random.choice(SKUS)}
            elif kind < 0.8:
                item = {"customer_sku": self._random.choice(list(customer_skus))}
            else:
                item = {"gtin": self._random.choice(GTINS)}
            lines.append({"line_no": line_no, **item, "quantity": self._random.randint(1, 40) * 12, "uom": "EA"})
        if self._random.random() < 0.05:
            lines[-1] = {"line_no": len(lines), "customer_sku": "UNKNOWN-1", "quantity": 5, "uom": "EA"}
        order = {
            "partner": partner,
            "po_number": f"{self._prefix}-{next(self._numbers):08d}",
            "order_date": today.isoformat(),
            "requested_ship_date": (today + timedelta(days=self._random.randint(7, 30))).isoformat(),
            "ship_to": {"code": ship_to},
            "lines": lines,
        }
        return orjson.dumps(order)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port} after {timeout} s")


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    authenticated: bool = False


BENCH_SECRET = "bench-demo-secret-0123456789"
SECURED, OPEN = "lightsoff intake (auth + audit)", "lightsoff intake (no auth, no audit)"


def servers(workdir: Path) -> list[Server]:
    """The ceiling, lightsoff as deployed (authentication and audit on), and lightsoff with them off."""
    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTSOFF_")}
    serve = [python, "-m", "lightsoff.cli", "serve", "--demo"]
    secured = base_env | {
        "LIGHTSOFF_DATA_DIR": str(workdir / "secured"),
        "LIGHTSOFF_DEMO_CLIENT_SECRET": BENCH_SECRET,
        "LIGHTSOFF_DEFAULT_RATE_PER_SECOND": "1000000",
    }
    open_env = base_env | {"LIGHTSOFF_DATA_DIR": str(workdir / "open"), "LIGHTSOFF_INSECURE_NO_AUTH": "true"}
    for env in (secured, open_env):
        subprocess.run([python, "-m", "lightsoff.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
    return [
        Server("bare FastAPI + SQLite insert", [python, str(HERE / "bare_app.py"), str(workdir / "bare.db")], base_env),
        Server(SECURED, serve, secured, authenticated=True),
        Server(OPEN, serve, open_env),
    ]


def token(port: int) -> dict[str, str]:
    response = httpx.post(
        f"http://127.0.0.1:{port}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-admin", BENCH_SECRET),
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def started(server: Server) -> Iterator[tuple[int, dict[str, str]]]:
    """The server running on a free port: the port, and the headers a request needs."""
    port = free_port()
    command = [*server.command, str(port)] if "bare_app" in server.command[1] else server.command
    env = server.env | {"LIGHTSOFF_PORT": str(port)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        yield port, token(port) if server.authenticated else {}
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_one(
    name: str, port: int, headers: dict[str, str], concurrency: int, seconds: float, warmup: float, seed: int
) -> Run:
    console.print(f"  {name}: concurrency {concurrency}, {warmup:.0f} s warm-up + {seconds:.0f} s …")
    orders = Orders(seed=seed)
    return asyncio.run(load("127.0.0.1", port, "/v1/orders", orders, concurrency, seconds, warmup, headers))


def measure(server: Server, concurrencies: list[int], seconds: float, warmup: float) -> dict[int, Run]:
    with started(server) as (port, headers):
        return {
            concurrency: measure_one(server.name, port, headers, concurrency, seconds, warmup, index + 1)
            for index, concurrency in enumerate(concurrencies)
        }


COLUMNS = ("server", "concurrency", "orders/s", "p50 ms", "p99 ms", "statuses", "share of ceiling")


def table_rows(results: dict[str, dict[int, Run]]) -> list[tuple[str, ...]]:
    """One row per server and concurrency; the first server is the ceiling the others are compared to."""
    ceiling = next(iter(results.values()))
    return [
        (
            name,
            str(concurrency),
            f"{run.per_second:,.0f}",
            f"{run.percentile(50):.1f}",
            f"{run.percentile(99):.1f}",
            ", ".join(f"{status}×{count}" for status, count in sorted(run.statuses.items())),
            f"{run.per_second / ceiling[concurrency].per_second:.0%}",
        )
        for name, runs in results.items()
        for concurrency, run in runs.items()
    ]


def security_ratios(results: dict[str, dict[int, Run]]) -> str:
    """Throughput with authentication and audit on, as a share of the same run with them off."""
    secured, open_runs = results[SECURED], results[OPEN]
    parts = [
        f"concurrency {level}: {secured[level].per_second / open_runs[level].per_second:.2f}"
        for level in secured
        if level in open_runs
    ]
    return "Throughput with authentication and audit on ÷ off: " + ", ".join(parts) + "."


def markdown(rows: list[tuple[str, ...]], seconds: float) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    header = (
        f"Run {date.today()} on {os.cpu_count()} cores, Python {platform.python_version()}, commit "
        f"{commit.stdout.strip() or '?'}; {seconds:.0f} s per point after warm-up; load generator on the same machine."
    )
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return header + "\n\n" + "\n".join(lines) + "\n"


Pairs = dict[tuple[str, int], list[tuple[Run, Run]]]
"""(how, concurrency) → one (secured, open) pair of runs per round."""


def security_rounds(concurrencies: list[int], rounds: int, seconds: float, warmup: float) -> Pairs:
    """Each round, at each concurrency: the two servers one after the other, then both loaded at once."""
    with tempfile.TemporaryDirectory() as workdir:
        by_name = {server.name: server for server in servers(Path(workdir))}
        with started(by_name[SECURED]) as secured, started(by_name[OPEN]) as open_server:
            pairs: Pairs = {}
            for number in range(rounds):
                console.print(f"round {number + 1} of {rounds}, load average {load_average()}")
                for level in concurrencies:
                    seed = number * 100 + level
                    order = [(SECURED, secured), (OPEN, open_server)]
                    runs = {
                        name: measure_one(name, port, headers, level, seconds, warmup, seed)
                        for name, (port, headers) in (order if number % 2 == 0 else order[::-1])
                    }
                    pairs.setdefault(("in turn", level), []).append((runs[SECURED], runs[OPEN]))
                    together = side_by_side(secured, open_server, level, seconds, warmup, seed)
                    pairs.setdefault(("side by side", level), []).append(together)
    return pairs


def side_by_side(
    secured: tuple[int, dict[str, str]], open_server: tuple[int, dict[str, str]], level: int, *timing: float | int
) -> tuple[Run, Run]:
    """Both servers loaded at the same time, so whatever else the machine does falls on both alike."""
    seconds, warmup, seed = timing
    console.print(f"  both at once: concurrency {level} each, {warmup:.0f} s warm-up + {seconds:.0f} s …")
    fresh = 10_000 + 2 * int(seed)  # PO numbers neither server has seen: every post makes an order

    async def both() -> tuple[Run, Run]:
        first, second = await asyncio.gather(
            *(
                load("127.0.0.1", port, "/v1/orders", Orders(seed=fresh + offset), level, seconds, warmup, headers)
                for offset, (port, headers) in enumerate((secured, open_server))
            )
        )
        return first, second

    return asyncio.run(both())


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def spread(values: list[float]) -> str:
    return f"best {max(values):,.0f}, {min(values):,.0f}–{max(values):,.0f}"


def security_markdown(pairs: Pairs, seconds: float, loads: tuple[str, str]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    rounds = len(next(iter(pairs.values())))
    header = (
        f"Run {date.today()} on {os.cpu_count()} cores, Python {platform.python_version()}, commit "
        f"{commit.stdout.strip() or '?'}; {rounds} rounds of {seconds:.0f} s per point; load average "
        f"{loads[0]} before, {loads[1]} after (1, 5, 15 min); load generator on the same machine. *In turn*: "
        "one server loaded, then the other (which goes first alternates); *side by side*: both loaded at "
        "once, each by its own connections, so the machine's other work falls on both alike."
    )
    columns = ("how", "concurrency", "auth + audit orders/s", "no auth orders/s", "ratio per round", "median ratio")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for (how, level), runs in pairs.items():
        ratios = [secured.per_second / open_run.per_second for secured, open_run in runs]
        lines.append(
            f"| {how} | {level} | {spread([s.per_second for s, _ in runs])} | "
            f"{spread([o.per_second for _, o in runs])} | {', '.join(f'{ratio:.2f}' for ratio in ratios)} | "
            f"**{statistics.median(ratios):.2f}** |"
        )
    refused = {
        status: count
        for runs in pairs.values()
        for pair in runs
        for run in pair
        for status, count in run.statuses.items()
        if status != 202
    }
    if refused:
        lines.append(f"\nAnswers other than 202 (they invalidate the figures): {refused}")
    return header + "\n\n" + "\n".join(lines) + "\n"


def security_main(concurrencies: list[int], rounds: int, seconds: float, warmup: float, write: bool) -> None:
    before = load_average()
    pairs = security_rounds(concurrencies, rounds, seconds, warmup)
    section = security_markdown(pairs, seconds, (before, load_average()))
    console.print(section)
    if write:
        record("intake-security", "Intake with authentication and audit on, and off", section)
        console.print(f"recorded in {RESULTS}")


def main(
    seconds: Annotated[float, typer.Option(help="measured seconds per point")] = 20,
    warmup: Annotated[float, typer.Option(help="unmeasured seconds before each point")] = 3,
    concurrency: Annotated[list[int] | None, typer.Option(help="repeat for several")] = None,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
    security: Annotated[bool, typer.Option(help="only the ratio of auth + audit on to off, in rounds")] = False,
    rounds: Annotated[int, typer.Option(help="with --security: rounds per concurrency")] = 4,
) -> None:
    concurrencies = concurrency or [16, 64]
    if security:
        security_main(concurrencies, rounds, seconds, warmup, write)
        return
    with tempfile.TemporaryDirectory() as workdir:
        results = {server.name: measure(server, concurrencies, seconds, warmup) for server in servers(Path(workdir))}
    rows = table_rows(results)
    table = Table(*COLUMNS)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    ratios = security_ratios(results)
    console.print(ratios)
    if write:
        record("intake", "Intake", markdown(rows, seconds) + "\n" + ratios + "\n")
        console.print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    typer.run(main)
