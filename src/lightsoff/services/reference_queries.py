"""Reading the configuration in force: partner profiles (as far as the caller may see them), the product master.

The reference data is what the rules decide with, loaded once at start; these reads never touch the
database. A caller confined to some partners sees only their profiles: to it, the others do not
exist (NotFound, so 404, never 403). The product master is not any partner's: every reader sees it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import islice

from lightsoff.domain.errors import NotFound
from lightsoff.domain.reference_data import Partner, Product, ProductStatus, ReferenceData
from lightsoff.rules.effective import EffectiveRule, effective_rules
from lightsoff.services.queries import Partners


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    partner: Partner
    rules: tuple[EffectiveRule, ...]
    """Every rule, with the outcome it has for this partner and what decides it."""


class ReferenceQueries:
    def __init__(self, reference_data: ReferenceData) -> None:
        self._data = reference_data
        self._products = reference_data.products()
        self._skus = [product.sku for product in self._products]

    def partners(self, partners: Partners = None) -> list[Partner]:
        return [partner for partner in self._data.partners() if partners is None or partner.code in partners]

    def partner(self, code: str, partners: Partners = None) -> PartnerProfile:
        partner = self._data.partner(code)
        if partner is None or (partners is not None and code not in partners):
            raise NotFound("partner", code)
        return PartnerProfile(partner, tuple(effective_rules(partner.policy)))

    def products(
        self, *, status: ProductStatus | None = None, after: str | None = None, limit: int = 100
    ) -> list[Product]:
        """A page of the master in SKU order: those after ``after``, of ``status`` if given."""
        start = bisect_right(self._skus, after) if after is not None else 0
        chosen = (product for product in self._products[start:] if status is None or product.status is status)
        return list(islice(chosen, limit))

    def product(self, sku: str) -> Product:
        product = self._data.product(sku)
        if product is None:
            raise NotFound("product", sku)
        return product
