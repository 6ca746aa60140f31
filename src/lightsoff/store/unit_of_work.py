"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, NestedTransaction, RootTransaction
from sqlalchemy.exc import OperationalError

from lightsoff.domain.errors import Unavailable
from lightsoff.store.document_repository import SqlOutboundDocuments
from lightsoff.store.engine import Database
from lightsoff.store.repositories import (
    SqlCrossReferences,
    SqlEventLog,
    SqlExceptionCaseViews,
    SqlIdempotencyRecords,
    SqlMessageArchive,
    SqlOrderViews,
    SqlSequences,
)
from lightsoff.store.security_repositories import SqlApiKeys, SqlAuditLog, SqlClients, SqlSigningKeys
from lightsoff.store.shipment_repository import SqlShipments
from lightsoff.store.sql import HotSql

WRITE_LOCK_TIMEOUT_S = 30.0


class SqlUnitOfWork:
    messages: SqlMessageArchive
    events: SqlEventLog
    orders: SqlOrderViews
    cross_references: SqlCrossReferences
    exception_cases: SqlExceptionCaseViews
    idempotency: SqlIdempotencyRecords
    sequences: SqlSequences
    clients: SqlClients
    api_keys: SqlApiKeys
    signing_keys: SqlSigningKeys
    audit: SqlAuditLog

    def __init__(self, database: Database, *, write: bool = True) -> None:
        self._database = database
        self._write = write
        self._locked = False
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        lock = self._database.write_lock
        if self._write and lock is not None:
            if not lock.acquire(timeout=WRITE_LOCK_TIMEOUT_S):
                raise Unavailable(f"no write slot on the database within {WRITE_LOCK_TIMEOUT_S:.0f} s")
            self._locked = True
        try:
            connection = self._database.engine.connect().execution_options(lightsoff_write=self._write)
            self._connection = connection
            self._transaction = connection.begin()
        except OperationalError as exc:
            self._release()
            raise Unavailable(f"the database is unavailable: {exc.orig}") from exc
        self._bind(connection)
        return self

    @classmethod
    def joining(cls, database: Database, connection: Connection) -> SqlUnitOfWork:
        """The repositories on a transaction another part of the store holds, begins and commits.

        For writes that must commit with that transaction (the relay disabling a subscription records
        its event and exception case with it). It has no ``commit`` of its own and nothing to exit.
        """
        joined = cls(database, write=True)
        joined._bind(connection)
        return joined

    def _bind(self, connection: Connection) -> None:
        sql = HotSql.on(connection)
        self.messages = SqlMessageArchive(connection, sql)
        self.events = SqlEventLog(connection, sql)
        self.orders = SqlOrderViews(connection, sql)
        self.cross_references = SqlCrossReferences(connection, sql)
        self.exception_cases = SqlExceptionCaseViews(connection, sql)
        self.idempotency = SqlIdempotencyRecords(sql)
        self.sequences = SqlSequences(sql)
        self.clients = SqlClients(connection)
        self.api_keys = SqlApiKeys(connection)
        self.signing_keys = SqlSigningKeys(connection)
        self.audit = SqlAuditLog(connection, sql)
        self.documents = SqlOutboundDocuments(connection)
        self.shipments = SqlShipments(connection)

    def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        self._transaction.commit()

    def savepoint(self) -> NestedTransaction:
        """A savepoint in this unit of work's transaction (``commit`` releases it, ``rollback`` undoes it)."""
        assert self._connection is not None, "outside the unit of work"
        return self._connection.begin_nested()

    @property
    def driver_connection(self) -> Any:
        """The DBAPI connection under this unit of work's transaction."""
        assert self._connection is not None, "outside the unit of work"
        return self._connection.connection.driver_connection

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            if self._connection is not None:
                self._connection.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._locked and self._database.write_lock is not None:
            self._database.write_lock.release()
            self._locked = False
