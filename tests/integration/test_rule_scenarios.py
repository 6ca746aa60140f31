"""Every edge condition, under the default policy and under another setting: raw order in, final state out.

Each row submits what a partner sent (after the orders it needs before it) and checks what lightsoff
made of it: the message's outcome, the order's status, the order's events, the corrections (rule,
field, before, after), the exception cases (rule, line, suggested action) and the rejection reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from lightsoff.domain.messages import MessageOutcome as Out
from lightsoff.domain.orders import OrderStatus as St
from lightsoff.rules.catalog import RULES
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock
from tests.integration.rules_world import SHIP, World, WorldFactory, item, order, world_factory

RECEIVED, VALIDATED, HELD, CORRECTED = "order.received", "order.validated", "order.held", "order.corrected"
OK = (RECEIVED, VALIDATED)
FIXED = (RECEIVED, CORRECTED, VALIDATED)
STOPPED = (RECEIVED, HELD)


@dataclass(frozen=True)
class Scenario:
    id: str
    document: dict[str, Any]
    outcome: Out
    status: St | None = None
    events: tuple[str, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)
    before: tuple[dict[str, Any], ...] = ()
    allocate_first: bool = False
    corrections: tuple[tuple[str, str, str | None, str | None], ...] = ()
    cases: tuple[tuple[str, int | None, str | None], ...] = ()
    """(rule, line, the suggested action or None)"""
    rejections: tuple[tuple[str, str], ...] = ()
    """(code, path)"""
    says: str = ""
    """Words the first case's message or the first rejection must contain."""


def bolt(quantity: Any, line_no: int = 1, **more: Any) -> dict[str, Any]:
    return item(line_no, sku="BOLT-12", quantity=quantity, **more)


SAME_LINES = [bolt(240), item(2, sku="NUT-50", quantity=100)]
REPEAT_PO = order(bolt(24), po_number="SP-FIRST")
AMENDED_PO = order(bolt(24), po_number="SP-AMEND")

SCENARIOS = [
    # exact retransmission: idempotent whatever the policy
    Scenario("retransmission/default", REPEAT_PO, Out.DUPLICATE, St.VALIDATED, OK, before=(REPEAT_PO,)),
    Scenario(
        "retransmission/amendments reviewed",
        REPEAT_PO,
        Out.DUPLICATE,
        St.VALIDATED,
        OK,
        policy={"amendments": "review"},
        before=(REPEAT_PO,),
    ),
    # amendment: applied while open, reviewed by policy or once allocated
    Scenario(
        "amendment/applied while open",
        order(bolt(36), po_number="SP-AMEND"),
        Out.ACCEPTED,
        St.VALIDATED,
        (*OK, "order.amended", VALIDATED),
        before=(AMENDED_PO,),
    ),
    Scenario(
        "amendment/reviewed by policy",
        order(bolt(36), po_number="SP-AMEND"),
        Out.HELD,
        St.HELD,
        (*OK, HELD),
        policy={"amendments": "review"},
        before=(AMENDED_PO,),
        cases=(("amendment", None, "apply_amendment"),),
        says="policy is to review changes",
    ),
    Scenario(
        "amendment/reviewed once allocated",
        order(bolt(36), po_number="SP-AMEND"),
        Out.HELD,
        St.ALLOCATED,
        (*OK, "order.allocated"),
        before=(AMENDED_PO,),
        allocate_first=True,
        cases=(("amendment", None, "apply_amendment"),),
        says="already allocated",
    ),
    # repeat order for the same ship-to and date
    Scenario("repeat order/kept separate", order(bolt(48)), Out.ACCEPTED, St.VALIDATED, OK, before=(REPEAT_PO,)),
    Scenario(
        "repeat order/merged",
        order(bolt(48)),
        Out.ACCEPTED,
        St.VALIDATED,
        (*OK, "order.merged", VALIDATED),
        policy={"repeat_orders": "merge"},
        before=(REPEAT_PO,),
    ),
    Scenario(
        "repeat order/reviewed",
        order(bolt(48)),
        Out.HELD,
        St.HELD,
        STOPPED,
        policy={"repeat_orders": "review"},
        before=(REPEAT_PO,),
        cases=(("repeat_order", None, "merge"),),
        says="SP-FIRST",
    ),
    # suspected duplicate: another PO with the same lines
    Scenario(
        "duplicate/reviewed",
        order(*SAME_LINES),
        Out.HELD,
        St.HELD,
        STOPPED,
        before=(order(*SAME_LINES),),
        cases=(("suspected_duplicate", None, None),),
        says="sent twice under two numbers",
    ),
    Scenario(
        "duplicate/accepted by policy",
        order(*SAME_LINES),
        Out.ACCEPTED,
        St.VALIDATED,
        OK,
        policy={"outcomes": {"suspected_duplicate": "accept"}},
        before=(order(*SAME_LINES),),
    ),
    Scenario(
        "duplicate/other ship-to is no duplicate",
        order(*SAME_LINES, ship_to={"code": "DC-2"}),
        Out.ACCEPTED,
        St.VALIDATED,
        OK,
        before=(order(*SAME_LINES),),
    ),
    # discontinued and retired products
    Scenario(
        "discontinued/reviewed without substitution",
        order(item(1, sku="OLD-1", quantity=10)),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("discontinued_product", 1, "substitute_sku"),),
        says="NEW-1",
    ),
    Scenario(
        "discontinued/substituted when allowed",
        order(item(1, sku="OLD-1", quantity=10)),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"substitute_successor": True},
        corrections=(("discontinued_product", "$.lines[0].sku", "OLD-1", "NEW-1"),),
    ),
    Scenario(
        "discontinued/customer SKU substituted",
        order(item(1, customer_sku="C-OLD", quantity=10)),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"substitute_successor": True},
        corrections=(("discontinued_product", "$.lines[0].sku", None, "NEW-1"),),
    ),
    Scenario(
        "discontinued/not before its effective date",
        order(item(1, sku="SOON-1", quantity=10)),
        Out.ACCEPTED,
        St.VALIDATED,
        OK,
    ),
    Scenario(
        "retired/reviewed even when substitution is allowed",
        order(item(1, sku="GONE-1", quantity=10)),
        Out.HELD,
        St.HELD,
        STOPPED,
        policy={"substitute_successor": True},
        cases=(("discontinued_product", 1, None),),
        says="no active successor",
    ),
    Scenario(
        "retired/rejected by policy",
        order(item(1, sku="GONE-1", quantity=10)),
        Out.REJECTED,
        policy={"outcomes": {"discontinued_product": "reject"}},
        rejections=(("discontinued_product", "$.lines[0].sku"),),
        says="Order another product, or leave the line out.",
    ),
    # unknown customer SKU: code list, then GTIN, else review
    Scenario("item/by code list", order(item(1, customer_sku="C-100", quantity=24)), Out.ACCEPTED, St.VALIDATED, OK),
    Scenario("item/by GTIN", order(item(1, gtin="4012345000023", quantity=100)), Out.ACCEPTED, St.VALIDATED, OK),
    Scenario(
        "item/unknown reviewed",
        order(item(1, customer_sku="X-999", quantity=5)),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("unknown_product", 1, None),),
        says="'X-999' matches no product",
    ),
    Scenario(
        "item/unknown rejected by policy",
        order(item(1, customer_sku="X-999", quantity=5)),
        Out.REJECTED,
        policy={"outcomes": {"unknown_product": "reject"}},
        rejections=(("unknown_product", "$.lines[0].customer_sku"),),
        says="Send an item number from the catalogue",
    ),
    # malformed but correctable
    Scenario(
        "malformed/corrected",
        order(
            item(1, customer_sku=" c-100 ", quantity="120,0", uom="stk"),
            partner="shop",
            requested_ship_date="07.12.2026",
            ship_to={"code": "dc-1"},
        ),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        corrections=(
            ("malformed_data", "$.partner", "shop", "SHOP"),
            ("malformed_data", "$.requested_ship_date", "07.12.2026", SHIP),
            ("malformed_data", "$.lines[0].customer_sku", " c-100 ", "c-100"),
            ("malformed_data", "$.lines[0].quantity", "120,0", "120.0"),
            ("malformed_data", "$.ship_to.code", "dc-1", "DC-1"),
            ("malformed_data", "$.lines[0].uom", "stk", "EA"),
            ("malformed_data", "$.lines[0].customer_sku", "c-100", "C-100"),
        ),
    ),
    Scenario(
        "malformed/decimal comma and European dates by policy",
        order(bolt("1.200"), order_date="23/11/2026", requested_ship_date="2026-12-07"),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"decimal_separator": ",", "date_formats": ("%d/%m/%Y",)},
        corrections=(
            ("malformed_data", "$.order_date", "23/11/2026", "2026-11-23"),
            ("malformed_data", "$.lines[0].quantity", "1.200", "1200"),
        ),
    ),
    Scenario(
        "malformed/rejected by policy",
        order(bolt("120,0"), requested_ship_date="07.12.2026"),
        Out.REJECTED,
        policy={"outcomes": {"malformed_data": "reject"}},
        rejections=(("invalid_date", "$.requested_ship_date"), ("invalid_number", "$.lines[0].quantity")),
    ),
    # units of measure
    Scenario(
        "unit/cases converted",
        order(bolt(2, uom="KRT")),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        corrections=(
            ("malformed_data", "$.lines[0].uom", "KRT", "CS"),
            ("unit_of_measure", "$.lines[0].quantity", "2", "24"),
            ("unit_of_measure", "$.lines[0].uom", "CS", "EA"),
        ),
    ),
    Scenario(
        "unit/reviewed by policy",
        order(bolt(2, uom="CS")),
        Out.HELD,
        St.HELD,
        STOPPED,
        policy={"outcomes": {"unit_of_measure": "review"}},
        cases=(("unit_of_measure", 1, "set_quantity"),),
        says="is 24 EA",
    ),
    # quantity not a multiple of the pack
    Scenario(
        "pack/rounded up within tolerance",
        order(bolt(100)),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        corrections=(("pack_multiple", "$.lines[0].quantity", "100", "108"),),
    ),
    Scenario(
        "pack/rounded to nearest by policy",
        order(bolt(100)),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"rounding": "nearest"},
        corrections=(("pack_multiple", "$.lines[0].quantity", "100", "96"),),
    ),
    Scenario(
        "pack/beyond tolerance reviewed",
        order(bolt(5)),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("pack_multiple", 1, "set_quantity"),),
        says="change the quantity by 140%",
    ),
    Scenario(
        "pack/wider tolerance by policy",
        order(bolt(5)),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"rounding_tolerance": Decimal("1.5")},
        corrections=(("pack_multiple", "$.lines[0].quantity", "5", "12"),),
    ),
    Scenario(
        "pack/every rounding reviewed by policy",
        order(bolt(100)),
        Out.HELD,
        St.HELD,
        STOPPED,
        policy={"outcomes": {"pack_multiple": "review"}},
        cases=(("pack_multiple", 1, "set_quantity"),),
    ),
    # minimum and maximum quantity
    Scenario(
        "limits/below minimum reviewed",
        order(item(1, sku="KIT-4", quantity=4)),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("quantity_limits", 1, "set_quantity"),),
        says="below its minimum order quantity of 8",
    ),
    Scenario(
        "limits/raised to minimum by policy",
        order(item(1, sku="KIT-4", quantity=4)),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"outcomes": {"quantity_limits": "correct"}},
        corrections=(("quantity_limits", "$.lines[0].quantity", "4", "8"),),
    ),
    Scenario(
        "limits/above maximum rejected by policy",
        order(item(1, sku="KIT-4", quantity=800)),
        Out.REJECTED,
        policy={"outcomes": {"quantity_limits": "reject"}},
        rejections=(("quantity_limits", "$.lines[0].quantity"),),
        says="Order at most",
    ),
    # requested ship date in the past or inside the lead time
    Scenario(
        "ship date/in the past reviewed",
        order(bolt(24), order_date="2026-11-16", requested_ship_date="2026-11-20"),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("ship_date", None, "set_ship_date"),),
        says="is in the past",
    ),
    Scenario(
        "ship date/inside the lead time reviewed",
        order(bolt(24), requested_ship_date="2026-11-24"),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("ship_date", None, "set_ship_date"),),
        says="inside the 2-day lead time",
    ),
    Scenario(
        "ship date/moved by policy",
        order(bolt(24), requested_ship_date="2026-11-24"),
        Out.ACCEPTED,
        St.VALIDATED,
        FIXED,
        policy={"outcomes": {"ship_date": "correct"}},
        corrections=(("ship_date", "$.requested_ship_date", "2026-11-24", "2026-11-25"),),
    ),
    Scenario(
        "ship date/no lead time by policy",
        order(bolt(24), requested_ship_date="2026-11-24"),
        Out.ACCEPTED,
        St.VALIDATED,
        OK,
        policy={"lead_time_days": 0},
    ),
    # unknown ship-to
    Scenario(
        "ship-to/unknown reviewed",
        order(bolt(24), ship_to={"code": "DC-9"}),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(("unknown_ship_to", None, None),),
        says="'DC-9' is not a location of partner SHOP",
    ),
    Scenario(
        "ship-to/unknown rejected by policy",
        order(bolt(24), ship_to={"code": "DC-9"}),
        Out.REJECTED,
        policy={"outcomes": {"unknown_ship_to": "reject"}},
        rejections=(("unknown_ship_to", "$.ship_to.code"),),
        says="Send one of the ship-to codes agreed for SHOP",
    ),
    # every finding at once
    Scenario(
        "all findings are reported together",
        order(
            item(1, customer_sku="X-999", quantity=5),
            bolt(5, line_no=2),
            order_date="2026-11-16",
            requested_ship_date="2026-11-20",
        ),
        Out.HELD,
        St.HELD,
        STOPPED,
        cases=(
            ("unknown_product", 1, None),
            ("pack_multiple", 2, "set_quantity"),
            ("ship_date", None, "set_ship_date"),
        ),
    ),
    Scenario(
        "every rejection reason is listed",
        order(item(1, customer_sku="X-999", quantity=5), order_date="2026-11-16", requested_ship_date="2026-11-20"),
        Out.REJECTED,
        policy={"outcomes": {"unknown_product": "reject", "ship_date": "reject"}},
        rejections=(("unknown_product", "$.lines[0].customer_sku"), ("ship_date", "$.requested_ship_date")),
    ),
]


@pytest.fixture
def world(settings: Settings, clock: FakeClock) -> Iterator[WorldFactory]:
    yield from world_factory(settings, clock)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario: Scenario, world: WorldFactory) -> None:
    w = world(**scenario.policy)
    for document in scenario.before:
        first = w.submit(document)
        assert first.created, first
        assert first.order is not None
        if scenario.allocate_first:
            w.allocate(first.order.order_id)
    result = w.submit(scenario.document)
    assert result.outcome is scenario.outcome, (result.outcome, result.problems, result.exceptions)
    if scenario.outcome is Out.REJECTED:
        check_rejection(w, scenario, result)
        return
    assert result.order is not None
    assert result.order.status is scenario.status
    assert tuple(w.event_names(result.order.order_id)) == scenario.events
    assert [(c.rule, c.field, c.before, c.after) for c in result.corrections] == list(scenario.corrections)
    assert [(c.rule, c.line_no, (c.suggestion or {}).get("action")) for c in result.exceptions] == list(scenario.cases)
    if scenario.says:
        assert scenario.says in result.exceptions[0].message
    check_corrections_recorded(w, result.order.order_id, scenario)


OPERATOR_WORDS = ("Approve", "approve", "revalidate", "Release", "release", "reject the")
"""The options of an exception case: a sender whose order is refused can take none of them."""


def check_rejection(w: World, scenario: Scenario, result: Any) -> None:
    assert [(p.code, p.path) for p in result.problems] == list(scenario.rejections)
    assert all(p.message for p in result.problems)
    rule_problems = [p for p in result.problems if p.code in RULES]
    assert not [p.message for p in rule_problems if any(word in p.message for word in OPERATOR_WORDS)]
    if scenario.says:
        assert scenario.says in result.problems[0].message
    assert w.all_events()[-1][1] == "order.rejected"
    archived = w.lightsoff.queries.message(result.message_id)
    assert [error["code"] for error in archived.detail["errors"]] == [code for code, _ in scenario.rejections]


def check_corrections_recorded(w: World, order_id: str, scenario: Scenario) -> None:
    """The corrections are on the order and in its order.corrected event, as in the response."""
    order = w.lightsoff.queries.order(order_id).order
    expected = [(rule, path, before, after) for rule, path, before, after in scenario.corrections]
    assert [(c.rule, c.field, c.before, c.after) for c in order.corrections] == expected
    events = w.lightsoff.queries.order_events(order_id)
    corrected = [event.decode() for event in events if event.name == "order.corrected"]
    in_events = [(c.rule, c.field, c.before, c.after) for e in corrected for c in e.corrections]  # type: ignore[attr-defined]
    assert in_events == expected
