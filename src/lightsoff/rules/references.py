"""Resolve the partner's references (partner, ship-to, item codes) against reference data.

A ship-to code that is not one of the partner's locations may still name one: through the partner's
code list of its other ship-to codes, as a location's GLN, or spelt loosely; each is corrected as
malformed data. Item resolution order per line: our SKU if given, then the partner's code list for
its customer SKU, then the GTIN in the product master. A line none of these resolves is a finding, not a rejection:
the data may be right and the master data behind (a new product, a new store). A code that differs
only in case, surrounding blanks or leading zeros is malformed data, corrected as policy says.
"""

from __future__ import annotations

from dataclasses import replace

from lightsoff.domain import gs1
from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import OrderLine
from lightsoff.domain.reference_data import Partner
from lightsoff.rules.catalog import MALFORMED_DATA, UNKNOWN_PARTNER, UNKNOWN_PRODUCT, UNKNOWN_SHIP_TO
from lightsoff.rules.draft import Draft
from lightsoff.rules.findings import Say


def _loose(code: str) -> str:
    """A code as people mean it: no blanks, no case, no leading zeros."""
    return code.strip().upper().lstrip("0") or "0"


def check_partner(draft: Draft) -> None:
    if draft.partner is not None:
        return
    code = draft.order.partner
    draft.find(
        UNKNOWN_PARTNER,
        Say(
            f"Partner {code!r} has no profile, so its item codes, ship-to codes and policy are unknown.",
            f"Add a partner profile for {code!r} and revalidate the order, or reject it.",
            "Check the partner code: send the code the manufacturer set up for you.",
        ),
        ("revalidate", "reject_order"),
        field_name="$.partner",
    )


def check_ship_to(draft: Draft) -> None:
    partner = draft.partner
    if partner is None:
        return
    code = draft.order.ship_to.code
    if code in partner.ship_to:
        return
    known = _known_location(partner, code)
    if known is not None:
        fixed, why = known

        def change() -> list[Correction]:
            draft.order = replace(draft.order, ship_to=replace(draft.order.ship_to, code=fixed))
            return draft.set_header(MALFORMED_DATA, "ship_to.code", fixed, code, why)

        draft.propose(
            MALFORMED_DATA,
            change,
            message=Say(
                f"Ship-to {why} of partner {partner.code}.",
                f"Approve to ship to {fixed!r}, set another ship-to, or reject the order.",
                f"Send ship-to code {fixed!r}.",
            ),
            actions=("approve", "set_ship_to", "reject_order"),
            suggestion={"action": "set_ship_to", "parameters": {"code": fixed}},
            field_name="$.ship_to.code",
        )
        if draft.order.ship_to.code in partner.ship_to:
            return
    draft.find(
        UNKNOWN_SHIP_TO,
        Say(
            f"Ship-to {code!r} is not a location of partner {partner.code} ({partner.name}), so the order cannot "
            "be planned for delivery.",
            f"Add {code!r} to the partner's ship-to list and revalidate, set another ship-to on the order, or "
            "reject it.",
            f"Send one of the ship-to codes agreed for {partner.code}: {', '.join(sorted(partner.ship_to)[:5])}.",
        ),
        ("set_ship_to", "revalidate", "reject_order"),
        field_name="$.ship_to.code",
    )


def _known_location(partner: Partner, code: str) -> tuple[str, str] | None:
    """The location ``code`` means, and why: the partner's code list, a location's GLN, or a loose spelling."""
    listed = partner.location_for(code)
    if listed is not None:
        return listed, f"{code!r} is another code for location {listed!r}"
    matches = [known for known in partner.ship_to if _loose(known) == _loose(code)]
    if len(matches) == 1:
        return matches[0], f"{code!r} is written differently from location {matches[0]!r}"
    return None


def resolve_items(draft: Draft) -> None:
    for line_no, line in list(draft.lines.items()):
        sku = _resolve(draft, line)
        if sku is not None:
            draft.skus[line_no] = sku
        elif not (draft.partner is None and line.sku is None and line.gtin is None):
            draft.find(
                UNKNOWN_PRODUCT,
                _unknown_message(draft, line),
                _UNKNOWN_ACTIONS,
                line_no=line_no,
                field_name=draft.path(line_no, "sku" if line.sku else "customer_sku" if line.customer_sku else "gtin"),
            )


_UNKNOWN_ACTIONS = ("substitute_sku", "revalidate", "reject_line", "reject_order")


def _resolve(draft: Draft, line: OrderLine) -> str | None:  # noqa: PLR0911 (one return per way to resolve)
    data = draft.context.reference_data
    if line.sku is not None:
        if data.product(line.sku) is not None:
            return line.sku
        fixed = line.sku.strip().upper()
        if fixed != line.sku and data.product(fixed) is not None:
            return _fix_code(draft, line, "sku", fixed, fixed)
        return None
    partner = draft.partner
    if line.customer_sku is not None and partner is not None:
        sku = partner.customer_skus.get(line.customer_sku)
        if sku is not None and data.product(sku) is not None:
            return sku
        found = _loose_customer_sku(partner, line.customer_sku)
        if found is not None and data.product(found[1]) is not None:
            return _fix_code(draft, line, "customer_sku", found[0], found[1])
    if line.gtin is not None and gs1.gtin_problem(line.gtin) is None:
        product = data.product_by_gtin(gs1.normalize_gtin(line.gtin))
        if product is not None:
            return product.sku
    return None


def _loose_customer_sku(partner: Partner, code: str) -> tuple[str, str] | None:
    wanted = _loose(code)
    matches = [(known, sku) for known, sku in partner.customer_skus.items() if _loose(known) == wanted]
    return matches[0] if len(matches) == 1 else None


def _fix_code(draft: Draft, line: OrderLine, name: str, fixed: str, sku: str) -> str | None:
    before = getattr(line, name)
    applied = draft.propose(
        MALFORMED_DATA,
        lambda: draft.set_line(
            MALFORMED_DATA, line.line_no, f"{before!r} is written differently from {fixed!r}", **{name: fixed}
        ),
        message=Say(
            f"Line {line.line_no}: item {before!r} is written differently from {fixed!r}.",
            f"Approve to order SKU {sku}, substitute another SKU, or reject the line.",
            f"Send item {fixed!r}.",
        ),
        actions=("approve", "substitute_sku", "reject_line"),
        suggestion={"action": "substitute_sku", "parameters": {"sku": sku}},
        line_no=line.line_no,
        field_name=draft.path(line.line_no, name),
    )
    return sku if applied else None


def _unknown_message(draft: Draft, line: OrderLine) -> Say:
    given = ", ".join(
        f"{label} {value!r}"
        for label, value in (("SKU", line.sku), ("customer SKU", line.customer_sku), ("GTIN", line.gtin))
        if value is not None
    )
    partner = draft.partner
    where = "the product master" if partner is None else f"the product master or {partner.code}'s code list"
    return Say(
        f"Line {line.line_no}: {given} matches no product in {where}, so lightsoff cannot tell what to make or ship.",
        f"Map the item for partner {draft.order.partner} and revalidate, substitute a SKU on the line, or reject "
        "the line.",
        "Send an item number from the catalogue agreed with the manufacturer (its SKU, your item code or its GTIN).",
    )
