"""Delivery of issued documents to the partner's outbound folder: whole files, at least once, recorded once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import orjson
from sqlalchemy import delete

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.documents_runtime import DocumentThread
from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.document_delivery import CONSUMER, RETRY_AFTER, file_name, write_atomically
from lightsoff.services.documents import Issue
from lightsoff.services.intake import Submission
from lightsoff.services.ports import DocumentQuery, UnitOfWork
from lightsoff.settings import Settings
from lightsoff.store import tables
from lightsoff.testing import FakeClock
from tests.factories import line, order_json

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def answered_order(lightsoff: Lightsoff) -> OutboundDocument:
    """An ACME order, validated and answered: its 855, issued and not yet delivered."""
    lightsoff.intake.submit(Submission(orjson.dumps(order_json()), "application/json"))
    lightsoff.outbound.responder.consumer.run_once()
    (document,) = lightsoff.queries.find_documents(DocumentQuery(kind="855", limit=1))
    return lightsoff.queries.document(document.document_id)


def deliveries(lightsoff: Lightsoff) -> list[str]:
    return [event.stream_id for event in lightsoff.queries.event_feed(names=["document.delivered"]).events]


def test_an_issued_document_lands_whole_in_the_partners_folder_and_is_recorded_delivered(
    lightsoff: Lightsoff, settings: Settings
) -> None:
    document = answered_order(lightsoff)
    progress = lightsoff.outbound.delivery.consumer.run_once()
    assert (progress.handled, progress.waiting) == (1, False)
    folder = settings.data_dir / "outbound" / "ACME"
    path = folder / f"{document.document_id}-{document.control_number}.edi"
    assert path.read_bytes() == document.body
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left behind
    delivered = lightsoff.queries.document(document.document_id)
    assert delivered.status is DocumentStatus.DELIVERED
    assert delivered.detail["delivered_to"] == str(path)
    assert delivered.detail["channel"] == "folder"
    (event,) = lightsoff.queries.event_feed(names=["document.delivered"]).events
    (issued,) = lightsoff.queries.event_feed(names=["document.issued"]).events
    assert (event.stream_id, event.stream_version, event.causation_id) == (document.document_id, 2, issued.event_id)
    assert event.data["target"] == str(path)


def test_a_rerun_a_lost_checkpoint_or_a_crash_before_the_commit_delivers_once(
    lightsoff: Lightsoff, settings: Settings
) -> None:
    document = answered_order(lightsoff)
    folder = settings.data_dir / "outbound" / "ACME"
    write_atomically(folder, file_name(document), document.body)  # the file went out; then lightsoff stopped
    lightsoff.outbound.delivery.consumer.run_once()
    assert deliveries(lightsoff) == [document.document_id]
    with lightsoff.database.engine.begin() as connection:
        connection.execute(
            delete(tables.consumer_checkpoints).where(tables.consumer_checkpoints.c.consumer == CONSUMER)
        )
    lightsoff.outbound.delivery.consumer.run_once()
    lightsoff.outbound.delivery.consumer.run_once()
    assert deliveries(lightsoff) == [document.document_id]
    assert len(list(folder.iterdir())) == 1


def test_a_folder_that_cannot_be_written_waits_without_holding_up_other_partners(
    lightsoff: Lightsoff, settings: Settings, clock: FakeClock
) -> None:
    acme = answered_order(lightsoff)
    blocker = settings.data_dir / "outbound" / "ACME"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where ACME's folder should be")
    kuehl_order = order_json(partner="KUEHL", ship_to={"code": "KTN-LAGER"}, lines=[line(1, sku="WID-200")])
    lightsoff.intake.submit(Submission(orjson.dumps(kuehl_order), "application/json"))
    lightsoff.outbound.responder.consumer.run_once()
    progress = lightsoff.outbound.delivery.consumer.run_once()
    assert (progress.handled, progress.waiting) == (2, False)
    failed = lightsoff.queries.document(acme.document_id)
    assert failed.status is DocumentStatus.ISSUED
    assert "delivery_error" in failed.detail  # visible in GET /v1/documents/{id}
    (kuehl,) = lightsoff.queries.find_documents(DocumentQuery(partner="KUEHL"))
    assert lightsoff.queries.document(kuehl.document_id).status is DocumentStatus.DELIVERED
    blocker.unlink()
    lightsoff.outbound.delivery.consumer.run_once()
    assert lightsoff.queries.document(acme.document_id).status is DocumentStatus.ISSUED  # not before its time
    clock.advance(RETRY_AFTER)
    lightsoff.outbound.delivery.consumer.run_once()
    assert lightsoff.queries.document(acme.document_id).status is DocumentStatus.DELIVERED
    assert (blocker / file_name(acme)).read_bytes() == acme.body
    assert "delivery_error" not in lightsoff.queries.document(acme.document_id).detail
    assert sorted(deliveries(lightsoff)) == sorted([acme.document_id, kuehl.document_id])


def test_what_a_failing_folder_left_behind_is_delivered_after_a_restart(
    lightsoff: Lightsoff, settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock
) -> None:
    acme = answered_order(lightsoff)
    blocker = settings.data_dir / "outbound"
    blocker.write_text("a file where the folders should be")
    lightsoff.outbound.delivery.consumer.run_once()
    assert lightsoff.queries.document(acme.document_id).status is DocumentStatus.ISSUED
    blocker.unlink()
    restarted = bootstrap(settings, reference_data=demo_reference_data, clock=clock)
    try:
        restarted.outbound.delivery.consumer.run_once()  # its first pass sweeps every partner with a folder
        assert restarted.queries.document(acme.document_id).status is DocumentStatus.DELIVERED
    finally:
        restarted.close()


def test_the_sweep_leaves_documents_that_never_failed_alone(lightsoff: Lightsoff, settings: Settings) -> None:
    def work(uow: UnitOfWork) -> OutboundDocument:  # issued before delivery existed, as an upgrade finds them
        return lightsoff.documents.issue(uow, Issue("ACME", "997", "x12", lambda n: b"ISA~"))

    old = lightsoff.uow.run(work)
    with lightsoff.database.engine.begin() as connection:
        connection.execute(
            tables.consumer_checkpoints.insert().values(consumer=CONSUMER, position=10**6, updated_at=NOW)
        )
    lightsoff.outbound.delivery.consumer.run_once()
    assert lightsoff.queries.document(old.document_id).status is DocumentStatus.ISSUED
    assert not (settings.data_dir / "outbound").exists()


def test_a_partner_without_a_folder_keeps_its_document_issued(lightsoff: Lightsoff, settings: Settings) -> None:
    def work(uow: UnitOfWork) -> OutboundDocument:
        return lightsoff.documents.issue(uow, Issue("BOLT", "997", "x12", lambda n: b"ISA~"))

    bolt = lightsoff.uow.run(work)
    assert lightsoff.outbound.delivery.consumer.run_once().handled == 1
    assert lightsoff.queries.document(bolt.document_id).status is DocumentStatus.ISSUED
    assert not (settings.data_dir / "outbound").exists()


def test_the_documents_thread_answers_and_delivers_on_its_own(lightsoff: Lightsoff, settings: Settings) -> None:
    thread = DocumentThread(lightsoff.outbound)
    thread.start()
    try:
        lightsoff.intake.submit(Submission(orjson.dumps(order_json()), "application/json"))
        folder = settings.data_dir / "outbound" / "ACME"
        deadline = time.monotonic() + 20
        while not (folder.exists() and any(folder.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        thread.stop()
    (written,) = folder.iterdir()
    assert written.read_bytes().startswith(b"ISA*")
    assert b"~\nST*855*" in written.read_bytes()
