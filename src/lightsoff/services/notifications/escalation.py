"""Escalation: a case past its due time and still open or acknowledged is escalated, once.

``exception.escalated`` is appended to the case's stream, numbered after the version just read, so two
processes escalating one case at once collide on the stream's unique version: one records it, the
other looks again and finds the case escalated. The e-mail to the team's escalation contacts follows
from the event (the notifier mails it), so it goes out at least once even if this process dies right
after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import ExceptionEscalated
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.ports import CaseQuery, Clock, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.recording import Cause, record

MAX_ATTEMPTS = 3
_log = structlog.get_logger("lightsoff.escalation")


@dataclass(frozen=True, slots=True)
class Escalation:
    exception_id: str
    order_id: str | None
    """None for a case about a subscription"""
    team: str
    due_at: datetime
    notified: tuple[str, ...]


class Escalator:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reference_data: ReferenceData,
        clock: Clock,
        new_id: Callable[[], str],
        batch: int = 100,
    ) -> None:
        self._uow = uow
        self._reference_data = reference_data
        self._clock = clock
        self._new_id = new_id
        self._batch = batch

    def escalate_overdue(self) -> list[Escalation]:
        """Escalate every case overdue now and not escalated yet; return those this call escalated."""
        now = self._clock.now()
        escalated: list[Escalation] = []
        after: str | None = None
        while True:
            query = CaseQuery(overdue_at=now, unescalated=True, after=after, limit=self._batch)
            with self._uow(write=False) as uow:
                ids = [case.exception_id for case in uow.exception_cases.find(query)]
            escalated += [done for exception_id in ids if (done := self._escalate(exception_id, now)) is not None]
            if len(ids) < self._batch:
                return escalated
            after = ids[-1]

    def _escalate(self, exception_id: str, now: datetime) -> Escalation | None:
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._uow.run(lambda uow: self._record(uow, exception_id, now))
            except ConcurrencyConflict:
                continue  # someone wrote to the case meanwhile: look again
        _log.warning("case kept changing; escalation left for the next round", exception_id=exception_id)
        return None

    def _record(self, uow: UnitOfWork, exception_id: str, now: datetime) -> Escalation | None:
        case = uow.exception_cases.get(exception_id)
        if case is None or case.escalated_at is not None or not case.is_overdue(now):
            return None
        contacts = self._reference_data.team(case.team).escalation_emails
        event = ExceptionEscalated(case.exception_id, case.order_id, case.team, contacts)
        record(
            uow,
            [event],
            versions={case.exception_id: case.version},
            cause=Cause(None, None, case.partner),
            now=self._clock.now(),
            new_id=self._new_id,
        )
        _log.info("case escalated", exception_id=case.exception_id, team=case.team, notified=len(contacts))
        return Escalation(case.exception_id, case.order_id, case.team, case.due_at, contacts)
