"""Confirming shipments: check them against the orders, mint missing SSCCs, record, and announce them.

``confirm`` runs in one unit of work: the orders and earlier shipments are read, the proposal is
checked (``domain.shipments.check_shipment``: every problem at once, each with its JSON path), SSCCs
are minted for pallets that came without one, the shipment and ``shipment.confirmed`` are recorded
and, when the partner's profile has ``ship_notice``, the 856 or DESADV is issued with its
``document.issued``, all in the same transaction. Sending the same shipment again (same id, same
content) answers with what was recorded the first time; the same id with other content is a conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal

from lightsoff.domain.documents import OutboundDocument
from lightsoff.domain.errors import InvalidShipment, NotFound, ShipmentConflict
from lightsoff.domain.events import ShipmentConfirmed
from lightsoff.domain.orders import Order
from lightsoff.domain.problems import FieldProblem
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.domain.shipments import (
    ProposedShipment,
    Shipment,
    build_shipment,
    check_shipment,
    pallets_without_sscc,
    proposal_hash,
)
from lightsoff.services.documents import DocumentIssuer, Issue
from lightsoff.services.envelopes import KINDS, notice_writer
from lightsoff.services.identifiers import IdentifierService
from lightsoff.services.ports import Clock, DocumentQuery, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.recording import Cause, record

Partners = Collection[str] | None


@dataclass(frozen=True, slots=True)
class ConfirmedShipment:
    shipment: Shipment
    documents: tuple[OutboundDocument, ...]
    """The ship notices issued for it (without bodies when read back)."""
    created: bool
    """False when the same shipment had been confirmed before."""


class ShipmentDesk:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reference_data: ReferenceData,
        identifiers: IdentifierService,
        documents: DocumentIssuer,
        clock: Clock,
        new_id: Callable[[], str],
    ) -> None:
        self._uow = uow
        self._reference_data = reference_data
        self._identifiers = identifiers
        self._documents = documents
        self._clock = clock
        self._new_id = new_id

    def confirm(
        self, proposal: ProposedShipment, partners: Partners = None, correlation_id: str | None = None
    ) -> ConfirmedShipment:
        if partners is not None and proposal.partner not in partners:
            message = f"there is no partner {proposal.partner!r} you may ship for"
            raise InvalidShipment([FieldProblem("$.partner", "unknown_partner", message)])
        return self._uow.run(lambda uow: self._confirm(uow, proposal, correlation_id))

    def _confirm(self, uow: UnitOfWork, proposal: ProposedShipment, correlation_id: str | None) -> ConfirmedShipment:
        existing = uow.shipments.get(proposal.shipment_id)
        if existing is not None:
            if existing.partner != proposal.partner or existing.content_hash != proposal_hash(proposal):
                raise ShipmentConflict(
                    f"shipment {proposal.shipment_id} was confirmed before with other content; it stands as it was. "
                    "Use a new shipment id for another shipment."
                )
            return ConfirmedShipment(existing, _notices(uow, existing.shipment_id), created=False)
        partner = self._reference_data.partner(proposal.partner)
        orders = _orders(uow, proposal)
        shipped_before = {order_id: _shipped(uow, order_id) for order_id in orders}
        given = [p.sscc for o in proposal.orders for p in o.pallets if p.sscc is not None]
        problems = check_shipment(proposal, partner, orders, shipped_before, uow.shipments.shipped_ssccs(given))
        if problems:
            raise InvalidShipment(problems)
        assert partner is not None
        now = self._clock.now()
        minted = [self._identifiers.next_sscc(uow.sequences) for _ in range(pallets_without_sscc(proposal))]
        shipment = build_shipment(proposal, partner, orders, minted, now, self._gtin)
        uow.shipments.add(shipment)
        confirmed = ShipmentConfirmed(
            shipment.shipment_id,
            partner.code,
            shipment.notice.shipped_at,
            shipment.order_ids,
            shipment.ssccs,
            tuple(
                {"order_id": order_id, "line_no": line_no, "quantity": str(quantity)}
                for order_id in shipment.order_ids
                for line_no, quantity in sorted(shipment.shipped(order_id).items())
            ),
        )
        cause = Cause(correlation_id, None, partner.code)
        record(uow, [confirmed], versions={}, cause=cause, now=now, new_id=self._new_id)
        documents: tuple[OutboundDocument, ...] = ()
        format = partner.documents.outbound_format
        if partner.documents.ship_notice and format is not None:
            issue = Issue(
                partner.code,
                KINDS["ship_notice"][format],
                format,
                notice_writer(partner, format, shipment.notice, now),
                reference=shipment.shipment_id,
                correlation_id=correlation_id,
            )
            try:
                documents = (self._documents.issue(uow, issue),)
            except ValueError as exc:  # X12WriteError too: a value the partner's format cannot carry
                raise InvalidShipment(
                    [
                        FieldProblem(
                            "$.orders",
                            "notice_not_writable",
                            f"the {issue.kind} for {partner.code} cannot be written ({exc}); nothing was recorded. "
                            "Correct the value in the order, or ship it without this order.",
                        )
                    ]
                ) from exc
        return ConfirmedShipment(shipment, documents, created=True)

    def _gtin(self, sku: str) -> str | None:
        product = self._reference_data.product(sku)
        return product.gtin if product is not None else None

    def get(self, shipment_id: str, partners: Partners = None) -> ConfirmedShipment:
        with self._uow(write=False) as uow:
            shipment = uow.shipments.get(shipment_id)
            if shipment is None or (partners is not None and shipment.partner not in partners):
                raise NotFound("shipment", shipment_id)
            return ConfirmedShipment(shipment, _notices(uow, shipment_id), created=False)

    def find(
        self, *, partner: str | None = None, partners: Partners = None, after: str | None = None, limit: int = 100
    ) -> list[Shipment]:
        if partner is not None and partners is not None and partner not in partners:
            return []
        with self._uow(write=False) as uow:
            return uow.shipments.find(partner=partner, partners=partners, after=after, limit=limit)


def _orders(uow: UnitOfWork, proposal: ProposedShipment) -> dict[str, Order]:
    found = {}
    for proposed in proposal.orders:
        order = uow.orders.get(proposed.order_id)
        if order is not None:
            found[order.order_id] = order
    return found


def _shipped(uow: UnitOfWork, order_id: str) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for shipment in uow.shipments.for_order(order_id):
        for line_no, quantity in shipment.shipped(order_id).items():
            totals[line_no] = totals.get(line_no, Decimal(0)) + quantity
    return totals


def _notices(uow: UnitOfWork, shipment_id: str) -> tuple[OutboundDocument, ...]:
    found = uow.documents.find(DocumentQuery(reference=shipment_id))
    return tuple(d for d in found if d.kind in KINDS["ship_notice"].values())
