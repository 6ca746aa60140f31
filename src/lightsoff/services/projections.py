"""Read models from events: the same function runs right after an append and during replay.

Because the inline path and the replay path are one function, a replayed read model equals the
live one by construction; ``lightsoff replay`` and its test check that it stays so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lightsoff.domain.cross_references import PURCHASE_ORDER, CrossReference
from lightsoff.domain.events import (
    CaseEvent,
    ExceptionRaised,
    OrderEvent,
    OrderHeld,
    OrderMerged,
    OrderReceived,
    OrderValidated,
    RecordedEvent,
)
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
    new_cases: set[str] = set()
    for record in recorded:
        event = record.decode()
        match event:
            case OrderReceived():
                projected.orders[event.order_id] = Order.start(event, record.occurred_at)
                new_orders.add(event.order_id)
                _cross_reference(uow, event.customer_order.partner, event.customer_order.po_number, event.order_id)
            case OrderValidated() | OrderHeld() | OrderEvent():
                order = projected.orders.get(event.order_id) or _existing_order(uow, event.order_id)
                projected.orders[event.order_id] = order.apply(event, record.occurred_at)
                if isinstance(event, OrderMerged) and not _known(uow, order.partner, event.po_number):
                    # A repeat order merged on arrival gets its PO here; one merged later by a person keeps
                    # its own order (cancelled, "merged into …"), which its PO already names.
                    _cross_reference(uow, order.partner, event.po_number, event.order_id)
            case ExceptionRaised():
                projected.exception_cases[event.exception_id] = ExceptionCase.start(event, record.occurred_at)
                new_cases.add(event.exception_id)
            case CaseEvent():
                case = projected.exception_cases.get(event.exception_id) or _existing_case(uow, event.exception_id)
                projected.exception_cases[event.exception_id] = case.apply(event, record.occurred_at)
    for order_id, order in projected.orders.items():
        (uow.orders.add if order_id in new_orders else uow.orders.update)(order)
    for exception_id, case in projected.exception_cases.items():
        (uow.exception_cases.add if exception_id in new_cases else uow.exception_cases.update)(case)
    return projected


def _cross_reference(uow: UnitOfWork, partner: str, po_number: str, order_id: str) -> None:
    uow.cross_references.add(
        CrossReference(system=partner, kind=PURCHASE_ORDER, external_id=po_number, canonical_id=order_id)
    )


def _known(uow: UnitOfWork, partner: str, po_number: str) -> bool:
    return uow.cross_references.resolve(partner, PURCHASE_ORDER, po_number) is not None


def _existing_order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise LookupError(f"event for order {order_id} before its order.received: the event log is inconsistent")
    return order


def _existing_case(uow: UnitOfWork, exception_id: str) -> ExceptionCase:
    case = uow.exception_cases.get(exception_id)
    if case is None:
        raise LookupError(f"event for case {exception_id} before its exception.raised: the event log is inconsistent")
    return case
