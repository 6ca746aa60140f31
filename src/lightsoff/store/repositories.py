"""The repositories of the SQL unit of work: one class per port, each on the unit of work's connection.

Statements that run on every order are built once, here, with bound parameters; unique-constraint
violations become ``ConcurrencyConflict`` so the service layer can retry the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import PendingEvent, RecordedEvent
from lightsoff.domain.exception_cases import ExceptionCase
from lightsoff.domain.messages import InboundMessage, MessageOutcome
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.services.ports import IdempotencyRecord
from lightsoff.store import tables as t
from lightsoff.store.engine import EVENT_LOG_LOCK

_INSERT_EVENT = insert(t.events).returning(t.events.c.position, sort_by_parameter_order=True)
_INSERT_OUTBOX = insert(t.outbox)
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_SELECT_EVENTS = select(t.events)
_LAST_POSITION = select(func.max(t.events.c.position))
_SELECT_ORDER = select(t.orders.c.data).where(t.orders.c.order_id == bindparam("order_id"))
_SELECT_CASE = select(t.exception_cases.c.data).where(t.exception_cases.c.exception_id == bindparam("id"))
_SELECT_MESSAGE = select(t.messages).where(t.messages.c.message_id == bindparam("message_id"))
_RESOLVE_REFERENCE = select(t.cross_references.c.canonical_id).where(
    t.cross_references.c.system == bindparam("system"),
    t.cross_references.c.kind == bindparam("kind"),
    t.cross_references.c.external_id == bindparam("external_id"),
)
_SELECT_IDEMPOTENCY = select(t.idempotency_keys).where(
    t.idempotency_keys.c.scope == bindparam("scope"), t.idempotency_keys.c.key == bindparam("key")
)


class SqlMessageArchive:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, message: InboundMessage) -> None:
        self._connection.execute(
            insert(t.messages),
            {
                "message_id": message.message_id,
                "received_at": message.received_at,
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
                "order_ids": list(message.order_ids),
                "detail": message.detail,
                "processed_at": message.processed_at,
            },
        )

    def get(self, message_id: str) -> InboundMessage | None:
        row = self._connection.execute(_SELECT_MESSAGE, {"message_id": message_id}).mappings().first()
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

    def record_outcome(
        self,
        message_id: str,
        outcome: MessageOutcome,
        *,
        processed_at: datetime,
        partner: str | None = None,
        order_ids: Sequence[str] = (),
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._connection.execute(
            update(t.messages)
            .where(t.messages.c.message_id == message_id)
            .values(
                outcome=outcome.value,
                processed_at=processed_at,
                partner=partner,
                order_ids=list(order_ids),
                detail=detail or {},
            )
        )


class SqlEventLog:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._postgresql = connection.dialect.name == "postgresql"

    def append(self, events: Sequence[PendingEvent]) -> list[RecordedEvent]:
        if not events:
            return []
        rows = [
            {
                "event_id": pending.event_id,
                "stream_id": pending.stream_id,
                "stream_version": pending.stream_version,
                "name": pending.event.name,
                "version": pending.event.version,
                "occurred_at": pending.occurred_at,
                "data": pending.event.to_data(),
                "correlation_id": pending.correlation_id,
                "causation_id": pending.causation_id,
            }
            for pending in events
        ]
        if self._postgresql:
            self._connection.execute(_ADVISORY_LOCK, {"key": EVENT_LOG_LOCK})
        try:
            positions = [row.position for row in self._connection.execute(_INSERT_EVENT, rows)]
        except IntegrityError as exc:
            streams = sorted({pending.stream_id for pending in events})
            raise ConcurrencyConflict(f"another writer appended to {', '.join(streams)} first") from exc
        created_at = events[0].occurred_at
        self._connection.execute(
            _INSERT_OUTBOX, [{"event_position": position, "created_at": created_at} for position in positions]
        )
        return [_recorded(position, row) for position, row in zip(positions, rows, strict=True)]

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        query = _SELECT_EVENTS.where(t.events.c.stream_id == stream_id).order_by(t.events.c.stream_version)
        return [_recorded(row["position"], row) for row in self._connection.execute(query).mappings()]

    def read_all(self, after: int = 0, limit: int = 100, names: Sequence[str] = ()) -> list[RecordedEvent]:
        query = _SELECT_EVENTS.where(t.events.c.position > after)
        if names:
            query = query.where(t.events.c.name.in_(names))
        query = query.order_by(t.events.c.position).limit(limit)
        return [_recorded(row["position"], row) for row in self._connection.execute(query).mappings()]

    def last_position(self) -> int:
        position: int | None = self._connection.execute(_LAST_POSITION).scalar()
        return position or 0


def _recorded(position: int, row: Any) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        name=row["name"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        data=row["data"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
    )


class SqlOrderViews:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, order_id: str) -> Order | None:
        data = self._connection.execute(_SELECT_ORDER, {"order_id": order_id}).scalar()
        return Order.from_data(data) if data is not None else None

    def add(self, order: Order) -> None:
        self._connection.execute(insert(t.orders), _order_row(order))

    def update(self, order: Order) -> None:
        row = _order_row(order)
        self._connection.execute(update(t.orders).where(t.orders.c.order_id == row.pop("order_id")).values(row))

    def find(
        self,
        *,
        partner: str | None = None,
        po_number: str | None = None,
        status: OrderStatus | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Order]:
        query = select(t.orders.c.data)
        if partner is not None:
            query = query.where(t.orders.c.partner == partner)
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


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "partner": order.customer_order.partner,
        "po_number": order.customer_order.po_number,
        "status": order.status.value,
        "version": order.version,
        "received_at": order.received_at,
        "updated_at": order.updated_at,
        "data": order.to_data(),
    }


class SqlCrossReferences:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, reference: CrossReference) -> None:
        try:
            self._connection.execute(
                insert(t.cross_references),
                {
                    "system": reference.system,
                    "kind": reference.kind,
                    "external_id": reference.external_id,
                    "canonical_id": reference.canonical_id,
                },
            )
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                f"{reference.system} {reference.kind} {reference.external_id} is already cross-referenced"
            ) from exc

    def resolve(self, system: str, kind: str, external_id: str) -> str | None:
        params = {"system": system, "kind": kind, "external_id": external_id}
        canonical_id: str | None = self._connection.execute(_RESOLVE_REFERENCE, params).scalar()
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
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, exception_id: str) -> ExceptionCase | None:
        data = self._connection.execute(_SELECT_CASE, {"id": exception_id}).scalar()
        return ExceptionCase.from_data(data) if data is not None else None

    def add(self, case: ExceptionCase) -> None:
        self._connection.execute(
            insert(t.exception_cases),
            {
                "exception_id": case.exception_id,
                "order_id": case.order_id,
                "status": case.status.value,
                "category": case.category,
                "team": case.team,
                "due_at": case.due_at,
                "data": case.to_data(),
            },
        )

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
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        row = self._connection.execute(_SELECT_IDEMPOTENCY, {"scope": scope, "key": key}).mappings().first()
        return IdempotencyRecord(**row) if row is not None else None

    def add(self, record: IdempotencyRecord) -> None:
        try:
            self._connection.execute(
                insert(t.idempotency_keys),
                {
                    "scope": record.scope,
                    "key": record.key,
                    "fingerprint": record.fingerprint,
                    "message_id": record.message_id,
                    "created_at": record.created_at,
                },
            )
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"Idempotency-Key {record.key!r} was taken meanwhile") from exc


def _next_sequence_value(dialect_insert: Any) -> Any:
    """One statement, no read-then-write: the row lock (or SQLite's writer lock) makes it race-free."""
    statement = dialect_insert(t.sequences).values(name=bindparam("name"), value=1)
    return statement.on_conflict_do_update(
        index_elements=[t.sequences.c.name], set_={"value": t.sequences.c.value + 1}
    ).returning(t.sequences.c.value)


_NEXT_SEQUENCE_VALUE = {
    "sqlite": _next_sequence_value(sqlite.insert),
    "postgresql": _next_sequence_value(postgresql.insert),
}


class SqlSequences:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._next = _NEXT_SEQUENCE_VALUE[connection.dialect.name]

    def next_value(self, name: str) -> int:
        value: int = self._connection.execute(self._next, {"name": name}).scalar_one()
        return value
