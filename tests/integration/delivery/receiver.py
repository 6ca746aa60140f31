"""A real webhook receiver for tests: aiohttp on a free loopback port, in its own thread and event loop.

Each path is a behaviour: ``/ok``, ``/status/{code}`` (``?retry_after=``), ``/slow?seconds=``, ``/hang``,
``/flap`` (500, 200, 500…), ``/redirect`` (to itself: a loop), ``/huge`` (50 MB streamed),
``/trickle`` (200 and headers at once, then one body byte a second). ``HeaderTrickler`` is a raw TCP
server that sends even the status line one byte a second, which no HTTP framework will do for us.

Every request is verified on arrival with the receiver's own secret and clock, and recorded, so a test
can assert that what the sender signed checks out where it lands. Running in another thread (and loop)
than the sender means a stalled handler here cannot be mistaken for a stall in the sender.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from lightsoff.delivery.signing import Verifier, WebhookSecret
from lightsoff.domain.errors import InvalidSignature
from lightsoff.services.ports import Clock

HUGE_BYTES = 50 * 1024 * 1024
_CHUNK = b"x" * 65536


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    """lower-cased names"""
    body: bytes
    verified: bool
    peer: tuple[str, int]
    """the sender's address and port: the same port twice means the connection was kept alive"""
    problem: str = ""
    repeated: list[str] = field(default_factory=list)
    """header names that came more than once"""


@dataclass
class HugeStats:
    written: int = 0
    stopped_early: threading.Event = field(default_factory=threading.Event)


class _LoopThread:
    """An event loop in a daemon thread; ``call`` runs a coroutine there and waits for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coroutine: Awaitable[Any], timeout: float = 10.0) -> Any:
        async def run() -> Any:
            return await coroutine

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def close(self) -> None:
        async def cancel_rest() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await _turns()  # transports those tasks closed are released on the loop's next turn

        self.call(cancel_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


_ACCEPT_TURNS = 3
"""Loop turns from an accepted socket to aiohttp's handler for it: the accept task runs, creates the transport,
whose ``connection_made`` registers the handler with the server."""


async def _turns(count: int = _ACCEPT_TURNS) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def stop_serving(runner: web.AppRunner, sock: socket.socket) -> None:
    """Shut a server down with no connection left behind, even while clients keep connecting.

    Closing an asyncio (3.11) server while a client connects drops that connection: its socket was accepted
    but its transport is made on a later turn of the loop, by when the server's sockets are gone, so
    ``Server._attach`` fails an assertion and the half-made transport is abandoned, never closed (and
    aiohttp's shutdown, which closes the connections it knows, never heard of it). It surfaces later as
    "ResourceWarning: unclosed transport" at some garbage collection. So: stop reading the listening socket
    first (clients that connect now wait in the backlog and are reset when it closes), let the accepts
    already under way become connections aiohttp tracks, then let the runner close the server and every
    connection.
    """
    asyncio.get_running_loop().remove_reader(sock.fileno())
    await _turns()
    await runner.cleanup()
    await _turns()


def free_port() -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Receiver:
    def __init__(self, secret: WebhookSecret, clock: Clock) -> None:
        self._verifier = Verifier([secret], clock)
        self.received: list[Received] = []
        self.huge = HugeStats()
        self.trickled = 0
        self._flaps = 0
        self._lock = threading.Lock()
        self._thread = _LoopThread()
        self._socket = _listening_socket()
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._runner = web.AppRunner(self._app(), handle_signals=False, access_log=None, shutdown_timeout=0.5)
        self._thread.call(self._start())

    async def _start(self) -> None:
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    def close(self) -> None:
        self._thread.call(stop_serving(self._runner, self._socket))
        self._thread.close()
        self._socket.close()

    def hits(self, path: str) -> list[Received]:
        with self._lock:
            return [request for request in self.received if request.path == path]

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        routes = {
            "/ok": self._ok,
            "/status/{code}": self._status,
            "/slow": self._slow,
            "/hang": self._hang,
            "/flap": self._flap,
            "/redirect": self._redirect,
            "/huge": self._huge,
            "/trickle": self._trickle,
        }
        app.add_routes([web.post(path, handler) for path, handler in routes.items()])
        return app

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        peer = request.transport.get_extra_info("peername") if request.transport else ("?", 0)
        repeated = sorted(name for name in headers if len(request.headers.getall(name)) > 1)
        try:
            self._verifier.verify(headers, body)
            received = Received(request.path, headers, body, verified=True, peer=tuple(peer), repeated=repeated)
        except InvalidSignature as exc:
            received = Received(request.path, headers, body, False, tuple(peer), problem=str(exc), repeated=repeated)
        with self._lock:
            self.received.append(received)
        return await handler(request)

    async def _ok(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="thanks")

    async def _status(self, request: web.Request) -> web.StreamResponse:
        headers = {"Retry-After": request.query["retry_after"]} if "retry_after" in request.query else {}
        return web.Response(status=int(request.match_info["code"]), text="boom", headers=headers)

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(float(request.query.get("seconds", "0.5")))
        return web.Response(text="slow but fine")

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(3600)
        return web.Response(text="never")

    async def _flap(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self._flaps += 1
            failing = self._flaps % 2 == 1
        return web.Response(status=500 if failing else 200, text="flap")

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": f"{self.url}/redirect"})

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain", "Content-Length": str(HUGE_BYTES)})
        await response.prepare(request)
        try:
            while self.huge.written < HUGE_BYTES:
                await response.write(_CHUNK)
                self.huge.written += len(_CHUNK)
        except (ConnectionError, RuntimeError):  # the sender hung up, as it should
            self.huge.stopped_early.set()
        return response

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain", "Content-Length": "3600"})
        await response.prepare(request)
        try:
            for _ in range(3600):
                await response.write(b".")
                self.trickled += 1
                await asyncio.sleep(1)
        except (ConnectionError, RuntimeError):
            pass
        return response


class HeaderTrickler:
    """Accepts a connection, reads the request, then sends ``HTTP/1.1 200 OK…`` one byte a second."""

    def __init__(self) -> None:
        self._thread = _LoopThread()
        self._socket = _listening_socket()
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/"
        self.bytes_sent = 0
        self._server: asyncio.Server = self._thread.call(self._start())

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, sock=self._socket)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                writer.write(bytes([byte]))
                await writer.drain()
                self.bytes_sent += 1
                await asyncio.sleep(1)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Shutting down. Returning (rather than re-raising) spares Python 3.11's stream callback, which
            # reports a cancelled connection task as an error in the loop.
            pass
        finally:
            writer.close()

    def close(self) -> None:
        async def stop() -> None:  # as stop_serving does, for the same reason
            asyncio.get_running_loop().remove_reader(self._socket.fileno())
            await _turns()
            self._server.close()
            await _turns()

        self._thread.call(stop())
        self._thread.close()
        self._socket.close()
