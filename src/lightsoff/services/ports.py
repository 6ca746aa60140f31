"""The ports the core owns: small Protocols that the store (and ``lightsoff.testing``) implement.

A unit of work is one transaction: everything written through its repositories commits together
or not at all, which is how events, their outbox rows and the read models stay consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar

from lightsoff.domain.audit import AuditEntry, AuditRecord
from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.events import PendingEvent, RecordedEvent
from lightsoff.domain.exception_cases import CaseStatus, ExceptionCase
from lightsoff.domain.messages import InboundMessage
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.domain.security import ApiKey, Client, SigningKey
from lightsoff.domain.shipments import Shipment
from lightsoff.rules.draft import OrderRef


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """An Idempotency-Key already used: which body it came with and which message that was."""

    scope: str
    key: str
    fingerprint: str
    message_id: str
    created_at: datetime


class MessageArchive(Protocol):
    def add(self, message: InboundMessage) -> None:
        """Archive a message with its outcome; a message is archived once and never changed."""
        ...

    def get(self, message_id: str) -> InboundMessage | None: ...

    def update(self, message: InboundMessage) -> None:
        """Its outcome, partner, order ids, detail and ``processed_at``; the body as received never changes."""
        ...


class EventLog(Protocol):
    def append(self, events: Sequence[PendingEvent]) -> list[RecordedEvent]:
        """Append in order, with an outbox row per event; ConcurrencyConflict if a stream version is taken."""
        ...

    def read_stream(self, stream_id: str) -> list[RecordedEvent]: ...

    def read_all(
        self, after: int = 0, limit: int = 100, names: Sequence[str] = (), partners: Collection[str] | None = None
    ) -> list[RecordedEvent]:
        """Events after ``after``, oldest first; only ``names`` and only ``partners``' when given."""
        ...

    def last_position(self) -> int:
        """The position of the newest event, 0 for an empty log."""
        ...


class OrderViews(Protocol):
    """The order read model: the latest snapshot of each order, rebuilt by replay."""

    def get(self, order_id: str) -> Order | None: ...

    def add(self, order: Order) -> None: ...

    def update(self, order: Order) -> None: ...

    def find(
        self,
        *,
        partner: str | None = None,
        po_number: str | None = None,
        status: OrderStatus | None = None,
        after: str | None = None,
        limit: int = 100,
        partners: Collection[str] | None = None,
    ) -> list[Order]: ...

    def with_same_lines(self, order: CustomerOrder, since: datetime) -> OrderRef | None:
        """The partner's newest order under another PO with the same ship-to and lines, received since ``since``."""
        ...

    def open_for(self, order: CustomerOrder) -> OrderRef | None:
        """The partner's oldest open order under another PO for the same ship-to and ship date."""
        ...

    def clear(self) -> None: ...


class CrossReferences(Protocol):
    def add(self, reference: CrossReference) -> None:
        """Record a reference; ConcurrencyConflict when (system, kind, external id) is already taken."""
        ...

    def resolve(self, system: str, kind: str, external_id: str) -> str | None: ...

    def for_canonical(self, canonical_id: str) -> list[CrossReference]: ...

    def clear(self) -> None: ...


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Which exception cases to list; ``None`` leaves a criterion out."""

    team: str | None = None
    category: str | None = None
    statuses: frozenset[CaseStatus] | None = None
    partner: str | None = None
    partners: Collection[str] | None = None
    order_id: str | None = None
    subscription_id: str | None = None
    overdue_at: datetime | None = None
    """Only cases still open or acknowledged whose due time is before this."""
    unescalated: bool = False
    after: str | None = None
    limit: int = 100

    def matches(self, case: ExceptionCase) -> bool:
        """The same criteria in Python, for the in-memory store."""
        return (
            all(
                wanted is None or wanted == actual
                for wanted, actual in (
                    (self.team, case.team),
                    (self.category, case.category),
                    (self.partner, case.partner),
                    (self.order_id, case.order_id),
                    (self.subscription_id, case.subscription_id),
                )
            )
            and (self.statuses is None or case.status in self.statuses)
            and (self.partners is None or case.partner in self.partners)
            and (self.overdue_at is None or case.is_overdue(self.overdue_at))
            and (not self.unescalated or case.escalated_at is None)
            and (self.after is None or case.exception_id > self.after)
        )


class ExceptionCaseViews(Protocol):
    def get(self, exception_id: str) -> ExceptionCase | None: ...

    def add(self, case: ExceptionCase) -> None: ...

    def update(self, case: ExceptionCase) -> None: ...

    def find(self, query: CaseQuery) -> list[ExceptionCase]: ...

    def for_order(self, order_id: str) -> list[ExceptionCase]: ...

    def clear(self) -> None: ...


class IdempotencyRecords(Protocol):
    def get(self, scope: str, key: str) -> IdempotencyRecord | None: ...

    def add(self, record: IdempotencyRecord) -> None:
        """ConcurrencyConflict when the key is already taken in its scope."""
        ...


class Sequences(Protocol):
    def next_value(self, name: str) -> int:
        """The next number of sequence ``name`` (1 first); never the same number twice."""
        ...


class Clients(Protocol):
    def add(self, client: Client, secret_hash: str) -> None:
        """ConcurrencyConflict when the client id is taken."""
        ...

    def get(self, client_id: str) -> Client | None: ...

    def secret_hash(self, client_id: str) -> str | None: ...

    def all(self) -> list[Client]: ...

    def disable(self, client_id: str, at: datetime) -> None: ...


class ApiKeys(Protocol):
    def add(self, key: ApiKey) -> None: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def all(self) -> list[ApiKey]: ...

    def revoke(self, key_id: str, at: datetime) -> None: ...


class SigningKeys(Protocol):
    def add(self, key: SigningKey) -> None: ...

    def usable(self) -> list[SigningKey]:
        """Keys not retired, newest first."""
        ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> AuditRecord:
        """Chain ``entry`` to the newest record; ConcurrencyConflict if another writer chained first."""
        ...

    def read(self, after: int = 0, limit: int = 100) -> list[AuditRecord]: ...


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    """Which outbound documents to list; ``None`` leaves a criterion out. Newest first."""

    partner: str | None = None
    partners: Collection[str] | None = None
    kind: str | None = None
    reference: str | None = None
    statuses: frozenset[DocumentStatus] | None = None
    before: str | None = None
    """The ``document_id`` of the previous page's last item."""
    limit: int = 100

    def matches(self, document: OutboundDocument) -> bool:
        """The same criteria in Python, for the in-memory store."""
        return (
            all(
                wanted is None or wanted == actual
                for wanted, actual in (
                    (self.partner, document.partner),
                    (self.kind, document.kind),
                    (self.reference, document.reference),
                )
            )
            and (self.partners is None or document.partner in self.partners)
            and (self.statuses is None or document.status in self.statuses)
            and (self.before is None or document.document_id < self.before)
        )


class OutboundDocuments(Protocol):
    def add(self, document: OutboundDocument) -> None:
        """ConcurrencyConflict when the partner already has a document with that control number."""
        ...

    def get(self, document_id: str) -> OutboundDocument | None: ...

    def by_control_number(self, partner: str, format: str, control_number: str) -> OutboundDocument | None: ...

    def find(self, query: DocumentQuery) -> list[OutboundDocument]:
        """Without their bodies (``body`` is empty): a list must stay cheap."""
        ...

    def update(self, document: OutboundDocument) -> None:
        """Its status, ``updated_at``, ``detail`` and ``acknowledged_at``; the rest never changes."""
        ...

    def awaiting_acknowledgement(
        self, partner: str, created_before: datetime, after: str | None = None, limit: int = 100
    ) -> list[OutboundDocument]:
        """Documents (not acknowledgements themselves) still waiting for the partner's acknowledgement, sent
        before ``created_before`` and not yet reported as overdue; by id, after ``after``; without bodies."""
        ...

    def claim_unacknowledged(self, document_id: str, exception_id: str) -> bool:
        """Records the overdue case on a still unacknowledged document; False when another writer did first,
        or it was acknowledged meanwhile."""
        ...


class Shipments(Protocol):
    def add(self, shipment: Shipment) -> None:
        """ConcurrencyConflict when the shipment id, or one of its SSCCs, is already recorded."""
        ...

    def get(self, shipment_id: str) -> Shipment | None: ...

    def for_order(self, order_id: str) -> list[Shipment]:
        """Every shipment carrying (part of) the order, by shipment id."""
        ...

    def shipped_ssccs(self, ssccs: Collection[str]) -> dict[str, str]:
        """Those of ``ssccs`` already on a shipment → that shipment's id."""
        ...

    def find(
        self,
        *,
        partner: str | None = None,
        partners: Collection[str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Shipment]:
        """In shipment id order, after ``after``; ``partners`` confines them to a caller's partners."""
        ...


class UnitOfWork(Protocol):
    @property
    def messages(self) -> MessageArchive: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def orders(self) -> OrderViews: ...

    @property
    def cross_references(self) -> CrossReferences: ...

    @property
    def exception_cases(self) -> ExceptionCaseViews: ...

    @property
    def idempotency(self) -> IdempotencyRecords: ...

    @property
    def sequences(self) -> Sequences: ...

    @property
    def clients(self) -> Clients: ...

    @property
    def api_keys(self) -> ApiKeys: ...

    @property
    def signing_keys(self) -> SigningKeys: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def documents(self) -> OutboundDocuments: ...

    @property
    def shipments(self) -> Shipments: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...


T = TypeVar("T")


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work; ``write=False`` promises no writes, so readers need not queue behind writers."""
        ...

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a unit of work and commit it; if it raises, nothing it wrote is kept.

        An implementation may commit several callers' work in one transaction (group commit), so
        ``work`` must not commit, and must finish its writes before returning.
        """
        ...
