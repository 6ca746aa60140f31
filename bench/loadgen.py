"""A closed-loop HTTP/1.1 load generator: N keep-alive connections, each posting as fast as answered.

Hand-written on asyncio streams because it shares the 2-core machine with the server under test:
an HTTP client library's per-request overhead (httpx, aiohttp) would take CPU from the server and
measure the client. It speaks just enough HTTP/1.1 for these servers: Content-Length bodies,
keep-alive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / (self.finished - self.started)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for header in head.split(b"\r\n"):
        if header[:15].lower() == b"content-length:":
            length = int(header[15:])
    await reader.readexactly(length)
    return status


async def _connection(
    host: str,
    port: int,
    path: str,
    body_for: Callable[[], bytes],
    run: Run,
    warmup_until: float,
    stop_at: float,
    headers: bytes,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (now := time.perf_counter()) < stop_at:
            body = body_for()
            writer.write(
                b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s"
                % (path.encode(), host.encode(), headers, len(body), body)
            )
            status = await _read_response(reader)
            done = time.perf_counter()
            if now >= warmup_until:
                run.latencies.append(done - now)
                run.statuses[status] = run.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def load(
    host: str,
    port: int,
    path: str,
    body_for: Callable[[], bytes],
    concurrency: int,
    seconds: float,
    warmup: float,
    headers: dict[str, str] | None = None,
) -> Run:
    run = Run()
    start = time.perf_counter()
    run.started, stop_at = start + warmup, start + warmup + seconds
    extra = b"".join(f"{name}: {value}\r\n".encode() for name, value in (headers or {}).items())
    await asyncio.gather(
        *(_connection(host, port, path, body_for, run, run.started, stop_at, extra) for _ in range(concurrency))
    )
    run.finished = time.perf_counter()
    return run
