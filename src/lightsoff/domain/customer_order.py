"""The customer order: a purchase order as the partner sent it, in canonical form.

Their PO number, their item codes, their ship-to code: these are the partner's references, kept as
they came. lightsoff's own identifiers live on the ``Order`` aggregate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Address:
    lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "lines": list(self.lines),
            "city": self.city,
            "postal_code": self.postal_code,
            "region": self.region,
            "country": self.country,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Address:
        return cls(
            lines=tuple(data.get("lines") or ()),
            city=data.get("city"),
            postal_code=data.get("postal_code"),
            region=data.get("region"),
            country=data.get("country"),
        )


@dataclass(frozen=True, slots=True)
class ShipTo:
    code: str
    name: str | None = None
    address: Address | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "address": self.address.to_data() if self.address else None,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ShipTo:
        address = data.get("address")
        return cls(code=data["code"], name=data.get("name"), address=Address.from_data(address) if address else None)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line as the partner ordered it: at least one of our SKU, their SKU or a GTIN."""

    line_no: int
    quantity: Decimal
    uom: str
    sku: str | None = None
    customer_sku: str | None = None
    gtin: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "customer_sku": self.customer_sku,
            "gtin": self.gtin,
            "quantity": str(self.quantity),
            "uom": self.uom,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OrderLine:
        return cls(
            line_no=data["line_no"],
            quantity=Decimal(data["quantity"]),
            uom=data["uom"],
            sku=data.get("sku"),
            customer_sku=data.get("customer_sku"),
            gtin=data.get("gtin"),
        )


@dataclass(frozen=True, slots=True)
class CustomerOrder:
    """A purchase order as the partner sent it, in canonical form."""

    partner: str
    po_number: str
    order_date: date
    requested_ship_date: date
    ship_to: ShipTo
    lines: tuple[OrderLine, ...]
    notes: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "po_number": self.po_number,
            "order_date": self.order_date.isoformat(),
            "requested_ship_date": self.requested_ship_date.isoformat(),
            "ship_to": self.ship_to.to_data(),
            "lines": [line.to_data() for line in self.lines],
            "notes": self.notes,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CustomerOrder:
        return cls(
            partner=data["partner"],
            po_number=data["po_number"],
            order_date=date.fromisoformat(data["order_date"]),
            requested_ship_date=date.fromisoformat(data["requested_ship_date"]),
            ship_to=ShipTo.from_data(data["ship_to"]),
            lines=tuple(OrderLine.from_data(line) for line in data["lines"]),
            notes=data.get("notes"),
        )

    def content_hash(self) -> str:
        """A fingerprint of the content, blind to key order and formatting: equal hashes, same document."""
        canonical = orjson.dumps(self.to_data(), option=orjson.OPT_SORT_KEYS)
        return "sha256:" + hashlib.sha256(canonical).hexdigest()
