"""A webhook receiver whose behaviour can change while a test runs: ok, down, 500, 429, hang, slow, flap.

It listens on a fixed loopback port (so "down" and "up again" are the same URL), verifies every request
with the ``standardwebhooks`` package (the reference implementation, not lightsoff's own code) and
records each arrival, so a test can check order, signatures and duplicates by ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.integration.delivery.receiver import _listening_socket, _LoopThread, free_port, stop_serving


@dataclass
class Arrival:
    msg_id: str
    event: dict[str, Any]
    verified: bool
    answered: int
    at: float
    mode: str = "ok"


class Inbox:
    def __init__(self, secrets: list[str], mode: str = "ok") -> None:
        self._verifiers = [Webhook(secret) for secret in secrets]
        self.mode = mode
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        self._flaps = 0
        self._thread = _LoopThread()
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None
        self.start()

    def start(self) -> None:
        self._thread.call(self._start())

    async def _start(self) -> None:
        app = web.Application()
        app.add_routes([web.post("/hook", self._hook)])
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        self._socket = _listening_socket(self.port)
        await web.SockSite(self._runner, self._socket).start()

    def stop(self) -> None:
        """Go down: connections are refused until ``start``."""
        if self._runner is not None:
            self._thread.call(stop_serving(self._runner, self._socket))
            self._socket.close()
            self._runner = None

    def close(self) -> None:
        self.stop()
        self._thread.close()

    def _verified(self, body: bytes, headers: dict[str, str]) -> bool:
        for verifier in self._verifiers:
            try:
                verifier.verify(body, headers)
            except WebhookVerificationError:
                continue
            return True
        return False

    def _answer(self) -> tuple[int, dict[str, str], float]:
        mode = self.mode
        if mode == "flap":
            with self._lock:
                self._flaps += 1
                return (500 if self._flaps % 2 else 200), {}, 0.0
        return {
            "ok": (200, {}, 0.0),
            "500": (500, {}, 0.0),
            "429": (429, {"Retry-After": "1"}, 0.0),
            "slow": (200, {}, 0.3),
            "hang": (200, {}, 3600.0),
        }[mode]

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        status, extra, delay = self._answer()
        arrival = Arrival(
            headers.get("webhook-id", ""),
            orjson.loads(body),
            self._verified(body, headers),
            status,
            time.time(),
            self.mode,
        )
        with self._lock:
            self.arrivals.append(arrival)
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=status, text="thanks" if status == 200 else "nope", headers=extra)

    def delivered(self) -> list[Arrival]:
        """Arrivals answered 200, first time each id was answered so: what a deduplicating receiver keeps."""
        with self._lock:
            seen: set[str] = set()
            kept = []
            for arrival in self.arrivals:
                if arrival.answered == 200 and arrival.msg_id not in seen:
                    seen.add(arrival.msg_id)
                    kept.append(arrival)
            return kept

    def duplicates(self) -> int:
        with self._lock:
            counts = Counter(a.msg_id for a in self.arrivals if a.answered == 200)
        return sum(count - 1 for count in counts.values())

    def all_verified(self) -> bool:
        with self._lock:
            return all(arrival.verified for arrival in self.arrivals)


def assert_in_order_per_stream(arrivals: list[Arrival]) -> None:
    """Within each subject (order), stream versions arrive strictly increasing."""
    last: dict[str, int] = {}
    for arrival in arrivals:
        subject, version = arrival.event["subject"], arrival.event["streamversion"]
        assert version > last.get(subject, 0), f"{subject} v{version} arrived after v{last[subject]}"
        last[subject] = version
