"""The SQL every order and every delivery runs, named and written once, executed on the driver's own cursor.

Intake runs about ten statements per order. Through SQLAlchemy Core each costs some 25 µs of Python
before the database sees it, a third of the whole order's budget; on the DBAPI cursor it costs a
few. So the statements on that path live here, in plain SQL with ``:name`` parameters, adapted once
per dialect (psycopg wants ``%(name)s``); everything else (queries, replay, migrations) stays on
SQLAlchemy. Values are stored exactly as SQLAlchemy stores them (UTC timestamps, JSON text on
SQLite), so both paths read each other's rows. The relay's statements (fan out, claim, record, in
``store.delivery_store``) are here for the same reason: they run once or twice per delivery.

Two places differ by more than the parameter style, each marked by a token replaced once per dialect:
``/*ready index*/`` (SQLite's planner, without statistics, would rather read every due delivery in
``ix_deliveries_due``, including the thousands held back behind their stream's first, so it is told)
and ``/*skip locked*/`` (PostgreSQL's row locks, which let any number of workers claim side by side).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection

from lightsoff.domain.errors import ConcurrencyConflict

_NAMED_PARAMETER = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, psycopg.IntegrityError)

STATEMENTS = {
    "insert_message": """
        INSERT INTO messages (message_id, received_at, channel, content_type, body, sha256, size_bytes,
            correlation_id, idempotency_key, client_id, partner, outcome, order_ids, detail, processed_at)
        VALUES (:message_id, :received_at, :channel, :content_type, :body, :sha256, :size_bytes,
            :correlation_id, :idempotency_key, :client_id, :partner, :outcome, :order_ids, :detail, :processed_at)""",
    "insert_event": """
        INSERT INTO events (event_id, stream_id, stream_version, name, version, occurred_at, data,
            correlation_id, causation_id, partner)
        VALUES (:event_id, :stream_id, :stream_version, :name, :version, :occurred_at, :data,
            :correlation_id, :causation_id, :partner)
        RETURNING position""",
    "insert_outbox": "INSERT INTO outbox (event_position, created_at) VALUES (:event_position, :created_at)",
    "lock_event_log": "SELECT pg_advisory_xact_lock(:key)",
    "select_order": "SELECT data FROM orders WHERE order_id = :order_id",
    "insert_order": """
        INSERT INTO orders (order_id, partner, po_number, status, version, received_at, updated_at, data,
            ship_to, ship_date, signature)
        VALUES (:order_id, :partner, :po_number, :status, :version, :received_at, :updated_at, :data,
            :ship_to, :ship_date, :signature)""",
    "update_order": """
        UPDATE orders SET status = :status, version = :version, updated_at = :updated_at, data = :data,
            ship_to = :ship_to, ship_date = :ship_date, signature = :signature
        WHERE order_id = :order_id""",
    "order_with_same_lines": """
        SELECT order_id, po_number FROM orders
        WHERE partner = :partner AND signature = :signature AND received_at >= :since AND po_number <> :po_number
            AND status <> 'cancelled'
        ORDER BY received_at DESC LIMIT 1""",
    "open_order_for": """
        SELECT order_id, po_number FROM orders
        WHERE partner = :partner AND ship_to = :ship_to AND ship_date = :ship_date AND po_number <> :po_number
            AND status IN ('received', 'validated', 'held')
        ORDER BY received_at LIMIT 1""",
    "resolve_reference": """
        SELECT canonical_id FROM cross_references
        WHERE system = :system AND kind = :kind AND external_id = :external_id""",
    "insert_reference": """
        INSERT INTO cross_references (system, kind, external_id, canonical_id)
        VALUES (:system, :kind, :external_id, :canonical_id)""",
    "insert_exception_case": """
        INSERT INTO exception_cases (exception_id, order_id, subscription_id, status, category, team, due_at, data,
            partner, escalated)
        VALUES (:exception_id, :order_id, :subscription_id, :status, :category, :team, :due_at, :data, :partner,
            :escalated)""",
    "update_exception_case": """
        UPDATE exception_cases SET status = :status, team = :team, due_at = :due_at, data = :data,
            escalated = :escalated
        WHERE exception_id = :exception_id""",
    "select_idempotency_key": """
        SELECT scope, key, fingerprint, message_id, created_at FROM idempotency_keys
        WHERE scope = :scope AND key = :key""",
    "insert_idempotency_key": """
        INSERT INTO idempotency_keys (scope, key, fingerprint, message_id, created_at)
        VALUES (:scope, :key, :fingerprint, :message_id, :created_at)""",
    "lock_audit_log": "SELECT pg_advisory_xact_lock(:key)",
    "audit_tail": "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1",
    "insert_audit_record": """
        INSERT INTO audit_log (sequence, at, actor, source, action, resource, outcome, correlation_id, detail,
            previous_hash, hash)
        VALUES (:sequence, :at, :actor, :source, :action, :resource, :outcome, :correlation_id, :detail,
            :previous_hash, :hash)""",
    "next_sequence_value": """
        INSERT INTO sequences (name, value) VALUES (:name, 1)
        ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1
        RETURNING value""",
    # The relay. A delivery is claimable when it is pending, due, not leased, of an enabled subscription,
    # and no earlier delivery of its stream to its subscription is pending: that last clause keeps events
    # of one order in order, whoever sends them. ``waiting`` only narrows what a claim reads.
    "has_new_events": """
        SELECT (SELECT COALESCE(MAX(position), 0) FROM events)
            > COALESCE((SELECT position FROM relay_checkpoints WHERE name = 'fan-out'), 0)""",
    "ensure_fan_out_checkpoint": """
        INSERT INTO relay_checkpoints (name, position, updated_at) VALUES ('fan-out', 0, :now)
        ON CONFLICT DO NOTHING""",
    "fan_out_checkpoint": "SELECT position FROM relay_checkpoints WHERE name = 'fan-out'",
    "routes": "SELECT subscription_id, event_types, partners FROM subscriptions",
    "events_to_fan_out": """
        SELECT position, stream_id, name, partner FROM events WHERE position > :after
        ORDER BY position LIMIT :limit""",
    "dispatch_outbox": """
        UPDATE outbox SET dispatched_at = :now WHERE event_position > :after AND event_position <= :last""",
    "move_fan_out_checkpoint": """
        UPDATE relay_checkpoints SET position = :position, updated_at = :now WHERE name = 'fan-out'""",
    "insert_delivery": """
        INSERT INTO deliveries (subscription_id, event_position, stream_id, status, attempts, created_at,
            next_attempt_at, waiting)
        SELECT incoming.subscription_id, incoming.event_position, incoming.stream_id, 'pending', 0,
            incoming.created_at, incoming.created_at,
            EXISTS (SELECT 1 FROM deliveries earlier
                WHERE earlier.stream_id = incoming.stream_id AND earlier.subscription_id = incoming.subscription_id
                    AND earlier.event_position < incoming.event_position AND earlier.status = 'pending')
        FROM (SELECT :subscription_id AS subscription_id, :event_position AS event_position,
            :stream_id AS stream_id, :created_at AS created_at) AS incoming
        WHERE TRUE
        ON CONFLICT DO NOTHING""",
    "claim_deliveries": """
        UPDATE deliveries SET claimed_by = :worker, claimed_until = :until
        WHERE delivery_id IN (
            SELECT d.delivery_id FROM deliveries d /*ready index*/
            JOIN subscriptions s ON s.subscription_id = d.subscription_id
            WHERE d.status = 'pending' AND NOT d.waiting AND d.next_attempt_at <= :now
                AND (d.claimed_until IS NULL OR d.claimed_until < :now) AND s.enabled
                AND NOT EXISTS (SELECT 1 FROM deliveries earlier
                    WHERE earlier.stream_id = d.stream_id AND earlier.subscription_id = d.subscription_id
                        AND earlier.event_position < d.event_position AND earlier.status = 'pending')
            ORDER BY d.next_attempt_at, d.delivery_id
            LIMIT :limit /*skip locked*/)
        RETURNING delivery_id, subscription_id, event_position, stream_id, status, attempts, created_at,
            next_attempt_at, first_attempt_at, last_attempt_at, last_status, last_error""",
    "insert_delivery_attempt": """
        INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, error, detail, excerpt, latency_ms,
            worker)
        VALUES (:delivery_id, :attempt, :at, :status_code, :error, :detail, :excerpt, :latency_ms, :worker)""",
    "record_delivery": """
        UPDATE deliveries SET status = :status, attempts = :attempts,
            first_attempt_at = COALESCE(first_attempt_at, :at), last_attempt_at = :at,
            last_status = :last_status, last_error = :last_error,
            next_attempt_at = :next_attempt_at, claimed_by = NULL, claimed_until = NULL
        WHERE delivery_id = :delivery_id AND status = 'pending'""",
    "release_next_delivery": """
        UPDATE deliveries SET waiting = FALSE
        WHERE delivery_id = (SELECT delivery_id FROM deliveries
                WHERE stream_id = :stream_id AND subscription_id = :subscription_id AND status = 'pending'
                ORDER BY event_position LIMIT 1)
            AND waiting""",
    "lock_fan_out": "SELECT pg_advisory_xact_lock(:key)",
    "share_fan_out": "SELECT pg_advisory_xact_lock_shared(:key)",
}

_DIALECT_TOKENS = {
    "sqlite": {"/*ready index*/": "INDEXED BY ix_deliveries_ready", "/*skip locked*/": ""},
    "postgresql": {"/*ready index*/": "", "/*skip locked*/": "FOR UPDATE OF d SKIP LOCKED"},
}


def _for_dialect(dialect: str, sql: str) -> str:
    for token, replacement in _DIALECT_TOKENS[dialect].items():
        sql = sql.replace(token, replacement)
    return sql if dialect == "sqlite" else _NAMED_PARAMETER.sub(r"%(\1)s", sql)


_FOR_DIALECT = {
    dialect: {name: _for_dialect(dialect, sql) for name, sql in STATEMENTS.items()} for dialect in _DIALECT_TOKENS
}


@dataclass(frozen=True, slots=True)
class HotSql:
    """The named statements, on the DBAPI connection under one SQLAlchemy connection's transaction."""

    driver: Any
    statements: Mapping[str, str]
    sqlite: bool

    @classmethod
    def on(cls, connection: Connection) -> HotSql:
        dialect = connection.dialect.name
        return cls(connection.connection.driver_connection, _FOR_DIALECT[dialect], dialect == "sqlite")

    def execute(self, name: str, parameters: Mapping[str, Any]) -> Any:
        return self.driver.execute(self.statements[name], parameters)

    def insert_unique(self, name: str, parameters: Mapping[str, Any], conflict: str) -> None:
        """Insert a row a unique key guards; a taken key is a ConcurrencyConflict saying ``conflict``."""
        try:
            self.execute(name, parameters)
        except UNIQUE_VIOLATIONS as exc:
            raise ConcurrencyConflict(conflict) from exc

    def execute_many(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if self.sqlite:
            self.driver.executemany(self.statements[name], rows)
        else:
            with self.driver.cursor() as cursor:
                cursor.executemany(self.statements[name], rows)

    def one(self, name: str, parameters: Mapping[str, Any]) -> Any:
        row = self.execute(name, parameters).fetchone()
        return row[0] if row is not None else None

    def row(self, name: str, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.execute(name, parameters).fetchone()
        return tuple(found) if found is not None else None

    def timestamp(self, value: datetime) -> Any:
        """SQLite keeps naive UTC text, as SQLAlchemy writes it; PostgreSQL a timestamptz."""
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: lightsoff stores timezone-aware times only")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else value

    def read_timestamp(self, value: Any) -> datetime:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(parsed, datetime)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    @staticmethod
    def json(value: Any) -> str:
        return orjson.dumps(value).decode()

    def read_json(self, value: Any) -> Any:
        return orjson.loads(value) if isinstance(value, (str, bytes)) else value
