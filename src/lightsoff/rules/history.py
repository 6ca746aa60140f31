"""Rules that compare an order with the partner's other orders: suspected duplicates and repeat orders.

The service looks the other orders up (by a signature of ship-to and lines, and by ship-to and date)
and passes what it found in the context, so these rules stay pure.
"""

from __future__ import annotations

import hashlib

from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.policy import RepeatOrders, RuleOutcome
from lightsoff.rules.catalog import REPEAT_ORDER, SUSPECTED_DUPLICATE
from lightsoff.rules.draft import Draft
from lightsoff.rules.findings import Finding, Say


def signature(order: CustomerOrder) -> str:
    """Same ship-to and same lines (item and quantity, in any order and numbering): the same signature."""
    items = sorted(
        f"{line.sku or ''}|{line.customer_sku or ''}|{line.gtin or ''}|{line.quantity.normalize()}|{line.uom}"
        for line in order.lines
    )
    text = order.ship_to.code + "\n" + "\n".join(items)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def check_duplicate(draft: Draft) -> bool:
    """True when the order looks like a duplicate (then it is no repeat order to merge)."""
    other = draft.context.duplicate_of
    if other is None:
        return False
    window = draft.policy.duplicate_window_days
    draft.find(
        SUSPECTED_DUPLICATE,
        Say(
            f"PO {draft.order.po_number!r} has the same ship-to and lines as PO {other.po_number!r} "
            f"({other.order_id}), received within the last {window} days: it may be sent twice under two numbers.",
            "Release it if both are wanted, or reject this order.",
            f"If PO {other.po_number!r} already covers it, nothing more is needed; if both are wanted, ask the "
            "manufacturer's customer service to take this one.",
        ),
        ("release", "reject_order"),
        field_name="$.po_number",
    )
    return True


def check_repeat(draft: Draft) -> None:
    target = draft.context.open_order
    if target is None or not draft.context.first_pass or draft.waived(REPEAT_ORDER):
        return
    mode = draft.policy.repeat_orders
    outcome = draft.policy.outcomes.get(REPEAT_ORDER)
    if mode is RepeatOrders.MERGE and outcome in (None, RuleOutcome.CORRECT):
        draft.merge_into = target
        return
    if mode is RepeatOrders.REVIEW or outcome is RuleOutcome.REVIEW:
        draft.findings.append(_repeat_finding(draft, target.order_id, target.po_number))


def _repeat_finding(draft: Draft, order_id: str, po_number: str) -> Finding:
    return Finding(
        REPEAT_ORDER,
        f"PO {draft.order.po_number!r} is for the same ship-to ({draft.order.ship_to.code}) and ship date "
        f"({draft.order.requested_ship_date}) as open order {order_id} (PO {po_number!r}). Merge it into "
        f"{order_id} to ship together, or keep it separate.",
        ("merge", "keep_separate"),
        field="$.po_number",
        suggestion={"action": "merge", "parameters": {"order_id": order_id}},
    )
