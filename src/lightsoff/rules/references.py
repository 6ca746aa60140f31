"""Resolve the partner's references (partner, ship-to, item codes) against reference data.

Item resolution order per line: our SKU if given, then the partner's code list for its customer SKU,
then the GTIN in the product master. A line none of these resolves is a finding, not a rejection:
the data may be right and the master data behind (a new product, a new store).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lightsoff.domain import gs1
from lightsoff.domain.customer_order import CustomerOrder, OrderLine
from lightsoff.domain.reference_data import Partner, ReferenceData
from lightsoff.rules.findings import Finding

UNKNOWN_PARTNER = "unknown_partner"
UNKNOWN_SHIP_TO = "unknown_ship_to"
UNKNOWN_PRODUCT = "unknown_product"


@dataclass(frozen=True, slots=True)
class ReferenceCheck:
    resolved_skus: dict[int, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


def check_references(order: CustomerOrder, reference_data: ReferenceData) -> ReferenceCheck:
    partner = reference_data.partner(order.partner)
    findings: list[Finding] = []
    if partner is None:
        findings.append(_unknown_partner(order.partner))
    elif order.ship_to.code not in partner.ship_to:
        findings.append(_unknown_ship_to(order.ship_to.code, partner))
    resolved: dict[int, str] = {}
    for line in order.lines:
        sku = _resolve_sku(line, partner, reference_data)
        if sku is not None:
            resolved[line.line_no] = sku
        elif not _only_partner_can_map(line, partner):
            findings.append(_unknown_product(line, order.partner, partner))
    return ReferenceCheck(resolved_skus=resolved, findings=tuple(findings))


def _only_partner_can_map(line: OrderLine, partner: Partner | None) -> bool:
    """A line with only a customer SKU, from a partner without a profile: the partner's case covers it."""
    return partner is None and line.sku is None and line.gtin is None


def _resolve_sku(line: OrderLine, partner: Partner | None, reference_data: ReferenceData) -> str | None:
    if line.sku is not None:
        return line.sku if reference_data.product(line.sku) else None
    if line.customer_sku is not None and partner is not None:
        sku = partner.customer_skus.get(line.customer_sku)
        if sku is not None and reference_data.product(sku):
            return sku
    if line.gtin is not None and gs1.gtin_problem(line.gtin) is None:
        product = reference_data.product_by_gtin(gs1.normalize_gtin(line.gtin))
        if product is not None:
            return product.sku
    return None


def _unknown_partner(code: str) -> Finding:
    return Finding(
        category=UNKNOWN_PARTNER,
        message=(
            f"Partner {code!r} has no profile, so its item codes, ship-to codes and policy are unknown. "
            f"Add a partner profile for {code!r} and revalidate the order, or reject it."
        ),
        actions=("revalidate", "reject_order"),
    )


def _unknown_ship_to(code: str, partner: Partner) -> Finding:
    return Finding(
        category=UNKNOWN_SHIP_TO,
        message=(
            f"Ship-to {code!r} is not a location of partner {partner.code} ({partner.name}), so the order "
            f"cannot be planned for delivery. Add {code!r} to the partner's ship-to list and revalidate, "
            "set another ship-to on the order, or reject it."
        ),
        actions=("set_ship_to", "revalidate", "reject_order"),
    )


def _unknown_product(line: OrderLine, partner_code: str, partner: Partner | None) -> Finding:
    given = ", ".join(
        f"{label} {value!r}"
        for label, value in (("SKU", line.sku), ("customer SKU", line.customer_sku), ("GTIN", line.gtin))
        if value is not None
    )
    where = "the product master" if partner is None else f"the product master or {partner.code}'s code list"
    return Finding(
        category=UNKNOWN_PRODUCT,
        message=(
            f"Line {line.line_no}: {given} matches no product in {where}, so lightsoff cannot tell what to "
            f"make or ship. Map the item for partner {partner_code} and revalidate, substitute a SKU on "
            "the line, or reject the line."
        ),
        actions=("substitute_sku", "revalidate", "reject_line", "reject_order"),
        line_no=line.line_no,
    )
