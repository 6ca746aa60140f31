"""Appending a batch of events across streams, each numbered after its stream's current version.

Intake, amendments and resolutions all write events for an order and its exception cases together;
numbering them from the versions they read is what turns a concurrent writer into a
``ConcurrencyConflict`` (the unique stream version) instead of a lost update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from lightsoff.domain.events import Event, PendingEvent
from lightsoff.services.ports import UnitOfWork
from lightsoff.services.projections import Projected, project


@dataclass(frozen=True, slots=True)
class Cause:
    """What the events answer: an inbound message, or a person's request."""

    correlation_id: str | None
    causation_id: str | None
    partner: str | None


def record(
    uow: UnitOfWork,
    events: Iterable[Event],
    *,
    versions: Mapping[str, int],
    cause: Cause,
    now: datetime,
    new_id: Callable[[], str],
) -> Projected:
    """Append ``events`` (streams absent from ``versions`` are new) and project them."""
    current = dict(versions)
    pending = []
    for event in events:
        version = current[event.stream_id] = current.get(event.stream_id, 0) + 1
        pending.append(
            PendingEvent(
                event_id=new_id(),
                event=event,
                stream_version=version,
                occurred_at=now,
                correlation_id=cause.correlation_id,
                causation_id=cause.causation_id,
                partner=cause.partner,
            )
        )
    return project(uow, uow.events.append(pending))
