"""Connecting to the database, and the two places where SQLite and PostgreSQL must differ.

SQLite allows one writer at a time. Letting threads race for its lock makes them sleep and retry
(slow, and unfair under load), so a process takes a write lock of its own before ``BEGIN
IMMEDIATE``; other processes (a CLI beside the server) wait on SQLite's busy timeout instead.
Readers use plain ``BEGIN`` and never wait, thanks to WAL. ``synchronous=FULL`` makes a commit
durable before lightsoff answers 202.

Some writes need not survive a power cut, only a crash: the relay's claims, records and fan-out, which
are done again if lost (a lost claim's lease, a delivery sent again, a fan-out redone from its
checkpoint; receivers deduplicate, as after any retry). Waiting for the disk on each of them (about
2 ms here, with SQLite's one write lock held meanwhile) is most of what the relay's writes cost. So
``Database.relaxed`` is the same file with ``synchronous=NORMAL``: in WAL mode a commit is still atomic
and survives the process being killed; a power cut may undo the last ones, whole. PostgreSQL gets the
same per transaction (``SET LOCAL synchronous_commit = off``, in the relay's store).

PostgreSQL runs writers concurrently. Event positions come from an identity column, and a
transaction that takes a position and commits late would let a feed reader skip it; so appending
events takes a transaction-level advisory lock (``EVENT_LOG_LOCK``) held until commit, which makes
positions visible in order. It is taken as late in the transaction as possible.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from lightsoff.domain.errors import ConfigurationError

EVENT_LOG_LOCK = 0x6C6F67  # "log"
AUDIT_LOG_LOCK = 0x617564  # "aud": chains audit entries one at a time on PostgreSQL
FAN_OUT_LOCK = 0x666F7574  # "fout": one fan-out at a time; recording a settled delivery shares it
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True, slots=True)
class Database:
    engine: Engine
    write_lock: threading.Lock | None
    """Held by a writing unit of work for its whole transaction; SQLite only."""
    relaxed_engine: Engine | None = None
    """SQLite only: the same database with ``synchronous=NORMAL``, for writes that are redone if lost"""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def relaxed(self) -> Engine:
        """The engine for writes that may be lost to a power cut (never to a crash) because they are redone."""
        return self.relaxed_engine or self.engine

    def dispose(self) -> None:
        self.engine.dispose()
        if self.relaxed_engine is not None:
            self.relaxed_engine.dispose()


def connect(url: str, *, pool_size: int = 10, echo: bool = False) -> Database:
    parsed = make_url(url)
    common: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads, "echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ConfigurationError(
                [
                    f"database URL {url!r} is an in-memory SQLite database, which each connection sees empty; "
                    "give a file path (sqlite:///data/lightsoff.db), or use lightsoff.testing in tests"
                ]
            )
        durable, relaxed = (_sqlite_engine(parsed, common, synchronous) for synchronous in ("FULL", "NORMAL"))
        return Database(durable, threading.Lock(), relaxed)
    engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **common)
    return Database(engine, None)


def _sqlite_engine(url: URL, common: dict[str, Any], synchronous: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **common)
    _configure_sqlite(engine, synchronous)
    return engine


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: the "begin" hook below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("lightsoff_write", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
