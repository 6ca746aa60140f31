"""Resolving exception cases: every action, what the order does next, and resolutions that no longer fit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lightsoff.domain.errors import CaseClosed, InvalidResolution, NotFound, ResolutionUnfit
from lightsoff.domain.exception_cases import CaseStatus, ExceptionCase
from lightsoff.domain.orders import OrderStatus
from lightsoff.services.exception_desk import Resolved
from lightsoff.services.intake import IntakeResult
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock
from tests.integration.rules_world import World, WorldFactory, item, order, world_factory


@pytest.fixture
def world(settings: Settings, clock: FakeClock) -> Iterator[WorldFactory]:
    yield from world_factory(settings, clock)


def held(w: World, document: dict[str, Any], rule: str) -> tuple[IntakeResult, ExceptionCase]:
    result = w.submit(document)
    assert result.order is not None
    assert result.order.status is OrderStatus.HELD, result
    [case] = [case for case in result.exceptions if case.rule == rule]
    return result, case


def resolve(w: World, case: ExceptionCase, action: str, **parameters: Any) -> Resolved:
    return w.lightsoff.exceptions.resolve(case.exception_id, action, parameters, "ops@example.com")


def line_of(w: World, order_id: str, line_no: int = 1) -> Any:
    order = w.lightsoff.queries.order(order_id).order
    return next(line for line in order.working.lines if line.line_no == line_no)


def test_approve_carries_out_the_suggestion_and_the_order_goes_on(world: WorldFactory) -> None:
    w = world()
    _result, case = held(w, order(item(1, sku="BOLT-12", quantity=5)), "pack_multiple")
    resolved = resolve(w, case, "approve")
    assert resolved.events == ("exception.resolved", "order.corrected", "order.validated")
    assert resolved.order.status is OrderStatus.VALIDATED
    assert line_of(w, resolved.order.order_id).quantity == Decimal(12)
    correction = resolved.order.corrections[-1]
    assert (correction.rule, correction.field, correction.after, correction.by) == (
        "pack_multiple",
        "$.lines[0].quantity",
        "12",
        case.exception_id,
    )
    assert resolved.case.status is CaseStatus.RESOLVED
    assert resolved.case.resolution is not None
    assert resolved.case.resolution.by == "ops@example.com"


def test_substitute_sku_makes_the_line_with_another_product(world: WorldFactory) -> None:
    w = world()
    _result, case = held(w, order(item(1, sku="OLD-1", quantity=10)), "discontinued_product")
    resolved = resolve(w, case, "substitute_sku", sku="NEW-1")
    assert resolved.order.status is OrderStatus.VALIDATED
    assert resolved.order.resolved_skus == {1: "NEW-1"}


def test_substitute_sku_refuses_a_sku_not_in_the_product_master(world: WorldFactory) -> None:
    w = world()
    _, case = held(w, order(item(1, sku="OLD-1", quantity=10)), "discontinued_product")
    with pytest.raises(InvalidResolution) as refused:
        resolve(w, case, "substitute_sku", sku="NOPE-1")
    assert refused.value.errors[0]["path"] == "$.parameters.sku"
    assert w.lightsoff.queries.exception_case(case.exception_id).status is CaseStatus.OPEN


def test_set_quantity_is_what_a_person_chose_and_not_rounded_again(world: WorldFactory) -> None:
    w = world()
    _result, case = held(w, order(item(1, sku="BOLT-12", quantity=5)), "pack_multiple")
    resolved = resolve(w, case, "set_quantity", quantity="7")
    assert resolved.order.status is OrderStatus.VALIDATED
    assert line_of(w, resolved.order.order_id).quantity == Decimal(7)


def test_set_uom_changes_the_unit(world: WorldFactory) -> None:
    w = world(outcomes={"malformed_data": "review"})
    _result, case = held(w, order(item(1, sku="BOLT-12", quantity=24, uom="stk")), "malformed_data")
    assert (case.suggestion or {})["action"] == "set_uom"
    resolved = resolve(w, case, "set_uom", uom="EA")
    assert resolved.order.status is OrderStatus.VALIDATED
    assert line_of(w, resolved.order.order_id).uom == "EA"


def test_set_ship_date_moves_the_order(world: WorldFactory) -> None:
    w = world()
    past = order(item(1, sku="BOLT-12", quantity=24), order_date="2026-11-16", requested_ship_date="2026-11-20")
    _result, case = held(w, past, "ship_date")
    resolved = resolve(w, case, "set_ship_date", ship_date="2026-12-01")
    assert resolved.order.status is OrderStatus.VALIDATED
    assert str(resolved.order.working.requested_ship_date) == "2026-12-01"


def test_set_ship_to_ships_to_another_location_of_the_partner(world: WorldFactory) -> None:
    w = world()
    _result, case = held(w, order(item(1, sku="BOLT-12", quantity=24), ship_to={"code": "DC-9"}), "unknown_ship_to")
    with pytest.raises(InvalidResolution):
        resolve(w, case, "set_ship_to", code="DC-7")
    resolved = resolve(w, case, "set_ship_to", code="DC-2")
    assert (resolved.order.status, resolved.order.working.ship_to.code) == (OrderStatus.VALIDATED, "DC-2")


def test_release_lets_the_line_pass_as_ordered(world: WorldFactory) -> None:
    w = world()
    _result, case = held(w, order(item(1, sku="BOLT-12", quantity=5)), "pack_multiple")
    resolved = resolve(w, case, "release")
    assert resolved.events == ("exception.resolved", "order.validated")
    assert line_of(w, resolved.order.order_id).quantity == Decimal(5)


def test_revalidate_runs_the_rules_again_and_holds_anew_when_nothing_changed(world: WorldFactory) -> None:
    w = world()
    _result, case = held(w, order(item(1, customer_sku="X-999", quantity=5)), "unknown_product")
    resolved = resolve(w, case, "revalidate")
    assert resolved.events == ("exception.resolved", "exception.raised", "order.held")
    assert resolved.order.status is OrderStatus.HELD
    assert len(resolved.order.exception_ids) == 2


def test_reject_line_drops_the_line_and_the_rest_goes_on(world: WorldFactory) -> None:
    w = world()
    document = order(item(1, customer_sku="X-999", quantity=5), item(2, sku="BOLT-12", quantity=24))
    _result, case = held(w, document, "unknown_product")
    resolved = resolve(w, case, "reject_line")
    assert resolved.order.status is OrderStatus.VALIDATED
    assert 1 in resolved.order.rejected_lines
    assert "order.line_rejected" in resolved.events


def test_reject_order_cancels_it_and_dismisses_its_other_cases(world: WorldFactory) -> None:
    w = world()
    document = order(item(1, customer_sku="X-999", quantity=5), item(2, sku="BOLT-12", quantity=5))
    result, case = held(w, document, "unknown_product")
    other = next(c for c in result.exceptions if c.exception_id != case.exception_id)
    resolved = resolve(w, case, "reject_order")
    assert resolved.order.status is OrderStatus.CANCELLED
    assert w.lightsoff.queries.exception_case(other.exception_id).status is CaseStatus.DISMISSED
    with pytest.raises(CaseClosed, match="dismissed"):
        resolve(w, other, "release")


def test_merge_joins_the_open_order_and_keep_separate_does_not(world: WorldFactory) -> None:
    w = world(repeat_orders="review")
    first = w.submit(order(item(1, sku="BOLT-12", quantity=24)))
    assert first.order is not None
    _, merge_case = held(w, order(item(1, sku="NUT-50", quantity=50)), "repeat_order")
    merged = resolve(w, merge_case, "merge")
    assert merged.order.status is OrderStatus.CANCELLED
    target = w.lightsoff.queries.order(first.order.order_id).order
    assert [line.line_no for line in target.working.lines] == [1, 2]
    assert target.resolved_skus == {1: "BOLT-12", 2: "NUT-50"}
    assert w.event_names(target.order_id)[-2:] == ["order.merged", "order.validated"]
    _kept, keep_case = held(w, order(item(1, sku="NUT-50", quantity=100)), "repeat_order")
    separate = resolve(w, keep_case, "keep_separate")
    assert separate.order.status is OrderStatus.VALIDATED


def test_apply_amendment_and_keep_original(world: WorldFactory) -> None:
    w = world(amendments="review")
    first = order(item(1, sku="BOLT-12", quantity=24), po_number="SP-AM")
    w.submit(first)
    _changed, case = held(w, first | {"lines": [item(1, sku="BOLT-12", quantity=48)]}, "amendment")
    applied = resolve(w, case, "apply_amendment")
    assert applied.order.status is OrderStatus.VALIDATED
    assert line_of(w, applied.order.order_id).quantity == Decimal(48)
    assert "order.amended" in applied.events
    _again, second_case = held(w, first | {"lines": [item(1, sku="BOLT-12", quantity=96)]}, "amendment")
    kept = resolve(w, second_case, "keep_original")
    assert kept.order.status is OrderStatus.VALIDATED
    assert line_of(w, kept.order.order_id).quantity == Decimal(48)


def test_an_action_the_case_does_not_allow_is_refused_with_the_allowed_ones(world: WorldFactory) -> None:
    w = world()
    _, case = held(w, order(item(1, sku="BOLT-12", quantity=5)), "pack_multiple")
    with pytest.raises(InvalidResolution, match="choose one of: approve, set_quantity, release, reject_line"):
        resolve(w, case, "merge")
    with pytest.raises(InvalidResolution) as bad:
        resolve(w, case, "set_quantity", quantity="-3")
    assert bad.value.errors[0]["path"] == "$.parameters.quantity"


def test_a_merge_into_an_order_that_closed_meanwhile_is_refused(world: WorldFactory) -> None:
    w = world(repeat_orders="review")
    _first, first_case = held(w, order(item(1, customer_sku="X-999", quantity=24)), "unknown_product")
    _, merge_case = held(w, order(item(1, sku="NUT-50", quantity=50)), "repeat_order")
    resolve(w, first_case, "reject_order")
    with pytest.raises(ResolutionUnfit, match="no longer open"):
        resolve(w, merge_case, "merge")
    assert w.lightsoff.queries.exception_case(merge_case.exception_id).status is CaseStatus.OPEN


def test_a_case_dismissed_by_an_amendment_cannot_be_resolved(world: WorldFactory) -> None:
    w = world()
    first = order(item(1, sku="BOLT-12", quantity=5), po_number="SP-CH")
    _, case = held(w, first, "pack_multiple")
    w.submit(first | {"lines": [item(1, sku="BOLT-12", quantity=24)]})
    with pytest.raises(CaseClosed, match="dismissed"):
        resolve(w, case, "approve")


def test_acknowledge_and_comment_are_in_the_history(world: WorldFactory) -> None:
    w = world()
    _, case = held(w, order(item(1, sku="BOLT-12", quantity=5)), "pack_multiple")
    desk = w.lightsoff.exceptions
    desk.acknowledge(case.exception_id, "anna")
    commented = desk.comment(case.exception_id, "anna", "asked the customer")
    assert (commented.status, commented.acknowledged_by) == (CaseStatus.ACKNOWLEDGED, "anna")
    assert [(entry.event, entry.by) for entry in commented.history] == [
        ("exception.raised", None),
        ("exception.acknowledged", "anna"),
        ("exception.commented", "anna"),
    ]
    with pytest.raises(NotFound):
        desk.acknowledge(case.exception_id, "anna", partners={"OTHER"})


def test_two_resolutions_at_once_one_wins_the_other_is_told(world: WorldFactory) -> None:
    w = world()
    _, case = held(w, order(item(1, sku="BOLT-12", quantity=5)), "pack_multiple")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(action: str) -> None:
        barrier.wait()
        try:
            resolve(w, case, action)
            outcomes.append("resolved")
        except CaseClosed as closed:
            outcomes.append(f"closed: {closed}")

    threads = [threading.Thread(target=attempt, args=(action,)) for action in ("approve", "release")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["closed", "resolved"]
    assert "already resolved" in next(o for o in outcomes if o.startswith("closed"))
    events = [name for stream, name in w.all_events() if stream == case.exception_id]
    assert events == ["exception.raised", "exception.resolved"]
