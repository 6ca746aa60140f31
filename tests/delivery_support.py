"""Helpers for delivery tests: append plain events to the log, make subscriptions."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from lightsoff.domain.events import Event, PendingEvent, RecordedEvent
from lightsoff.domain.subscriptions import Subscription, SubscriptionKind, SubscriptionSecret
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
