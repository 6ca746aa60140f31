"""Delivery throughput and commit-to-receipt latency, and recovery after a receiver outage.

The relay runs embedded (a thread of this process, as in ``lightsoff serve``) on a fresh SQLite
database; the receiver is an aiohttp app in a separate process, so the two do not share a GIL. Events
go to 500 orders; each is delivered to every one of 1, 10 or 100 subscriptions. Latency is the
receiver's clock at receipt minus the event's time (stamped just before its commit).

Two phases per number of subscriptions. Burst: events appended as fast as they commit, 100 to a commit;
the figure is deliveries per second until the last has arrived (the time of the appends included), and
the CPU this process spent per delivery meanwhile (the relay and the appends; the receiver apart).
Paced: events appended every 10 ms at a steady 2,000 deliveries/s (the throughput the relay must reach);
the latency figures come from this phase, where waiting in a queue only counts if the relay falls
behind. In the burst, latency is mostly the place in the queue (its last event waits for all before it),
so its p99 is shown beside, for what it is.

Recovery: the receiver is down while events queue, then comes back; the figure is the time from its
return until the last queued delivery has arrived.

    python bench/delivery.py [--quick]
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from lightsoff.bootstrap import Lightsoff, SystemClock, bootstrap
from lightsoff.delivery_runtime import RelayThread
from lightsoff.domain.events import PendingEvent, SubscriptionDisabled
from lightsoff.domain.subscriptions import SubscriptionKind
from lightsoff.services.subscriptions import NewSubscription
from lightsoff.settings import Settings
from lightsoff.store import migrate

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
console = Console()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def receiver(port: int) -> None:
    """The receiver process: 200 to every POST, records each receipt's lag behind the event's time."""
    import orjson  # noqa: PLC0415 - in the child process only
    from aiohttp import web  # noqa: PLC0415

    lags: list[float] = []

    async def hook(request: web.Request) -> web.Response:
        event = orjson.loads(await request.read())
        sent = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        lags.append(time.time() - sent.timestamp())
        return web.Response(text="ok")

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"count": len(lags), "lags": lags[-int(request.query.get("last", "0")) :]})

    async def reset(request: web.Request) -> web.Response:
        lags.clear()
        return web.Response(text="ok")

    app = web.Application()
    app.add_routes([web.post("/hook", hook), web.get("/stats", stats), web.post("/reset", reset)])
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: multiprocessing.Process | None = None
        self._client = httpx.Client(trust_env=False)
        """One client for the polls: ``httpx.get`` builds a client and its TLS context on every call, some
        15 ms of CPU taken, 50 times a second, from the relay this process is measuring."""

    def start(self) -> None:
        self._process = multiprocessing.Process(target=receiver, args=(self.port,), daemon=True)
        self._process.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self._client.get(f"{self.url}/stats", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the receiver did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._process = None

    def stats(self, last: int = 0) -> dict[str, Any]:
        result: dict[str, Any] = self._client.get(f"{self.url}/stats", params={"last": last}, timeout=30).json()
        return result

    def reset(self) -> None:
        self._client.post(f"{self.url}/reset", timeout=5)


def append(app: Lightsoff, count: int, first: int) -> None:
    """``count`` events over 500 orders, committed 100 at a time."""
    for start in range(0, count, 100):
        now = datetime.now(UTC)
        batch = []
        for n in range(first + start, first + min(start + 100, count)):
            event = SubscriptionDisabled(f"ORD-{n % 500}", "bench", f"event {n}", None)
            batch.append(PendingEvent(str(uuid.uuid4()), event, n // 500 + 1, now, None, None, "ACME"))
        app.uow.run(lambda uow, batch=batch: uow.events.append(batch))


OFFERED = 2_000
"""deliveries per second offered in the paced phase"""
TICK = 0.01


@dataclass
class Figures:
    subscriptions: int
    deliveries: int
    per_second: float
    cpu_us: float
    """CPU of this process (relay and appends) per delivery, during the burst"""
    burst_p99_ms: float
    paced: int
    p50_ms: float
    p99_ms: float


def wait_count(receiver: Receiver, count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while receiver.stats(last=1)["count"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {receiver.stats(last=1)['count']} of {count} deliveries arrived")
        time.sleep(0.02)


def lags_ms(receiver: Receiver) -> list[float]:
    return sorted(lag * 1000 for lag in receiver.stats()["lags"])


def p99(lags: list[float]) -> float:
    return lags[int(len(lags) * 0.99) - 1]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pace(app: Lightsoff, subscriptions: int, seconds: float, first: int) -> int:
    """Append events for ``seconds``, each tick what keeps ``OFFERED`` deliveries a second; returns how many."""
    started = time.perf_counter()
    appended = 0
    while (elapsed := time.perf_counter() - started) < seconds:
        due = int(elapsed * OFFERED / subscriptions) - appended
        if due > 0:
            append(app, due, first + appended)
            appended += due
        time.sleep(TICK)
    return appended


def throughput(folder: Path, subscriptions: int, deliveries: int, paced_seconds: float) -> Figures:
    app, relay, hook = start(folder / f"throughput-{subscriptions}.db", subscriptions)
    try:
        events = deliveries // subscriptions
        append(app, 200, 0)  # warm up: connections, caches
        wait_count(hook, 200 * subscriptions)
        hook.reset()
        started, cpu = time.perf_counter(), cpu_seconds()
        append(app, events, 200)
        wait_count(hook, events * subscriptions)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        burst = lags_ms(hook)
        hook.reset()
        paced = pace(app, subscriptions, paced_seconds, 200 + events)
        wait_count(hook, paced * subscriptions)
        lags = lags_ms(hook)
    finally:
        relay.stop()
        hook.stop()
        app.close()
    total = events * subscriptions
    return Figures(
        subscriptions,
        total,
        total / elapsed,
        cpu / total * 1e6,
        p99(burst),
        paced * subscriptions,
        statistics.median(lags),
        p99(lags),
    )


def recovery(folder: Path, queued: int, outage: float) -> tuple[float, float]:
    """Seconds from the receiver's return to the first delivery (the circuit breaker's next probe), and to
    the last."""
    app, relay, hook = start(folder / "recovery.db", 1, circuit_cool_down_seconds=5.0)
    try:
        hook.stop()
        append(app, queued, 0)
        time.sleep(outage)
        hook.start()
        back = time.perf_counter()
        wait_count(hook, 1)
        first = time.perf_counter() - back
        wait_count(hook, queued)
        return first, time.perf_counter() - back
    finally:
        relay.stop()
        hook.stop()
        app.close()


def start(path: Path, subscriptions: int, **changes: Any) -> tuple[Lightsoff, RelayThread, Receiver]:
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=path.parent, log_level="warning", **changes)
    app = bootstrap(settings, clock=SystemClock())
    migrate.upgrade(app.database)
    hook = Receiver()
    hook.start()
    for _ in range(subscriptions):
        app.delivery.subscriptions.create(NewSubscription(SubscriptionKind.WEBHOOK, f"{hook.url}/hook"))
    relay = RelayThread(app)
    relay.start()
    return app, relay, hook


def main(quick: Annotated[bool, typer.Option(help="smaller numbers, for development")] = False) -> None:
    deliveries, paced_seconds = (2_000, 3.0) if quick else (20_000, 10.0)
    queued, outage = (1_000, 5.0) if quick else (10_000, 60.0)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for subscriptions in (1, 10, 100):
            figures = throughput(folder, subscriptions, deliveries, paced_seconds)
            console.print(figures)
            rows.append(figures)
        recovered = recovery(folder, queued, outage)
        console.print(f"recovery: {queued} queued, {outage:g} s outage, first and last after: {recovered}")
    load = max(load, os.getloadavg()[0])
    write_results(rows, queued, outage, recovered, quick, load)


def commit() -> str:
    """The commit measured, with ``+`` when the source differs from it."""
    head = git("rev-parse", "--short", "HEAD")
    return head + ("+" if git("status", "--porcelain", "--", "../src") else "")


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], check=False, capture_output=True, text=True, cwd=HERE).stdout.strip()


def write_results(
    rows: list[Figures], queued: int, outage: float, recovered: tuple[float, float], quick: bool, load: float
) -> None:
    table = [
        "| subscriptions | burst: deliveries | deliveries/s | CPU per delivery | burst p99 "
        f"| paced at {OFFERED:,}/s: deliveries | p50 | p99 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *[
            f"| {r.subscriptions} | {r.deliveries:,} | {r.per_second:,.0f} | {r.cpu_us:.0f} µs | "
            f"{r.burst_p99_ms:,.0f} ms | {r.paced:,} | {r.p50_ms:.0f} ms | {r.p99_ms:.0f} ms |"
            for r in rows
        ],
    ]
    section = "\n".join(
        [
            "<!-- delivery:begin -->",
            "## Delivery (bench/delivery.py" + (" --quick" if quick else "") + f", commit {commit()})",
            "",
            f"Embedded relay, SQLite, receiver in another process on loopback; {platform.processor() or 'cpu'}, "
            f"{multiprocessing.cpu_count()} cores, Python {platform.python_version()}; load average up to "
            f"{load:.1f} during the run.",
            "",
            *table,
            "",
            f"Recovery: {queued:,} deliveries queued during a {outage:g} s receiver outage were all delivered "
            f"{recovered[1]:.1f} s after it came back; the first {recovered[0]:.1f} s passed before the circuit "
            "breaker's next probe (cool-down 5 s, doubling while the receiver stays down).",
        ]
    )
    text = RESULTS.read_text() if RESULTS.exists() else ""
    notes = re.search(r"<!-- delivery:notes -->.*?(?=<!-- delivery:end -->)", text, re.DOTALL)
    section += "\n\n" + (notes.group(0) if notes else "") + "<!-- delivery:end -->"  # notes written by hand stay
    pattern = re.compile(r"<!-- delivery:begin -->.*?<!-- delivery:end -->", re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(typer.run(main))
