"""The webhook sender: one signed POST per attempt, bounded in time and in what it reads back.

A receiver is a stranger on the internet. It may be down, slow, redirect us in circles, stream
gigabytes back or trickle one byte a second; none of that may hold a delivery longer than its deadline
or take memory beyond a small excerpt, and none of it is an exception: ``send`` returns a
``DeliveryOutcome`` for every answer a receiver can give. Only our own mistakes (a header value that is
not valid HTTP, a closed client) raise.

The verdict comes from the status line alone: a 2xx means the receiver has the event, even if its
body is then cut at the excerpt cap or is still arriving at the deadline (``truncated`` says so).
Redirects are never followed: a signed event goes only to the URL the subscriber registered.

Share one ``httpx.AsyncClient`` (``create_client``) between all deliveries, for keep-alive; size its
pool above the relay's concurrency, so that connections held by a bad receiver (each for at most the
deadline) cannot starve the healthy ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import httpx

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
    """Timeouts in seconds (``total`` bounds the whole attempt, whatever the receiver does) and sizes in bytes."""

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

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def create_client(
    limits: WebhookLimits | None = None,
    *,
    max_connections: int = 200,
    max_keepalive_connections: int = 50,
    keepalive_expiry: float = 30.0,
) -> httpx.AsyncClient:
    """The one client for all webhook deliveries: keep-alive, no redirects, no proxy or auth from the environment."""
    return httpx.AsyncClient(
        timeout=(limits or WebhookLimits()).timeout(),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
        ),
        follow_redirects=False,
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
        client: httpx.AsyncClient,
        clock: Clock,
        limits: WebhookLimits | None = None,
        *,
        user_agent: str = USER_AGENT,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._client = client
        self._clock = clock
        self._limits = limits or WebhookLimits()
        self._user_agent = user_agent
        self._timer = timer

    async def send(self, url: str, message: WebhookMessage, secrets: Sequence[WebhookSecret | str]) -> DeliveryOutcome:
        """One attempt, signed with every active secret; returns within ``limits.total`` seconds (plus a close)."""
        if len(message.body) > self._limits.max_body_bytes:
            detail = f"the event is {len(message.body)} bytes; at most {self._limits.max_body_bytes} may be sent"
            return DeliveryOutcome.failed(FailureKind.TOO_LARGE, detail)
        request = self._request(url, message, secrets)
        if isinstance(request, DeliveryOutcome):
            return request
        started = self._timer()
        deadline = asyncio.get_running_loop().time() + self._limits.total
        response = await self._exchange(request, deadline)
        if isinstance(response, DeliveryOutcome):
            return replace(response, latency_ms=self._ms(started))
        try:
            excerpt, truncated = await self._read_excerpt(response, deadline)
        finally:
            await response.aclose()
        return self._outcome(response, excerpt, truncated, self._ms(started))

    def _request(
        self, url: str, message: WebhookMessage, secrets: Sequence[WebhookSecret | str]
    ) -> httpx.Request | DeliveryOutcome:
        timestamp = int(self._clock.now().timestamp())
        headers = {
            **{name.lower(): value for name, value in message.headers.items()},  # ours below always win
            "content-type": envelope.CONTENT_TYPE,
            "user-agent": self._user_agent,
            "accept-encoding": "identity",
            **signature_headers(secrets, message.msg_id, timestamp, message.body),
        }
        try:
            request = self._client.build_request(
                "POST", url, content=message.body, headers=headers, timeout=self._limits.timeout()
            )
        except httpx.InvalidURL as exc:
            return DeliveryOutcome.failed(FailureKind.INVALID_ENDPOINT, f"unusable URL: {exc}")
        if request.url.scheme not in ("http", "https") or not request.url.host:
            return DeliveryOutcome.failed(FailureKind.INVALID_ENDPOINT, "the URL must be http(s)://host/…")
        return request

    async def _exchange(self, request: httpx.Request, deadline: float) -> httpx.Response | DeliveryOutcome:
        """Send and wait for the status line and headers, or say why not."""
        try:
            async with asyncio.timeout_at(deadline):
                return await self._client.send(request, stream=True, follow_redirects=False)
        except TimeoutError:
            return _failure(FailureKind.TIMEOUT, f"no response within the {self._limits.total:g} s deadline")
        except httpx.TimeoutException as exc:
            return _failure(FailureKind.TIMEOUT, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        except (httpx.NetworkError, httpx.ProxyError) as exc:
            return _failure(FailureKind.CONNECTION, f"{type(exc).__name__}: {exc}")
        except httpx.RemoteProtocolError as exc:
            return _failure(FailureKind.PROTOCOL, f"not a valid HTTP response: {exc}")
        except httpx.UnsupportedProtocol as exc:
            return _failure(FailureKind.INVALID_ENDPOINT, str(exc))

    async def _read_excerpt(self, response: httpx.Response, deadline: float) -> tuple[bytes, bool]:
        """Up to ``excerpt_bytes`` of the body; stops early (truncated) at the cap, the deadline or a broken stream."""
        cap = self._limits.excerpt_bytes
        received = bytearray()
        chunks = cast(AsyncGenerator[bytes, None], response.aiter_raw())
        try:
            async with asyncio.timeout_at(deadline):
                async for chunk in chunks:
                    received += chunk
                    if len(received) > cap:
                        return bytes(received[:cap]), True
        except (TimeoutError, httpx.TransportError):
            return bytes(received[:cap]), True
        finally:
            await chunks.aclose()
        return bytes(received), False

    def _outcome(self, response: httpx.Response, excerpt: bytes, truncated: bool, latency_ms: float) -> DeliveryOutcome:
        status = response.status_code
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
        detail = f"HTTP {status} {response.reason_phrase}".rstrip()
        return replace(outcome, error=FailureKind.STATUS, detail=detail, retry_after=retry_after)

    def _ms(self, started: float) -> float:
        return round((self._timer() - started) * 1000.0, 3)


def _failure(kind: FailureKind, detail: str) -> DeliveryOutcome:
    return DeliveryOutcome.failed(kind, detail)


def _text(raw: bytes) -> str:
    """Printable text for logs and a text column: invalid UTF-8 and NULs (PostgreSQL refuses them) replaced."""
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _echo(value: str | None) -> str | None:
    return None if value is None else _text(value.encode("utf-8", errors="replace"))[:_HEADER_ECHO_LIMIT]
