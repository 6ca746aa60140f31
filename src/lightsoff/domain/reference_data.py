"""Reference data the rules decide with: partners, products and who owns which exception category.

Loaded from configuration files today (``lightsoff.config``); the types do not care where from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from lightsoff.domain.customer_order import Address
from lightsoff.domain.exception_cases import Severity


@dataclass(frozen=True, slots=True)
class Location:
    """A ship-to location of a partner, under the partner's own code for it."""

    code: str
    name: str
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class Partner:
    code: str
    name: str
    ship_to: Mapping[str, Location] = field(default_factory=dict)
    customer_skus: Mapping[str, str] = field(default_factory=dict)
    """The partner's item code → our SKU."""


class ProductStatus(StrEnum):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class PalletPack:
    cases_per_layer: int
    layers: int

    @property
    def cases(self) -> int:
        return self.cases_per_layer * self.layers


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    description: str
    uom: str
    case_pack: int
    gtin: str | None = None
    """Left-padded to 14 digits."""
    pallet: PalletPack | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    successor: str | None = None
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """Who owns an exception category, and how soon they must handle a case."""

    team: str
    severity: Severity
    handle_within: timedelta


DEFAULT_ROUTE = Route(team="customer_service", severity=Severity.MEDIUM, handle_within=timedelta(hours=4))


class ReferenceData:
    """Partners, products and routing, indexed for the look-ups rules make on every order line."""

    def __init__(
        self,
        partners: Iterable[Partner] = (),
        products: Iterable[Product] = (),
        routes: Mapping[str, Route] | None = None,
    ) -> None:
        self._partners = {partner.code: partner for partner in partners}
        self._products = {product.sku: product for product in products}
        self._by_gtin = {product.gtin: product for product in self._products.values() if product.gtin}
        self._routes = dict(routes or {})

    def partner(self, code: str) -> Partner | None:
        return self._partners.get(code)

    def partners(self) -> list[Partner]:
        return sorted(self._partners.values(), key=lambda partner: partner.code)

    def product(self, sku: str) -> Product | None:
        return self._products.get(sku)

    def product_by_gtin(self, gtin14: str) -> Product | None:
        return self._by_gtin.get(gtin14)

    def products(self) -> list[Product]:
        return sorted(self._products.values(), key=lambda product: product.sku)

    def route(self, category: str) -> Route:
        return self._routes.get(category, DEFAULT_ROUTE)
