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

from lightsoff.domain.customer_order import CustomerOrder
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


@dataclass(frozen=True, slots=True)
class ExceptionRaised(Event):
    """A case people must decide, routed to the team that owns its category."""

    name: ClassVar[str] = "exception.raised"

    exception_id: str
    order_id: str
    category: str
    severity: str
    team: str
    message: str
    actions: tuple[str, ...]
    due_at: datetime
    line_no: int | None = None

    @property
    def stream_id(self) -> str:
        return self.exception_id

    def to_data(self) -> dict[str, Any]:
        return {
            "exception_id": self.exception_id,
            "order_id": self.order_id,
            "line_no": self.line_no,
            "category": self.category,
            "severity": self.severity,
            "team": self.team,
            "message": self.message,
            "actions": list(self.actions),
            "due_at": self.due_at.isoformat(),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionRaised:
        return cls(
            exception_id=data["exception_id"],
            order_id=data["order_id"],
            line_no=data.get("line_no"),
            category=data["category"],
            severity=data["severity"],
            team=data["team"],
            message=data["message"],
            actions=tuple(data["actions"]),
            due_at=datetime.fromisoformat(data["due_at"]),
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


EVENT_CLASSES: dict[str, Any] = {
    cls.name: cls
    for cls in (OrderReceived, OrderValidated, OrderHeld, OrderRejected, ExceptionRaised, SubscriptionDisabled)
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
