"""What an order's acknowledgement says per line, built from the order as its deciding event left it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from lightsoff.domain.acknowledgements import acknowledge, order_as_of
from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import CustomerOrder, OrderLine, ShipTo
from lightsoff.domain.documents_out import LineChange, LineStatus
from lightsoff.domain.events import (
    Event,
    OrderCancelled,
    OrderCorrected,
    OrderLineRejected,
    OrderReceived,
    OrderValidated,
    RecordedEvent,
)

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SENT = CustomerOrder(
    partner="ACME",
    po_number="PO-1",
    order_date=date(2026, 11, 23),
    requested_ship_date=date(2026, 12, 7),
    ship_to=ShipTo("ACME-DC-NORTH"),
    lines=(
        OrderLine(10, Decimal(600), "EA", sku="WID-100"),
        OrderLine(20, Decimal(7), "EACH", customer_sku="A-7788"),
        OrderLine(30, Decimal(5), "EA", sku="NOPE"),
    ),
)
UOM = Correction("malformed_data", "$.lines[1].uom", "EACH", "EA", "EACH is EA")
QUANTITY = Correction("pack_multiple", "$.lines[1].quantity", "7", "12", "rounded up to a full case", line_no=20)
SHIP_DATE = Correction("ship_date", "$.requested_ship_date", "2026-12-07", "2026-12-09", "lead time")


def stream(*events: Event) -> list[RecordedEvent]:
    return [
        RecordedEvent(n, f"e{n}", "SO-1", n, event.name, 1, AT, event.to_data(), None, None, "ACME")
        for n, event in enumerate(events, start=1)
    ]


def corrected(*corrections: Correction) -> OrderCorrected:
    lines = (SENT.lines[0], OrderLine(20, Decimal(12), "EA", customer_sku="A-7788"), SENT.lines[2])
    return OrderCorrected("SO-1", corrections, replace(SENT, lines=lines))


def test_every_line_accepted_as_ordered() -> None:
    events = stream(OrderReceived("SO-1", "m1", "h", SENT), OrderValidated("SO-1", {10: "WID-100", 20: "WID-200"}))
    ack = acknowledge(order_as_of(events, 2), events[-1].decode(), AT)
    assert ack is not None
    assert (ack.order_id, ack.po_number, ack.status) == ("SO-1", "PO-1", LineStatus.ACCEPTED)
    assert [(line.line_no, line.status, line.quantity) for line in ack.lines] == [
        (10, LineStatus.ACCEPTED, 600),
        (20, LineStatus.ACCEPTED, 7),
        (30, LineStatus.ACCEPTED, 5),
    ]
    assert ack.lines[1].sku == "WID-200"  # resolved from the partner's code


def test_corrected_lines_are_changed_with_each_correction_and_rejected_lines_say_why() -> None:
    events = stream(
        OrderReceived("SO-1", "m1", "h", SENT),
        corrected(UOM, QUANTITY),
        OrderLineRejected("SO-1", 30, "NOPE is no product of ours"),
        OrderValidated("SO-1", {10: "WID-100", 20: "WID-200"}),
    )
    ack = acknowledge(order_as_of(events, 4), events[-1].decode(), AT)
    assert ack is not None
    assert ack.status is LineStatus.CHANGED
    accepted, changed, rejected = ack.lines
    assert accepted.status is LineStatus.ACCEPTED
    assert changed.status is LineStatus.CHANGED
    assert changed.quantity == 12
    assert changed.changes == (
        LineChange("uom", "EACH", "EA", "EACH is EA"),
        LineChange("quantity", "7", "12", "rounded up to a full case"),
    )
    assert (rejected.status, rejected.reason) == (LineStatus.REJECTED, "NOPE is no product of ours")


def test_a_corrected_ship_date_changes_every_line() -> None:
    events = stream(OrderReceived("SO-1", "m1", "h", SENT), corrected(SHIP_DATE), OrderValidated("SO-1", {}))
    ack = acknowledge(order_as_of(events, 3), events[-1].decode(), AT)
    assert ack is not None
    assert {line.status for line in ack.lines} == {LineStatus.CHANGED}
    assert ack.lines[0].changes == (LineChange("ship_date", "2026-12-07", "2026-12-09", "lead time"),)


def test_the_order_as_of_the_deciding_event_not_as_it_is_now() -> None:
    events = stream(
        OrderReceived("SO-1", "m1", "h", SENT),
        OrderValidated("SO-1", {}),
        OrderLineRejected("SO-1", 10, "later"),
    )
    ack = acknowledge(order_as_of(events, 2), events[1].decode(), AT)
    assert ack is not None
    assert ack.status is LineStatus.ACCEPTED


def test_a_cancelled_order_rejects_every_line_but_a_merged_one_is_not_answered() -> None:
    received = OrderReceived("SO-1", "m1", "h", SENT)
    events = stream(received, OrderCancelled("SO-1", "the customer withdrew it"))
    ack = acknowledge(order_as_of(events, 2), events[-1].decode(), AT)
    assert ack is not None
    assert ack.status is LineStatus.REJECTED
    assert {line.reason for line in ack.lines} == {"the customer withdrew it"}
    merged = stream(received, OrderCancelled("SO-1", "merged into SO-2"))
    assert acknowledge(order_as_of(merged, 2), merged[-1].decode(), AT) is None
