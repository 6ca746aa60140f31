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

``--baseline COMMIT`` measures, the same way, this tree's intake (the rule set on, authentication off)
against an earlier commit's, run from a temporary worktree: ``--baseline ff7cd2e`` is the cost of the
rule set against the spine, whose figure is the intake table's.
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
from results import RESULTS, how_it_ran, record

HERE = Path(__file__).parent
console = Console()

# The demo product master's active products: SKU → (GTIN, unit, case pack).
PRODUCTS = {
    "WID-100": ("4012345000016", "EA", 12),
    "WID-200": ("4012345000023", "EA", 50),
    "WID-300": ("4012345000030", "EA", 100),
    "FIT-410": ("4012345000047", "EA", 24),
    "CHN-800": ("4012345000078", "M", 5),
    "KIT-900": ("4012345000085", "EA", 4),
}
# Each demo partner's ship-to and the customer SKUs of its code list (→ our SKU).
PARTNERS = {
    "ACME": ("ACME-DC-NORTH", {"A-7788": "WID-200", "A-7790": "WID-300"}),
    "BOLT": ("0042", {"BIS-10060": "WID-100", "BIS-10061": "WID-200", "BIS-88": "CHN-800"}),
    "NORDPIPE": ("NP-GBG", {"NP-ELB25": "FIT-410", "NP-KIT": "KIT-900"}),
}


class Orders:
    """Distinct, realistic orders: every PO number is new, so every post makes an order.

    Lines name the item by SKU, by the partner's customer SKU or by GTIN, in the product's unit and in
    whole cases, as a customer who knows the catalogue orders; about 1 in 20 orders has an item nobody
    knows, which a rule holds for a person. Ship dates spread over a year: BOLT merges repeat orders
    (same ship-to and date) into the open one, and NORDPIPE has them reviewed, so a month of dates
    would turn most orders into merges growing a few dozen orders to hundreds of lines, which no
    customer sends.
    """

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._numbers = itertools.count(1)
        self._prefix = f"B{seed}"

    def __call__(self) -> bytes:
        partner = self._random.choice(list(PARTNERS))
        ship_to, customer_skus = PARTNERS[partner]
        today = date.today()
        lines = [self._line(line_no, customer_skus) for line_no in range(1, self._random.randint(3, 20) + 1)]
        if self._random.random() < 0.05:
            lines[-1] = {"line_no": len(lines), "customer_sku": "UNKNOWN-1", "quantity": 5, "uom": "EA"}
        order = {
            "partner": partner,
            "po_number": f"{self._prefix}-{next(self._numbers):08d}",
            "order_date": today.isoformat(),
            "requested_ship_date": (today + timedelta(days=self._random.randint(14, 365))).isoformat(),
            "ship_to": {"code": ship_to},
            "lines": lines,
        }
        return orjson.dumps(order)

    def _line(self, line_no: int, customer_skus: dict[str, str]) -> dict[str, object]:
        kind = self._random.random()
        item: dict[str, str]
        if kind < 0.5:
            sku = self._random.choice(list(PRODUCTS))
            item = {"sku": sku}
        elif kind < 0.8:
            customer_sku = self._random.choice(list(customer_skus))
            sku, item = customer_skus[customer_sku], {"customer_sku": customer_sku}
        else:
            sku = self._random.choice(list(PRODUCTS))
            item = {"gtin": PRODUCTS[sku][0]}
        _, uom, case_pack = PRODUCTS[sku]
        return {"line_no": line_no, **item, "quantity": self._random.randint(1, 8) * case_pack, "uom": uom}


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
"""(how, concurrency) → one (first, second) pair of runs per round."""


@dataclass(frozen=True)
class Comparison:
    """Two servers measured against each other in rounds, and where the result goes in RESULTS.md."""

    first: Server
    second: Server
    marker: str
    title: str
    first_column: str
    second_column: str
    what: str
    """One sentence for the section's header: what the ratio (first ÷ second) measures."""


def paired_rounds(
    comparison: Comparison, concurrencies: list[int], rounds: int, seconds: float, warmup: float
) -> Pairs:
    """Each round, at each concurrency: the two servers one after the other, then both loaded at once."""
    with started(comparison.first) as first, started(comparison.second) as second:
        pairs: Pairs = {}
        for number in range(rounds):
            console.print(f"round {number + 1} of {rounds}, load average {load_average()}")
            for level in concurrencies:
                seed = number * 100 + level
                order = [(comparison.first.name, first), (comparison.second.name, second)]
                runs = {
                    name: measure_one(name, port, headers, level, seconds, warmup, seed)
                    for name, (port, headers) in (order if number % 2 == 0 else order[::-1])
                }
                pair = (runs[comparison.first.name], runs[comparison.second.name])
                pairs.setdefault(("in turn", level), []).append(pair)
                together = side_by_side(first, second, level, seconds, warmup, seed)
                pairs.setdefault(("side by side", level), []).append(together)
    return pairs


def side_by_side(
    first: tuple[int, dict[str, str]], second: tuple[int, dict[str, str]], level: int, *timing: float | int
) -> tuple[Run, Run]:
    """Both servers loaded at the same time, so whatever else the machine does falls on both alike."""
    seconds, warmup, seed = timing
    console.print(f"  both at once: concurrency {level} each, {warmup:.0f} s warm-up + {seconds:.0f} s …")
    fresh = 10_000 + 2 * int(seed)  # PO numbers neither server has seen: every post makes an order

    async def both() -> tuple[Run, Run]:
        one, other = await asyncio.gather(
            *(
                load("127.0.0.1", port, "/v1/orders", Orders(seed=fresh + offset), level, seconds, warmup, headers)
                for offset, (port, headers) in enumerate((first, second))
            )
        )
        return one, other

    return asyncio.run(both())


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def spread(values: list[float]) -> str:
    return f"best {max(values):,.0f}, {min(values):,.0f}–{max(values):,.0f}"


def paired_markdown(comparison: Comparison, pairs: Pairs, seconds: float, loads: tuple[str, str]) -> str:
    rounds = len(next(iter(pairs.values())))
    header = how_it_ran(
        f"{comparison.what} {rounds} rounds of {seconds:.0f} s per point; load average {loads[0]} before, "
        f"{loads[1]} after (1, 5, 15 min); load generator on the same machine. *In turn*: one server loaded, "
        "then the other (which goes first alternates); *side by side*: both loaded at once, each by its own "
        "connections, so the machine's other work falls on both alike"
    )
    columns = ("how", "concurrency", comparison.first_column, comparison.second_column, "ratio per round", "median")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for (how, level), runs in pairs.items():
        ratios = [one.per_second / other.per_second for one, other in runs]
        lines.append(
            f"| {how} | {level} | {spread([one.per_second for one, _ in runs])} | "
            f"{spread([other.per_second for _, other in runs])} | {', '.join(f'{ratio:.2f}' for ratio in ratios)} | "
            f"**{statistics.median(ratios):.2f}** |"
        )
    for index, server in enumerate((comparison.first, comparison.second)):
        statuses: dict[int, int] = {}
        for runs in pairs.values():
            for pair in runs:
                for status, count in pair[index].statuses.items():
                    statuses[status] = statuses.get(status, 0) + count
        answers = ", ".join(f"{status}×{count:,}" for status, count in sorted(statuses.items()))
        lines.append(f"{'' if index else chr(10)}Answers of {server.name}: {answers}.")
    return header + "\n".join(lines) + "\n"


def paired_main(
    comparison: Comparison, concurrencies: list[int], rounds: int, seconds: float, warmup: float, write: bool
) -> None:
    before = load_average()
    pairs = paired_rounds(comparison, concurrencies, rounds, seconds, warmup)
    section = paired_markdown(comparison, pairs, seconds, (before, load_average()))
    console.print(section)
    if write:
        record(comparison.marker, comparison.title, section)
        console.print(f"recorded in {RESULTS}")


def security_comparison(workdir: Path) -> Comparison:
    by_name = {server.name: server for server in servers(workdir)}
    return Comparison(
        by_name[SECURED],
        by_name[OPEN],
        "intake-security",
        "Intake with authentication and audit on, and off",
        "auth + audit orders/s",
        "no auth orders/s",
        "ratio: throughput with authentication and audit on ÷ off;",
    )


@contextmanager
def baseline_comparison(workdir: Path, commit: str) -> Iterator[Comparison]:
    """This tree's intake (rules on) against ``commit``'s, both without authentication: what the rules cost.

    The baseline runs from a detached worktree of ``commit`` with its ``src`` first on the path, in this
    virtualenv (its dependencies are a subset of today's).
    """
    tree = workdir / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], check=True, capture_output=True)
    try:
        python = sys.executable
        clean = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTSOFF_")}
        serve = [python, "-m", "lightsoff.cli", "serve", "--demo"]
        now_env = clean | {"LIGHTSOFF_DATA_DIR": str(workdir / "now"), "LIGHTSOFF_INSECURE_NO_AUTH": "true"}
        then_env = clean | {"LIGHTSOFF_DATA_DIR": str(workdir / "then"), "PYTHONPATH": str(tree / "src")}
        for env in (now_env, then_env):
            subprocess.run([python, "-m", "lightsoff.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
        yield Comparison(
            Server("lightsoff intake with rules", serve, now_env),
            Server(f"lightsoff intake at {commit}", serve, then_env),
            "intake-rules",
            "Intake with the rule set, against the spine",
            "with rules orders/s",
            f"{commit} orders/s",
            f"ratio: this commit's intake (rule set on, authentication off) ÷ commit {commit}'s "
            "(the spine: no rule set);",
        )
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=False, capture_output=True)


def main(
    seconds: Annotated[float, typer.Option(help="measured seconds per point")] = 20,
    warmup: Annotated[float, typer.Option(help="unmeasured seconds before each point")] = 3,
    concurrency: Annotated[list[int] | None, typer.Option(help="repeat for several")] = None,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
    security: Annotated[bool, typer.Option(help="only the ratio of auth + audit on to off, in rounds")] = False,
    rounds: Annotated[int, typer.Option(help="with --security or --baseline: rounds per concurrency")] = 4,
    baseline: Annotated[
        str | None,
        typer.Option(help="only the ratio of this intake (rules on) to a commit's, e.g. ff7cd2e (the spine)"),
    ] = None,
) -> None:
    concurrencies = concurrency or [16, 64]
    if security:
        with tempfile.TemporaryDirectory() as workdir:
            paired_main(security_comparison(Path(workdir)), concurrencies, rounds, seconds, warmup, write)
        return
    if baseline:
        with tempfile.TemporaryDirectory() as workdir, baseline_comparison(Path(workdir), baseline) as comparison:
            paired_main(comparison, concurrencies, rounds, seconds, warmup, write)
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
