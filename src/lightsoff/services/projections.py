"""Read models from events: the same function runs right after an append and during replay.

Because the inline path and the replay path are one function, a replayed read model equals the
live one by construction; ``lightsoff replay`` and its test check that it stays so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lightsoff.domain.cross_references import PURCHASE_ORDER, CrossReference
from lightsoff.domain.events import ExceptionRaised, OrderHeld, OrderReceived, OrderValidated, RecordedEvent
from lightsoff.domain.exception_cases import ExceptionCase
from lightsoff.domain.orders import Order
from lightsoff.services.ports import UnitOfWork


@dataclass(slots=True)
class Projected:
    """The read models an append touched, as they now are."""

    orders: dict[str, Order] = field(default_factory=dict)
    exception_cases: dict[str, ExceptionCase] = field(default_factory=dict)


def project(uow: UnitOfWork, recorded: Sequence[RecordedEvent]) -> Projected:
    """Apply ``recorded`` to the read models; events without a read model (order.rejected) pass by."""
    projected = Projected()
    new_orders: set[str] = set()
    for record in recorded:
        event = record.decode()
        match event:
            case OrderReceived():
                projected.orders[event.order_id] = Order.start(event, record.occurred_at)
                new_orders.add(event.order_id)
                uow.cross_references.add(
                    CrossReference(
                        system=event.customer_order.partner,
                        kind=PURCHASE_ORDER,
                        external_id=event.customer_order.po_number,
                        canonical_id=event.order_id,
                    )
                )
            case OrderValidated() | OrderHeld():
                order = projected.orders.get(event.order_id) or _existing_order(uow, event.order_id)
                projected.orders[event.order_id] = order.apply(event, record.occurred_at)
            case ExceptionRaised():
                case = ExceptionCase.start(event, record.occurred_at)
                projected.exception_cases[case.exception_id] = case
                uow.exception_cases.add(case)
    for order_id, order in projected.orders.items():
        (uow.orders.add if order_id in new_orders else uow.orders.update)(order)
    return projected


def _existing_order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise LookupError(f"event for order {order_id} before its order.received: the event log is inconsistent")
    return order
