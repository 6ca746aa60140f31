"""Business events: explicit, past-tense facts about orders and exception cases.

Each event class has a ``name`` (``order.received``) and a ``version``; on the wire the CloudEvents
type is ``lightsoff.<name>.v<version>``. Events are frozen once recorded. When an event's shape
changes, its version goes up and an upcaster (registered in ``UPCASTERS``) turns the stored data of
the old version into the new one when it is read, so stored events never need rewriting.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import CustomerOrder, OrderLine
from lightsoff.domain.problems import FieldProblem

TYPE_PREFIX = "lightsoff."


class Event(ABC):
    """A business fact about one stream (an order, an exception case, a rejected message)."""

    name: ClassVar[str]
    version: ClassVar[int] = 1

    @property
    @abstractmethod
    def stream_id(self) -> str:
        """The canonical id of what the event is about: the CloudEvents ``subject``."""

    @abstractmethod
    def to_data(self) -> dict[str, Any]:
        """The JSON-ready payload stored in the event log."""


@dataclass(frozen=True, slots=True)
class OrderReceived(Event):
    name: ClassVar[str] = "order.received"

    order_id: str
    message_id: str
    content_hash: str
    customer_order: CustomerOrder

    @property
    def stream_id(self) -> str:
        return self.order_id

    def to_data(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "message_id": self.message_id,
            "content_hash": self.content_hash,
            "customer_order": self.customer_order.to_data(),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderReceived:
        return cls(
            order_id=data["order_id"],
            message_id=data["message_id"],
            content_hash=data["content_hash"],
            customer_order=CustomerOrder.from_data(data["customer_order"]),
        )


def _skus_to_data(resolved_skus: dict[int, str]) -> list[dict[str, Any]]:
    return [{"line_no": line_no, "sku": sku} for line_no, sku in sorted(resolved_skus.items())]


def _skus_from_data(lines: list[dict[str, Any]]) -> dict[int, str]:
    return {line["line_no"]: line["sku"] for line in lines}


@dataclass(frozen=True, slots=True)
class OrderValidated(Event):
    """Every reference resolved: the order is ready for allocation."""

    name: ClassVar[str] = "order.validated"

    order_id: str
    resolved_skus: dict[int, str]

    @property
    def stream_id(self) -> str:
        return self.order_id

    def to_data(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "lines": _skus_to_data(self.resolved_skus)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderValidated:
        return cls(order_id=data["order_id"], resolved_skus=_skus_from_data(data["lines"]))


@dataclass(frozen=True, slots=True)
class OrderHeld(Event):
    """The order waits for people: each exception case says what for."""

    name: ClassVar[str] = "order.held"

    order_id: str
    exception_ids: tuple[str, ...]
    resolved_skus: dict[int, str]

    @property
    def stream_id(self) -> str:
        return self.order_id

    def to_data(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "exception_ids": list(self.exception_ids),
            "lines": _skus_to_data(self.resolved_skus),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderHeld:
        return cls(
            order_id=data["order_id"],
            exception_ids=tuple(data["exception_ids"]),
            resolved_skus=_skus_from_data(data["lines"]),
        )


@dataclass(frozen=True, slots=True)
class OrderRejected(Event):
    """The message could not become an order; its stream is the archived message."""

    name: ClassVar[str] = "order.rejected"

    message_id: str
    errors: tuple[FieldProblem, ...]
    partner: str | None = None
    po_number: str | None = None

    @property
    def stream_id(self) -> str:
        return self.message_id

    def to_data(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "partner": self.partner,
            "po_number": self.po_number,
            "errors": [error.to_data() for error in self.errors],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderRejected:
        return cls(
            message_id=data["message_id"],
            errors=tuple(FieldProblem.from_data(error) for error in data["errors"]),
            partner=data.get("partner"),
            po_number=data.get("po_number"),
        )


class OrderEvent(Event):
    """An event in an order's stream."""

    order_id: str

    @property
    def stream_id(self) -> str:
        return self.order_id


@dataclass(frozen=True, slots=True)
class OrderCorrected(OrderEvent):
    """Rules or a person changed the order; ``order`` is the order as it now stands."""

    name: ClassVar[str] = "order.corrected"

    order_id: str
    corrections: tuple[Correction, ...]
    order: CustomerOrder

    def to_data(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "corrections": [correction.to_data() for correction in self.corrections],
            "order": self.order.to_data(),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderCorrected:
        return cls(
            order_id=data["order_id"],
            corrections=tuple(Correction.from_data(item) for item in data["corrections"]),
            order=CustomerOrder.from_data(data["order"]),
        )


@dataclass(frozen=True, slots=True)
class OrderAmended(OrderEvent):
    """The partner changed the PO; the new content replaces the old and the rules run again."""

    name: ClassVar[str] = "order.amended"

    order_id: str
    message_id: str
    content_hash: str
    customer_order: CustomerOrder

    def to_data(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "message_id": self.message_id,
            "content_hash": self.content_hash,
            "customer_order": self.customer_order.to_data(),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderAmended:
        return cls(
            order_id=data["order_id"],
            message_id=data["message_id"],
            content_hash=data["content_hash"],
            customer_order=CustomerOrder.from_data(data["customer_order"]),
        )


@dataclass(frozen=True, slots=True)
class OrderMerged(OrderEvent):
    """A repeat order joined this open order: its lines are added, numbered after the existing ones."""

    name: ClassVar[str] = "order.merged"

    order_id: str
    message_id: str
    po_number: str
    content_hash: str
    lines: tuple[OrderLine, ...]
    line_numbers: dict[int, int]
    """New line number → the line number on the repeat order's PO."""

    def to_data(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "message_id": self.message_id,
            "po_number": self.po_number,
            "content_hash": self.content_hash,
            "lines": [line.to_data() for line in self.lines],
            "line_numbers": [{"line_no": new, "po_line_no": old} for new, old in sorted(self.line_numbers.items())],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderMerged:
        return cls(
            order_id=data["order_id"],
            message_id=data["message_id"],
            po_number=data["po_number"],
            content_hash=data["content_hash"],
            lines=tuple(OrderLine.from_data(line) for line in data["lines"]),
            line_numbers={item["line_no"]: item["po_line_no"] for item in data["line_numbers"]},
        )


@dataclass(frozen=True, slots=True)
class OrderLineRejected(OrderEvent):
    name: ClassVar[str] = "order.line_rejected"

    order_id: str
    line_no: int
    reason: str
    exception_id: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "line_no": self.line_no,
            "reason": self.reason,
            "exception_id": self.exception_id,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderLineRejected:
        return cls(data["order_id"], data["line_no"], data["reason"], data.get("exception_id"))


@dataclass(frozen=True, slots=True)
class OrderCancelled(OrderEvent):
    name: ClassVar[str] = "order.cancelled"

    order_id: str
    reason: str
    exception_id: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "reason": self.reason, "exception_id": self.exception_id}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderCancelled:
        return cls(data["order_id"], data["reason"], data.get("exception_id"))


@dataclass(frozen=True, slots=True)
class OrderAllocated(OrderEvent):
    """The ERP committed stock or capacity to the order: from here a change needs a person."""

    name: ClassVar[str] = "order.allocated"

    order_id: str
    reference: str | None = None
    """The allocating system's id for it (an ERP sales order, a reservation)."""

    def to_data(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "reference": self.reference}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderAllocated:
        return cls(data["order_id"], data.get("reference"))


@dataclass(frozen=True, slots=True)
class ExceptionRaised(Event):
    """A case people must decide, routed to the team that owns its category.

    It concerns an order (``order_id``) or, raised by the relay for the operations team, a subscription
    (``subscription_id``, with ``details``); exactly one of the two is set.
    """

    name: ClassVar[str] = "exception.raised"

    exception_id: str
    order_id: str | None
    category: str
    severity: str
    team: str
    message: str
    actions: tuple[str, ...]
    due_at: datetime
    line_no: int | None = None
    rule: str | None = None
    partner: str | None = None
    po_number: str | None = None
    suggestion: dict[str, Any] | None = None
    """The action the rule proposes, ``{"action": "set_quantity", "parameters": {"quantity": "48"}}``."""
    content_hash: str | None = None
    """The order's content when the case was raised: an amendment since makes the case stale."""
    subscription_id: str | None = None
    details: dict[str, Any] | None = None
    """Facts about the subject (a subscription's ``url``, ``failing_since``, ``last_error``)."""

    def __post_init__(self) -> None:
        if (self.order_id is None) == (self.subscription_id is None):
            raise ValueError("an exception case concerns exactly one order or one subscription")

    @property
    def stream_id(self) -> str:
        return self.exception_id

    def to_data(self) -> dict[str, Any]:
        return {
            "exception_id": self.exception_id,
            "order_id": self.order_id,
            "line_no": self.line_no,
            "category": self.category,
            "rule": self.rule,
            "severity": self.severity,
            "team": self.team,
            "message": self.message,
            "actions": list(self.actions),
            "suggestion": self.suggestion,
            "due_at": self.due_at.isoformat(),
            "partner": self.partner,
            "po_number": self.po_number,
            "content_hash": self.content_hash,
            "subscription_id": self.subscription_id,
            "details": self.details,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionRaised:
        return cls(
            exception_id=data["exception_id"],
            order_id=data.get("order_id"),
            line_no=data.get("line_no"),
            category=data["category"],
            severity=data["severity"],
            team=data["team"],
            message=data["message"],
            actions=tuple(data["actions"]),
            due_at=datetime.fromisoformat(data["due_at"]),
            rule=data.get("rule"),
            partner=data.get("partner"),
            po_number=data.get("po_number"),
            suggestion=data.get("suggestion"),
            content_hash=data.get("content_hash"),
            subscription_id=data.get("subscription_id"),
            details=data.get("details"),
        )


@dataclass(frozen=True, slots=True)
class DocumentIssued(Event):
    """lightsoff wrote a document for a partner (an acknowledgement, an order response, a ship notice)."""

    name: ClassVar[str] = "document.issued"

    document_id: str
    partner: str
    kind: str
    format: str
    control_number: str
    reference: str | None
    size_bytes: int

    @property
    def stream_id(self) -> str:
        return self.document_id

    def to_data(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "partner": self.partner,
            "kind": self.kind,
            "format": self.format,
            "control_number": self.control_number,
            "reference": self.reference,
            "size_bytes": self.size_bytes,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DocumentIssued:
        return cls(
            data["document_id"],
            data["partner"],
            data["kind"],
            data["format"],
            data["control_number"],
            data.get("reference"),
            data["size_bytes"],
        )


@dataclass(frozen=True, slots=True)
class DocumentAcknowledged(Event):
    """A partner's functional acknowledgement (997/999, CONTRL) answered a document lightsoff sent."""

    name: ClassVar[str] = "document.acknowledged"

    document_id: str
    partner: str
    kind: str
    format: str
    control_number: str
    status: str
    """``accepted`` or ``rejected`` (also when only some of its sets or messages were rejected)."""
    acknowledgement: str
    """What acknowledged it: ``997``, ``999`` or ``CONTRL``."""
    message_id: str
    """The archived acknowledgement (``GET /v1/messages/{id}``)."""
    errors: tuple[str, ...] = ()
    """The syntax error codes the partner gave (AK5/IK5, AK9, UCI/UCM 0085)."""

    @property
    def stream_id(self) -> str:
        return self.document_id

    def to_data(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "partner": self.partner,
            "kind": self.kind,
            "format": self.format,
            "control_number": self.control_number,
            "status": self.status,
            "acknowledgement": self.acknowledgement,
            "message_id": self.message_id,
            "errors": list(self.errors),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DocumentAcknowledged:
        return cls(
            data["document_id"],
            data["partner"],
            data["kind"],
            data["format"],
            data["control_number"],
            data["status"],
            data["acknowledgement"],
            data["message_id"],
            tuple(data.get("errors", ())),
        )


@dataclass(frozen=True, slots=True)
class DocumentDelivered(Event):
    """A document lightsoff issued reached the partner's channel (written to its outbound folder)."""

    name: ClassVar[str] = "document.delivered"

    document_id: str
    partner: str
    kind: str
    control_number: str
    channel: str
    """``folder``."""
    target: str
    """Where it went: the file's path."""

    @property
    def stream_id(self) -> str:
        return self.document_id

    def to_data(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "partner": self.partner,
            "kind": self.kind,
            "control_number": self.control_number,
            "channel": self.channel,
            "target": self.target,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DocumentDelivered:
        return cls(
            data["document_id"], data["partner"], data["kind"], data["control_number"], data["channel"], data["target"]
        )


@dataclass(frozen=True, slots=True)
class ShipmentConfirmed(Event):
    """A shipment left for a partner: its orders and pallets, checked against what was ordered."""

    name: ClassVar[str] = "shipment.confirmed"

    shipment_id: str
    partner: str
    shipped_at: datetime
    order_ids: tuple[str, ...]
    ssccs: tuple[str, ...]
    lines: tuple[dict[str, Any], ...]
    """``{order_id, line_no, quantity}`` per order line shipped (summed over pallets)."""

    @property
    def stream_id(self) -> str:
        return self.shipment_id

    def to_data(self) -> dict[str, Any]:
        return {
            "shipment_id": self.shipment_id,
            "partner": self.partner,
            "shipped_at": self.shipped_at.isoformat(),
            "order_ids": list(self.order_ids),
            "ssccs": list(self.ssccs),
            "lines": [dict(line) for line in self.lines],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ShipmentConfirmed:
        return cls(
            data["shipment_id"],
            data["partner"],
            datetime.fromisoformat(data["shipped_at"]),
            tuple(data["order_ids"]),
            tuple(data["ssccs"]),
            tuple(data["lines"]),
        )


@dataclass(frozen=True, slots=True)
class SubscriptionDisabled(Event):
    """Operational: the relay stopped delivering to a subscription (failing too long, or gone); nothing is lost."""

    name: ClassVar[str] = "subscription.disabled"

    subscription_id: str
    target: str
    reason: str
    failing_since: datetime | None

    @property
    def stream_id(self) -> str:
        return self.subscription_id

    def to_data(self) -> dict[str, Any]:
        since = self.failing_since.isoformat() if self.failing_since else None
        return {
            "subscription_id": self.subscription_id,
            "target": self.target,
            "reason": self.reason,
            "failing_since": since,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SubscriptionDisabled:
        since = data.get("failing_since")
        return cls(
            data["subscription_id"], data["target"], data["reason"], datetime.fromisoformat(since) if since else None
        )


class CaseEvent(Event):
    """An event in an exception case's stream after it was raised; ``order_id`` is None for a subscription's case."""

    exception_id: str

    @property
    def stream_id(self) -> str:
        return self.exception_id


@dataclass(frozen=True, slots=True)
class ExceptionAcknowledged(CaseEvent):
    """Someone took the case: others can see it is being handled."""

    name: ClassVar[str] = "exception.acknowledged"

    exception_id: str
    order_id: str | None
    by: str

    def to_data(self) -> dict[str, Any]:
        return {"exception_id": self.exception_id, "order_id": self.order_id, "by": self.by}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionAcknowledged:
        return cls(data["exception_id"], data["order_id"], data["by"])


@dataclass(frozen=True, slots=True)
class ExceptionCommented(CaseEvent):
    name: ClassVar[str] = "exception.commented"

    exception_id: str
    order_id: str | None
    by: str
    text: str

    def to_data(self) -> dict[str, Any]:
        return {"exception_id": self.exception_id, "order_id": self.order_id, "by": self.by, "text": self.text}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionCommented:
        return cls(data["exception_id"], data["order_id"], data["by"], data["text"])


@dataclass(frozen=True, slots=True)
class ExceptionResolved(CaseEvent):
    """A person decided; the order's events that follow carry out the decision."""

    name: ClassVar[str] = "exception.resolved"

    exception_id: str
    order_id: str | None
    action: str
    parameters: dict[str, Any]
    by: str

    def to_data(self) -> dict[str, Any]:
        return {
            "exception_id": self.exception_id,
            "order_id": self.order_id,
            "action": self.action,
            "parameters": self.parameters,
            "by": self.by,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionResolved:
        return cls(data["exception_id"], data["order_id"], data["action"], data["parameters"], data["by"])


@dataclass(frozen=True, slots=True)
class ExceptionDismissed(CaseEvent):
    """The case no longer applies (the order was amended or cancelled, its line rejected)."""

    name: ClassVar[str] = "exception.dismissed"

    exception_id: str
    order_id: str | None
    reason: str

    def to_data(self) -> dict[str, Any]:
        return {"exception_id": self.exception_id, "order_id": self.order_id, "reason": self.reason}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionDismissed:
        return cls(data["exception_id"], data["order_id"], data["reason"])


@dataclass(frozen=True, slots=True)
class ExceptionEscalated(CaseEvent):
    """Nobody handled the case in time; the escalation contacts were told (once)."""

    name: ClassVar[str] = "exception.escalated"

    exception_id: str
    order_id: str | None
    team: str
    notified: tuple[str, ...]

    def to_data(self) -> dict[str, Any]:
        return {
            "exception_id": self.exception_id,
            "order_id": self.order_id,
            "team": self.team,
            "notified": list(self.notified),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionEscalated:
        return cls(data["exception_id"], data["order_id"], data["team"], tuple(data["notified"]))


EVENT_CLASSES: dict[str, Any] = {
    cls.name: cls
    for cls in (
        OrderReceived,
        OrderCorrected,
        OrderValidated,
        OrderHeld,
        OrderRejected,
        OrderAmended,
        OrderMerged,
        OrderLineRejected,
        OrderCancelled,
        OrderAllocated,
        ExceptionRaised,
        ExceptionAcknowledged,
        ExceptionCommented,
        ExceptionResolved,
        ExceptionDismissed,
        ExceptionEscalated,
        DocumentIssued,
        DocumentAcknowledged,
        DocumentDelivered,
        ShipmentConfirmed,
        SubscriptionDisabled,
    )
}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
"""(event name, stored version) → a function giving the data of the next version."""


def cloudevents_type(name: str, version: int) -> str:
    return f"{TYPE_PREFIX}{name}.v{version}"


def event_names() -> list[str]:
    return sorted(EVENT_CLASSES)


def decode(name: str, version: int, data: dict[str, Any]) -> Event:
    """The event object for stored data, upcast to the current version of its class."""
    cls = EVENT_CLASSES[name]
    while version < cls.version:
        data = UPCASTERS[(name, version)](data)
        version += 1
    event: Event = cls.from_data(data)
    return event


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event about to be appended, with its envelope: where it goes and what caused it."""

    event_id: str
    event: Event
    stream_version: int
    occurred_at: datetime
    correlation_id: str | None
    causation_id: str | None
    partner: str | None = None
    """The partner the event concerns, so partner-scoped readers see only theirs."""

    @property
    def stream_id(self) -> str:
        return self.event.stream_id


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored in the log, with its global position and its version in its stream.

    ``event`` is the object it was recorded from, when the appender still has it, so projecting an
    event just appended does not parse its own output again; read from storage, it is decoded.
    """

    position: int
    event_id: str
    stream_id: str
    stream_version: int
    name: str
    version: int
    occurred_at: datetime
    data: dict[str, Any]
    correlation_id: str | None
    causation_id: str | None
    partner: str | None = None
    event: Event | None = field(default=None, compare=False, repr=False)

    @property
    def type(self) -> str:
        return cloudevents_type(self.name, self.version)

    def decode(self) -> Event:
        return self.event if self.event is not None else decode(self.name, self.version, self.data)
