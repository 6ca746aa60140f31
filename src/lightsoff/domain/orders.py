"""The order: the aggregate behind one canonical order id.

It starts from a customer order and moves through statuses by applying events, so the same code
builds it when an order is handled and when the read model is replayed from the event log.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.events import Event, OrderHeld, OrderReceived, OrderValidated


class OrderStatus(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class Order:
    """The aggregate: one canonical order id, its customer order, its status and what resolved it.

    State changes only by ``apply``; the service layer decides which events happen.
    """

    order_id: str
    customer_order: CustomerOrder
    content_hash: str
    status: OrderStatus
    version: int
    received_at: datetime
    updated_at: datetime
    message_ids: tuple[str, ...] = ()
    resolved_skus: dict[int, str] = field(default_factory=dict)
    exception_ids: tuple[str, ...] = ()

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
            message_ids=(event.message_id,),
        )

    def apply(self, event: Event, occurred_at: datetime) -> Order:
        """The order after ``event``; an event of another aggregate is a programming error."""
        bumped = replace(self, version=self.version + 1, updated_at=occurred_at)
        match event:
            case OrderValidated():
                return replace(bumped, status=OrderStatus.VALIDATED, resolved_skus=dict(event.resolved_skus))
            case OrderHeld():
                return replace(
                    bumped,
                    status=OrderStatus.HELD,
                    resolved_skus=dict(event.resolved_skus),
                    exception_ids=self.exception_ids + event.exception_ids,
                )
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
            "message_ids": list(self.message_ids),
            "resolved_skus": {str(line_no): sku for line_no, sku in self.resolved_skus.items()},
            "exception_ids": list(self.exception_ids),
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
            message_ids=tuple(data["message_ids"]),
            resolved_skus={int(line_no): sku for line_no, sku in data["resolved_skus"].items()},
            exception_ids=tuple(data["exception_ids"]),
        )
