"""The outbound document store and the issuer, on every implementation of the unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.identifiers import IdFormat
from lightsoff.services.documents import DocumentIssuer, Issue
from lightsoff.services.identifiers import IdentifierService, SsccSettings
from lightsoff.services.ports import DocumentQuery, UnitOfWork, UnitOfWorkFactory
from lightsoff.testing import FakeClock

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def document(number: int, **changes: object) -> OutboundDocument:
    base = OutboundDocument(
        document_id=f"DOC-2026-{number:06d}",
        partner="ACME",
        kind="997",
        format="x12",
        control_number=str(number),
        created_at=NOW,
        body=f"ISA*{number}~".encode(),
        content_type="application/edi-x12",
        reference=f"msg-{number}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def issuer(clock: FakeClock) -> DocumentIssuer:
    ids = IdentifierService(IdFormat("order", "SO-{seq}"), IdFormat("exception", "EX-{seq}"), SsccSettings("4012345"))
    numbers = iter(range(1, 1000))
    return DocumentIssuer(ids, clock, lambda: f"event-{next(numbers)}")


def test_a_document_is_kept_as_sent_and_found_again(uow_factory: UnitOfWorkFactory) -> None:
    uow_factory.run(lambda uow: uow.documents.add(document(1)))
    with uow_factory(write=False) as uow:
        stored = uow.documents.get("DOC-2026-000001")
        by_number = uow.documents.by_control_number("ACME", "x12", "1")
    assert stored == document(1)
    assert by_number == document(1)


def test_a_control_number_is_never_used_twice_for_a_partner(uow_factory: UnitOfWorkFactory) -> None:
    uow_factory.run(lambda uow: uow.documents.add(document(1)))
    with pytest.raises(ConcurrencyConflict):
        uow_factory.run(lambda uow: uow.documents.add(document(2, control_number="1")))
    uow_factory.run(lambda uow: uow.documents.add(document(3, control_number="1", partner="BOLT")))
    uow_factory.run(lambda uow: uow.documents.add(document(4, control_number="1", format="edifact")))


def test_find_filters_and_pages_newest_first_without_bodies(uow_factory: UnitOfWorkFactory) -> None:
    def add(uow: UnitOfWork) -> None:
        uow.documents.add(document(1))
        uow.documents.add(document(2, kind="855", reference="SO-1"))
        uow.documents.add(document(3, partner="BOLT"))
        uow.documents.add(document(4, kind="855", reference="SO-2"))

    uow_factory.run(add)
    with uow_factory(write=False) as uow:
        acme = uow.documents.find(DocumentQuery(partner="ACME"))
        page = uow.documents.find(DocumentQuery(partners={"ACME"}, limit=2))
        older = uow.documents.find(DocumentQuery(partners={"ACME"}, before=page[-1].document_id))
        acks = uow.documents.find(DocumentQuery(kind="855", reference="SO-2"))
    assert [d.document_id[-1] for d in acme] == ["4", "2", "1"]
    assert all(d.body == b"" for d in acme)
    assert [d.document_id[-1] for d in page + older] == ["4", "2", "1"]
    assert [d.document_id for d in acks] == ["DOC-2026-000004"]


def test_update_changes_status_and_detail_only(uow_factory: UnitOfWorkFactory) -> None:
    uow_factory.run(lambda uow: uow.documents.add(document(1)))
    later = NOW + timedelta(minutes=5)
    changed = replace(document(1), status=DocumentStatus.DELIVERED, updated_at=later, detail={"to": "/out"})
    uow_factory.run(lambda uow: uow.documents.update(replace(changed, body=b"other", kind="999")))
    with uow_factory(write=False) as uow:
        stored = uow.documents.get("DOC-2026-000001")
    assert stored == changed


def test_issued_documents_get_increasing_control_numbers_and_an_event(uow_factory: UnitOfWorkFactory) -> None:
    clock = FakeClock(NOW)
    documents = issuer(clock)
    written: list[int] = []

    def write(number: int) -> bytes:
        written.append(number)
        return f"ISA*{number:09d}~".encode()

    def issue(uow: UnitOfWork) -> OutboundDocument:
        return documents.issue(uow, Issue("ACME", "997", "x12", write, reference="msg-9"))

    first, second = uow_factory.run(issue), uow_factory.run(issue)
    other = uow_factory.run(lambda uow: documents.issue(uow, Issue("BOLT", "CONTRL", "edifact", write)))
    assert (first.control_number, second.control_number, other.control_number) == ("1", "2", "1")
    assert written == [1, 2, 1]
    assert first.body == b"ISA*000000001~"
    assert (first.document_id, second.document_id) == ("DOC-2026-000001", "DOC-2026-000002")
    with uow_factory(write=False) as uow:
        events = uow.events.read_all(after=0, limit=10, names=(), partners=None)
    assert [(e.name, e.stream_id, e.data["control_number"]) for e in events] == [
        ("document.issued", "DOC-2026-000001", "1"),
        ("document.issued", "DOC-2026-000002", "2"),
        ("document.issued", "DOC-2026-000003", "1"),
    ]


def test_a_document_whose_transaction_fails_leaves_no_trace(uow_factory: UnitOfWorkFactory) -> None:
    documents = issuer(FakeClock(NOW))

    def fail(uow: UnitOfWork) -> None:
        documents.issue(uow, Issue("ACME", "855", "x12", lambda n: b"ISA~", reference="SO-1"))
        raise RuntimeError("the order's own write failed")

    with pytest.raises(RuntimeError):
        uow_factory.run(fail)
    with uow_factory(write=False) as uow:
        assert uow.documents.find(DocumentQuery()) == []
        assert uow.events.read_all(after=0, limit=10, names=(), partners=None) == []


def test_only_known_kinds_and_formats_are_issued(uow_factory: UnitOfWorkFactory) -> None:
    documents = issuer(FakeClock(NOW))
    with pytest.raises(ValueError, match="not 850 in x12"):
        uow_factory.run(lambda uow: documents.issue(uow, Issue("ACME", "850", "x12", lambda n: b"")))
