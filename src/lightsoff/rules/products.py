"""Rules about what is ordered: discontinued items, units, case packs, minimum and maximum quantities.

They run on lines whose product is known, in this order, each on the line as the previous left it:
a substitute's pack is the one rounding uses.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import partial

from lightsoff.domain.policy import Rounding, RuleOutcome
from lightsoff.domain.reference_data import Product, ProductStatus
from lightsoff.rules.catalog import (
    DISCONTINUED_PRODUCT,
    MALFORMED_DATA,
    PACK_MULTIPLE,
    QUANTITY_LIMITS,
    UNIT_OF_MEASURE,
)
from lightsoff.rules.draft import Draft
from lightsoff.rules.findings import Say

CASE = "CS"
PALLET = "PL"


def normalize_units(draft: Draft) -> None:
    """Unit codes in our spelling (``PCE``, ``each``, the partner's own synonyms → ``EA``)."""
    for line_no, line in list(draft.lines.items()):
        ours = draft.partner.uom(line.uom) if draft.partner is not None else line.uom.strip().upper()
        if ours == line.uom:
            continue
        draft.propose(
            MALFORMED_DATA,
            partial(draft.set_line, MALFORMED_DATA, line_no, f"unit {line.uom!r} is written {ours!r} here", uom=ours),
            message=Say(
                f"Line {line_no}: unit {line.uom!r} is read as {ours!r}.",
                f"Approve {ours!r}, or set the unit.",
                f"Send the unit as {ours!r}.",
            ),
            actions=("approve", "set_uom", "reject_line"),
            suggestion={"action": "set_uom", "parameters": {"uom": ours}},
            line_no=line_no,
            field_name=draft.path(line_no, "uom"),
        )


def check_products(draft: Draft) -> None:
    data = draft.context.reference_data
    for line_no in list(draft.lines):
        sku = draft.skus.get(line_no)
        product = data.product(sku) if sku is not None else None
        if product is None:
            continue
        product = _successor(draft, line_no, product)
        if product is None:
            continue
        if not _unit(draft, line_no, product):
            continue
        _pack(draft, line_no, product)
        _limits(draft, line_no, product)


def _successor(draft: Draft, line_no: int, product: Product) -> Product | None:
    """The product the line will be made with, or None when a person must decide first."""
    status = product.status_on(draft.order.requested_ship_date)
    if status is ProductStatus.ACTIVE:
        return product
    data = draft.context.reference_data
    successor = data.product(product.successor) if product.successor else None
    if successor is not None and successor.status_on(draft.order.requested_ship_date) is ProductStatus.ACTIVE:
        policy = draft.policy
        applied = draft.propose(
            DISCONTINUED_PRODUCT,
            lambda: draft.set_line(
                DISCONTINUED_PRODUCT,
                line_no,
                f"{product.sku} is {status.value}; {successor.sku} replaces it",
                sku=successor.sku,
            ),
            message=Say(
                f"Line {line_no}: {product.sku} ({product.description}) is {status.value}; {successor.sku} "
                f"({successor.description}) replaces it.",
                f"Partner {draft.order.partner} has not agreed to substitutes, so approve {successor.sku}, "
                "substitute another SKU, or reject the line.",
                f"Order {successor.sku} instead.",
            ),
            actions=("approve", "substitute_sku", "reject_line", "reject_order"),
            suggestion={"action": "substitute_sku", "parameters": {"sku": successor.sku}},
            line_no=line_no,
            field_name=draft.path(line_no, "sku"),
            default=RuleOutcome.CORRECT if policy.substitute_successor else RuleOutcome.REVIEW,
        )
        if applied:
            draft.skus[line_no] = successor.sku
            return successor
        return None if not draft.waived(DISCONTINUED_PRODUCT, line_no) else product
    if draft.waived(DISCONTINUED_PRODUCT, line_no):
        return product
    draft.find(
        DISCONTINUED_PRODUCT,
        Say(
            f"Line {line_no}: {product.sku} ({product.description}) is {status.value} and has no active "
            "successor, so it cannot be made.",
            "Substitute another SKU, or reject the line.",
            "Order another product, or leave the line out.",
        ),
        ("substitute_sku", "reject_line", "reject_order"),
        line_no=line_no,
        field_name=draft.path(line_no, "sku"),
    )
    return None


def _unit(draft: Draft, line_no: int, product: Product) -> bool:
    """The line in the product's unit; False when a person must decide first."""
    line = draft.lines[line_no]
    uom = draft.partner.uom(line.uom) if draft.partner is not None else line.uom.strip().upper()
    if uom == product.uom:
        return True
    factor = _factor(uom, product)
    if factor is None:
        draft.find(
            UNIT_OF_MEASURE,
            Say(
                f"Line {line_no}: unit {line.uom!r} cannot be converted to {product.sku}'s unit {product.uom}.",
                f"Set the quantity in {product.uom}, or reject the line.",
                f"Send the quantity in {product.uom}.",
            ),
            ("set_quantity", "reject_line"),
            line_no=line_no,
            field_name=draft.path(line_no, "uom"),
        )
        return False
    quantity = line.quantity * factor
    return draft.propose(
        UNIT_OF_MEASURE,
        lambda: draft.set_line(
            UNIT_OF_MEASURE,
            line_no,
            f"{line.quantity} {line.uom} of {product.sku} is {quantity} {product.uom} "
            f"({factor} {product.uom} per {uom})",
            quantity=quantity,
            uom=product.uom,
        ),
        message=Say(
            f"Line {line_no}: {line.quantity} {line.uom} is {quantity} {product.uom} of {product.sku}.",
            f"Approve {quantity} {product.uom}, set another quantity, or reject the line.",
            f"Send the quantity in {product.uom}: {quantity} {product.uom}.",
        ),
        actions=("approve", "set_quantity", "reject_line"),
        suggestion={"action": "set_quantity", "parameters": {"quantity": str(quantity)}},
        line_no=line_no,
        field_name=draft.path(line_no, "uom"),
    ) or draft.waived(UNIT_OF_MEASURE, line_no)


def _factor(uom: str, product: Product) -> int | None:
    if uom == CASE:
        return product.case_pack
    if uom == PALLET and product.pallet is not None:
        return product.case_pack * product.pallet.cases
    return None


def _pack(draft: Draft, line_no: int, product: Product) -> None:
    line = draft.lines[line_no]
    pack = Decimal(product.case_pack)
    if line.quantity % pack == 0:
        return
    policy = draft.policy
    mode = ROUND_CEILING if policy.rounding is Rounding.UP else ROUND_HALF_UP
    rounded = max((line.quantity / pack).quantize(Decimal(1), rounding=mode), Decimal(1)) * pack
    change = abs(rounded - line.quantity) / line.quantity
    within = change <= policy.rounding_tolerance
    draft.propose(
        PACK_MULTIPLE,
        lambda: draft.set_line(
            PACK_MULTIPLE,
            line_no,
            f"{product.sku} ships in cases of {product.case_pack}; {line.quantity} rounded {policy.rounding.value} "
            f"to {rounded}",
            quantity=rounded,
        ),
        message=Say(
            f"Line {line_no}: {line.quantity} {product.uom} of {product.sku} is not a multiple of its case pack "
            f"({product.case_pack}); the nearest full cases ({rounded}) change the quantity by {change:.0%}, "
            f"more than the {policy.rounding_tolerance:.0%} partner {draft.order.partner} allows without asking.",
            f"Approve {rounded}, set another quantity, release the line as ordered, or reject it.",
            f"Order in full cases of {product.case_pack} {product.uom} (for example {rounded}).",
        ),
        actions=("approve", "set_quantity", "release", "reject_line"),
        suggestion={"action": "set_quantity", "parameters": {"quantity": str(rounded)}},
        line_no=line_no,
        field_name=draft.path(line_no, "quantity"),
        default=None if within else RuleOutcome.REVIEW,
    )


def _limits(draft: Draft, line_no: int, product: Product) -> None:
    line = draft.lines[line_no]
    low, high = product.min_quantity, product.max_quantity
    if low is not None and line.quantity < low:
        bound, word = low, "minimum"
    elif high is not None and line.quantity > high:
        bound, word = high, "maximum"
    else:
        return
    draft.propose(
        QUANTITY_LIMITS,
        lambda: draft.set_line(
            QUANTITY_LIMITS, line_no, f"{product.sku}'s {word} order quantity is {bound}", quantity=bound
        ),
        message=Say(
            f"Line {line_no}: {line.quantity} {product.uom} of {product.sku} is "
            f"{'below' if word == 'minimum' else 'above'} its {word} order quantity of {bound}.",
            f"Approve {bound}, set another quantity, release the line as ordered, or reject it.",
            f"Order {'at least' if word == 'minimum' else 'at most'} {bound} {product.uom} of {product.sku}.",
        ),
        actions=("approve", "set_quantity", "release", "reject_line"),
        suggestion={"action": "set_quantity", "parameters": {"quantity": str(bound)}},
        line_no=line_no,
        field_name=draft.path(line_no, "quantity"),
    )
