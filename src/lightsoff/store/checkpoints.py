"""Checkpoints of the event log's consumers, and their leases, in ``consumer_checkpoints``.

A checkpoint is a row (consumer name, position). It only ever moves by compare-and-set: the update
names the position it expects, so a process that lost its lease cannot move it back or skip ahead
unnoticed (``ConcurrencyConflict``).

A lease is a row of the same table: its ``position`` holds the holder's token and its ``updated_at``
the time the lease runs out. Taking it is one conditional update (free, lapsed, or ours already) or,
the first time, an insert that only one process can win. This works alike on SQLite (several
processes on one file) and PostgreSQL (any number of workers), with no schema of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from lightsoff.domain.errors import ConcurrencyConflict, Unavailable
from lightsoff.store import tables as t
from lightsoff.store.engine import Database
from lightsoff.store.unit_of_work import WRITE_LOCK_TIMEOUT_S

_C = t.consumer_checkpoints


class SqlCheckpoints:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._insert: Any = postgresql.insert if database.dialect == "postgresql" else sqlite.insert

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """One committed transaction; on SQLite a writer first takes the process's write lock."""
        lock = self._database.write_lock if write else None
        if lock is not None and not lock.acquire(timeout=WRITE_LOCK_TIMEOUT_S):
            raise Unavailable(f"no write slot on the database within {WRITE_LOCK_TIMEOUT_S:.0f} s")
        try:
            with (
                self._database.engine.connect().execution_options(lightsoff_write=write) as connection,
                connection.begin(),
            ):
                yield connection
        except OperationalError as exc:
            raise Unavailable(f"the database is unavailable: {exc.orig}") from exc
        finally:
            if lock is not None:
                lock.release()

    def positions(self, prefix: str) -> dict[str, int]:
        query = select(_C.c.consumer, _C.c.position).where(_C.c.consumer.startswith(prefix, autoescape=True))
        with self._transaction(write=False) as connection:
            return {row.consumer: row.position for row in connection.execute(query)}

    def advance(self, consumer: str, expected: int | None, position: int, now: datetime) -> None:
        with self._transaction() as connection:
            if expected is None:
                changed = self._insert_new(connection, consumer, position, now)
            else:
                statement = update(_C).where(_C.c.consumer == consumer, _C.c.position == expected)
                changed = connection.execute(statement.values(position=position, updated_at=now)).rowcount
        if changed != 1:
            raise ConcurrencyConflict(f"checkpoint {consumer} is no longer at {expected}: another process moved it")

    def remove(self, consumer: str, expected: int) -> None:
        with self._transaction() as connection:
            statement = delete(_C).where(_C.c.consumer == consumer, _C.c.position == expected)
            changed = connection.execute(statement).rowcount
        if changed != 1:
            raise ConcurrencyConflict(f"checkpoint {consumer} is no longer at {expected}: another process moved it")

    def acquire_lease(self, name: str, holder: int, now: datetime, until: datetime) -> bool:
        with self._transaction() as connection:
            free = or_(_C.c.updated_at <= now, _C.c.position == holder)
            taken = update(_C).where(_C.c.consumer == name, free).values(position=holder, updated_at=until)
            if connection.execute(taken).rowcount == 1:
                return True
            return self._insert_new(connection, name, holder, until) == 1

    def _insert_new(self, connection: Connection, consumer: str, position: int, at: datetime) -> int:
        """Insert the row unless it exists (then 0): one process wins, the others see it taken."""
        statement = self._insert(_C).values(consumer=consumer, position=position, updated_at=at)
        inserted = connection.execute(statement.on_conflict_do_nothing().returning(_C.c.consumer)).first()
        return 0 if inserted is None else 1

    def release_lease(self, name: str, holder: int, now: datetime) -> None:
        with self._transaction() as connection:
            connection.execute(update(_C).where(_C.c.consumer == name, _C.c.position == holder).values(updated_at=now))
