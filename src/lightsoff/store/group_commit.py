"""Group commit for SQLite: the one writer runs queued units of work back to back, then commits once.

SQLite has one writer at a time, and each commit pays for BEGIN, the write lock and an fsync
(``synchronous=FULL``). Under load, units of work queue for that writer anyway; this thread takes
what is queued, runs each in a savepoint of one transaction (so one that raises leaves no trace and
fails alone) and commits them together, so the fixed cost is paid once per group rather than once
per order. Nothing waits for company: a lone unit of work is committed as soon as it is done.

Write here by hand: SQLAlchemy's session batches one caller's writes, not many callers' transactions.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lightsoff.domain.errors import Unavailable
from lightsoff.services.ports import UnitOfWork
from lightsoff.store.engine import Database
from lightsoff.store.unit_of_work import SqlUnitOfWork

T = TypeVar("T")
MAX_GROUP = 64
RESULT_TIMEOUT_S = 120.0


@dataclass(slots=True)
class _Job:
    work: Callable[[UnitOfWork], Any]
    future: Future[Any] = field(default_factory=Future)


class GroupCommitWriter:
    def __init__(self, database: Database, max_group: int = MAX_GROUP) -> None:
        self._database = database
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        self._ensure_started()
        job = _Job(work)
        self._queue.put(job)
        try:
            result: T = job.future.result(timeout=RESULT_TIMEOUT_S)
        except TimeoutError as exc:
            raise Unavailable(f"the database writer did not answer within {RESULT_TIMEOUT_S:.0f} s") from exc
        return result

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="lightsoff-sqlite-writer", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            group = [job]
            while len(group) < self._max_group:
                try:
                    queued = self._queue.get_nowait()
                except queue.Empty:
                    break
                if queued is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(queued)
            self._commit_group(group)

    def _commit_group(self, group: list[_Job]) -> None:
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with SqlUnitOfWork(self._database) as uow:
                for job in group:
                    outcomes.append((job, *_in_savepoint(uow, job.work)))
                uow.commit()
        except Exception as exc:  # BEGIN or COMMIT failed: nothing of the group was kept
            failed = Unavailable(f"the database refused the commit: {exc}")
            failed.__cause__ = exc
            outcomes = [(job, None, error or failed) for job, _, error in outcomes]
            outcomes += [(job, None, failed) for job in group[len(outcomes) :]]
        for job, result, error in outcomes:
            if error is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(error)


def _in_savepoint(uow: SqlUnitOfWork, work: Callable[[UnitOfWork], Any]) -> tuple[Any, BaseException | None]:
    """Run ``work`` between SAVEPOINT and RELEASE, sent straight to SQLite (it runs once per order)."""
    driver = uow.driver_connection
    driver.execute("SAVEPOINT unit")
    try:
        result = work(uow)
    except Exception as exc:
        driver.execute("ROLLBACK TO SAVEPOINT unit")
        driver.execute("RELEASE SAVEPOINT unit")
        return None, exc
    driver.execute("RELEASE SAVEPOINT unit")
    return result, None
