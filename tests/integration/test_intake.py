"""Order intake through the service layer, on SQLite and PostgreSQL: outcomes, events, the archive, replay."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.messages import MessageOutcome
from lightsoff.domain.orders import OrderStatus
from lightsoff.services.intake import IntakeResult, Submission
from lightsoff.services.replay import rebuild_read_models
from lightsoff.store import tables
from tests.factories import line, order_json


def submit(lightsoff: Lightsoff, document: Any, **options: Any) -> IntakeResult:
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    return lightsoff.intake.submit(Submission(body=body, content_type="application/json", **options))


def all_events(lightsoff: Lightsoff) -> list[tuple[str, str]]:
    return [(event.stream_id, event.name) for event in lightsoff.queries.event_feed(limit=1000).events]


def test_a_valid_order_is_validated_with_its_events_and_archive(lightsoff: Lightsoff) -> None:
    document = order_json(po_number="PO-1")
    result = submit(lightsoff, document, correlation_id="corr-1")
    assert result.outcome is MessageOutcome.ACCEPTED
    assert result.order is not None
    order_id = result.order.order_id
    assert order_id == "SO-2026-000001"
    assert result.order.status is OrderStatus.VALIDATED
    events = lightsoff.queries.order_events(order_id)
    assert [event.name for event in events] == ["order.received", "order.validated"]
    assert [event.stream_version for event in events] == [1, 2]
    assert {event.correlation_id for event in events} == {"corr-1"}
    assert {event.causation_id for event in events} == {result.message_id}
    message = lightsoff.queries.message(result.message_id)
    assert (message.outcome, message.order_ids, message.partner) == (MessageOutcome.ACCEPTED, (order_id,), "ACME")
    assert orjson.loads(message.body) == document


def test_unknown_references_hold_the_order_with_routed_cases(lightsoff: Lightsoff) -> None:
    document = order_json(ship_to={"code": "ACME-DC-EAST"}, lines=[line(1, sku="WID-100"), line(2, sku="NOPE")])
    result = submit(lightsoff, document)
    assert result.outcome is MessageOutcome.HELD
    assert result.order is not None
    assert result.order.status is OrderStatus.HELD
    cases = {case.category: case for case in result.exceptions}
    assert set(cases) == {"unknown_ship_to", "unknown_product"}
    assert (cases["unknown_product"].team, cases["unknown_product"].line_no) == ("master_data", 2)
    assert cases["unknown_ship_to"].due_at - cases["unknown_ship_to"].raised_at == (
        lightsoff.reference_data.route("unknown_ship_to").handle_within
    )
    assert [event.name for event in lightsoff.queries.order_events(result.order.order_id)] == [
        "order.received",
        "order.held",
    ]
    raised = list(lightsoff.queries.event_feed(names=["exception.raised"]).events)
    assert sorted(e.stream_id for e in raised) == sorted(case.exception_id for case in result.exceptions)
    detail = lightsoff.queries.order(result.order.order_id)
    assert detail.order.resolved_skus == {1: "WID-100"}
    assert {case.exception_id for case in detail.exceptions} == set(detail.order.exception_ids)


def test_an_unknown_partner_is_held_not_rejected(lightsoff: Lightsoff) -> None:
    result = submit(lightsoff, order_json(partner="NEWCO", lines=[line(1, customer_sku="N-1")]))
    assert result.outcome is MessageOutcome.HELD
    assert [case.category for case in result.exceptions] == ["unknown_partner"]


def test_the_same_document_again_is_the_same_order_and_no_new_event(lightsoff: Lightsoff) -> None:
    document = order_json(po_number="PO-2")
    first = submit(lightsoff, document)
    before = all_events(lightsoff)
    reformatted = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    again = submit(lightsoff, reformatted)
    assert again.outcome is MessageOutcome.DUPLICATE
    assert again.order is not None
    assert first.order is not None
    assert again.order.order_id == first.order.order_id
    assert all_events(lightsoff) == before
    archived = lightsoff.queries.message(again.message_id)
    assert (archived.outcome, archived.detail) == (MessageOutcome.DUPLICATE, {"duplicate_of": first.order.order_id})


def test_a_duplicate_of_a_held_order_shows_its_open_cases(lightsoff: Lightsoff) -> None:
    document = order_json(lines=[line(1, sku="NOPE")])
    first, again = submit(lightsoff, document), submit(lightsoff, document)
    assert again.outcome is MessageOutcome.DUPLICATE
    assert [case.exception_id for case in again.exceptions] == [case.exception_id for case in first.exceptions]


def test_a_changed_po_for_a_cancelled_order_is_a_conflict_and_changes_nothing(lightsoff: Lightsoff) -> None:
    first = submit(lightsoff, order_json(po_number="PO-3", lines=[line(1, sku="NOPE")]))
    assert first.order is not None
    lightsoff.exceptions.resolve(first.exceptions[0].exception_id, "reject_order", {}, "operator")
    before = all_events(lightsoff)
    changed = submit(lightsoff, order_json(po_number="PO-3", notes="changed"))
    assert changed.outcome is MessageOutcome.CONFLICT
    assert first.order.order_id in (changed.conflict_reason or "")
    assert "cancelled" in (changed.conflict_reason or "")
    assert all_events(lightsoff) == before
    assert lightsoff.queries.message(changed.message_id).outcome is MessageOutcome.CONFLICT


def test_the_same_po_from_another_partner_is_another_order(lightsoff: Lightsoff) -> None:
    acme = submit(lightsoff, order_json(po_number="PO-4"))
    bolt = submit(lightsoff, order_json(partner="BOLT", po_number="PO-4", ship_to={"code": "0042"}))
    assert acme.order is not None
    assert bolt.order is not None
    assert acme.order.order_id != bolt.order.order_id


def test_a_rejected_body_is_archived_with_an_order_rejected_event(lightsoff: Lightsoff) -> None:
    body = b'{"partner": "ACME", "po_number": "PO-5", "lines": "none"}'
    result = submit(lightsoff, body)
    assert result.outcome is MessageOutcome.REJECTED
    codes = {(problem.path, problem.code) for problem in result.problems}
    assert ("$.lines", "invalid_type") in codes
    assert ("$.order_date", "required") in codes
    archived = lightsoff.queries.message(result.message_id)
    assert archived.body == body
    assert archived.outcome is MessageOutcome.REJECTED
    assert archived.detail["errors"] == [problem.to_data() for problem in result.problems]
    [rejected] = lightsoff.queries.event_feed(names=["order.rejected"]).events
    assert rejected.stream_id == result.message_id
    assert rejected.data["po_number"] == "PO-5"
    assert lightsoff.queries.find_orders() == []


class TestIdempotencyKey:
    def test_a_retry_with_the_same_key_and_body_is_answered_again_without_events(self, lightsoff: Lightsoff) -> None:
        document = order_json(po_number="PO-6")
        first = submit(lightsoff, document, idempotency_key="k-1")
        before = all_events(lightsoff)
        again = submit(lightsoff, document, idempotency_key="k-1")
        assert again.outcome is MessageOutcome.DUPLICATE
        assert again.order is not None
        assert first.order is not None
        assert again.order.order_id == first.order.order_id
        assert all_events(lightsoff) == before

    def test_the_same_key_with_another_body_is_a_conflict(self, lightsoff: Lightsoff) -> None:
        submit(lightsoff, order_json(po_number="PO-7"), idempotency_key="k-2")
        other = submit(lightsoff, order_json(po_number="PO-8"), idempotency_key="k-2")
        assert other.outcome is MessageOutcome.CONFLICT
        assert "k-2" in (other.conflict_reason or "")
        assert lightsoff.queries.find_orders(po_number="PO-8") == []

    def test_a_rejected_request_retried_with_its_key_is_rejected_again_without_a_new_event(
        self, lightsoff: Lightsoff
    ) -> None:
        first = submit(lightsoff, b"{}", idempotency_key="k-3")
        again = submit(lightsoff, b"{}", idempotency_key="k-3")
        assert again.outcome is MessageOutcome.REJECTED
        assert again.problems == first.problems
        assert len(lightsoff.queries.event_feed(names=["order.rejected"]).events) == 1

    def test_a_key_used_without_the_original_request_is_new(self, lightsoff: Lightsoff) -> None:
        document = order_json(po_number="PO-9")
        submit(lightsoff, document)
        keyed = submit(lightsoff, document, idempotency_key="k-4")
        assert keyed.outcome is MessageOutcome.DUPLICATE


def test_a_message_that_fails_is_archived_as_failed_and_can_be_sent_again(
    lightsoff: Lightsoff, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("lightsoff.services.order_rules.evaluate", crash)
    with pytest.raises(RuntimeError, match="disk on fire"):
        submit(lightsoff, order_json(po_number="PO-10"))
    with lightsoff.uow(write=False) as uow:
        assert uow.events.read_all() == []
        assert uow.orders.find() == []
    with lightsoff.database.engine.connect() as connection:
        [row] = connection.execute(select(tables.messages)).mappings().all()
    assert (row["outcome"], row["detail"]) == ("failed", {"error": "RuntimeError", "reason": "disk on fire"})
    assert orjson.loads(row["body"])["po_number"] == "PO-10"
    monkeypatch.undo()
    retried = submit(lightsoff, order_json(po_number="PO-10"))
    assert retried.outcome is MessageOutcome.ACCEPTED


def projection_rows(lightsoff: Lightsoff) -> dict[str, list[dict[str, Any]]]:
    with lightsoff.database.engine.connect() as connection:
        return {
            table.name: [dict(row) for row in connection.execute(select(table).order_by(*table.primary_key)).mappings()]
            for table in tables.PROJECTION_TABLES
        }


def test_replay_rebuilds_identical_read_models(lightsoff: Lightsoff) -> None:
    first = order_json(po_number="R-1")
    submit(lightsoff, first)
    submit(lightsoff, order_json(po_number="R-2", lines=[line(1, sku="NOPE"), line(2, customer_sku="A-7788")]))
    submit(lightsoff, order_json(partner="NEWCO", po_number="R-3"))
    submit(lightsoff, first)
    submit(lightsoff, b"not json")
    before = projection_rows(lightsoff)
    assert len(before["orders"]) == 3
    assert len(before["exception_cases"]) == 2
    seen: list[tuple[int, int]] = []
    report = rebuild_read_models(lightsoff.uow, lambda position, last: seen.append((position, last)))
    assert projection_rows(lightsoff) == before
    assert (report.events, report.orders, report.exception_cases) == (9, 3, 2)
    assert seen[-1][0] == seen[-1][1]


def test_replay_undoes_damage_to_the_read_models(lightsoff: Lightsoff) -> None:
    submit(lightsoff, order_json(po_number="R-4"))
    before = projection_rows(lightsoff)
    with lightsoff.database.engine.begin() as connection:
        connection.execute(tables.orders.update().values(status="garbage"))
        connection.execute(tables.cross_references.delete())
    rebuild_read_models(lightsoff.uow)
    assert projection_rows(lightsoff) == before
