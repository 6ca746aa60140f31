"""The contract of the unit of work and its repositories, run against every implementation.

in-memory, SQLite and PostgreSQL must agree on every case here; the services rely on nothing else.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import OrderReceived, OrderValidated, PendingEvent
from lightsoff.domain.exception_cases import CaseStatus, ExceptionCase, Severity
from lightsoff.domain.messages import InboundMessage, MessageOutcome
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.formats.canonical_json import parse_order
from lightsoff.services.ports import IdempotencyRecord, UnitOfWork, UnitOfWorkFactory
from tests.factories import order_json

T0 = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


def received(order_id: str, po_number: str = "PO-1") -> OrderReceived:
    order = parse_order(orjson.dumps(order_json(po_number=po_number))).order
    assert order is not None
    return OrderReceived(order_id, "msg-1", order.content_hash(), order)


def pending(event: OrderReceived | OrderValidated, version: int, event_id: str | None = None) -> PendingEvent:
    return PendingEvent(
        event_id=event_id or f"evt-{event.stream_id}-{version}",
        event=event,
        stream_version=version,
        occurred_at=T0,
        correlation_id="corr-1",
        causation_id="msg-1",
    )


def message(message_id: str = "msg-1", body: bytes = b'{"x": 1}') -> InboundMessage:
    return InboundMessage(message_id, T0, "api", "application/json", body, "abc", correlation_id="corr-1")


class TestMessageArchive:
    def test_the_body_comes_back_byte_for_byte(self, uow_factory: UnitOfWorkFactory) -> None:
        body = b'\xef\xbb\xbf{ "po": "\xff\xfe not utf-8" }\r\n\x00'
        with uow_factory() as uow:
            uow.messages.add(message(body=body))
            uow.commit()
        with uow_factory(write=False) as uow:
            stored = uow.messages.get("msg-1")
        assert stored is not None
        assert stored.body == body
        assert (stored.received_at, stored.outcome, stored.correlation_id) == (T0, MessageOutcome.PENDING, "corr-1")

    def test_the_outcome_is_archived_with_it(self, uow_factory: UnitOfWorkFactory) -> None:
        held = replace(
            message(),
            outcome=MessageOutcome.HELD,
            processed_at=T0,
            partner="ACME",
            order_ids=("SO-1",),
            detail={"k": [1]},
        )
        with uow_factory() as uow:
            uow.messages.add(held)
            uow.commit()
        with uow_factory(write=False) as uow:
            stored = uow.messages.get("msg-1")
        assert stored is not None
        assert (stored.outcome, stored.partner, stored.order_ids, stored.detail) == (
            MessageOutcome.HELD,
            "ACME",
            ("SO-1",),
            {"k": [1]},
        )
        assert stored.processed_at == T0

    def test_an_unknown_message_is_none(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(write=False) as uow:
            assert uow.messages.get("nope") is None


class TestEventLog:
    def test_appended_events_get_increasing_positions_and_read_back_equal(self, uow_factory: UnitOfWorkFactory) -> None:
        events = [pending(received("SO-1"), 1), pending(OrderValidated("SO-1", {1: "WID-100"}), 2)]
        with uow_factory() as uow:
            recorded = uow.events.append(events)
            uow.commit()
        assert recorded[0].position < recorded[1].position
        with uow_factory(write=False) as uow:
            stream = uow.events.read_stream("SO-1")
        assert stream == recorded
        assert [event.decode() for event in stream] == [event.event for event in events]
        assert stream[0].occurred_at == T0
        assert stream[0].type == "lightsoff.order.received.v1"

    def test_a_taken_stream_version_is_a_concurrency_conflict(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.events.append([pending(received("SO-1"), 1)])
            uow.commit()
        with pytest.raises(ConcurrencyConflict), uow_factory() as uow:
            uow.events.append([pending(OrderValidated("SO-2", {}), 1), pending(received("SO-1"), 1, "evt-dup")])
        with uow_factory(write=False) as uow:
            assert [event.stream_id for event in uow.events.read_all()] == ["SO-1"]

    def test_read_all_pages_from_a_position_and_filters_by_name(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            for number in range(1, 6):
                uow.events.append([pending(received(f"SO-{number}", f"PO-{number}"), 1)])
                uow.events.append([pending(OrderValidated(f"SO-{number}", {}), 2)])
            uow.commit()
        with uow_factory(write=False) as uow:
            everything = uow.events.read_all(limit=100)
            page = uow.events.read_all(after=everything[3].position, limit=3)
            validated = uow.events.read_all(names=["order.validated"], limit=2)
            last = uow.events.last_position()
        assert len(everything) == 10
        assert page == everything[4:7]
        assert [event.stream_id for event in validated] == ["SO-1", "SO-2"]
        assert last == everything[-1].position

    def test_an_empty_log_has_position_zero(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(write=False) as uow:
            assert uow.events.last_position() == 0
            assert uow.events.read_all() == []


class TestRollback:
    def test_nothing_uncommitted_survives(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.messages.add(message())
            uow.events.append([pending(received("SO-1"), 1)])
            uow.sequences.next_value("order")
        with uow_factory(write=False) as uow:
            assert uow.messages.get("msg-1") is None
            assert uow.events.read_all() == []
        with uow_factory() as uow:
            assert uow.sequences.next_value("order") == 1


class TestOrderViews:
    def order(self, order_id: str, po_number: str, status: OrderStatus = OrderStatus.RECEIVED) -> Order:
        order = Order.start(received(order_id, po_number), T0)
        return order if status is OrderStatus.RECEIVED else order.apply(OrderValidated(order_id, {1: "A"}), T0)

    def test_add_get_update(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(self.order("SO-1", "PO-1"))
            uow.commit()
        validated = self.order("SO-1", "PO-1", OrderStatus.VALIDATED)
        with uow_factory() as uow:
            uow.orders.update(validated)
            uow.commit()
        with uow_factory(write=False) as uow:
            assert uow.orders.get("SO-1") == validated
            assert uow.orders.get("SO-2") is None

    def test_find_filters_and_pages(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(self.order("SO-1", "PO-A"))
            uow.orders.add(self.order("SO-2", "PO-B", OrderStatus.VALIDATED))
            uow.orders.add(self.order("SO-3", "PO-C", OrderStatus.VALIDATED))
            uow.commit()
        with uow_factory(write=False) as uow:
            assert [o.order_id for o in uow.orders.find(po_number="PO-B")] == ["SO-2"]
            assert [o.order_id for o in uow.orders.find(partner="ACME", status=OrderStatus.VALIDATED)] == [
                "SO-2",
                "SO-3",
            ]
            assert [o.order_id for o in uow.orders.find(after="SO-1", limit=1)] == ["SO-2"]
            assert uow.orders.find(partner="BOLT") == []

    def test_clear(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(self.order("SO-1", "PO-1"))
            uow.orders.clear()
            assert uow.orders.get("SO-1") is None


class TestCrossReferences:
    def test_resolve_and_list(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.cross_references.add(CrossReference("ACME", "purchase_order", "PO-1", "SO-1"))
            uow.cross_references.add(CrossReference("BOLT", "purchase_order", "PO-1", "SO-2"))
            uow.cross_references.add(CrossReference("tryton", "sale", "42", "SO-1"))
            uow.commit()
        with uow_factory(write=False) as uow:
            assert uow.cross_references.resolve("ACME", "purchase_order", "PO-1") == "SO-1"
            assert uow.cross_references.resolve("BOLT", "purchase_order", "PO-1") == "SO-2"
            assert uow.cross_references.resolve("ACME", "purchase_order", "PO-2") is None
            assert [r.system for r in uow.cross_references.for_canonical("SO-1")] == ["ACME", "tryton"]

    def test_a_taken_reference_is_a_concurrency_conflict(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.cross_references.add(CrossReference("ACME", "purchase_order", "PO-1", "SO-1"))
            uow.commit()
        with pytest.raises(ConcurrencyConflict), uow_factory() as uow:
            uow.cross_references.add(CrossReference("ACME", "purchase_order", "PO-1", "SO-9"))


class TestExceptionCases:
    def test_add_get_and_list_by_order(self, uow_factory: UnitOfWorkFactory) -> None:
        case = ExceptionCase(
            "EX-1", "SO-1", 2, "unknown_product", Severity.MEDIUM, "master_data", "m", ("reject_line",),
            CaseStatus.OPEN, T0 + timedelta(hours=4), T0, 1,
        )  # fmt: skip
        with uow_factory() as uow:
            uow.exception_cases.add(case)
            uow.commit()
        with uow_factory(write=False) as uow:
            assert uow.exception_cases.get("EX-1") == case
            assert uow.exception_cases.for_order("SO-1") == [case]
            assert uow.exception_cases.for_order("SO-2") == []


class TestIdempotencyRecords:
    def test_a_key_is_scoped_and_taken_once(self, uow_factory: UnitOfWorkFactory) -> None:
        record = IdempotencyRecord("client-a", "key-1", "sha", "msg-1", T0)
        with uow_factory() as uow:
            uow.idempotency.add(record)
            uow.idempotency.add(IdempotencyRecord("client-b", "key-1", "other", "msg-2", T0))
            uow.commit()
        with uow_factory(write=False) as uow:
            assert uow.idempotency.get("client-a", "key-1") == record
            assert uow.idempotency.get("client-a", "key-2") is None
        with pytest.raises(ConcurrencyConflict), uow_factory() as uow:
            uow.idempotency.add(IdempotencyRecord("client-a", "key-1", "x", "msg-3", T0))


class TestSequences:
    def test_each_sequence_counts_from_one(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            values = [uow.sequences.next_value("order:2026") for _ in range(3)]
            other = uow.sequences.next_value("order:2027")
            uow.commit()
        assert (values, other) == ([1, 2, 3], 1)

    def test_concurrent_writers_never_get_the_same_number(self, uow_factory: UnitOfWorkFactory) -> None:
        start = threading.Barrier(8)

        def draw(_: int) -> list[int]:
            start.wait()
            drawn = []
            for _ in range(25):
                with uow_factory() as uow:
                    drawn.append(uow.sequences.next_value("order"))
                    uow.commit()
            return drawn

        with ThreadPoolExecutor(8) as pool:
            numbers = [n for drawn in pool.map(draw, range(8)) for n in drawn]
        assert sorted(numbers) == list(range(1, 201))


class TestRun:
    """``run`` commits a unit of work; on SQLite several callers' work may share one commit."""

    def test_work_is_committed_and_its_result_returned(self, uow_factory: UnitOfWorkFactory) -> None:
        assert uow_factory.run(lambda uow: uow.sequences.next_value("order")) == 1
        assert uow_factory.run(lambda uow: uow.sequences.next_value("order")) == 2

    def test_work_that_raises_leaves_nothing_behind(self, uow_factory: UnitOfWorkFactory) -> None:
        def fail(uow: UnitOfWork) -> None:
            uow.messages.add(message())
            raise ValueError("rules exploded")

        with pytest.raises(ValueError, match="rules exploded"):
            uow_factory.run(fail)
        with uow_factory(write=False) as uow:
            assert uow.messages.get("msg-1") is None

    def test_concurrent_work_commits_independently_even_when_grouped(self, uow_factory: UnitOfWorkFactory) -> None:
        start = threading.Barrier(16)

        def work(number: int) -> int | str:
            def unit(uow: UnitOfWork) -> int:
                uow.messages.add(message(f"msg-{number}"))
                if number % 4 == 0:
                    raise ValueError(f"unit {number} fails")
                return uow.sequences.next_value("order")

            start.wait()
            try:
                return uow_factory.run(unit)
            except ValueError as exc:
                return str(exc)

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(work, range(16)))
        assert [r for r in results if isinstance(r, str)] == [f"unit {n} fails" for n in range(0, 16, 4)]
        assert sorted(r for r in results if isinstance(r, int)) == list(range(1, 13))
        with uow_factory(write=False) as uow:
            kept = {n for n in range(16) if uow.messages.get(f"msg-{n}") is not None}
        assert kept == {n for n in range(16) if n % 4}
