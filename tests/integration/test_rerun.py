"""Re-running archived inbound documents through today's configuration: dry runs keep nothing, real ones count."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.domain.errors import NotFound
from lightsoff.domain.messages import InboundMessage
from lightsoff.domain.policy import RuleOutcome
from lightsoff.domain.reference_data import Product, ReferenceData
from lightsoff.services.inbound import InboundDocument
from lightsoff.services.intake import Submission
from lightsoff.settings import Settings
from lightsoff.store.tables import metadata
from lightsoff.testing import FakeClock
from tests.factories import line, order_json


def x12_850(po_number: str, items: list[str]) -> bytes:
    """One 850 for ACME's DC North; each item is ``<qualifier>*<code>`` (VP: our SKU, BP: the buyer's)."""
    segments = [
        "ISA*00*          *00*          *ZZ*SOMEBUYER      *ZZ*LIGHTSOFF      *261123*0900*U*00401*000000001*0*P*>",
        "GS*PO*SOMEBUYER*LIGHTSOFF*20261123*0900*1*X*004010",
        "ST*850*0001",
        f"BEG*00*SA*{po_number}**20261123",
        "DTM*002*20261210",
        "N1*ST*ACME DC NORTH*92*ACME-DC-NORTH",
        *(f"PO1*{number}*600*EA***{item}" for number, item in enumerate(items, start=1)),
        f"CTT*{len(items)}",
    ]
    segments.append(f"SE*{len(segments) - 1}*0001")
    segments += ["GE*1*1", "IEA*1*000000001"]
    return ("~".join(segments) + "~").encode()


def strict(reference: ReferenceData, **acme_changes: object) -> ReferenceData:
    """The demo data with ACME rejecting unknown products (so a mapping change shows), and ``acme_changes``."""
    acme = reference.partner("ACME")
    assert acme is not None
    policy = dataclasses.replace(acme.policy, outcomes={"unknown_product": RuleOutcome.REJECT})
    acme = dataclasses.replace(acme, policy=policy, **acme_changes)  # type: ignore[arg-type]
    partners = [acme if partner.code == "ACME" else partner for partner in reference.partners()]
    return ReferenceData(partners, reference.products(), reference.routes(), reference.teams())


@pytest.fixture
def start(settings: Settings, clock: FakeClock) -> Iterator[Callable[[ReferenceData], Lightsoff]]:
    """Start lightsoff on the test's database with some configuration (a restart with another, later)."""
    started: list[Lightsoff] = []

    def make(reference: ReferenceData) -> Lightsoff:
        for running in started:
            running.close()
        started.append(bootstrap(settings, reference_data=reference, clock=clock))
        return started[-1]

    yield make
    started[-1].close()


def counts(lightsoff: Lightsoff) -> dict[str, int]:
    with lightsoff.database.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def received(lightsoff: Lightsoff, data: bytes) -> str:
    outcome = lightsoff.inbound.receive(InboundDocument(data, filename="po.edi", partner="ACME", channel="folder"))
    return outcome.message_id


def test_a_code_list_entry_added_since_shows_in_a_dry_run_that_changes_nothing(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    first = start(strict(demo_reference_data, customer_skus={}))
    message_id = received(first, x12_850("PO-RERUN-1", ["VP*WID-100", "BP*A-7788"]))

    today = start(strict(demo_reference_data))  # ACME's code list maps A-7788 to WID-200 again
    before = counts(today)
    report = today.rerun.rerun(message_id, dry_run=True)
    assert counts(today) == before, "the dry run left rows behind"

    assert (report.dry_run, report.rerun_message_id, report.then_outcome) == (True, None, "rejected")
    assert report.now_outcome == "accepted"
    [order] = report.orders
    assert order.then is not None
    assert order.now is not None
    assert order.then.status == "rejected"
    assert [problem["code"] for problem in order.then.problems] == ["unknown_product"]
    assert order.then.lines == ()
    assert order.now.status == "accepted"
    mapped = [(line["customer_sku"], line["sku"]) for line in order.now.lines]
    assert mapped == [(None, "WID-100"), ("A-7788", "WID-200")]
    assert "status: rejected → accepted" in order.changes
    assert "problems: unknown_product → none" in order.changes
    assert report.changed
    assert report.acknowledgement is None


def test_a_real_rerun_takes_the_order_and_a_second_one_finds_it_a_duplicate(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    first = start(strict(demo_reference_data, customer_skus={}))
    message_id = received(first, x12_850("PO-RERUN-2", ["VP*WID-100", "BP*A-7788"]))
    today = start(strict(demo_reference_data))
    assert counts(today)["outbound_documents"] == 1, "the 997 the partner got when the 850 came in"

    real = today.rerun.rerun(message_id, dry_run=False)
    assert real.rerun_message_id not in (None, message_id)
    assert real.acknowledgement is None
    assert counts(today)["outbound_documents"] == 1, "a re-run sends the partner no second 997"
    [order] = real.orders
    assert order.now is not None
    assert order.now.status == "accepted"
    assert order.now.order_id is not None
    stored = today.queries.order(order.now.order_id).order
    assert stored.customer_order.po_number == "PO-RERUN-2"
    rerun_message = today.queries.message(real.rerun_message_id or "")
    assert (rerun_message.channel, rerun_message.outcome.value) == ("rerun", "accepted")

    again = today.rerun.rerun(message_id, dry_run=True)
    [order_again] = again.orders
    assert order_again.now is not None
    assert (order_again.now.status, order_again.now.order_id) == ("duplicate", order.now.order_id)


def test_a_product_added_to_the_master_since_shows_in_the_dry_run(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    first = start(strict(demo_reference_data))
    message_id = received(first, x12_850("PO-RERUN-3", ["VP*WID-100", "VP*WID-900"]))
    reference = strict(demo_reference_data)
    new_product = Product("WID-900", "Widget, size 900", "EA", case_pack=12)
    today = start(
        ReferenceData(reference.partners(), [*reference.products(), new_product], reference.routes(), reference.teams())
    )
    events_before = today.queries.event_feed(limit=1000).events
    [order] = today.rerun.rerun(message_id, dry_run=True).orders
    assert today.queries.event_feed(limit=1000).events == events_before
    assert order.then is not None
    assert order.now is not None
    assert (order.then.status, order.now.status) == ("rejected", "accepted")
    assert order.now.lines[1]["sku"] == "WID-900"


def test_an_amended_reading_of_a_taken_order_is_shown_as_the_lines_that_change(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    """ACME's code list now sends A-7788 to another product: the order as taken, then and now."""
    first = start(strict(demo_reference_data))
    message_id = received(first, x12_850("PO-RERUN-4", ["VP*WID-100", "BP*A-7788"]))
    acme = demo_reference_data.partner("ACME")
    assert acme is not None
    today = start(strict(demo_reference_data, customer_skus={**acme.customer_skus, "A-7788": "WID-300"}))
    [order] = today.rerun.rerun(message_id, dry_run=True).orders
    assert order.then is not None
    assert order.now is not None
    assert order.then.lines[1]["sku"] == "WID-200"
    assert order.now.status == "duplicate", "the same document is the same order: its content did not change"
    assert order.now.order_id == order.then.order_id


def test_a_confined_caller_finds_only_its_partners_messages(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    lightsoff = start(strict(demo_reference_data))
    message_id = received(lightsoff, x12_850("PO-RERUN-5", ["VP*WID-100"]))
    with pytest.raises(NotFound):
        lightsoff.rerun.rerun(message_id, dry_run=True, partners={"BOLT"})
    with pytest.raises(NotFound):
        lightsoff.rerun.rerun("no-such-message", dry_run=True)
    assert lightsoff.rerun.rerun(message_id, dry_run=True, partners={"ACME"}).orders


def test_a_dry_run_keeps_nothing_of_a_document_that_fails_now(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    lightsoff = start(strict(demo_reference_data))
    message_id = received(lightsoff, b"ISA*00*truncated")
    before = counts(lightsoff)
    report = lightsoff.rerun.rerun(message_id, dry_run=True)
    assert counts(lightsoff) == before
    assert report.orders == ()
    assert report.now_problems
    assert report.then_outcome == report.now_outcome == "rejected"
    assert not report.changed


def test_a_document_whose_processing_never_finished_is_run_now(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    """The process died after archiving the raw bytes: the archive says pending, and a re-run takes it in."""
    lightsoff = start(strict(demo_reference_data))
    body = x12_850("PO-RERUN-6", ["VP*WID-100"])
    pending = InboundMessage(
        message_id="m-pending",
        received_at=lightsoff.clock.now(),
        channel="folder",
        content_type="application/edi-x12",
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        detail={"document": {"filename": "po.edi", "format": None, "partner": "ACME", "channel": "folder"}},
    )
    lightsoff.uow.run(lambda uow: uow.messages.add(pending))
    report = lightsoff.rerun.rerun("m-pending", dry_run=False)
    assert (report.then_outcome, report.now_outcome) == ("pending", "accepted")
    [order] = report.orders
    assert order.then is None
    assert order.now is not None
    assert order.now.status == "accepted"
    assert order.changes == ("not in the document then",)


def test_a_json_order_reruns_as_one_order_side_by_side(
    start: Callable[[ReferenceData], Lightsoff], demo_reference_data: ReferenceData
) -> None:
    lightsoff = start(demo_reference_data)
    body = json.dumps(order_json(po_number="PO-RERUN-JSON", lines=[line(1, sku="NOPE")])).encode()
    submitted = lightsoff.intake.submit(Submission(body=body, content_type="application/json"))
    assert submitted.outcome.value == "held"
    [order] = lightsoff.rerun.rerun(submitted.message_id, dry_run=True).orders
    assert order.reference == "PO-RERUN-JSON"
    assert order.then is not None
    assert order.now is not None
    assert (order.then.status, order.now.status) == ("held", "duplicate")
    assert submitted.order is not None
    assert order.now.order_id == order.then.order_id == submitted.order.order_id
    assert order.changes == ()
