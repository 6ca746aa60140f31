"""The order aggregate: it changes only by applying events, and its snapshot round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from lightsoff.domain.events import ExceptionRaised, OrderHeld, OrderReceived, OrderValidated, decode
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.formats.canonical_json import parse_order
from tests.factories import order_json

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def received() -> OrderReceived:
    order = parse_order(orjson.dumps(order_json(po_number="PO-9"))).order
    assert order is not None
    return OrderReceived("SO-2026-000001", "msg-1", order.content_hash(), order)


def test_an_order_starts_received_at_version_one() -> None:
    order = Order.start(received(), T0)
    assert (order.status, order.version, order.message_ids) == (OrderStatus.RECEIVED, 1, ("msg-1",))


def test_validation_resolves_skus_and_bumps_the_version() -> None:
    later = T0 + timedelta(seconds=1)
    order = Order.start(received(), T0).apply(OrderValidated("SO-2026-000001", {1: "WID-100"}), later)
    assert (order.status, order.version, order.updated_at) == (OrderStatus.VALIDATED, 2, later)
    assert order.resolved_skus == {1: "WID-100"}


def test_a_hold_records_the_cases_holding_the_order() -> None:
    order = Order.start(received(), T0).apply(OrderHeld("SO-2026-000001", ("EX-1", "EX-2"), {}), T0)
    assert (order.status, order.exception_ids) == (OrderStatus.HELD, ("EX-1", "EX-2"))


def test_an_event_of_another_aggregate_does_not_apply() -> None:
    raised = ExceptionRaised("EX-1", "SO-2026-000001", "unknown_product", "medium", "t", "m", (), T0)
    with pytest.raises(TypeError, match="does not apply"):
        Order.start(received(), T0).apply(raised, T0)


def test_the_snapshot_round_trips() -> None:
    order = Order.start(received(), T0).apply(OrderValidated("SO-2026-000001", {1: "WID-100", 3: "WID-300"}), T0)
    assert Order.from_data(orjson.loads(orjson.dumps(order.to_data()))) == order


@pytest.mark.parametrize(
    "event",
    [
        received(),
        OrderValidated("SO-1", {1: "A", 2: "B"}),
        OrderHeld("SO-1", ("EX-1",), {2: "B"}),
        ExceptionRaised("EX-1", "SO-1", "unknown_product", "medium", "master_data", "msg", ("reject_line",), T0, 2),
    ],
    ids=lambda event: event.name,
)
def test_events_round_trip_through_their_stored_form(event: OrderReceived) -> None:
    stored = orjson.loads(orjson.dumps(event.to_data()))
    assert decode(event.name, event.version, stored) == event
