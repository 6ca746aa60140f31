"""The order: the aggregate behind one canonical order id.

It starts from a customer order and moves through statuses by applying events, so the same code
builds it when an order is handled and when the read model is replayed from the event log.

Two views of the lines are kept: ``customer_order`` is what the partner sent (replaced by an
amendment), ``working`` is what lightsoff will make and ship after corrections, merges and people's
decisions. The difference between them is exactly ``corrections`` plus merged and rejected lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.events import (
    Event,
    OrderAllocated,
    OrderAmended,
    OrderCancelled,
    OrderCorrected,
    OrderHeld,
    OrderLineRejected,
    OrderMerged,
    OrderReceived,
    OrderValidated,
)


class OrderStatus(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    HELD = "held"
    ALLOCATED = "allocated"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.VALIDATED, OrderStatus.HELD})
"""Before allocation: an amendment or a repeat order may still change the order without a person."""


@dataclass(frozen=True, slots=True)
class MergedDocument:
    """A repeat order's PO that was merged into this order."""

    po_number: str
    message_id: str
    content_hash: str
    line_numbers: dict[int, int]
    """Line number on this order → line number on that PO."""

    def to_data(self) -> dict[str, Any]:
        return {
            "po_number": self.po_number,
            "message_id": self.message_id,
            "content_hash": self.content_hash,
            "line_numbers": [{"line_no": new, "po_line_no": old} for new, old in sorted(self.line_numbers.items())],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> MergedDocument:
        return cls(
            po_number=data["po_number"],
            message_id=data["message_id"],
            content_hash=data["content_hash"],
            line_numbers={item["line_no"]: item["po_line_no"] for item in data["line_numbers"]},
        )


@dataclass(frozen=True, slots=True)
class Order:
    """The aggregate: one canonical order id, what was ordered, what will be made, its status.

    State changes only by ``apply``; the service layer decides which events happen.
    """

    order_id: str
    customer_order: CustomerOrder
    content_hash: str
    status: OrderStatus
    version: int
    received_at: datetime
    updated_at: datetime
    working: CustomerOrder
    message_ids: tuple[str, ...] = ()
    resolved_skus: dict[int, str] = field(default_factory=dict)
    exception_ids: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()
    rejected_lines: dict[int, str] = field(default_factory=dict)
    """Line number → why it was rejected."""
    merged: tuple[MergedDocument, ...] = ()
    allocation: str | None = None
    cancel_reason: str | None = None

    @property
    def partner(self) -> str:
        return self.customer_order.partner

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def start(cls, event: OrderReceived, occurred_at: datetime) -> Order:
        return cls(
            order_id=event.order_id,
            customer_order=event.customer_order,
            content_hash=event.content_hash,
            status=OrderStatus.RECEIVED,
            version=1,
            received_at=occurred_at,
            updated_at=occurred_at,
            working=event.customer_order,
            message_ids=(event.message_id,),
        )

    def apply(self, event: Event, occurred_at: datetime) -> Order:  # noqa: PLR0911 (one return per event type)
        """The order after ``event``; an event of another aggregate is a programming error."""
        bumped = replace(self, version=self.version + 1, updated_at=occurred_at)
        match event:
            case OrderCorrected():
                return replace(bumped, working=event.order, corrections=self.corrections + event.corrections)
            case OrderValidated():
                return replace(bumped, status=OrderStatus.VALIDATED, resolved_skus=dict(event.resolved_skus))
            case OrderHeld():
                return replace(
                    bumped,
                    status=OrderStatus.HELD,
                    resolved_skus=dict(event.resolved_skus),
                    exception_ids=self.exception_ids + event.exception_ids,
                )
            case OrderAmended():
                return _amended(bumped, event)
            case OrderMerged():
                return _merged(bumped, event)
            case OrderLineRejected():
                return replace(bumped, rejected_lines={**self.rejected_lines, event.line_no: event.reason})
            case OrderCancelled():
                return replace(bumped, status=OrderStatus.CANCELLED, cancel_reason=event.reason)
            case OrderAllocated():
                return replace(bumped, status=OrderStatus.ALLOCATED, allocation=event.reference)
        raise TypeError(f"{type(event).__name__} does not apply to an order")

    def to_data(self) -> dict[str, Any]:
        """The snapshot stored as the read model."""
        return {
            "order_id": self.order_id,
            "customer_order": self.customer_order.to_data(),
            "content_hash": self.content_hash,
            "status": self.status.value,
            "version": self.version,
            "received_at": self.received_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "working": self.working.to_data(),
            "message_ids": list(self.message_ids),
            "resolved_skus": {str(line_no): sku for line_no, sku in self.resolved_skus.items()},
            "exception_ids": list(self.exception_ids),
            "corrections": [correction.to_data() for correction in self.corrections],
            "rejected_lines": {str(line_no): reason for line_no, reason in self.rejected_lines.items()},
            "merged": [document.to_data() for document in self.merged],
            "allocation": self.allocation,
            "cancel_reason": self.cancel_reason,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Order:
        return cls(
            order_id=data["order_id"],
            customer_order=CustomerOrder.from_data(data["customer_order"]),
            content_hash=data["content_hash"],
            status=OrderStatus(data["status"]),
            version=data["version"],
            received_at=datetime.fromisoformat(data["received_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            working=CustomerOrder.from_data(data.get("working") or data["customer_order"]),
            message_ids=tuple(data["message_ids"]),
            resolved_skus={int(line_no): sku for line_no, sku in data["resolved_skus"].items()},
            exception_ids=tuple(data["exception_ids"]),
            corrections=tuple(Correction.from_data(item) for item in data.get("corrections", ())),
            rejected_lines={int(line_no): reason for line_no, reason in data.get("rejected_lines", {}).items()},
            merged=tuple(MergedDocument.from_data(item) for item in data.get("merged", ())),
            allocation=data.get("allocation"),
            cancel_reason=data.get("cancel_reason"),
        )


def _amended(order: Order, event: OrderAmended) -> Order:
    """The new content replaces the old: earlier corrections and decisions were about the old one."""
    return replace(
        order,
        customer_order=event.customer_order,
        working=event.customer_order,
        content_hash=event.content_hash,
        status=OrderStatus.RECEIVED,
        message_ids=(*order.message_ids, event.message_id),
        corrections=(),
        rejected_lines={},
        resolved_skus={},
    )


def _merged(order: Order, event: OrderMerged) -> Order:
    document = MergedDocument(event.po_number, event.message_id, event.content_hash, dict(event.line_numbers))
    return replace(
        order,
        working=replace(order.working, lines=order.working.lines + event.lines),
        message_ids=(*order.message_ids, event.message_id),
        merged=(*order.merged, document),
        status=OrderStatus.RECEIVED,
    )
