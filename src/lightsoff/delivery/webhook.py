"""The webhook sender: one signed POST per attempt, bounded in time and in what it reads back.

A receiver is a stranger on the internet. It may be down, slow, redirect us in circles, stream
gigabytes back or trickle one byte a second; none of that may hold a delivery longer than its deadline
or take memory beyond a small excerpt, and none of it is an exception: ``send`` returns a
``DeliveryOutcome`` for every answer a receiver can give. Only our own mistakes (a header value that is
not valid HTTP, a closed client) raise.

The verdict comes from the status line alone: a 2xx means the receiver has the event, even if its
body is then cut at the excerpt cap or is still arriving at the deadline (``truncated`` says so).
Redirects are never followed: a signed event goes only to the URL the subscriber registered.

The client is aiohttp's, not httpx's. At the relay's concurrency httpx (httpcore 1.0) spends over a
millisecond of CPU per request: on every request its pool walks all its connections, probing each
idle one's socket, with a nested walk for the keep-alive count. Measured on the two-core bench machine
against the same loopback receiver: httpx 370 requests/s with 32 in flight, aiohttp 12,500
(bench/RESULTS.md, "Delivery"). The relay's target of 2,000 deliveries/s is out of httpx's reach.

Share one ``aiohttp.ClientSession`` (``create_client``) between all deliveries, for keep-alive; size
its pool above the relay's concurrency, so that connections held by a bad receiver (each for at most
the deadline) cannot starve the healthy ones.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import aiohttp
from yarl import URL

from lightsoff import __version__
from lightsoff.delivery import envelope
from lightsoff.delivery.outcome import DeliveryOutcome, FailureKind
from lightsoff.delivery.signing import WebhookSecret, signature_headers
from lightsoff.domain.events import RecordedEvent
from lightsoff.services.ports import Clock

USER_AGENT = f"lightsoff-webhooks/{__version__}"
_HEADER_ECHO_LIMIT = 200


@dataclass(frozen=True, slots=True)
class WebhookLimits:
    """Timeouts in seconds (``total`` bounds the whole attempt, whatever the receiver does) and sizes in bytes.

    ``write`` has no timer of its own (aiohttp has none): a receiver that stops reading our body is
    ended by ``total``, as is one that trickles bytes inside ``read``.
    """

    connect: float = 5.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 5.0
    total: float = 30.0
    excerpt_bytes: int = 1024
    max_body_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        if min(self.connect, self.read, self.write, self.pool, self.total) <= 0:
            raise ValueError("webhook timeouts must be positive")
        if self.excerpt_bytes < 0 or self.max_body_bytes < 1:
            raise ValueError("webhook sizes must be positive")

    def timeout(self) -> aiohttp.ClientTimeout:
        """aiohttp's ``connect`` covers waiting for a pooled connection and opening one; ``sock_read`` is per read."""
        return aiohttp.ClientTimeout(
            total=None, connect=self.pool + self.connect, sock_connect=self.connect, sock_read=self.read
        )


def create_client(
    limits: WebhookLimits | None = None,
    *,
    max_connections: int = 200,
    keepalive_expiry: float = 30.0,
) -> aiohttp.ClientSession:
    """The one client for all webhook deliveries: keep-alive, no redirects, cookies, proxy or auth from the
    environment, no decompression. Call it inside the event loop that will use it."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=max_connections, limit_per_host=0, keepalive_timeout=keepalive_expiry),
        timeout=(limits or WebhookLimits()).timeout(),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        trust_env=False,
    )


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """What to deliver: ``msg_id`` (the event id, the same on every attempt, so receivers can deduplicate)
    and the body bytes, encoded once. ``headers`` adds to the request, e.g. ``traceparent``."""

    msg_id: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, event: RecordedEvent, source: str, headers: Mapping[str, str] | None = None) -> WebhookMessage:
        return cls(msg_id=event.event_id, body=envelope.encode(event, source), headers=dict(headers or {}))


class WebhookSender:
    def __init__(
        self,
        client: aiohttp.ClientSession,
        clock: Clock,
        limits: WebhookLimits | None = None,
        *,
        user_agent: str = USER_AGENT,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._client = client
        self._clock = clock
        self._limits = limits or WebhookLimits()
        self._timeout = self._limits.timeout()
        self._user_agent = user_agent
        self._timer = timer

    async def send(self, url: str, message: WebhookMessage, secrets: Sequence[WebhookSecret | str]) -> DeliveryOutcome:
        """One attempt, signed with every active secret; returns within ``limits.total`` seconds (plus a close)."""
        if len(message.body) > self._limits.max_body_bytes:
            detail = f"the event is {len(message.body)} bytes; at most {self._limits.max_body_bytes} may be sent"
            return DeliveryOutcome.failed(FailureKind.TOO_LARGE, detail)
        target = _target(url)
        if isinstance(target, DeliveryOutcome):
            return target
        started = self._timer()
        deadline = asyncio.get_running_loop().time() + self._limits.total
        response = await self._exchange(target, self._headers(message, secrets), message.body, deadline)
        if isinstance(response, DeliveryOutcome):
            return replace(response, latency_ms=self._ms(started))
        try:
            excerpt, truncated = await self._read_excerpt(response, deadline)
        except BaseException:
            response.close()
            raise
        if truncated:  # the rest of the body is still coming, or broken: hang up rather than reuse
            response.close()
            await asyncio.sleep(0)  # asyncio closes the socket on the loop's next turn: do it before returning
        else:
            response.release()
        return self._outcome(response, excerpt, truncated, self._ms(started))

    def _headers(self, message: WebhookMessage, secrets: Sequence[WebhookSecret | str]) -> dict[str, str]:
        timestamp = int(self._clock.now().timestamp())
        return {
            **{name.lower(): value for name, value in message.headers.items()},  # ours below always win
            "content-type": envelope.CONTENT_TYPE,
            "user-agent": self._user_agent,
            "accept-encoding": "identity",
            **signature_headers(secrets, message.msg_id, timestamp, message.body),
        }

    async def _exchange(
        self, url: URL, headers: dict[str, str], body: bytes, deadline: float
    ) -> aiohttp.ClientResponse | DeliveryOutcome:
        """Send and wait for the status line and headers, or say why not."""
        limits = self._limits
        try:
            async with asyncio.timeout_at(deadline):
                return await self._client.post(
                    url, data=body, headers=headers, allow_redirects=False, timeout=self._timeout
                )
        except aiohttp.ConnectionTimeoutError:
            return _failure(FailureKind.TIMEOUT, f"ConnectTimeout: no connection within {limits.connect:g} s")
        except aiohttp.ServerTimeoutError:
            return _failure(FailureKind.TIMEOUT, f"ReadTimeout: nothing received for {limits.read:g} s")
        except TimeoutError:
            return _failure(FailureKind.TIMEOUT, f"no response within the {limits.total:g} s deadline")
        except aiohttp.ClientConnectionError as exc:
            return _failure(FailureKind.CONNECTION, f"{type(exc).__name__}: {exc}")
        except aiohttp.ClientResponseError as exc:
            return _failure(FailureKind.PROTOCOL, f"not a valid HTTP response: {exc.message}")

    async def _read_excerpt(self, response: aiohttp.ClientResponse, deadline: float) -> tuple[bytes, bool]:
        """Up to ``excerpt_bytes`` of the body; stops early (truncated) at the cap, the deadline or a broken stream."""
        cap = self._limits.excerpt_bytes
        if response.content.is_eof():  # the usual short answer came with the headers: no wait, no timer
            try:
                body = response.content.read_nowait()
            except aiohttp.ClientError:
                return b"", True
            return body[:cap], len(body) > cap
        received = bytearray()
        try:
            async with asyncio.timeout_at(deadline):
                while chunk := await response.content.readany():
                    received += chunk
                    if len(received) > cap:
                        return bytes(received[:cap]), True
        except (TimeoutError, aiohttp.ClientError):
            return bytes(received[:cap]), True
        return bytes(received), False

    def _outcome(
        self, response: aiohttp.ClientResponse, excerpt: bytes, truncated: bool, latency_ms: float
    ) -> DeliveryOutcome:
        status = response.status
        outcome = DeliveryOutcome(
            ok=200 <= status < 300, status=status, latency_ms=latency_ms, excerpt=_text(excerpt), truncated=truncated
        )
        if outcome.ok:
            return outcome
        retry_after = _echo(response.headers.get("retry-after"))
        if 300 <= status < 400:
            location = _echo(response.headers.get("location")) or "(none)"
            detail = f"HTTP {status}, redirect to {location} (not followed)"
            return replace(outcome, error=FailureKind.REDIRECT, detail=detail, retry_after=retry_after)
        detail = f"HTTP {status} {response.reason or ''}".rstrip()
        return replace(outcome, error=FailureKind.STATUS, detail=detail, retry_after=retry_after)

    def _ms(self, started: float) -> float:
        return round((self._timer() - started) * 1000.0, 3)


@functools.lru_cache(maxsize=1024)
def _target(url: str) -> URL | DeliveryOutcome:
    """The URL to post to, or why it cannot be used (nothing is sent then); parsed once per subscription's URL."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        return DeliveryOutcome.failed(FailureKind.INVALID_ENDPOINT, f"unusable URL: {exc}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return DeliveryOutcome.failed(FailureKind.INVALID_ENDPOINT, "the URL must be http(s)://host/…")
    return parsed


def _failure(kind: FailureKind, detail: str) -> DeliveryOutcome:
    return DeliveryOutcome.failed(kind, detail)


def _text(raw: bytes) -> str:
    """Printable text for logs and a text column: invalid UTF-8 and NULs (PostgreSQL refuses them) replaced."""
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _echo(value: str | None) -> str | None:
    return None if value is None else _text(value.encode("utf-8", errors="replace"))[:_HEADER_ECHO_LIMIT]
