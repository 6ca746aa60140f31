"""Order responses on SQLite and PostgreSQL: one 855 / ORDRSP per decision, read back independently, never twice."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import orjson
import pytest
from sqlalchemy import delete

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.domain.documents import OutboundDocument
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.intake import IntakeResult, Submission
from lightsoff.services.order_responses import CONSUMER
from lightsoff.services.ports import DocumentQuery
from lightsoff.settings import Settings
from lightsoff.store import tables
from lightsoff.testing import FakeClock
from tests.factories import line, order_json
from tests.outbound_checks import edifact_control_number, read_edifact, read_x12


def submit(lightsoff: Lightsoff, document: dict[str, Any]) -> IntakeResult:
    body = orjson.dumps(document)
    return lightsoff.intake.submit(Submission(body=body, content_type="application/json", correlation_id="c-1"))


def responses(lightsoff: Lightsoff, partner: str | None = None) -> list[OutboundDocument]:
    listed = lightsoff.queries.find_documents(DocumentQuery(partner=partner, limit=500))
    found = [lightsoff.queries.document(d.document_id) for d in reversed(listed)]
    return [d for d in found if d.kind in {"855", "ORDRSP"}]


def answer(lightsoff: Lightsoff) -> int:
    progress = lightsoff.outbound.responder.consumer.run_once()
    assert progress.failed == 0
    assert progress.leased
    return progress.handled


def test_a_validated_order_gets_one_855_saying_each_line_is_accepted(lightsoff: Lightsoff) -> None:
    result = submit(lightsoff, order_json(po_number="PO-855-1"))
    assert result.order is not None
    assert result.order.status.value == "validated"
    answer(lightsoff)
    (document,) = responses(lightsoff, "ACME")
    assert (document.kind, document.format, document.reference) == ("855", "x12", result.order.order_id)
    x12 = read_x12(document.body)
    assert x12.control_number == f"{int(document.control_number):09d}"
    assert x12.one("ISA")[6].strip() == "LIGHTSOFF"
    assert x12.one("ISA")[8].strip() == "5400110000009"
    bak = x12.one("BAK")
    assert (bak[2], bak[3], bak[8]) == ("AD", "PO-855-1", result.order.order_id)
    assert [row[1] for row in x12.all("ACK")] == ["IA", "IA", "IA"]
    assert [row[1] for row in x12.all("PO1")] == ["1", "2", "3"]
    assert x12.one("CTT")[1] == "3"
    issued = lightsoff.queries.event_feed(names=["document.issued"]).events
    decided = [e for e in lightsoff.queries.order_events(result.order.order_id) if e.name == "order.validated"]
    assert [(e.causation_id, e.correlation_id) for e in issued] == [(decided[0].event_id, "c-1")]


def test_corrections_and_rejected_lines_after_a_person_decided(lightsoff: Lightsoff) -> None:
    lines = [line(1, sku="WID-100"), line(2, customer_sku="A-7788", uom="EACH"), line(3, sku="NOPE")]
    result = submit(lightsoff, order_json(po_number="PO-855-2", lines=lines))
    assert result.order is not None
    assert result.order.status.value == "held"
    answer(lightsoff)
    assert responses(lightsoff) == []  # held: nothing decided yet
    (case,) = result.exceptions
    lightsoff.exceptions.resolve(case.exception_id, "reject_line", {"reason": "not a product of ours"}, by="anna")
    answer(lightsoff)
    (document,) = responses(lightsoff)
    x12 = read_x12(document.body)
    assert x12.one("BAK")[2] == "AC"
    acks = x12.all("ACK")
    assert [row[1] for row in acks] == ["IA", "IC", "IR"]
    assert acks[1][2:4] == ["600", "EA"]


def test_kuehl_gets_an_ordrsp_that_pydifact_reads(lightsoff: Lightsoff) -> None:
    kuehl = order_json(partner="KUEHL", po_number="PO-KTN-1", ship_to={"code": "KTN-LAGER"})
    kuehl["lines"] = [line(1, sku="WID-200", quantity=600)]
    result = submit(lightsoff, kuehl)
    assert result.order is not None
    assert result.order.status.value == "validated", result.exceptions
    answer(lightsoff)
    (document,) = responses(lightsoff, "KUEHL")
    assert (document.kind, document.format) == ("ORDRSP", "edifact")
    parsed = read_edifact(document.body)
    assert edifact_control_number(parsed) == document.control_number
    assert parsed.one("UNH")[1][:4] == ["ORDRSP", "D", "01B", "UN"]
    assert parsed.one("BGM")[:3] == ["231", result.order.order_id, "29"]
    assert parsed.all("LIN") == [["1", "5"]]


def test_a_rerun_a_lost_checkpoint_and_a_restart_never_issue_twice(
    lightsoff: Lightsoff, settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock
) -> None:
    for number in range(3):
        submit(lightsoff, order_json(po_number=f"PO-ONCE-{number}"))
    assert answer(lightsoff) == 3
    assert answer(lightsoff) == 0  # nothing new
    with lightsoff.database.engine.begin() as connection:  # a crash before the checkpoint moved
        connection.execute(
            delete(tables.consumer_checkpoints).where(tables.consumer_checkpoints.c.consumer == CONSUMER)
        )
    assert answer(lightsoff) == 3  # read again, each found answered already
    restarted = bootstrap(settings, reference_data=demo_reference_data, clock=clock)
    try:
        restarted.outbound.responder.consumer.run_once()
        submit(restarted, order_json(po_number="PO-ONCE-AFTER"))
        restarted.outbound.responder.consumer.run_once()
        documents = responses(restarted)
    finally:
        restarted.close()
    assert len(documents) == 4
    numbers = [int(d.control_number) for d in documents]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 4
    assert len({d.reference for d in documents}) == 4


def test_a_partner_without_order_responses_gets_none(lightsoff: Lightsoff) -> None:
    bolt = order_json(partner="BOLT", po_number="PO-BOLT-1")
    submit(lightsoff, bolt)
    answer(lightsoff)
    assert responses(lightsoff) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_answering_at_once_issue_each_response_once(
    lightsoff: Lightsoff, settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock
) -> None:
    for number in range(10):
        submit(lightsoff, order_json(po_number=f"PO-RACE-{number}"))
    other = bootstrap(settings, reference_data=demo_reference_data, clock=clock)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(instance: Lightsoff) -> None:
        barrier.wait()
        try:
            for _ in range(5):
                instance.outbound.responder.consumer.run_once()
                # a second responder bypassing the lease (as if it had lapsed): the idempotency record decides
                for event in instance.queries.event_feed(names=["order.validated"], limit=100).events:
                    with contextlib.suppress(ConcurrencyConflict):  # the other issued it that very moment
                        instance.outbound.responder.respond(event)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(instance,)) for instance in (lightsoff, other)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    assert errors == []
    documents = responses(lightsoff)
    assert len(documents) == 10
    assert len({d.reference for d in documents}) == 10
    assert sorted(int(d.control_number) for d in documents) == list(range(1, 11))


def test_an_order_a_person_rejects_is_answered_with_every_line_rejected(lightsoff: Lightsoff) -> None:
    result = submit(lightsoff, order_json(po_number="PO-855-RD", lines=[line(1, sku="WID-100"), line(2, sku="NOPE")]))
    (case,) = result.exceptions
    lightsoff.exceptions.resolve(case.exception_id, "reject_order", {"reason": "customer account closed"}, by="anna")
    answer(lightsoff)
    (document,) = responses(lightsoff)
    x12 = read_x12(document.body)
    assert x12.one("BAK")[2] == "RD"
    assert [row[1] for row in x12.all("ACK")] == ["IR", "IR"]


def test_a_response_that_cannot_be_written_is_passed_over_and_the_next_is_answered(lightsoff: Lightsoff) -> None:
    submit(lightsoff, order_json(po_number="PO*STAR"))  # X12 cannot carry its element separator
    submit(lightsoff, order_json(po_number="PO-FINE"))
    progress = lightsoff.outbound.responder.consumer.run_once()
    assert (progress.handled, progress.failed) == (1, 1)
    (document,) = responses(lightsoff)
    assert read_x12(document.body).one("BAK")[3] == "PO-FINE"
    assert lightsoff.outbound.responder.consumer.run_once().handled == 0  # not tried again and again
