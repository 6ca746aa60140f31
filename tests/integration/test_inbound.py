"""DocumentIntake.receive on SQLite and PostgreSQL: orders from X12, EDIFACT, CSV, XLSX and e-mail, acknowledgements
back and in, and documents nobody acknowledged in time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.messages import MessageOutcome
from lightsoff.domain.reference_data import DocumentProfile, FunctionalAck, ReferenceData
from lightsoff.formats.edifact import read_contrl
from lightsoff.formats.x12 import X12WriteError, read_functional_ack
from lightsoff.notify_runtime import NotificationThread
from lightsoff.services.inbound import InboundDocument, InboundOutcome
from lightsoff.services.ports import CaseQuery
from lightsoff.settings import Settings
from lightsoff.store import tables
from lightsoff.testing import FakeClock
from tests.inbound_support import (
    ACME_ID,
    CSV_HEADER,
    OUR_ID,
    contrl,
    csv_orders,
    edifact,
    edifact_message,
    edifact_orders,
    email,
    issue,
    x12,
    x12_850,
    x12_ack,
    x12_lines,
    x12_set,
)
from tests.unit.formats.sheets import xlsx

ACME_SHEET = {"columns": {"po_number": ["PO Number", "PO"], "quantity": ["Menge", "Quantity"]}}


def profiles(demo: ReferenceData, **changes: DocumentProfile) -> ReferenceData:
    partners = [replace(p, documents=changes.get(p.code, p.documents)) for p in demo.partners()]
    return ReferenceData(partners, demo.products(), demo.routes(), demo.teams())


@pytest.fixture
def lightsoff(settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock) -> Iterator[Lightsoff]:
    """The demo, with document profiles: ACME waits a day for acknowledgements and sends spreadsheets; BOLT
    wants no acknowledgements."""
    reference = profiles(
        demo_reference_data,
        ACME=DocumentProfile(acknowledgement_window=timedelta(hours=24), spreadsheet=ACME_SHEET),
        BOLT=DocumentProfile(functional_ack=FunctionalAck.NONE),
    )
    app = bootstrap(settings, reference_data=reference, clock=clock)
    yield app
    app.close()


def receive(lightsoff: Lightsoff, data: bytes, **options: Any) -> InboundOutcome:
    return lightsoff.inbound.receive(InboundDocument(data, **options))


def document(lightsoff: Lightsoff, document_id: str) -> OutboundDocument:
    with lightsoff.uow(write=False) as uow:
        found = uow.documents.get(document_id)
    assert found is not None
    return found


def count(lightsoff: Lightsoff, table: Any) -> int:
    with lightsoff.database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def event_names(lightsoff: Lightsoff, *names: str) -> list[tuple[str, str]]:
    return [(e.name, e.stream_id) for e in lightsoff.queries.event_feed(limit=1000, names=names).events]


# ---- orders in, acknowledgements back ----


def test_an_x12_850_interchange_becomes_orders_a_997_and_an_archived_message(lightsoff: Lightsoff) -> None:
    data = x12_850("PO-X-1", "PO-X-2")
    outcome = receive(lightsoff, data, filename="po.edi", correlation_id="corr-x12")
    assert (outcome.format, outcome.partner, outcome.problems, outcome.failed) == ("x12", "ACME", (), False)
    assert [(o.reference, o.status) for o in outcome.orders] == [
        ("000000905/1/0001", "accepted"),
        ("000000905/1/0002", "accepted"),
    ]
    orders = [lightsoff.queries.order(o.order_id or "").order for o in outcome.orders]
    assert [o.customer_order.po_number for o in orders] == ["PO-X-1", "PO-X-2"]
    assert {o.customer_order.partner for o in orders} == {"ACME"}
    raw = lightsoff.queries.message(outcome.message_id)
    assert raw.body == data
    assert (raw.outcome, raw.partner, raw.order_ids) == (
        MessageOutcome.ACCEPTED,
        "ACME",
        tuple(o.order_id for o in outcome.orders),
    )
    assert raw.detail["document"]["filename"] == "po.edi"
    assert raw.detail["inbound"]["acknowledgement"] == outcome.acknowledgement
    ack = document(lightsoff, outcome.acknowledgement or "")
    assert (ack.kind, ack.format, ack.partner, ack.reference) == ("997", "x12", "ACME", outcome.message_id)
    read = read_functional_ack(ack.body)
    assert (read.sender, read.receiver, read.kind) == (OUR_ID, ACME_ID, "997")
    assert [(g.control_number, g.status) for g in read.groups] == [("1", "A")]
    assert [(s.control_number, s.status) for s in read.groups[0].sets] == [("0001", "A"), ("0002", "A")]
    assert b"*00401*" in ack.body  # the 4010 850 is answered in 4010
    issued = event_names(lightsoff, "document.issued")
    assert issued == [("document.issued", ack.document_id)]
    events = lightsoff.queries.order_events(outcome.orders[0].order_id or "")
    assert {event.correlation_id for event in events} == {"corr-x12"}


def test_a_5010_850_gets_a_999_unless_the_profile_says_997(
    lightsoff: Lightsoff, settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock
) -> None:
    outcome = receive(lightsoff, x12_850("PO-5010-1", version="005010"))
    ack = document(lightsoff, outcome.acknowledgement or "")
    assert ack.kind == "999"
    assert b"ST*999*0001*005010X231A1" in ack.body
    assert read_functional_ack(ack.body).groups[0].status == "A"
    overridden = profiles(demo_reference_data, ACME=DocumentProfile(functional_ack=FunctionalAck.X12_997))
    other = bootstrap(settings, reference_data=overridden, clock=clock)
    try:
        again = other.inbound.receive(InboundDocument(x12_850("PO-5010-2", version="005010", control=906)))
        assert document(other, again.acknowledgement or "").kind == "997"
    finally:
        other.close()


def test_a_partner_that_wants_no_acknowledgement_gets_none(lightsoff: Lightsoff) -> None:
    outcome = receive(lightsoff, x12_850("PO-BOLT-1", sender="4405197800", qualifier="12"))
    assert outcome.partner == "BOLT"
    assert outcome.acknowledgement is None
    assert count(lightsoff, tables.outbound_documents) == 0


def test_edifact_orders_become_orders_and_a_contrl_mirroring_the_interchange(lightsoff: Lightsoff) -> None:
    outcome = receive(lightsoff, edifact_orders("PO-E-1", "PO-E-2"))
    assert [(o.reference, o.status) for o in outcome.orders] == [("IC1/1", "accepted"), ("IC1/2", "accepted")]
    ack = document(lightsoff, outcome.acknowledgement or "")
    assert (ack.kind, ack.format) == ("CONTRL", "edifact")
    (report,) = read_contrl(ack.body)
    assert (report.interchange_reference, report.sender, report.recipient, report.status) == (
        "IC1",
        ACME_ID,
        OUR_ID,
        "accepted",
    )
    assert [(m.reference, m.type, m.accepted) for m in report.messages] == [
        ("1", "ORDERS", True),
        ("2", "ORDERS", True),
    ]
    assert ack.body.startswith(b"UNA:+.? '\nUNB+UNOC:3+LIGHTSOFF:ZZ+5400110000009:14+")


def test_each_interchange_and_message_stands_on_its_own(lightsoff: Lightsoff) -> None:
    broken = x12_set("PO-BROKEN", "0002", lines=x12_lines(), count=99)
    data = x12(x12_set("PO-GOOD-1", "0001", lines=x12_lines()), broken) + x12_850("PO-GOOD-2", control=906)
    outcome = receive(lightsoff, data)
    statuses = {o.reference: o.status for o in outcome.orders}
    assert statuses == {
        "000000905/1/0001": "accepted",
        "000000905/1/0002": "rejected",
        "000000906/1/0001": "accepted",
    }
    rejected = next(o for o in outcome.orders if o.status == "rejected")
    assert rejected.order_id is None
    assert rejected.problems[0]["code"] == "count_mismatch"
    assert "segment" in rejected.problems[0]["location"]
    assert "SE" in rejected.problems[0]["location"]
    assert lightsoff.queries.find_orders(partner="ACME", po_number="PO-BROKEN") == []  # nothing half-imported
    read = read_functional_ack(document(lightsoff, outcome.acknowledgement or "").body)
    assert [[(s.control_number, s.status) for s in g.sets] for g in read.groups] == [
        [("0001", "A"), ("0002", "R")],
        [("0001", "A")],
    ]
    assert read.groups[0].status == "P"


def test_the_same_file_again_finds_duplicates_and_is_acknowledged_again(lightsoff: Lightsoff) -> None:
    data = x12_850("PO-AGAIN-1")
    first = receive(lightsoff, data)
    second = receive(lightsoff, data)
    assert [o.status for o in second.orders] == ["duplicate"]
    assert second.orders[0].order_id == first.orders[0].order_id
    assert lightsoff.queries.message(second.message_id).outcome is MessageOutcome.DUPLICATE
    numbers = [document(lightsoff, d.acknowledgement or "").control_number for d in (first, second)]
    assert numbers == ["1", "2"]


# ---- the partner ----


def test_an_unknown_sender_is_rejected_with_where_unless_the_partner_is_named(lightsoff: Lightsoff) -> None:
    data = x12_850("PO-WHO-1", sender="NOBODYKNOWS")
    outcome = receive(lightsoff, data)
    assert [(o.status, o.problems[0]["code"]) for o in outcome.orders] == [("rejected", "unknown_sender")]
    assert outcome.failed  # nothing taken, though the document itself is sound
    assert "NOBODYKNOWS" in outcome.orders[0].problems[0]["message"]
    assert outcome.acknowledgement is None
    named = receive(lightsoff, data, partner="ACME")
    assert [o.status for o in named.orders] == ["accepted"]
    assert named.partner == "ACME"
    assert named.acknowledgement is not None


def test_a_named_partner_the_envelope_contradicts_is_refused(lightsoff: Lightsoff) -> None:
    outcome = receive(lightsoff, x12_850("PO-MISMATCH-1"), partner="BOLT")
    assert [p["code"] for p in outcome.problems] == ["partner_mismatch"]
    assert outcome.orders == ()
    assert outcome.failed
    assert count(lightsoff, tables.orders) == 0


def test_a_confined_client_never_reaches_another_partner(lightsoff: Lightsoff) -> None:
    bolt_only = frozenset({"BOLT"})
    named = receive(lightsoff, x12_850("PO-CONF-1"), partner="ACME", allowed_partners=bolt_only)
    assert named.not_found
    assert named.orders == ()
    assert named.problems[0]["message"] == receive(lightsoff, b"x", partner="NOPE").problems[0]["message"].replace(
        "'NOPE'", "'ACME'"
    )
    landed = receive(lightsoff, x12_850("PO-CONF-2"), allowed_partners=bolt_only)
    assert [(o.status, o.problems[0]["code"]) for o in landed.orders] == [("rejected", "unknown_sender")]
    assert landed.partner is None
    assert landed.acknowledgement is None
    assert count(lightsoff, tables.orders) == 0
    assert count(lightsoff, tables.outbound_documents) == 0
    assert lightsoff.queries.message(landed.message_id).partner is None


# ---- spreadsheets and e-mail ----


def test_csv_and_xlsx_are_read_with_the_partners_mapping(lightsoff: Lightsoff) -> None:
    header = "PO,order_date,requested_ship_date,ship_to_code,sku,Menge,uom"
    rows = ("PO-C-1,2026-11-23,2026-12-07,ACME-DC-NORTH,WID-100,24,EA", "PO-C-1,2026-11-23,2026-12-07,,,,")
    outcome = receive(lightsoff, csv_orders(rows[0], header=header), partner="ACME", filename="orders.csv")
    assert (outcome.format, [o.status for o in outcome.orders]) == ("csv", ["accepted"])
    assert outcome.acknowledgement is None  # spreadsheets have no functional acknowledgement
    sheet = xlsx(
        [
            ["PO Number", "order_date", "requested_ship_date", "ship_to_code", "sku", "Quantity", "uom"],
            ["PO-X-9", "2026-11-23", "2026-12-07", "ACME-DC-SOUTH", "WID-100", 36, "EA"],
        ]
    )
    from_sheet = receive(lightsoff, sheet, partner="ACME")
    assert (from_sheet.format, [o.status for o in from_sheet.orders]) == ("xlsx", ["accepted"])
    order = lightsoff.queries.order(from_sheet.orders[0].order_id or "").order
    assert order.customer_order.ship_to.code == "ACME-DC-SOUTH"


def test_a_spreadsheet_needs_its_partner(lightsoff: Lightsoff) -> None:
    outcome = receive(lightsoff, csv_orders("PO-C-2,2026-11-23,2026-12-07,ACME-DC-NORTH,WID-100,24,EA"))
    assert [p["code"] for p in outcome.problems] == ["partner_required"]
    assert outcome.failed
    assert lightsoff.queries.message(outcome.message_id).outcome is MessageOutcome.REJECTED


def test_an_email_is_read_by_its_attachments_and_its_sender_names_the_partner(lightsoff: Lightsoff) -> None:
    sheet = csv_orders("PO-M-1,2026-11-23,2026-12-07,ACME-DC-NORTH,WID-100,48,EA")
    edi = edifact_orders("PO-M-2")
    mail = email(
        ("orders.csv", "text/csv", sheet),
        ("orders.edi", "application/edifact", edi),
        sender="Petra Lang <petra.lang@acme-retail.example>",  # a contact of ACME's profile
    )
    outcome = receive(lightsoff, mail)
    assert (outcome.format, outcome.partner) == ("email", "ACME")
    assert [(o.location.split(":")[0], o.status) for o in outcome.orders] == [
        ("attachment 1 orders.csv", "accepted"),
        ("attachment 2 orders.edi", "accepted"),
    ]
    (contrl_id,) = outcome.acknowledgements  # the EDI attachment is acknowledged; the CSV has nothing to ack
    assert [m.reference for m in read_contrl(document(lightsoff, contrl_id).body)[0].messages] == ["1"]


def test_an_email_with_no_usable_attachment_says_what_it_had(lightsoff: Lightsoff) -> None:
    mail = email(("photo.png", "image/png", b"\x89PNG\r\n\x1a\nnot an order"))
    outcome = receive(lightsoff, mail)
    assert [p["code"] for p in outcome.problems] == ["no_usable_attachment"]
    assert "photo.png" in outcome.problems[0]["message"]
    assert outcome.failed
    assert lightsoff.queries.message(outcome.message_id).body == mail


# ---- acknowledgements in ----


def test_a_997_accepting_what_lightsoff_sent_is_matched_and_recorded(lightsoff: Lightsoff, clock: FakeClock) -> None:
    sent = issue(lightsoff)
    clock.advance(timedelta(hours=2))
    outcome = receive(lightsoff, x12_ack(int(sent.control_number)))
    assert (outcome.problems, outcome.failed, outcome.acknowledgement) == ((), False, None)
    assert [(a["document_id"], a["status"]) for a in outcome.acknowledged] == [(sent.document_id, "accepted")]
    stored = document(lightsoff, sent.document_id)
    assert (stored.status, stored.acknowledged_at) == (DocumentStatus.ACCEPTED, clock.now())
    assert stored.detail["acknowledged_by"]["message_id"] == outcome.message_id
    acknowledged = lightsoff.queries.event_feed(names=["document.acknowledged"]).events
    assert [(e.stream_id, e.stream_version, e.decode().to_data()["status"]) for e in acknowledged] == [
        (sent.document_id, 2, "accepted")
    ]
    assert lightsoff.queries.message(outcome.message_id).outcome is MessageOutcome.ACCEPTED


def test_a_rejecting_999_marks_the_document_rejected_with_the_codes(lightsoff: Lightsoff) -> None:
    sent = issue(lightsoff)
    ack = x12_ack(int(sent.control_number), "R", kind="999", sets=(("0001", "R"),))
    outcome = receive(lightsoff, ack.replace(b"AK5*R", b"AK5*R*5"))
    assert [a["status"] for a in outcome.acknowledged] == ["rejected"]
    assert document(lightsoff, sent.document_id).status is DocumentStatus.REJECTED


def test_a_contrl_is_matched_to_the_edifact_interchange_it_answers(lightsoff: Lightsoff) -> None:
    sent = issue(lightsoff, kind="ORDRSP", format="edifact")
    outcome = receive(lightsoff, contrl(sent.control_number))
    assert [(a["document_id"], a["status"]) for a in outcome.acknowledged] == [(sent.document_id, "accepted")]
    rejected = issue(lightsoff, kind="DESADV", format="edifact")
    receive(lightsoff, contrl(rejected.control_number, action="4"))
    assert document(lightsoff, rejected.document_id).status is DocumentStatus.REJECTED


def test_an_acknowledgement_of_nothing_sent_is_a_located_problem_and_kept(lightsoff: Lightsoff) -> None:
    data = x12_ack(4242)
    outcome = receive(lightsoff, data)
    assert [(p["code"], p["location"]) for p in outcome.problems] == [
        ("unmatched_acknowledgement", "AK1 for group 4242")
    ]
    assert outcome.failed
    assert outcome.acknowledged == ()
    raw = lightsoff.queries.message(outcome.message_id)
    assert (raw.body, raw.outcome) == (data, MessageOutcome.REJECTED)
    assert event_names(lightsoff, "document.acknowledged") == []


# ---- the acknowledgement window ----


def test_a_document_not_acknowledged_in_time_raises_one_routed_case(lightsoff: Lightsoff, clock: FakeClock) -> None:
    late = issue(lightsoff)
    answered = issue(lightsoff)
    bolt = issue(lightsoff, partner="BOLT")  # BOLT has no window: nobody waits
    receive(lightsoff, x12_ack(int(answered.control_number)))
    watch = lightsoff.notifications.acknowledgements
    assert watch is not None
    clock.advance(timedelta(hours=23, minutes=59))
    assert watch.check() == []
    clock.advance(timedelta(minutes=2))
    (overdue,) = watch.check()
    assert (overdue.document_id, overdue.partner) == (late.document_id, "ACME")
    case = lightsoff.queries.exception_case(overdue.exception_id)
    route = lightsoff.reference_data.route("document_unacknowledged")
    assert (case.category, case.team, case.severity, case.partner) == (
        "document_unacknowledged",
        route.team,
        route.severity,
        "ACME",
    )
    assert late.document_id in case.message
    assert "24 hours" in case.message
    assert case.due_at == clock.now() + route.handle_within
    assert watch.check() == []  # reported once
    assert document(lightsoff, late.document_id).unacknowledged_case == overdue.exception_id
    assert document(lightsoff, bolt.document_id).unacknowledged_case is None
    receive(lightsoff, x12_ack(int(late.control_number)))  # late, but it came
    assert lightsoff.queries.exception_case(overdue.exception_id).status.value == "dismissed"


def test_a_failure_while_deciding_leaves_the_raw_document_archived_as_failed(
    lightsoff: Lightsoff, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(lightsoff.intake, "submit", broken)
    data = x12_850("PO-FAIL-1")
    with pytest.raises(RuntimeError):
        receive(lightsoff, data)
    with lightsoff.database.engine.connect() as connection:
        row = connection.execute(select(tables.messages).where(tables.messages.c.body == data)).mappings().one()
    assert (row["outcome"], row["detail"]["reason"]) == ("failed", "the database went away")
    assert count(lightsoff, tables.orders) == 0


def test_edifact_messages_of_one_interchange_stand_alone(lightsoff: Lightsoff) -> None:
    data = edifact(edifact_message("PO-EM-1", "1"), edifact_message("PO-EM-2", "2", count=3))
    outcome = receive(lightsoff, data)
    assert [(o.reference, o.status) for o in outcome.orders] == [("IC1/1", "accepted"), ("IC1/2", "rejected")]
    assert outcome.orders[1].problems[0]["code"] == "count_mismatch"
    (report,) = read_contrl(document(lightsoff, outcome.acknowledgement or "").body)
    assert [(m.reference, m.accepted) for m in report.messages] == [("1", True), ("2", False)]


def test_serve_and_worker_check_the_window_on_their_timer(lightsoff: Lightsoff, clock: FakeClock) -> None:
    late = issue(lightsoff)
    clock.advance(timedelta(days=2))
    thread = NotificationThread(replace(lightsoff.notifications, check_every=0.05, escalate_every=3600))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while document(lightsoff, late.document_id).unacknowledged_case is None:
            assert time.monotonic() < deadline, "the timer never checked the acknowledgement window"
            time.sleep(0.05)
    finally:
        thread.stop()


def test_two_edifact_interchanges_in_one_file_get_a_contrl_each(lightsoff: Lightsoff) -> None:
    data = edifact_orders("PO-2IC-1", reference="IC1") + edifact_orders("PO-2IC-2", reference="IC2", trailer=False)
    outcome = receive(lightsoff, data)
    statuses = [(o.reference, o.status) for o in outcome.orders]
    assert statuses == [("IC1/1", "accepted"), ("IC2/1", "rejected")]  # IC2 is truncated: no UNZ
    assert outcome.orders[1].problems[-1]["code"] == "missing_unz"
    reports = [read_contrl(document(lightsoff, ack).body)[0] for ack in outcome.acknowledgements]
    assert [(r.interchange_reference, r.status) for r in reports] == [("IC1", "accepted"), ("IC2", "rejected")]
    numbers = [document(lightsoff, ack).control_number for ack in outcome.acknowledgements]
    assert numbers == ["1", "2"]


def test_a_document_over_the_limit_is_archived_and_refused_unread(
    settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock
) -> None:
    limited = settings.model_copy(update={"max_document_bytes": 1000})
    small = bootstrap(limited, reference_data=demo_reference_data, clock=clock)
    try:
        data = x12_850("PO-BIG-1") + b"\n" * 2000
        outcome = small.inbound.receive(InboundDocument(data, channel="folder"))
        assert [(p["code"], p["location"]) for p in outcome.problems] == [("too_large", "the document")]
        assert "at most 1,000" in outcome.problems[0]["message"]
        assert outcome.orders == ()
        raw = small.queries.message(outcome.message_id)
        assert (raw.body, raw.channel, raw.outcome) == (data, "folder", MessageOutcome.REJECTED)
    finally:
        small.close()


def test_a_named_format_wins_over_detection(lightsoff: Lightsoff) -> None:
    text = csv_orders("PO-TXT-1,2026-11-23,2026-12-07,ACME-DC-NORTH,WID-100,24,EA", header=CSV_HEADER)
    outcome = receive(lightsoff, text, format="csv", partner="ACME", filename="orders.txt")
    assert (outcome.format, [o.status for o in outcome.orders]) == ("csv", ["accepted"])
    unknown = receive(lightsoff, text, format="pdf")
    assert [p["code"] for p in unknown.problems] == ["unknown_format"]


def test_two_processes_checking_at_once_raise_one_case(lightsoff: Lightsoff, clock: FakeClock) -> None:
    late = issue(lightsoff)
    clock.advance(timedelta(days=2))
    watch = lightsoff.notifications.acknowledgements
    assert watch is not None
    barrier = threading.Barrier(4)
    found: list[int] = []

    def check() -> None:
        barrier.wait()
        found.append(len(watch.check()))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(found) == [0, 0, 0, 1]
    cases = lightsoff.queries.find_exception_cases(CaseQuery(category="document_unacknowledged"))
    assert [case.exception_id for case in cases] == [document(lightsoff, late.document_id).unacknowledged_case]


def test_an_acknowledgement_that_cannot_be_written_leaves_the_orders_taken(
    lightsoff: Lightsoff, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unwritable(*_: object) -> bytes:
        raise X12WriteError("ISA06", "a value X12 cannot carry")

    monkeypatch.setattr("lightsoff.services.inbound.write_997", unwritable)
    outcome = receive(lightsoff, x12_850("PO-NOACK-1"))
    assert [o.status for o in outcome.orders] == ["accepted"]
    assert outcome.acknowledgement is None
    assert [p["code"] for p in outcome.problems] == ["acknowledgement_not_written"]
    assert not outcome.failed
    assert count(lightsoff, tables.outbound_documents) == 0


def test_an_edifact_buyer_gln_names_the_partner_when_the_unb_sender_is_unknown(lightsoff: Lightsoff) -> None:
    outcome = receive(lightsoff, edifact(edifact_message("PO-GLN-1"), sender="VAN-MAILBOX-7"))
    assert (outcome.partner, [o.status for o in outcome.orders]) == ("ACME", ["accepted"])
    (report,) = read_contrl(document(lightsoff, outcome.acknowledgement or "").body)
    assert report.sender == "VAN-MAILBOX-7"  # the CONTRL goes back to the interchange's own sender
