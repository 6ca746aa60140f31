"""Rebuilding the read models from the event log, in one transaction: readers see the old or the new."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lightsoff.services.ports import UnitOfWorkFactory
from lightsoff.services.projections import project

BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class ReplayReport:
    events: int
    orders: int
    exception_cases: int


Progress = Callable[[int, int], None]
"""Called with the position of the last event replayed so far and the last position in the log."""


def rebuild_read_models(uow_factory: UnitOfWorkFactory, progress: Progress | None = None) -> ReplayReport:
    events = 0
    orders: set[str] = set()
    cases: set[str] = set()
    with uow_factory() as uow:
        uow.orders.clear()
        uow.cross_references.clear()
        uow.exception_cases.clear()
        after, last = 0, uow.events.last_position()
        while batch := uow.events.read_all(after=after, limit=BATCH_SIZE):
            projected = project(uow, batch)
            orders.update(projected.orders)
            cases.update(projected.exception_cases)
            events += len(batch)
            after = batch[-1].position
            if progress is not None:
                progress(after, last)
        uow.commit()
    return ReplayReport(events=events, orders=len(orders), exception_cases=len(cases))
