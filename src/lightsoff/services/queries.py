"""Reading what lightsoff knows: orders with their cases and references, events, archived messages."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.documents import OutboundDocument
from lightsoff.domain.errors import NotFound
from lightsoff.domain.events import RecordedEvent
from lightsoff.domain.exception_cases import ExceptionCase
from lightsoff.domain.messages import InboundMessage
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.services.ports import CaseQuery, DocumentQuery, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: Order
    exceptions: tuple[ExceptionCase, ...]
    cross_references: tuple[CrossReference, ...]


@dataclass(frozen=True, slots=True)
class EventPage:
    events: tuple[RecordedEvent, ...]
    next_after: int
    """The cursor for the next page: the last position returned, or the one asked for when none was."""


Partners = Collection[str] | None
"""The partners a caller may see; None: all of them."""


class Queries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def order(self, order_id: str, partners: Partners = None) -> OrderDetail:
        with self._uow(write=False) as uow:
            order = uow.orders.get(order_id)
            if order is None or not _visible(order.customer_order.partner, partners):
                raise NotFound("order", order_id)
            return OrderDetail(
                order=order,
                exceptions=tuple(uow.exception_cases.for_order(order_id)),
                cross_references=tuple(uow.cross_references.for_canonical(order_id)),
            )

    def find_orders(
        self,
        *,
        partner: str | None = None,
        po_number: str | None = None,
        status: OrderStatus | None = None,
        after: str | None = None,
        limit: int = 100,
        partners: Partners = None,
    ) -> list[Order]:
        if partner is not None and not _visible(partner, partners):
            return []
        with self._uow(write=False) as uow:
            return uow.orders.find(
                partner=partner, po_number=po_number, status=status, after=after, limit=limit, partners=partners
            )

    def order_events(self, order_id: str, partners: Partners = None) -> list[RecordedEvent]:
        with self._uow(write=False) as uow:
            order = uow.orders.get(order_id)
            if order is None or not _visible(order.customer_order.partner, partners):
                raise NotFound("order", order_id)
            return uow.events.read_stream(order_id)

    def event_feed(
        self, *, after: int = 0, limit: int = 100, names: Sequence[str] = (), partners: Partners = None
    ) -> EventPage:
        with self._uow(write=False) as uow:
            events = uow.events.read_all(after=after, limit=limit, names=names, partners=partners)
        return EventPage(tuple(events), events[-1].position if events else after)

    def exception_case(self, exception_id: str, partners: Partners = None) -> ExceptionCase:
        with self._uow(write=False) as uow:
            case = uow.exception_cases.get(exception_id)
        if case is None or not _visible(case.partner, partners):
            raise NotFound("exception case", exception_id)
        return case

    def find_exception_cases(self, query: CaseQuery) -> list[ExceptionCase]:
        """Cases matching ``query``, in id order; ``query.partners`` confines them to a caller's partners."""
        if query.partner is not None and not _visible(query.partner, query.partners):
            return []
        with self._uow(write=False) as uow:
            return uow.exception_cases.find(query)

    def document(self, document_id: str, partners: Partners = None) -> OutboundDocument:
        with self._uow(write=False) as uow:
            document = uow.documents.get(document_id)
        if document is None or not _visible(document.partner, partners):
            raise NotFound("document", document_id)
        return document

    def find_documents(self, query: DocumentQuery) -> list[OutboundDocument]:
        """Newest first, without bodies; ``query.partners`` confines them to a caller's partners."""
        if query.partner is not None and not _visible(query.partner, query.partners):
            return []
        with self._uow(write=False) as uow:
            return uow.documents.find(query)

    def message(self, message_id: str, partners: Partners = None) -> InboundMessage:
        with self._uow(write=False) as uow:
            message = uow.messages.get(message_id)
        if message is None or not _visible(message.partner, partners):
            raise NotFound("message", message_id)
        return message


def _visible(partner: str | None, partners: Partners) -> bool:
    """A caller confined to ``partners`` sees only theirs; to it, the rest does not exist."""
    return partners is None or (partner is not None and partner in partners)
