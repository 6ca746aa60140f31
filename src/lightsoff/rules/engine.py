"""The rule set: every edge-condition rule, in a defined order, over one order. Pure and fast.

Each rule sees the order as the rules before it left it (a ship-to fixed before items are resolved,
a substitute chosen before rounding uses its pack) and every finding is reported, not just the
first. Exact retransmissions and amendments are decided before the rules, by the intake service,
because they are about the PO number rather than the order's content.
"""

from __future__ import annotations

from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.rules.dates import check_ship_date
from lightsoff.rules.draft import Draft, Evaluation, RuleContext
from lightsoff.rules.history import check_duplicate, check_repeat
from lightsoff.rules.products import check_products, normalize_units
from lightsoff.rules.references import check_partner, check_ship_to, resolve_items


def evaluate(order: CustomerOrder, context: RuleContext) -> Evaluation:
    draft = Draft.of(order, context.reference_data.partner(order.partner), context)
    check_partner(draft)
    check_ship_to(draft)
    normalize_units(draft)
    resolve_items(draft)
    check_products(draft)
    check_ship_date(draft)
    if not check_duplicate(draft):
        check_repeat(draft)
    return draft.result()
