"""Publishing events to NATS JetStream, each on a subject named by its type.

Subjects are ``<prefix>.<event name>.v<version>`` (``lightsoff.order.received.v1``, the CloudEvents
type), so consumers subscribe to exactly the events and versions they understand
(``lightsoff.order.>``, ``lightsoff.*.*.v1``…). One stream captures ``<prefix>.>``.

Every message carries the event id in ``Nats-Msg-Id``: JetStream stores a republished id only once
within the stream's duplicate window and says so in the ack, which makes the relay's "publish, then
mark the outbox row done" safe to repeat after a crash. Beyond the window consumers deduplicate on the
CloudEvents ``id``, as every at-least-once consumer must.

Errors from nats-py become ``BrokerUnavailable`` (transient: retry) or ``BrokerRejected`` (permanent).
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Literal, Self

import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import api

from lightsoff.delivery import envelope
from lightsoff.domain.errors import BrokerRejected, BrokerUnavailable, DeliveryError
from lightsoff.domain.events import RecordedEvent

MSG_ID_HEADER = "Nats-Msg-Id"
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")

_CONFIGURATION_ERRORS = frozenset({10052, 10058, 10065})
"""JetStream error codes for a stream set up wrongly (invalid, name taken, subjects overlap); some come as 500."""
_PERMANENT = (
    nats.errors.MaxPayloadError,
    nats.errors.BadSubjectError,
    nats.errors.BadHeaderError,
    nats.errors.AuthorizationError,
    nats.errors.InvalidUserCredentialsError,
    nats.errors.SecureConnRequiredError,
    nats.errors.SecureConnWantedError,
    nats.errors.SecureConnFailedError,
)


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """The stream lightsoff publishes into; ``subject_prefix`` other than ``lightsoff`` is for tests and tenants."""

    name: str = "LIGHTSOFF"
    subject_prefix: str = "lightsoff"
    duplicate_window: timedelta = timedelta(minutes=2)
    max_age: timedelta | None = None
    storage: Literal["file", "memory"] = "file"
    replicas: int = 1

    def __post_init__(self) -> None:
        if not _TOKEN.fullmatch(self.name):
            raise ValueError(f"a stream name is letters, digits, '-' and '_', not {self.name!r}")
        if not all(_TOKEN.fullmatch(token) for token in self.subject_prefix.split(".")):
            raise ValueError(f"a subject prefix is dot-separated tokens, not {self.subject_prefix!r}")
        if self.duplicate_window <= timedelta(0):
            raise ValueError("the duplicate window must be positive")

    @property
    def subjects(self) -> list[str]:
        return [f"{self.subject_prefix}.>"]

    def config(self) -> api.StreamConfig:
        return api.StreamConfig(
            name=self.name,
            subjects=self.subjects,
            retention=api.RetentionPolicy.LIMITS,
            storage=api.StorageType.FILE if self.storage == "file" else api.StorageType.MEMORY,
            num_replicas=self.replicas,
            duplicate_window=self.duplicate_window.total_seconds(),
            max_age=self.max_age.total_seconds() if self.max_age else None,
        )


def subject_for(name: str, version: int, prefix: str = "lightsoff") -> str:
    """``order.received``, 1 → ``lightsoff.order.received.v1``."""
    subject = f"{prefix}.{name}.v{version}"
    if version < 1 or not all(_TOKEN.fullmatch(token) for token in subject.split(".")):
        raise ValueError(f"{subject!r} is not a valid NATS subject for an event")
    return subject


@dataclass(frozen=True, slots=True)
class PublishAck:
    """Where the stream put the message; ``duplicate`` means it already had this id and stored nothing new."""

    stream: str
    sequence: int
    duplicate: bool


def _widened(current: list[str], wanted: list[str]) -> list[str]:
    """``current`` plus ``wanted``, less the subjects a wanted ``….>`` already covers (JetStream refuses overlaps)."""
    prefixes = tuple(subject[:-1] for subject in wanted if subject.endswith(".>"))
    kept = [subject for subject in current if subject in wanted or not subject.startswith(prefixes)]
    return kept + [subject for subject in wanted if subject not in kept]


def translate(exc: BaseException) -> DeliveryError:
    """A nats-py (or socket) error as a lightsoff error, transient or permanent."""
    if isinstance(exc, nats.js.errors.APIError):
        detail = f"JetStream API error {exc.code}/{exc.err_code}: {exc.description}"
        if (exc.code or 0) >= 500 and exc.err_code not in _CONFIGURATION_ERRORS:
            return BrokerUnavailable(detail)
        return BrokerRejected(detail)
    if isinstance(exc, _PERMANENT):
        return BrokerRejected(f"NATS refused: {exc}")
    if isinstance(exc, nats.js.errors.NoStreamResponseError):
        return BrokerUnavailable("no JetStream stream answered for the subject (is the stream there?)")
    return BrokerUnavailable(f"NATS unavailable: {type(exc).__name__}: {exc}")


_NATS_FAILURES = (nats.errors.Error, OSError, TimeoutError)
_log = structlog.get_logger("lightsoff.delivery.broker")


async def _log_error(exc: Exception) -> None:
    """nats-py reports connection trouble here while it reconnects; a line each, without a traceback."""
    _log.warning("nats error", error=f"{type(exc).__name__}: {exc}")


class JetStreamPublisher:
    """Publishes recorded events as CloudEvents JSON. Use ``connect`` (it owns the connection) or pass one in."""

    def __init__(
        self, connection: NatsClient, settings: StreamSettings, source: str, *, timeout: float = 5.0, owns: bool = False
    ) -> None:
        self._connection = connection
        self._js = connection.jetstream(timeout=timeout)
        self._settings = settings
        self._source = source
        self._owns = owns

    @classmethod
    async def connect(
        cls, url: str, settings: StreamSettings, source: str, *, timeout: float = 5.0, name: str = "lightsoff"
    ) -> JetStreamPublisher:
        """Connect within ``timeout`` or raise ``BrokerUnavailable``; once connected, reconnect for ever by itself."""
        connection = NatsClient()
        try:
            async with asyncio.timeout(timeout):
                await connection.connect(
                    servers=[url],
                    name=name,
                    connect_timeout=max(1, math.ceil(timeout / 2)),
                    reconnect_time_wait=1,
                    max_reconnect_attempts=-1,
                    error_cb=_log_error,
                )
        except _NATS_FAILURES as exc:
            await connection.close()
            raise translate(exc) from exc
        return cls(connection, settings, source, timeout=timeout, owns=True)

    @property
    def settings(self) -> StreamSettings:
        return self._settings

    async def ensure_stream(self) -> None:
        """Create the stream, or widen an existing one to the subjects and duplicate window configured."""
        wanted = self._settings.config()
        try:
            try:
                info = await self._js.stream_info(self._settings.name)
            except nats.js.errors.NotFoundError:
                await self._js.add_stream(wanted)
                return
            current = info.config
            subjects = _widened(current.subjects or [], self._settings.subjects)
            if set(subjects) != set(current.subjects or []) or current.duplicate_window != wanted.duplicate_window:
                await self._js.update_stream(
                    current.evolve(subjects=subjects, duplicate_window=wanted.duplicate_window)
                )
        except _NATS_FAILURES as exc:
            raise translate(exc) from exc

    def subject(self, event: RecordedEvent) -> str:
        return subject_for(event.name, event.version, self._settings.subject_prefix)

    async def publish(self, event: RecordedEvent, headers: Mapping[str, str] | None = None) -> PublishAck:
        """Publish the event's envelope on its subject, with its id for duplicate suppression."""
        return await self.publish_envelope(
            self.subject(event), event.event_id, envelope.encode(event, self._source), headers
        )

    async def publish_envelope(
        self, subject: str, msg_id: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> PublishAck:
        all_headers = {**(headers or {}), "Content-Type": envelope.CONTENT_TYPE, MSG_ID_HEADER: msg_id}
        try:
            ack = await self._js.publish(subject, body, stream=self._settings.name, headers=all_headers)
        except _NATS_FAILURES as exc:
            raise translate(exc) from exc
        return PublishAck(stream=ack.stream, sequence=ack.seq, duplicate=bool(ack.duplicate))

    async def close(self) -> None:
        """Flush and close the connection if this publisher opened it."""
        if self._owns and not self._connection.is_closed:
            try:
                await self._connection.drain()
            except _NATS_FAILURES:
                await self._connection.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
