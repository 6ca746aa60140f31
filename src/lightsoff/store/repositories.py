"""The repositories of the SQL unit of work: one class per port, each on the unit of work's connection.

What intake runs for every order goes through ``HotSql`` (named SQL on the driver's cursor, see
``sql.py``); reads for the API and replay use SQLAlchemy Core, whose cost does not matter there.
Unique-constraint violations become ``ConcurrencyConflict`` so the service layer can retry.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import PendingEvent, RecordedEvent
from lightsoff.domain.exception_cases import ExceptionCase
from lightsoff.domain.messages import InboundMessage, MessageOutcome
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.rules.draft import OrderRef
from lightsoff.rules.history import signature
from lightsoff.services.ports import CaseQuery, IdempotencyRecord
from lightsoff.store import tables as t
from lightsoff.store.engine import EVENT_LOG_LOCK
from lightsoff.store.sql import UNIQUE_VIOLATIONS, HotSql

_SELECT_EVENTS = select(t.events)
_LAST_POSITION = select(func.max(t.events.c.position))


class SqlMessageArchive:
    def __init__(self, connection: Connection, sql: HotSql) -> None:
        self._connection = connection
        self._sql = sql

    def add(self, message: InboundMessage) -> None:
        sql = self._sql
        sql.execute(
            "insert_message",
            {
                "message_id": message.message_id,
                "received_at": sql.timestamp(message.received_at),
                "channel": message.channel,
                "content_type": message.content_type,
                "body": message.body,
                "sha256": message.sha256,
                "size_bytes": len(message.body),
                "correlation_id": message.correlation_id,
                "idempotency_key": message.idempotency_key,
                "client_id": message.client_id,
                "partner": message.partner,
                "outcome": message.outcome.value,
                "order_ids": sql.json(list(message.order_ids)),
                "detail": sql.json(message.detail),
                "processed_at": sql.timestamp(message.processed_at) if message.processed_at else None,
            },
        )

    def update(self, message: InboundMessage) -> None:
        self._connection.execute(
            update(t.messages)
            .where(t.messages.c.message_id == message.message_id)
            .values(
                partner=message.partner,
                outcome=message.outcome.value,
                order_ids=list(message.order_ids),
                detail=message.detail,
                processed_at=message.processed_at,
            )
        )

    def get(self, message_id: str) -> InboundMessage | None:
        query = select(t.messages).where(t.messages.c.message_id == message_id)
        row = self._connection.execute(query).mappings().first()
        if row is None:
            return None
        return InboundMessage(
            message_id=row["message_id"],
            received_at=row["received_at"],
            channel=row["channel"],
            content_type=row["content_type"],
            body=bytes(row["body"]),
            sha256=row["sha256"],
            correlation_id=row["correlation_id"],
            idempotency_key=row["idempotency_key"],
            client_id=row["client_id"],
            partner=row["partner"],
            outcome=MessageOutcome(row["outcome"]),
            order_ids=tuple(row["order_ids"]),
            detail=row["detail"],
            processed_at=row["processed_at"],
        )


class SqlEventLog:
    def __init__(self, connection: Connection, sql: HotSql) -> None:
        self._connection = connection
        self._sql = sql

    def append(self, events: Sequence[PendingEvent]) -> list[RecordedEvent]:
        """Insert each event (positions come back in order), then its outbox row."""
        if not events:
            return []
        sql = self._sql
        if not sql.sqlite:
            sql.execute("lock_event_log", {"key": EVENT_LOG_LOCK})
        recorded = []
        for pending in events:
            data = pending.event.to_data()
            row = {
                "event_id": pending.event_id,
                "stream_id": pending.stream_id,
                "stream_version": pending.stream_version,
                "name": pending.event.name,
                "version": pending.event.version,
                "occurred_at": sql.timestamp(pending.occurred_at),
                "data": sql.json(data),
                "correlation_id": pending.correlation_id,
                "causation_id": pending.causation_id,
                "partner": pending.partner,
            }
            try:
                position = sql.one("insert_event", row)
            except UNIQUE_VIOLATIONS as exc:
                raise ConcurrencyConflict(f"another writer appended to {pending.stream_id} first") from exc
            recorded.append(
                RecordedEvent(
                    position=position,
                    event_id=pending.event_id,
                    stream_id=pending.stream_id,
                    stream_version=pending.stream_version,
                    name=pending.event.name,
                    version=pending.event.version,
                    occurred_at=pending.occurred_at,
                    data=data,
                    correlation_id=pending.correlation_id,
                    causation_id=pending.causation_id,
                    partner=pending.partner,
                    event=pending.event,
                )
            )
        created_at = sql.timestamp(events[0].occurred_at)
        sql.execute_many(
            "insert_outbox", [{"event_position": event.position, "created_at": created_at} for event in recorded]
        )
        return recorded

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        query = _SELECT_EVENTS.where(t.events.c.stream_id == stream_id).order_by(t.events.c.stream_version)
        return [_recorded(row) for row in self._connection.execute(query).mappings()]

    def read_all(
        self, after: int = 0, limit: int = 100, names: Sequence[str] = (), partners: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        query = _SELECT_EVENTS.where(t.events.c.position > after)
        if names:
            query = query.where(t.events.c.name.in_(names))
        if partners is not None:
            query = query.where(t.events.c.partner.in_(sorted(partners)))
        query = query.order_by(t.events.c.position).limit(limit)
        return [_recorded(row) for row in self._connection.execute(query).mappings()]

    def last_position(self) -> int:
        position: int | None = self._connection.execute(_LAST_POSITION).scalar()
        return position or 0


def _recorded(row: Any) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        name=row["name"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        data=row["data"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        partner=row["partner"],
    )


class SqlOrderViews:
    def __init__(self, connection: Connection, sql: HotSql) -> None:
        self._connection = connection
        self._sql = sql

    def get(self, order_id: str) -> Order | None:
        data = self._sql.one("select_order", {"order_id": order_id})
        return Order.from_data(self._sql.read_json(data)) if data is not None else None

    def add(self, order: Order) -> None:
        self._sql.execute("insert_order", self._row(order))

    def update(self, order: Order) -> None:
        row = self._row(order)
        del row["partner"], row["po_number"], row["received_at"]
        self._sql.execute("update_order", row)

    def _row(self, order: Order) -> dict[str, Any]:
        sql = self._sql
        sent = order.customer_order
        return {
            "order_id": order.order_id,
            "partner": sent.partner,
            "po_number": sent.po_number,
            "status": order.status.value,
            "version": order.version,
            "received_at": sql.timestamp(order.received_at),
            "updated_at": sql.timestamp(order.updated_at),
            "data": sql.json(order.to_data()),
            "ship_to": sent.ship_to.code,
            "ship_date": sent.requested_ship_date.isoformat(),
            "signature": signature(sent),
        }

    def with_same_lines(self, order: CustomerOrder, since: datetime) -> OrderRef | None:
        row = self._sql.row(
            "order_with_same_lines",
            {
                "partner": order.partner,
                "signature": signature(order),
                "since": self._sql.timestamp(since),
                "po_number": order.po_number,
            },
        )
        return OrderRef(row[0], row[1]) if row is not None else None

    def open_for(self, order: CustomerOrder) -> OrderRef | None:
        row = self._sql.row(
            "open_order_for",
            {
                "partner": order.partner,
                "ship_to": order.ship_to.code,
                "ship_date": order.requested_ship_date.isoformat(),
                "po_number": order.po_number,
            },
        )
        return OrderRef(row[0], row[1]) if row is not None else None

    def find(
        self,
        *,
        partner: str | None = None,
        po_number: str | None = None,
        status: OrderStatus | None = None,
        after: str | None = None,
        limit: int = 100,
        partners: Collection[str] | None = None,
    ) -> list[Order]:
        query = select(t.orders.c.data)
        if partner is not None:
            query = query.where(t.orders.c.partner == partner)
        if partners is not None:
            query = query.where(t.orders.c.partner.in_(sorted(partners)))
        if po_number is not None:
            query = query.where(t.orders.c.po_number == po_number)
        if status is not None:
            query = query.where(t.orders.c.status == status.value)
        if after is not None:
            query = query.where(t.orders.c.order_id > after)
        query = query.order_by(t.orders.c.order_id).limit(limit)
        return [Order.from_data(data) for data in self._connection.execute(query).scalars()]

    def clear(self) -> None:
        self._connection.execute(delete(t.orders))


class SqlCrossReferences:
    def __init__(self, connection: Connection, sql: HotSql) -> None:
        self._connection = connection
        self._sql = sql

    def add(self, reference: CrossReference) -> None:
        self._sql.insert_unique(
            "insert_reference",
            {
                "system": reference.system,
                "kind": reference.kind,
                "external_id": reference.external_id,
                "canonical_id": reference.canonical_id,
            },
            f"{reference.system} {reference.kind} {reference.external_id} is already cross-referenced",
        )

    def resolve(self, system: str, kind: str, external_id: str) -> str | None:
        canonical_id: str | None = self._sql.one(
            "resolve_reference", {"system": system, "kind": kind, "external_id": external_id}
        )
        return canonical_id

    def for_canonical(self, canonical_id: str) -> list[CrossReference]:
        query = (
            select(t.cross_references)
            .where(t.cross_references.c.canonical_id == canonical_id)
            .order_by(t.cross_references.c.system, t.cross_references.c.kind, t.cross_references.c.external_id)
        )
        return [CrossReference(**row) for row in self._connection.execute(query).mappings()]

    def clear(self) -> None:
        self._connection.execute(delete(t.cross_references))


class SqlExceptionCaseViews:
    def __init__(self, connection: Connection, sql: HotSql) -> None:
        self._connection = connection
        self._sql = sql

    def get(self, exception_id: str) -> ExceptionCase | None:
        query = select(t.exception_cases.c.data).where(t.exception_cases.c.exception_id == exception_id)
        data = self._connection.execute(query).scalar()
        return ExceptionCase.from_data(data) if data is not None else None

    def add(self, case: ExceptionCase) -> None:
        self._sql.execute("insert_exception_case", self._row(case))

    def update(self, case: ExceptionCase) -> None:
        row = self._row(case)
        del row["order_id"], row["subscription_id"], row["category"], row["partner"]
        self._sql.execute("update_exception_case", row)

    def _row(self, case: ExceptionCase) -> dict[str, Any]:
        sql = self._sql
        return {
            "exception_id": case.exception_id,
            "order_id": case.order_id,
            "subscription_id": case.subscription_id,
            "status": case.status.value,
            "category": case.category,
            "team": case.team,
            "due_at": sql.timestamp(case.due_at),
            "data": sql.json(case.to_data()),
            "partner": case.partner,
            "escalated": case.escalated_at is not None,
        }

    def find(self, query: CaseQuery) -> list[ExceptionCase]:
        cases = t.exception_cases.c
        select_ = select(cases.data)
        for column, value in (
            (cases.team, query.team),
            (cases.category, query.category),
            (cases.partner, query.partner),
            (cases.order_id, query.order_id),
            (cases.subscription_id, query.subscription_id),
        ):
            if value is not None:
                select_ = select_.where(column == value)
        if query.statuses is not None:
            select_ = select_.where(cases.status.in_(sorted(status.value for status in query.statuses)))
        if query.partners is not None:
            select_ = select_.where(cases.partner.in_(sorted(query.partners)))
        if query.overdue_at is not None:
            select_ = select_.where(cases.due_at < query.overdue_at, cases.status.in_(["open", "acknowledged"]))
        if query.unescalated:
            select_ = select_.where(cases.escalated.is_(False))
        if query.after is not None:
            select_ = select_.where(cases.exception_id > query.after)
        select_ = select_.order_by(cases.exception_id).limit(query.limit)
        return [ExceptionCase.from_data(data) for data in self._connection.execute(select_).scalars()]

    def for_order(self, order_id: str) -> list[ExceptionCase]:
        query = (
            select(t.exception_cases.c.data)
            .where(t.exception_cases.c.order_id == order_id)
            .order_by(t.exception_cases.c.exception_id)
        )
        return [ExceptionCase.from_data(data) for data in self._connection.execute(query).scalars()]

    def clear(self) -> None:
        self._connection.execute(delete(t.exception_cases))


class SqlIdempotencyRecords:
    def __init__(self, sql: HotSql) -> None:
        self._sql = sql

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        row = self._sql.execute("select_idempotency_key", {"scope": scope, "key": key}).fetchone()
        if row is None:
            return None
        scope, key, fingerprint, message_id, created_at = row
        return IdempotencyRecord(scope, key, fingerprint, message_id, self._sql.read_timestamp(created_at))

    def add(self, record: IdempotencyRecord) -> None:
        self._sql.insert_unique(
            "insert_idempotency_key",
            {
                "scope": record.scope,
                "key": record.key,
                "fingerprint": record.fingerprint,
                "message_id": record.message_id,
                "created_at": self._sql.timestamp(record.created_at),
            },
            f"Idempotency-Key {record.key!r} was taken meanwhile",
        )


class SqlSequences:
    def __init__(self, sql: HotSql) -> None:
        self._sql = sql

    def next_value(self, name: str) -> int:
        """One statement, no read-then-write: the row lock (or SQLite's writer lock) makes it race-free."""
        value: int = self._sql.one("next_sequence_value", {"name": name})
        return value
