"""Units of work on one database; ``run`` group-commits on SQLite, where writers queue anyway."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lightsoff.services.ports import UnitOfWork
from lightsoff.store.engine import Database
from lightsoff.store.group_commit import GroupCommitWriter
from lightsoff.store.unit_of_work import SqlUnitOfWork

T = TypeVar("T")


class SqlUnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._writer = GroupCommitWriter(database) if database.write_lock is not None else None

    @property
    def serializes_writes(self) -> bool:
        """True when every write goes through the one group-committing writer (SQLite)."""
        return self._writer is not None

    def __call__(self, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._database, write=write)

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        if self._writer is not None:
            return self._writer.run(work)
        with self() as uow:
            result = work(uow)
            uow.commit()
            return result

    def close(self) -> None:
        """Stop the group-commit writer, if any, after what is queued has committed."""
        if self._writer is not None:
            self._writer.close()
