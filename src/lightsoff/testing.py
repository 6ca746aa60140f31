"""In-memory implementations of the ports and a fake clock: for fast tests, ours and our users'.

``InMemoryUnitOfWorkFactory`` behaves like the SQL store where it matters to callers: one writer at a
time, a rollback undoes everything since the unit of work began, and unique keys (stream versions,
cross-references, idempotency keys) raise ``ConcurrencyConflict``. The contract tests in
``tests/contract`` run the same cases against it and against SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self, TypeVar

from lightsoff.domain.audit import GENESIS, AuditEntry, AuditRecord, chain_hash
from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.documents import ACKNOWLEDGEMENT_KINDS, AWAITING_ACKNOWLEDGEMENT, OutboundDocument
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import PendingEvent, RecordedEvent
from lightsoff.domain.exception_cases import ExceptionCase
from lightsoff.domain.messages import InboundMessage
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.domain.security import ApiKey, Client, SigningKey
from lightsoff.domain.shipments import Shipment
from lightsoff.rules.draft import OrderRef
from lightsoff.rules.history import signature
from lightsoff.services.ports import CaseQuery, DocumentQuery, IdempotencyRecord, UnitOfWork

T = TypeVar("T")


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass
class _State:
    messages: dict[str, InboundMessage] = field(default_factory=dict)
    events: list[RecordedEvent] = field(default_factory=list)
    stream_versions: set[tuple[str, int]] = field(default_factory=set)
    outbox: list[int] = field(default_factory=list)
    orders: dict[str, Order] = field(default_factory=dict)
    cross_references: dict[tuple[str, str, str], str] = field(default_factory=dict)
    exception_cases: dict[str, ExceptionCase] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    clients: dict[str, tuple[Client, str]] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    signing_keys: dict[str, SigningKey] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    documents: dict[str, OutboundDocument] = field(default_factory=dict)
    shipments: dict[str, Shipment] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(**{name: value.copy() for name, value in vars(self).items()})


class InMemoryStore:
    """The data all in-memory units of work share; ``lock`` makes them one writer at a time."""

    def __init__(self) -> None:
        self.state = _State()
        self.lock = threading.RLock()


class InMemoryMessageArchive:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, message: InboundMessage) -> None:
        self._state.messages[message.message_id] = message

    def get(self, message_id: str) -> InboundMessage | None:
        return self._state.messages.get(message_id)

    def update(self, message: InboundMessage) -> None:
        stored = self._state.messages[message.message_id]
        self._state.messages[message.message_id] = replace(
            stored,
            partner=message.partner,
            outcome=message.outcome,
            order_ids=message.order_ids,
            detail=message.detail,
            processed_at=message.processed_at,
        )


class InMemoryEventLog:
    def __init__(self, state: _State) -> None:
        self._state = state

    def append(self, events: Sequence[PendingEvent]) -> list[RecordedEvent]:
        keys = [(pending.stream_id, pending.stream_version) for pending in events]
        if len(set(keys)) != len(keys) or self._state.stream_versions.intersection(keys):
            raise ConcurrencyConflict("another writer appended to the stream first")
        recorded = []
        for pending in events:
            position = len(self._state.events) + 1
            event = RecordedEvent(
                position=position,
                event_id=pending.event_id,
                stream_id=pending.stream_id,
                stream_version=pending.stream_version,
                name=pending.event.name,
                version=pending.event.version,
                occurred_at=pending.occurred_at,
                data=pending.event.to_data(),
                correlation_id=pending.correlation_id,
                causation_id=pending.causation_id,
                partner=pending.partner,
                event=pending.event,
            )
            self._state.events.append(event)
            self._state.outbox.append(position)
            recorded.append(event)
        self._state.stream_versions.update(keys)
        return recorded

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        return sorted(
            (event for event in self._state.events if event.stream_id == stream_id),
            key=lambda event: event.stream_version,
        )

    def read_all(
        self, after: int = 0, limit: int = 100, names: Sequence[str] = (), partners: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        selected = (
            e
            for e in self._state.events[after:]
            if (not names or e.name in names) and (partners is None or e.partner in partners)
        )
        return [event for _, event in zip(range(limit), selected, strict=False)]

    def last_position(self) -> int:
        return len(self._state.events)


class InMemoryOrderViews:
    def __init__(self, state: _State) -> None:
        self._state = state

    def get(self, order_id: str) -> Order | None:
        return self._state.orders.get(order_id)

    def add(self, order: Order) -> None:
        assert order.order_id not in self._state.orders, f"order {order.order_id} added twice"
        self._state.orders[order.order_id] = order

    def update(self, order: Order) -> None:
        self._state.orders[order.order_id] = order

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
        found = [
            order
            for order_id, order in sorted(self._state.orders.items())
            if (partner is None or order.customer_order.partner == partner)
            and (partners is None or order.customer_order.partner in partners)
            and (po_number is None or order.customer_order.po_number == po_number)
            and (status is None or order.status == status)
            and (after is None or order_id > after)
        ]
        return found[:limit]

    def with_same_lines(self, order: CustomerOrder, since: datetime) -> OrderRef | None:
        wanted = signature(order)
        found = [
            other
            for other in self._state.orders.values()
            if other.partner == order.partner
            and other.customer_order.po_number != order.po_number
            and other.status is not OrderStatus.CANCELLED
            and other.received_at >= since
            and signature(other.customer_order) == wanted
        ]
        newest = max(found, key=lambda other: other.received_at, default=None)
        return OrderRef(newest.order_id, newest.customer_order.po_number) if newest else None

    def open_for(self, order: CustomerOrder) -> OrderRef | None:
        for other in sorted(self._state.orders.values(), key=lambda other: other.received_at):
            sent = other.customer_order
            if (
                other.partner == order.partner
                and sent.po_number != order.po_number
                and other.is_open
                and sent.ship_to.code == order.ship_to.code
                and sent.requested_ship_date == order.requested_ship_date
            ):
                return OrderRef(other.order_id, sent.po_number)
        return None

    def clear(self) -> None:
        self._state.orders.clear()


class InMemoryCrossReferences:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, reference: CrossReference) -> None:
        key = (reference.system, reference.kind, reference.external_id)
        if key in self._state.cross_references:
            raise ConcurrencyConflict(f"{' '.join(key)} is already cross-referenced")
        self._state.cross_references[key] = reference.canonical_id

    def resolve(self, system: str, kind: str, external_id: str) -> str | None:
        return self._state.cross_references.get((system, kind, external_id))

    def for_canonical(self, canonical_id: str) -> list[CrossReference]:
        return [
            CrossReference(system, kind, external_id, canonical)
            for (system, kind, external_id), canonical in sorted(self._state.cross_references.items())
            if canonical == canonical_id
        ]

    def clear(self) -> None:
        self._state.cross_references.clear()


class InMemoryExceptionCaseViews:
    def __init__(self, state: _State) -> None:
        self._state = state

    def get(self, exception_id: str) -> ExceptionCase | None:
        return self._state.exception_cases.get(exception_id)

    def add(self, case: ExceptionCase) -> None:
        self._state.exception_cases[case.exception_id] = case

    def update(self, case: ExceptionCase) -> None:
        self._state.exception_cases[case.exception_id] = case

    def find(self, query: CaseQuery) -> list[ExceptionCase]:
        cases = [case for _, case in sorted(self._state.exception_cases.items()) if query.matches(case)]
        return cases[: query.limit]

    def for_order(self, order_id: str) -> list[ExceptionCase]:
        return [case for _, case in sorted(self._state.exception_cases.items()) if case.order_id == order_id]

    def clear(self) -> None:
        self._state.exception_cases.clear()


class InMemoryIdempotencyRecords:
    def __init__(self, state: _State) -> None:
        self._state = state

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        return self._state.idempotency.get((scope, key))

    def add(self, record: IdempotencyRecord) -> None:
        if (record.scope, record.key) in self._state.idempotency:
            raise ConcurrencyConflict(f"Idempotency-Key {record.key!r} was taken meanwhile")
        self._state.idempotency[(record.scope, record.key)] = record


class InMemorySequences:
    def __init__(self, state: _State) -> None:
        self._state = state

    def next_value(self, name: str) -> int:
        value = self._state.sequences[name] = self._state.sequences.get(name, 0) + 1
        return value


class InMemoryClients:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, client: Client, secret_hash: str) -> None:
        if client.client_id in self._state.clients:
            raise ConcurrencyConflict(f"client id {client.client_id!r} is taken")
        self._state.clients[client.client_id] = (client, secret_hash)

    def get(self, client_id: str) -> Client | None:
        found = self._state.clients.get(client_id)
        return found[0] if found else None

    def secret_hash(self, client_id: str) -> str | None:
        found = self._state.clients.get(client_id)
        return found[1] if found else None

    def all(self) -> list[Client]:
        return [client for _, (client, _) in sorted(self._state.clients.items())]

    def disable(self, client_id: str, at: datetime) -> None:
        client, secret_hash = self._state.clients[client_id]
        self._state.clients[client_id] = (replace(client, disabled_at=at), secret_hash)


class InMemoryApiKeys:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, key: ApiKey) -> None:
        self._state.api_keys[key.key_id] = key

    def get(self, key_id: str) -> ApiKey | None:
        return self._state.api_keys.get(key_id)

    def all(self) -> list[ApiKey]:
        return [key for _, key in sorted(self._state.api_keys.items())]

    def revoke(self, key_id: str, at: datetime) -> None:
        self._state.api_keys[key_id] = replace(self._state.api_keys[key_id], revoked_at=at)


class InMemorySigningKeys:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, key: SigningKey) -> None:
        self._state.signing_keys[key.key_id] = key

    def usable(self) -> list[SigningKey]:
        keys = [key for key in self._state.signing_keys.values() if key.retired_at is None]
        return sorted(keys, key=lambda key: (-key.created_at.timestamp(), key.key_id))


class InMemoryAuditLog:
    def __init__(self, state: _State) -> None:
        self._state = state

    def append(self, entry: AuditEntry) -> AuditRecord:
        tail = self._state.audit[-1] if self._state.audit else None
        sequence, previous = (tail.sequence + 1, tail.hash) if tail else (1, GENESIS)
        record = AuditRecord(sequence, entry, previous, chain_hash(previous, sequence, entry))
        self._state.audit.append(record)
        return record

    def read(self, after: int = 0, limit: int = 100) -> list[AuditRecord]:
        return [record for record in self._state.audit if record.sequence > after][:limit]


class InMemoryOutboundDocuments:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, document: OutboundDocument) -> None:
        taken = self.by_control_number(document.partner, document.format, document.control_number)
        if taken is not None or document.document_id in self._state.documents:
            raise ConcurrencyConflict(f"{document.partner} control number {document.control_number} is taken")
        self._state.documents[document.document_id] = document

    def get(self, document_id: str) -> OutboundDocument | None:
        return self._state.documents.get(document_id)

    def by_control_number(self, partner: str, format: str, control_number: str) -> OutboundDocument | None:
        return next(
            (
                d
                for d in self._state.documents.values()
                if (d.partner, d.format, d.control_number) == (partner, format, control_number)
            ),
            None,
        )

    def find(self, query: DocumentQuery) -> list[OutboundDocument]:
        found = [replace(d, body=b"") for d in self._state.documents.values() if query.matches(d)]
        return sorted(found, key=lambda d: d.document_id, reverse=True)[: query.limit]

    def awaiting_acknowledgement(
        self, partner: str, created_before: datetime, after: str | None = None, limit: int = 100
    ) -> list[OutboundDocument]:
        found = [
            replace(d, body=b"")
            for d in self._state.documents.values()
            if d.partner == partner
            and d.status in AWAITING_ACKNOWLEDGEMENT
            and d.kind not in ACKNOWLEDGEMENT_KINDS
            and d.created_at < created_before
            and d.unacknowledged_case is None
            and (after is None or d.document_id > after)
        ]
        return sorted(found, key=lambda d: d.document_id)[:limit]

    def claim_unacknowledged(self, document_id: str, exception_id: str) -> bool:
        stored = self._state.documents[document_id]
        if stored.unacknowledged_case is not None or stored.acknowledged_at is not None:
            return False
        self._state.documents[document_id] = replace(stored, unacknowledged_case=exception_id)
        return True

    def update(self, document: OutboundDocument) -> None:
        stored = self._state.documents[document.document_id]
        self._state.documents[document.document_id] = replace(
            stored,
            status=document.status,
            updated_at=document.updated_at,
            detail=document.detail,
            acknowledged_at=document.acknowledged_at,
        )


class InMemoryShipments:
    def __init__(self, state: _State) -> None:
        self._state = state

    def add(self, shipment: Shipment) -> None:
        taken = self.shipped_ssccs(shipment.ssccs)
        if shipment.shipment_id in self._state.shipments or taken:
            raise ConcurrencyConflict(f"shipment {shipment.shipment_id} or one of its SSCCs was recorded meanwhile")
        self._state.shipments[shipment.shipment_id] = shipment

    def get(self, shipment_id: str) -> Shipment | None:
        return self._state.shipments.get(shipment_id)

    def for_order(self, order_id: str) -> list[Shipment]:
        found = [s for s in self._state.shipments.values() if order_id in s.order_ids]
        return sorted(found, key=lambda s: s.shipment_id)

    def shipped_ssccs(self, ssccs: Collection[str]) -> dict[str, str]:
        wanted = set(ssccs)
        return {sscc: s.shipment_id for s in self._state.shipments.values() for sscc in s.ssccs if sscc in wanted}

    def find(
        self,
        *,
        partner: str | None = None,
        partners: Collection[str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Shipment]:
        found = [
            s
            for s in sorted(self._state.shipments.values(), key=lambda s: s.shipment_id)
            if (partner is None or s.partner == partner)
            and (partners is None or s.partner in partners)
            and (after is None or s.shipment_id > after)
        ]
        return found[:limit]


class InMemoryUnitOfWork:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._snapshot: _State | None = None

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._snapshot = self._store.state.copy()
        state = self._store.state
        self.messages = InMemoryMessageArchive(state)
        self.events = InMemoryEventLog(state)
        self.orders = InMemoryOrderViews(state)
        self.cross_references = InMemoryCrossReferences(state)
        self.exception_cases = InMemoryExceptionCaseViews(state)
        self.idempotency = InMemoryIdempotencyRecords(state)
        self.sequences = InMemorySequences(state)
        self.clients = InMemoryClients(state)
        self.api_keys = InMemoryApiKeys(state)
        self.signing_keys = InMemorySigningKeys(state)
        self.audit = InMemoryAuditLog(state)
        self.documents = InMemoryOutboundDocuments(state)
        self.shipments = InMemoryShipments(state)
        return self

    def commit(self) -> None:
        self._snapshot = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            self._store.state = self._snapshot
        self._store.lock.release()


class InMemoryUnitOfWorkFactory:
    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store or InMemoryStore()

    def __call__(self, *, write: bool = True) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        with self() as uow:
            result = work(uow)
            uow.commit()
            return result


class InMemoryCheckpoints:
    """``Checkpoints`` (event-log consumers' positions and leases) in a dict, for tests of notifiers."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()

    def positions(self, prefix: str) -> dict[str, int]:
        with self._lock:
            return {name: position for name, (position, _) in self.rows.items() if name.startswith(prefix)}

    def advance(self, consumer: str, expected: int | None, position: int, now: datetime) -> None:
        with self._lock:
            current = self.rows.get(consumer)
            if (current[0] if current else None) != expected:
                raise ConcurrencyConflict(f"checkpoint {consumer} is no longer at {expected}")
            self.rows[consumer] = (position, now)

    def remove(self, consumer: str, expected: int) -> None:
        with self._lock:
            if self.rows.get(consumer, (None,))[0] != expected:
                raise ConcurrencyConflict(f"checkpoint {consumer} is no longer at {expected}")
            del self.rows[consumer]

    def acquire_lease(self, name: str, holder: int, now: datetime, until: datetime) -> bool:
        with self._lock:
            current = self.rows.get(name)
            if current is not None and current[0] != holder and current[1] > now:
                return False
            self.rows[name] = (holder, until)
            return True

    def release_lease(self, name: str, holder: int, now: datetime) -> None:
        with self._lock:
            if self.rows.get(name, (None,))[0] == holder:
                self.rows[name] = (holder, now)
