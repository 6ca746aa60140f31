"""Helpers for delivery tests: append plain events to the log, make subscriptions."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from lightsoff.domain.events import Event, PendingEvent, RecordedEvent
from lightsoff.domain.subscriptions import (
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
    SubscriptionKind,
    SubscriptionSecret,
)
from lightsoff.services.delivery_ports import AttemptResult, Claim
from lightsoff.services.ports import UnitOfWorkFactory

_versions: dict[str, itertools.count[int]] = {}


@dataclass(frozen=True, slots=True)
class Happened(Event):
    """An event of any name about any stream, for tests that care about routing, not content."""

    name: ClassVar[str] = "order.happened"
    stream: str
    payload: dict[str, Any]

    @property
    def stream_id(self) -> str:
        return self.stream

    def to_data(self) -> dict[str, Any]:
        return dict(self.payload)


def _named(name: str) -> type[Happened]:
    return type(f"Happened_{name.replace('.', '_')}", (Happened,), {"name": name, "__slots__": ()})


def append_events(uow: UnitOfWorkFactory, at: datetime, *specs: tuple[str, str, str | None]) -> list[RecordedEvent]:
    """Append events given as (stream, name, partner), each at the next version of its stream."""

    def work(unit: Any) -> list[RecordedEvent]:
        pending = []
        for stream, name, partner in specs:
            version = next(_versions.setdefault(f"{id(uow)}:{stream}", itertools.count(1)))
            event = _named(name)(stream, {"stream": stream, "n": version})
            pending.append(PendingEvent(f"evt_{uuid.uuid4().hex}", event, version, at, None, None, partner))
        recorded: list[RecordedEvent] = unit.events.append(pending)
        return recorded

    return uow.run(work)


def subscription(
    subscription_id: str,
    at: datetime,
    *,
    target: str = "http://127.0.0.1:9/hook",
    event_types: tuple[str, ...] = (),
    partners: tuple[str, ...] | None = None,
    kind: SubscriptionKind = SubscriptionKind.WEBHOOK,
    secret: str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    max_attempts: int = 5,
    max_age: timedelta = timedelta(hours=1),
) -> Subscription:
    return Subscription(
        subscription_id=subscription_id,
        kind=kind,
        target=target,
        event_types=event_types,
        partners=partners,
        secrets=(SubscriptionSecret(secret),),
        enabled=True,
        disabled_reason=None,
        max_attempts=max_attempts,
        max_age=max_age,
        created_at=at,
        updated_at=at,
    )


def fail_until_disabled(app: Any, subscription_id: str, at: datetime, error: str = "HTTP 500") -> datetime:
    """Drive the relay's store as a relay would for a receiver that keeps failing, until ``subscription_id`` is
    disabled (failing for over an hour, the disable-after given); return the time it was disabled.

    ``app`` is a bootstrapped Lightsoff: the disablement records through its exception cases, as the relay's does.
    """
    store = app.delivery.store
    append_events(app.uow, at, (f"ORD-{uuid.uuid4().hex[:8]}", "order.received", None))
    store.fan_out(at, 1000)
    later = at + timedelta(hours=2)
    for when in (at, later):
        claims = store.claim("w1", when, timedelta(minutes=1), 1000)
        mine = [c for c in claims if c.delivery.subscription_id == subscription_id]
        assert mine, f"nothing to attempt for {subscription_id} at {when}"
        results = [_failed(claim, when, error) for claim in mine]
        store.postpone([c.delivery.delivery_id for c in claims if c not in mine], when)
        disabled = store.record(results, when, timedelta(hours=1), app.delivery.cases.disabled)
    assert disabled == [subscription_id], disabled
    return later


def _failed(claim: Claim, at: datetime, error: str) -> AttemptResult:
    attempt = DeliveryAttempt(
        claim.delivery.delivery_id, claim.delivery.attempts + 1, at, 500, "status", error, "", 2.0, "w1"
    )
    return AttemptResult(attempt, claim.delivery.subscription_id, DeliveryStatus.PENDING, at, True)
