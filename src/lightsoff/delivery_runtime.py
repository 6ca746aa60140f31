"""Assembling delivery from settings: the store, the subscription service, and the relay as it runs.

The relay runs in ``lightsoff worker`` processes (any number on PostgreSQL) or, in the embedded
default, in a thread of ``lightsoff serve`` with its own event loop, so that sending webhooks never
competes with the API's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog

from lightsoff.delivery.broker import JetStreamPublisher, PublishAck, StreamSettings
from lightsoff.delivery.circuit import CircuitSettings
from lightsoff.delivery.retry import ExponentialBackoff
from lightsoff.delivery.webhook import WebhookLimits, WebhookSender, create_client
from lightsoff.domain.errors import BrokerUnavailable
from lightsoff.services.ports import Clock
from lightsoff.services.relay import Relay, RelaySettings
from lightsoff.services.subscription_cases import SubscriptionCases
from lightsoff.services.subscriptions import DeliveryDefaults, SubscriptionService
from lightsoff.settings import Settings
from lightsoff.store.delivery_store import SqlDeliveryStore
from lightsoff.store.engine import Database

if TYPE_CHECKING:
    from lightsoff.bootstrap import Lightsoff

_log = structlog.get_logger("lightsoff.relay")


@dataclass(frozen=True, slots=True)
class DeliveryServices:
    store: SqlDeliveryStore
    subscriptions: SubscriptionService
    relay: RelaySettings
    cases: SubscriptionCases
    """the operations team's exception cases about subscriptions the relay disables"""


def build_delivery(settings: Settings, database: Database, clock: Clock, cases: SubscriptionCases) -> DeliveryServices:
    store = SqlDeliveryStore(database)
    defaults = DeliveryDefaults(settings.delivery_max_attempts, timedelta(seconds=settings.delivery_max_age_seconds))
    relay = RelaySettings(
        concurrency=settings.relay_concurrency,
        per_endpoint=min(settings.relay_per_endpoint, settings.relay_concurrency),
        claim_batch=min(200, settings.relay_concurrency),
        lease=timedelta(seconds=settings.relay_lease_seconds),
        poll_interval=settings.relay_poll_seconds,
        disable_after=timedelta(seconds=settings.subscription_disable_after_seconds),
        circuit=CircuitSettings(
            failure_threshold=settings.circuit_failure_threshold,
            cool_down=timedelta(seconds=settings.circuit_cool_down_seconds),
            max_cool_down=max(timedelta(minutes=30), timedelta(seconds=settings.circuit_cool_down_seconds)),
        ),
        backoff=ExponentialBackoff(
            base=timedelta(seconds=settings.delivery_retry_base_seconds),
            cap=max(
                timedelta(seconds=settings.delivery_retry_cap_seconds),
                timedelta(seconds=settings.delivery_retry_base_seconds),
            ),
        ),
    )
    return DeliveryServices(store, SubscriptionService(store, clock, defaults, cases), relay, cases)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def webhook_limits(settings: Settings) -> WebhookLimits:
    total = settings.webhook_timeout_seconds
    return WebhookLimits(
        connect=min(5.0, total), read=min(15.0, total), write=min(15.0, total), pool=min(5.0, total), total=total
    )


class LazyBroker:
    """Connects to NATS on first use, and again after a failed connect: a broker down at start-up is a retry."""

    def __init__(self, url: str, settings: StreamSettings, source: str) -> None:
        self._url = url
        self._settings = settings
        self._source = source
        self._publisher: JetStreamPublisher | None = None
        self._lock = asyncio.Lock()

    async def publish_envelope(
        self, subject: str, msg_id: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> PublishAck:
        publisher = self._publisher or await self._connect()
        return await publisher.publish_envelope(subject, msg_id, body, headers)

    async def _connect(self) -> JetStreamPublisher:
        async with self._lock:
            if self._publisher is None:
                publisher = await JetStreamPublisher.connect(self._url, self._settings, self._source)
                try:
                    await publisher.ensure_stream()
                except BrokerUnavailable:
                    await publisher.close()
                    raise
                self._publisher = publisher
            return self._publisher

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()


async def run_relay(lightsoff: Lightsoff, stop: asyncio.Event, worker: str | None = None) -> None:
    """Deliver until ``stop`` is set."""
    settings = lightsoff.settings
    limits = webhook_limits(settings)
    concurrency = settings.relay_concurrency
    broker = (
        LazyBroker(
            settings.broker_url,
            StreamSettings(name=settings.broker_stream, subject_prefix=settings.broker_subject_prefix),
            settings.event_source,
        )
        if settings.broker_url
        else None
    )
    async with create_client(limits, max_connections=concurrency * 2) as client:
        relay = Relay(
            lightsoff.delivery.store,
            lightsoff.clock,
            webhooks=WebhookSender(client, lightsoff.clock, limits),
            broker=broker,
            source=settings.event_source,
            worker=worker or worker_name(),
            settings=lightsoff.delivery.relay,
            on_disabled=lightsoff.delivery.cases.disabled,
        )
        _log.info("relay started", worker=relay.worker)
        try:
            await relay.run(stop)
        finally:
            if broker is not None:
                await broker.close()
            _log.info("relay stopped", worker=relay.worker, attempted=relay.attempted)


class RelayThread:
    """The relay in a thread of its own, with its own loop: the embedded default inside ``lightsoff serve``."""

    def __init__(self, lightsoff: Lightsoff) -> None:
        self._lightsoff = lightsoff
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="lightsoff-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=10)

    def stop(self, timeout: float = 35.0) -> None:
        """Stop delivering and wait for the relay to finish; stopping a stopped relay does nothing."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed just now: the relay has stopped already
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        await run_relay(self._lightsoff, self._stop)
