"""The outbox relay: every recorded event to every matching subscription, at least once, in order per stream.

One loop per process. It fans new events out into deliveries, claims due ones (a lease each, so a
killed worker's claims come back), sends them concurrently and hands each result to a recorder that
writes results in batches. Claiming does not wait for a batch to finish: a receiver that takes its
full deadline holds one slot, never the others. The schedule lives in the database
(``next_attempt_at``), so a restart loses no retry; ``RetryPolicy`` decides it, per subscription.

Ordering needs no coordination here: the store only hands out the oldest pending delivery of a stream
for a subscription, and the next one becomes claimable once this one is recorded delivered or dead.

A circuit breaker per endpoint (per process) stops sending to an endpoint that keeps failing; what it
refuses is postponed, not attempted. A subscription failing longer than ``disable_after`` (counted in
the database, across workers) is disabled and, in the same transaction, ``on_disabled`` records the
``subscription.disabled`` event and the operations team's exception case (``services.subscription_cases``);
enabling it again resumes its pending deliveries, in order.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from lightsoff.delivery import envelope
from lightsoff.delivery.broker import PublishAck, subject_for
from lightsoff.delivery.circuit import CircuitBreakers, CircuitSettings, Permit
from lightsoff.delivery.outcome import DeliveryOutcome, FailureKind
from lightsoff.delivery.retry import (
    Backoff,
    Disposition,
    ExponentialBackoff,
    Random,
    RetryPolicy,
    classify,
    counts_against_endpoint,
)
from lightsoff.delivery.webhook import WebhookMessage
from lightsoff.domain.errors import BrokerRejected, BrokerUnavailable, LightsoffError
from lightsoff.domain.subscriptions import DeliveryAttempt, DeliveryStatus, Subscription, SubscriptionKind
from lightsoff.services.delivery_ports import AttemptResult, Claim, DeliveryStore, Disablement, OnDisabled
from lightsoff.services.ports import Clock, UnitOfWork
from lightsoff.services.subscription_cases import record_disabled

_log = structlog.get_logger("lightsoff.relay")


class Webhooks(Protocol):
    async def send(self, url: str, message: WebhookMessage, secrets: list[str]) -> DeliveryOutcome: ...


class Broker(Protocol):
    async def publish_envelope(
        self, subject: str, msg_id: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> PublishAck: ...


@dataclass(frozen=True, slots=True)
class RelaySettings:
    concurrency: int = 256
    """deliveries in flight at once, per process"""
    per_endpoint: int = 32
    """in flight at once to one endpoint: a receiver that hangs holds at most this many slots"""
    claim_batch: int = 200
    fan_out_batch: int = 1000
    """deliveries created per fan-out transaction, about (whole events: 10 with 100 subscriptions)"""
    lease: timedelta = timedelta(seconds=60)
    """how long a claim holds; longer than a webhook's total deadline plus a record"""
    poll_interval: float = 0.05
    """seconds between looks for new or due work when there was none"""
    record_interval: float = 0.01
    """seconds results may wait to be written together"""
    disable_after: timedelta = timedelta(hours=24)
    circuit: CircuitSettings = field(default_factory=CircuitSettings)
    backoff: Backoff = field(default_factory=ExponentialBackoff)
    subscriptions_refresh: float = 1.0

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.claim_batch < 1 or self.fan_out_batch < 1:
            raise ValueError("relay concurrency and batch sizes must be at least 1")


@dataclass(frozen=True, slots=True)
class _Waiting:
    """Claimed, waiting for a free slot of its endpoint."""

    claim: Claim
    subscription: Subscription
    body: bytes
    since: float


def disabled_only(uow: UnitOfWork, disablement: Disablement) -> None:
    """What a relay built without exception cases records for a disabled subscription: its operational event."""
    record_disabled(uow, disablement, lambda: str(uuid.uuid4()))


class Relay:
    def __init__(
        self,
        store: DeliveryStore,
        clock: Clock,
        *,
        webhooks: Webhooks,
        broker: Broker | None,
        source: str,
        worker: str,
        settings: RelaySettings | None = None,
        rng: Random | None = None,
        on_disabled: OnDisabled = disabled_only,
    ) -> None:
        self._store = store
        self._clock = clock
        self._webhooks = webhooks
        self._broker = broker
        self._source = source
        self.worker = worker
        self._settings = settings or RelaySettings()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._on_disabled = on_disabled
        self._breakers = CircuitBreakers(clock, self._settings.circuit)
        self._results: list[AttemptResult] = []
        self._postponed: dict[int, datetime] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._per_endpoint: Counter[str] = Counter()
        self._waiting: defaultdict[str, deque[_Waiting]] = defaultdict(deque)
        self._queued = 0
        self._wake = asyncio.Event()
        self._subscriptions: dict[str, Subscription] = {}
        self._loaded_at = -1e9
        self.attempted = 0

    def wake(self) -> None:
        """Look for work now (call from the relay's own loop, e.g. after an append in the same process)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; then finish what is in flight and record it."""
        recorder = asyncio.create_task(self._record_loop(stop))
        try:
            while not stop.is_set():
                try:
                    claimed = await self._claim_round()
                except LightsoffError as exc:
                    _log.warning("relay round failed", worker=self.worker, error=str(exc))
                    claimed = 0
                if claimed == 0 or len(self._in_flight) + self._queued >= self._settings.concurrency:
                    await self._pause(stop)
        finally:
            for waiting in self._waiting.values():  # claimed but not started: give them back now
                for item in waiting:
                    self._postponed[item.claim.delivery.delivery_id] = self._clock.now()
                waiting.clear()
            self._queued = 0
            while self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await recorder
            await self._flush()

    async def run_until_idle(self, timeout: float = 30.0) -> None:
        """Deliver until nothing is due or in flight (for tests and ``replay``); raise TimeoutError past ``timeout``."""
        async with asyncio.timeout(timeout):
            while True:
                claimed = await self._claim_round()
                if self._in_flight:
                    await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                await self._flush()
                if claimed == 0 and not self._in_flight:
                    return

    async def _pause(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, timeout=self._settings.poll_interval, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _claim_round(self) -> int:
        settings = self._settings
        free = settings.concurrency - len(self._in_flight) - self._queued
        if free <= 0 or (free < settings.claim_batch // 4 and (self._in_flight or self._queued)):
            return 0  # each claim is a transaction: while busy, wait until there is room for a good batch
        store = self._store
        if await asyncio.to_thread(store.has_new_events):
            await asyncio.to_thread(store.fan_out, self._clock.now(), settings.fan_out_batch)
        now = self._clock.now()
        claims = await asyncio.to_thread(store.claim, self.worker, now, settings.lease, min(free, settings.claim_batch))
        if not claims:
            return 0
        await self._load_subscriptions({claim.delivery.subscription_id for claim in claims})
        bodies: dict[int, bytes] = {}
        for claim in claims:
            subscription = self._subscriptions.get(claim.delivery.subscription_id)
            if subscription is None:  # deleted meanwhile: its deliveries go with it
                continue
            body = bodies.get(claim.event.position)
            if body is None:
                body = bodies[claim.event.position] = envelope.encode(claim.event, self._source)
            self._waiting[subscription.target].append(_Waiting(claim, subscription, body, time.monotonic()))
            self._queued += 1
        for target in list(self._waiting):
            self._drain(target)
        return len(claims)

    def _drain(self, target: str) -> None:
        """Start what waits for ``target`` while it has free slots; what waited too long goes back to the queue."""
        waiting = self._waiting[target]
        too_old = time.monotonic() - self._settings.lease.total_seconds() / 2
        while waiting and self._per_endpoint[target] < self._settings.per_endpoint:
            item = waiting.popleft()
            self._queued -= 1
            if item.since < too_old:  # keep well inside the lease, or another worker may take it meanwhile
                self._postponed[item.claim.delivery.delivery_id] = self._clock.now()
                continue
            breaker = self._breakers.for_endpoint(target)
            permit = breaker.acquire()
            if permit is None:
                retry_at = breaker.snapshot().retry_at or self._clock.now() + timedelta(seconds=1)
                self._postponed[item.claim.delivery.delivery_id] = retry_at
                continue
            self._start(item.claim, item.subscription, permit, item.body)
        if not waiting:
            del self._waiting[target]

    def _start(self, claim: Claim, subscription: Subscription, permit: Permit, body: bytes) -> None:
        target = subscription.target
        self._per_endpoint[target] += 1
        task = asyncio.create_task(self._attempt(claim, subscription, permit, body))
        self._in_flight.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._in_flight.discard(finished)
            self._per_endpoint[target] -= 1
            if target in self._waiting:
                self._drain(target)

        task.add_done_callback(done)

    async def _load_subscriptions(self, wanted: set[str]) -> None:
        stale = time.monotonic() - self._loaded_at > self._settings.subscriptions_refresh
        if stale or not wanted <= self._subscriptions.keys():
            subscriptions = await asyncio.to_thread(self._store.subscriptions)
            self._subscriptions = {s.subscription_id: s for s in subscriptions}
            self._loaded_at = time.monotonic()

    async def _attempt(self, claim: Claim, subscription: Subscription, permit: Permit, body: bytes) -> None:
        started = self._clock.now()
        try:
            outcome = await self._send(claim, subscription, body, started)
        except Exception as exc:  # a bug of ours must not lose the delivery: it is retried like a failure
            _log.exception("delivery attempt crashed", delivery_id=claim.delivery.delivery_id)
            outcome = DeliveryOutcome.failed(FailureKind.CONNECTION, f"internal error: {type(exc).__name__}: {exc}")
        self._breakers.for_endpoint(subscription.target).record(permit, not counts_against_endpoint(outcome))
        self._results.append(self._result(claim, subscription, outcome, started))
        self.attempted += 1

    async def _send(self, claim: Claim, subscription: Subscription, body: bytes, now: datetime) -> DeliveryOutcome:
        event = claim.event
        if subscription.kind is SubscriptionKind.WEBHOOK:
            message = WebhookMessage(msg_id=event.event_id, body=body)
            return await self._webhooks.send(subscription.target, message, subscription.signing_secrets(now))
        if self._broker is None:
            return DeliveryOutcome.failed(FailureKind.CONNECTION, "no broker configured: set LIGHTSOFF_BROKER_URL")
        started = time.perf_counter()
        try:
            subject = subject_for(event.name, event.version, subscription.target)
            ack = await self._broker.publish_envelope(subject, event.event_id, body)
        except ValueError as exc:
            return DeliveryOutcome.failed(FailureKind.INVALID_ENDPOINT, str(exc))
        except BrokerUnavailable as exc:
            return DeliveryOutcome.failed(FailureKind.CONNECTION, str(exc), _ms(started))
        except BrokerRejected as exc:
            return DeliveryOutcome.failed(FailureKind.INVALID_ENDPOINT, str(exc), _ms(started))
        detail = f"{ack.stream} #{ack.sequence}" + (" (duplicate)" if ack.duplicate else "")
        return DeliveryOutcome(ok=True, latency_ms=_ms(started), detail=detail)

    def _result(
        self, claim: Claim, subscription: Subscription, outcome: DeliveryOutcome, started: datetime
    ) -> AttemptResult:
        delivery = claim.delivery
        now = self._clock.now()
        number = delivery.attempts + 1
        attempt = DeliveryAttempt(
            delivery_id=delivery.delivery_id,
            attempt=number,
            at=started,
            status_code=outcome.status,
            error=outcome.error.value if outcome.error else None,
            detail=outcome.detail,
            excerpt=outcome.excerpt,
            latency_ms=outcome.latency_ms,
            worker=self.worker,
        )
        if outcome.ok:
            return AttemptResult(attempt, subscription.subscription_id, DeliveryStatus.DELIVERED, now, False)
        policy = RetryPolicy(subscription.max_attempts, subscription.max_age, self._settings.backoff)
        decision = policy.decide(number, outcome, delivery.first_attempt_at or started, now, self._rng)
        gone = classify(outcome) is Disposition.DISABLE_ENDPOINT
        return AttemptResult(
            attempt,
            subscription.subscription_id,
            DeliveryStatus.PENDING if decision is not None else DeliveryStatus.DEAD,
            decision.retry_at if decision is not None else now,
            counts_against_endpoint(outcome),
            f"the endpoint is unusable: {outcome.detail}" if gone else None,
        )

    async def _record_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set() or self._in_flight:
            await asyncio.sleep(self._settings.record_interval)
            try:
                await self._flush()
            except LightsoffError as exc:
                _log.warning("recording delivery results failed; retrying", worker=self.worker, error=str(exc))

    async def _flush(self) -> None:
        results, self._results = self._results, []
        postponed, self._postponed = self._postponed, {}
        try:
            if results:
                disabled = await asyncio.to_thread(
                    self._store.record, results, self._clock.now(), self._settings.disable_after, self._on_disabled
                )
                for subscription_id in disabled:
                    _log.warning("subscription disabled", subscription_id=subscription_id)
                self._wake.set()
            for until in sorted(set(postponed.values())):
                ids = [delivery_id for delivery_id, when in postponed.items() if when == until]
                await asyncio.to_thread(self._store.postpone, ids, until)
        except BaseException:
            self._results = results + self._results  # written next time; the leases hold meanwhile
            self._postponed = {**postponed, **self._postponed}
            raise


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 3)
