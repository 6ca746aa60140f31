"""What lightsoff says back to partners, before any EDI syntax: order acknowledgements and ship notices.

The writers in ``lightsoff.formats`` turn these into X12 855/856 and EDIFACT ORDRSP/DESADV; the
services build them from orders and shipments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from lightsoff.domain.customer_order import Address


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    CHANGED = "changed"
    """Accepted with changes (quantity, date, substituted item); ``changes`` says which."""
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class LineChange:
    field: str
    """``quantity``, ``sku``, ``ship_date``…"""
    before: str
    after: str
    reason: str


@dataclass(frozen=True, slots=True)
class LineAcknowledgement:
    line_no: int
    status: LineStatus
    quantity: Decimal
    """The quantity lightsoff confirms (after changes)."""
    uom: str
    sku: str | None = None
    customer_sku: str | None = None
    gtin: str | None = None
    ship_date: date | None = None
    changes: tuple[LineChange, ...] = ()
    reason: str | None = None
    """Why a line was rejected."""


@dataclass(frozen=True, slots=True)
class OrderAcknowledgement:
    order_id: str
    """lightsoff's canonical order id (X12 BAK08, EDIFACT RFF+VN)."""
    po_number: str
    po_date: date
    acknowledged_at: datetime
    lines: tuple[LineAcknowledgement, ...]

    @property
    def status(self) -> LineStatus:
        """Rejected when every line is, accepted when every line is, changed otherwise."""
        statuses = {line.status for line in self.lines}
        if statuses == {LineStatus.REJECTED}:
            return LineStatus.REJECTED
        if statuses == {LineStatus.ACCEPTED}:
            return LineStatus.ACCEPTED
        return LineStatus.CHANGED


@dataclass(frozen=True, slots=True)
class ShippedItem:
    line_no: int
    """The partner's order line number."""
    quantity: Decimal
    uom: str
    sku: str | None = None
    customer_sku: str | None = None
    gtin: str | None = None
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class ShippedPallet:
    sscc: str
    """18 digits, GS1 check digit valid."""
    items: tuple[ShippedItem, ...]
    gross_weight_kg: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ShippedOrder:
    order_id: str
    po_number: str
    po_date: date
    pallets: tuple[ShippedPallet, ...]


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    gln: str | None = None
    code: str | None = None
    """The partner's own code for the place (the ship-to code)."""
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class ShipmentNotice:
    """One shipment leaving: the orders on it, their pallets with SSCCs, what is on each pallet."""

    shipment_id: str
    shipped_at: datetime
    ship_from: Party
    ship_to: Party
    orders: tuple[ShippedOrder, ...]
    estimated_delivery: date | None = None
    carrier_scac: str | None = None
    bill_of_lading: str | None = None
