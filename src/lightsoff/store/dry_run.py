"""Units of work that all share one transaction, rolled back at the end: running the real code, keeping nothing.

A dry run (``lightsoff inbound rerun --dry-run``) must show what a document would become today, which
only the real intake can say: the same codecs, rules, sequences and events. So the intake runs unchanged
on this factory: each of its units of work is a savepoint in one transaction (what one unit wrote, the
next one sees, as it would after a commit), and leaving the ``with`` block rolls the whole transaction
back. On SQLite it holds the one write slot while it runs; on PostgreSQL the rows it locks (sequences)
stay locked until it ends, so other writers wait for it, which takes milliseconds for a normal document.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import NestedTransaction

from lightsoff.services.ports import UnitOfWork
from lightsoff.store.engine import Database
from lightsoff.store.unit_of_work import SqlUnitOfWork

T = TypeVar("T")


class _Savepoint:
    """One unit of work of the dry run: the shared transaction's repositories, between SAVEPOINT and RELEASE."""

    def __init__(self, shared: SqlUnitOfWork) -> None:
        self._shared = shared
        self._savepoint: NestedTransaction | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared, name)

    def __enter__(self) -> Self:
        self._savepoint = self._shared.savepoint()
        return self

    def commit(self) -> None:
        assert self._savepoint is not None, "commit outside the unit of work"
        self._savepoint.commit()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()


class RolledBackUnitsOfWork:
    """A ``UnitOfWorkFactory`` for dry runs; use it in a ``with`` block, which rolls everything back."""

    def __init__(self, database: Database) -> None:
        self._shared = SqlUnitOfWork(database, write=True)
        self._open = False

    def __enter__(self) -> Self:
        self._shared.__enter__()
        self._open = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._open = False
        self._shared.__exit__(exc_type, exc, traceback)  # never committed: rolls back

    def __call__(self, *, write: bool = True) -> UnitOfWork:
        assert self._open, "a dry run's units of work exist only inside its with block"
        unit: UnitOfWork = _Savepoint(self._shared)  # the repositories come through __getattr__
        return unit

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        with self() as unit:
            result = work(unit)
            unit.commit()
            return result

    def close(self) -> None:
        """Nothing to stop: the transaction ends with the ``with`` block."""
