"""Shipments: what left the plant for a partner, checked against the orders it fulfils.

A shipment names its orders, each order's pallets (with an SSCC lightsoff minted or the warehouse
gave) and what is on each pallet: the order line and the quantity. ``check_shipment`` is the pure
judgement of a proposed shipment against the orders as lightsoff holds them and what was shipped of
them before; every problem comes back at once, each with the JSON path of the field at fault.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from lightsoff.domain import gs1
from lightsoff.domain.customer_order import Address
from lightsoff.domain.documents_out import Party, ShipmentNotice, ShippedItem, ShippedOrder, ShippedPallet
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.domain.problems import FieldProblem
from lightsoff.domain.reference_data import Partner

SHIPPABLE = frozenset({OrderStatus.VALIDATED, OrderStatus.ALLOCATED})
"""Orders whose lines are decided: validated (every rule passed, or people decided) or allocated."""


# ---- what a caller proposes ----


@dataclass(frozen=True, slots=True)
class ProposedItem:
    line_no: int
    quantity: Decimal
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class ProposedPallet:
    items: tuple[ProposedItem, ...]
    sscc: str | None = None
    """None: lightsoff mints one from the GS1 company prefix."""
    gross_weight_kg: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProposedOrder:
    order_id: str
    pallets: tuple[ProposedPallet, ...]


@dataclass(frozen=True, slots=True)
class ProposedShipment:
    shipment_id: str
    partner: str
    shipped_at: datetime
    ship_from: Party
    orders: tuple[ProposedOrder, ...]
    ship_to: Party | None = None
    """None: the orders' ship-to location, from the partner's profile."""
    estimated_delivery: date | None = None
    carrier_scac: str | None = None
    bill_of_lading: str | None = None


# ---- the shipment lightsoff keeps ----


@dataclass(frozen=True, slots=True)
class Shipment:
    """A confirmed shipment: the notice as sent (or as it would be sent) and whom it is for."""

    partner: str
    notice: ShipmentNotice
    content_hash: str
    created_at: datetime

    @property
    def shipment_id(self) -> str:
        return self.notice.shipment_id

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(order.order_id for order in self.notice.orders)

    @property
    def ssccs(self) -> tuple[str, ...]:
        return tuple(pallet.sscc for order in self.notice.orders for pallet in order.pallets)

    def shipped(self, order_id: str) -> dict[int, Decimal]:
        """Line number → quantity this shipment carries of ``order_id``."""
        totals: dict[int, Decimal] = {}
        for order in self.notice.orders:
            if order.order_id == order_id:
                for pallet in order.pallets:
                    for item in pallet.items:
                        totals[item.line_no] = totals.get(item.line_no, Decimal(0)) + item.quantity
        return totals

    def to_data(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "content_hash": self.content_hash,
            "created_at": self.created_at.isoformat(),
            "notice": notice_to_data(self.notice),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Shipment:
        return cls(
            partner=data["partner"],
            notice=notice_from_data(data["notice"]),
            content_hash=data["content_hash"],
            created_at=datetime.fromisoformat(data["created_at"]),
        )


def proposal_hash(proposal: ProposedShipment) -> str:
    """A fingerprint of what the caller sent: the same shipment id with other content is a conflict."""
    data = {
        "shipment_id": proposal.shipment_id,
        "partner": proposal.partner,
        "shipped_at": proposal.shipped_at.isoformat(),
        "ship_from": _party_data(proposal.ship_from),
        "ship_to": _party_data(proposal.ship_to) if proposal.ship_to else None,
        "estimated_delivery": proposal.estimated_delivery.isoformat() if proposal.estimated_delivery else None,
        "carrier_scac": proposal.carrier_scac,
        "bill_of_lading": proposal.bill_of_lading,
        "orders": [
            {
                "order_id": order.order_id,
                "pallets": [
                    {
                        "sscc": pallet.sscc,
                        "gross_weight_kg": _decimal(pallet.gross_weight_kg),
                        "items": [[item.line_no, str(item.quantity.normalize()), item.lot] for item in pallet.items],
                    }
                    for pallet in order.pallets
                ],
            }
            for order in proposal.orders
        ],
    }
    return "sha256:" + hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


# ---- checking a proposal ----


@dataclass(slots=True)
class _Check:
    problems: list[FieldProblem] = field(default_factory=list)

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append(FieldProblem(path, code, message))


def check_shipment(
    proposal: ProposedShipment,
    partner: Partner | None,
    orders: Mapping[str, Order],
    shipped_before: Mapping[str, Mapping[int, Decimal]],
    ssccs_shipped: Mapping[str, str],
) -> list[FieldProblem]:
    """Every problem with ``proposal``: unknown orders and lines, quantities over what was ordered, bad SSCCs.

    ``orders`` holds the orders the proposal names that exist and the caller may see; ``shipped_before``
    what earlier shipments carried of each (line → quantity); ``ssccs_shipped`` the SSCCs of the proposal
    already on another shipment (SSCC → its shipment id).
    """
    check = _Check()
    if partner is None:
        check.add("$.partner", "unknown_partner", f"there is no partner {proposal.partner!r}: use a partner's code")
    if not proposal.orders:
        check.add("$.orders", "no_orders", "a shipment carries at least one order")
    seen_orders: set[str] = set()
    seen_ssccs: dict[str, str] = {}
    for index, proposed in enumerate(proposal.orders):
        path = f"$.orders[{index}]"
        if proposed.order_id in seen_orders:
            check.add(f"{path}.order_id", "duplicate_order", f"{proposed.order_id} is named twice: list it once")
            continue
        seen_orders.add(proposed.order_id)
        order = orders.get(proposed.order_id)
        if not _order_usable(check, path, proposed, order, proposal.partner):
            continue
        assert order is not None
        _check_ssccs(check, path, proposed, seen_ssccs, ssccs_shipped)
        _check_quantities(check, path, proposed, order, shipped_before.get(order.order_id, {}))
    if proposal.ship_to is None and len({orders[o].working.ship_to.code for o in seen_orders if o in orders}) > 1:
        check.add(
            "$.ship_to",
            "mixed_ship_to",
            "the orders ship to different locations: give ship_to, or ship them separately",
        )
    return check.problems


def _order_usable(check: _Check, path: str, proposed: ProposedOrder, order: Order | None, partner: str) -> bool:
    if order is None or order.partner != partner:
        check.add(
            f"{path}.order_id",
            "unknown_order",
            f"{partner} has no order {proposed.order_id}: use the canonical order id lightsoff gave it",
        )
        return False
    if order.status not in SHIPPABLE:
        check.add(
            f"{path}.order_id",
            "order_not_shippable",
            f"order {order.order_id} is {order.status.value}: only validated or allocated orders ship",
        )
        return False
    if not proposed.pallets:
        check.add(f"{path}.pallets", "no_pallets", f"order {order.order_id} needs at least one pallet")
        return False
    return True


def _check_ssccs(
    check: _Check, path: str, proposed: ProposedOrder, seen: dict[str, str], shipped: Mapping[str, str]
) -> None:
    for number, pallet in enumerate(proposed.pallets):
        if not pallet.items:
            check.add(f"{path}.pallets[{number}].items", "empty_pallet", "a pallet carries at least one item")
        if pallet.sscc is None:
            continue
        sscc_path = f"{path}.pallets[{number}].sscc"
        if not gs1.is_valid_sscc(pallet.sscc):
            check.add(
                sscc_path,
                "invalid_sscc",
                f"{pallet.sscc!r} is not an SSCC: 18 digits whose last is the GS1 check digit of the first 17 "
                "(leave sscc out to let lightsoff mint one)",
            )
        elif pallet.sscc in seen:
            check.add(sscc_path, "duplicate_sscc", f"SSCC {pallet.sscc} is also at {seen[pallet.sscc]}")
        elif pallet.sscc in shipped:
            check.add(sscc_path, "sscc_shipped", f"SSCC {pallet.sscc} already left on shipment {shipped[pallet.sscc]}")
        seen.setdefault(pallet.sscc, sscc_path)


def _check_quantities(
    check: _Check, path: str, proposed: ProposedOrder, order: Order, before: Mapping[int, Decimal]
) -> None:
    lines = {line.line_no: line for line in order.working.lines}
    totals: dict[int, tuple[Decimal, str]] = {}
    for number, pallet in enumerate(proposed.pallets):
        for position, item in enumerate(pallet.items):
            item_path = f"{path}.pallets[{number}].items[{position}]"
            line = lines.get(item.line_no)
            if line is None:
                known = ", ".join(str(n) for n in sorted(lines))
                check.add(
                    f"{item_path}.line_no",
                    "unknown_line",
                    f"order {order.order_id} has no line {item.line_no} (its lines: {known})",
                )
            elif item.line_no in order.rejected_lines:
                check.add(
                    f"{item_path}.line_no",
                    "line_rejected",
                    f"line {item.line_no} of {order.order_id} was rejected ({order.rejected_lines[item.line_no]})",
                )
            else:
                total = totals.get(item.line_no, (Decimal(0), item_path))[0] + item.quantity
                totals[item.line_no] = (total, item_path)
    for line_no, (total, item_path) in totals.items():
        ordered, earlier = lines[line_no].quantity, before.get(line_no, Decimal(0))
        if total + earlier > ordered:
            check.add(
                f"{item_path}.quantity",
                "quantity_over_ordered",
                f"line {line_no} of {order.order_id}: {_plain(total)} now and {_plain(earlier)} shipped before "
                f"is more than the {_plain(ordered)} {lines[line_no].uom} ordered",
            )


# ---- building the shipment ----


def build_shipment(
    proposal: ProposedShipment,
    partner: Partner,
    orders: Mapping[str, Order],
    ssccs: list[str],
    created_at: datetime,
    gtin_of: Callable[[str], str | None] = lambda sku: None,
) -> Shipment:
    """The shipment of a checked proposal; ``ssccs`` holds one minted SSCC per pallet that came without one.

    An item's GTIN is the one the partner ordered it by, else the product master's (``gtin_of``).
    """
    minted = iter(ssccs)
    shipped_orders = []
    for proposed in proposal.orders:
        order = orders[proposed.order_id]
        lines = {line.line_no: line for line in order.working.lines}
        pallets = []
        for pallet in proposed.pallets:
            items = []
            for item in pallet.items:
                line = lines[item.line_no]
                sku = order.resolved_skus.get(item.line_no) or line.sku
                gtin = line.gtin or (gtin_of(sku) if sku else None)
                items.append(ShippedItem(item.line_no, item.quantity, line.uom, sku, line.customer_sku, gtin, item.lot))
            sscc = pallet.sscc or next(minted)
            pallets.append(ShippedPallet(sscc, tuple(items), pallet.gross_weight_kg))
        shipped_orders.append(
            ShippedOrder(order.order_id, order.working.po_number, order.working.order_date, tuple(pallets))
        )
    first = orders[proposal.orders[0].order_id]
    notice = ShipmentNotice(
        shipment_id=proposal.shipment_id,
        shipped_at=proposal.shipped_at,
        ship_from=proposal.ship_from,
        ship_to=proposal.ship_to or ship_to_party(partner, first),
        orders=tuple(shipped_orders),
        estimated_delivery=proposal.estimated_delivery,
        carrier_scac=proposal.carrier_scac,
        bill_of_lading=proposal.bill_of_lading,
    )
    return Shipment(partner.code, notice, proposal_hash(proposal), created_at)


def ship_to_party(partner: Partner, order: Order) -> Party:
    """The order's ship-to as a party: the partner's location (name, GLN, address) when the profile has it."""
    ship_to = order.working.ship_to
    location = partner.ship_to.get(ship_to.code)
    if location is not None:
        return Party(location.name, location.gln, location.code, location.address)
    return Party(ship_to.name or ship_to.code, None, ship_to.code, ship_to.address)


def pallets_without_sscc(proposal: ProposedShipment) -> int:
    return sum(1 for order in proposal.orders for pallet in order.pallets if pallet.sscc is None)


# ---- serialisation ----


def notice_to_data(notice: ShipmentNotice) -> dict[str, Any]:
    return {
        "shipment_id": notice.shipment_id,
        "shipped_at": notice.shipped_at.isoformat(),
        "ship_from": _party_data(notice.ship_from),
        "ship_to": _party_data(notice.ship_to),
        "estimated_delivery": notice.estimated_delivery.isoformat() if notice.estimated_delivery else None,
        "carrier_scac": notice.carrier_scac,
        "bill_of_lading": notice.bill_of_lading,
        "orders": [
            {
                "order_id": order.order_id,
                "po_number": order.po_number,
                "po_date": order.po_date.isoformat(),
                "pallets": [
                    {
                        "sscc": pallet.sscc,
                        "gross_weight_kg": _decimal(pallet.gross_weight_kg),
                        "items": [
                            {
                                "line_no": item.line_no,
                                "quantity": str(item.quantity),
                                "uom": item.uom,
                                "sku": item.sku,
                                "customer_sku": item.customer_sku,
                                "gtin": item.gtin,
                                "lot": item.lot,
                            }
                            for item in pallet.items
                        ],
                    }
                    for pallet in order.pallets
                ],
            }
            for order in notice.orders
        ],
    }


def notice_from_data(data: dict[str, Any]) -> ShipmentNotice:
    delivery = data.get("estimated_delivery")
    return ShipmentNotice(
        shipment_id=data["shipment_id"],
        shipped_at=datetime.fromisoformat(data["shipped_at"]),
        ship_from=_party(data["ship_from"]),
        ship_to=_party(data["ship_to"]),
        estimated_delivery=date.fromisoformat(delivery) if delivery else None,
        carrier_scac=data.get("carrier_scac"),
        bill_of_lading=data.get("bill_of_lading"),
        orders=tuple(
            ShippedOrder(
                order["order_id"],
                order["po_number"],
                date.fromisoformat(order["po_date"]),
                tuple(
                    ShippedPallet(
                        pallet["sscc"],
                        tuple(
                            ShippedItem(
                                item["line_no"],
                                Decimal(item["quantity"]),
                                item["uom"],
                                item.get("sku"),
                                item.get("customer_sku"),
                                item.get("gtin"),
                                item.get("lot"),
                            )
                            for item in pallet["items"]
                        ),
                        Decimal(pallet["gross_weight_kg"]) if pallet.get("gross_weight_kg") is not None else None,
                    )
                    for pallet in order["pallets"]
                ),
            )
            for order in data["orders"]
        ),
    )


def _party_data(party: Party) -> dict[str, Any]:
    return {
        "name": party.name,
        "gln": party.gln,
        "code": party.code,
        "address": party.address.to_data() if party.address else None,
    }


def _party(data: dict[str, Any]) -> Party:
    address = data.get("address")
    return Party(data["name"], data.get("gln"), data.get("code"), Address.from_data(address) if address else None)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
