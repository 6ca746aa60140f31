"""A consumer of the event log: reads named events in log order and keeps its place in a checkpoint.

One process at a time consumes (a lease in ``consumer_checkpoints``; a killed holder's lease lapses).
The checkpoint moves only past events the handler finished, so a crash replays the last ones: a
handler must be idempotent (order responses check an idempotency record written in the same
transaction as the document; folder delivery rewrites the same file under the same name).

A handler returns True when the event is done (handled, or nothing to do for it) and False when it
must be tried again later (the partner's folder cannot be written now): the pass stops there. The
database busy or down (``Unavailable``) or a lost race (``ConcurrencyConflict``) stops the pass too;
the next one retries. Any other error is a bug or a document that can never be written (an
``X12WriteError``): it is logged with the event and passed over, so one bad event does not stop
every partner's documents for good.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog

from lightsoff.domain.errors import ConcurrencyConflict, Unavailable
from lightsoff.domain.events import RecordedEvent
from lightsoff.services.notifications.ports import Checkpoints
from lightsoff.services.ports import Clock, UnitOfWorkFactory

_log = structlog.get_logger("lightsoff.consumers")
TRANSIENT = (Unavailable, ConcurrencyConflict)
"""What a later pass can get past: the pass stops and the event is read again."""


@dataclass(slots=True)
class Progress:
    """What one pass did."""

    handled: int = 0
    failed: int = 0
    waiting: bool = False
    """A handler asked to be retried later; the checkpoint stays before that event."""
    leased: bool = True


class EventConsumer:
    def __init__(
        self,
        name: str,
        names: Sequence[str],
        handle: Callable[[RecordedEvent], bool],
        uow: UnitOfWorkFactory,
        checkpoints: Checkpoints,
        clock: Clock,
        *,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=5),
        after_pass: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self._names = tuple(names)
        self._handle = handle
        self._uow = uow
        self._checkpoints = checkpoints
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._holder = secrets.randbits(62)
        self._after_pass = after_pass

    @property
    def lease_name(self) -> str:
        return f"{self.name}.lease"

    def run_once(self) -> Progress:
        """Handle what is new since the checkpoint; return what was done."""
        progress = Progress()
        now = self._clock.now()
        if not self._checkpoints.acquire_lease(self.lease_name, self._holder, now, now + self._lease):
            progress.leased = False
            return progress
        try:
            self._run(progress)
            if self._after_pass is not None:
                self._after_pass()  # under the same lease
        except TRANSIENT as exc:
            _log.warning("consumer pass stopped; the next one retries", consumer=self.name, error=str(exc))
            progress.waiting = True
        finally:
            self._checkpoints.release_lease(self.lease_name, self._holder, self._clock.now())
        return progress

    def position(self) -> int:
        return self._checkpoints.positions(self.name).get(self.name, 0)

    def _run(self, progress: Progress) -> None:
        saved = self._checkpoints.positions(self.name).get(self.name)
        position = saved or 0
        while True:
            with self._uow(write=False) as uow:
                events = uow.events.read_all(position, self._batch, self._names)
            for event in events:
                if not self._one(event, progress):
                    break
                position = event.position
            if position != (saved or 0):
                self._checkpoints.advance(self.name, saved, position, self._clock.now())
                saved = position
            if progress.waiting or len(events) < self._batch:
                return

    def _one(self, event: RecordedEvent, progress: Progress) -> bool:
        try:
            done = self._handle(event)
        except TRANSIENT:
            raise
        except Exception:  # a document that can never be written must not block the others
            _log.exception("event passed over: its handler failed", consumer=self.name, event_id=event.event_id)
            progress.failed += 1
            return True
        if not done:
            progress.waiting = True
            return False
        progress.handled += 1
        return True
