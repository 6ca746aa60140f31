"""Drop folders with the real intake: a file becomes orders once, even across a watcher killed mid-way."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.connectors.folder import FileHandled, FolderWatcher, WatchSettings
from lightsoff.connectors.folder import watcher as watcher_module
from lightsoff.connectors.folder.files import Journal
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.reference_data import DocumentProfile, ReferenceData
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock
from lightsoff.watch_runtime import build_watcher, drop_folders
from tests.integration.test_rerun import counts, x12_850


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def with_folders(reference: ReferenceData, **folders: str) -> ReferenceData:
    partners = [
        dataclasses.replace(partner, documents=DocumentProfile(inbound_folder=folders[partner.code]))
        if partner.code in folders
        else partner
        for partner in reference.partners()
    ]
    return ReferenceData(partners, reference.products(), reference.routes(), reference.teams())


@pytest.fixture
def lightsoff(settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock) -> Iterator[Lightsoff]:
    reference = with_folders(demo_reference_data, ACME="drop/ACME/in", BOLT=str(settings.data_dir / "bolt-in"))
    app = bootstrap(settings, reference_data=reference, clock=clock)
    yield app
    app.close()


def watcher_of(lightsoff: Lightsoff, clock: Clock) -> FolderWatcher:
    watcher = build_watcher(lightsoff, WatchSettings(settle_seconds=1.0), monotonic=clock)
    watcher.prepare()
    return watcher


def settled(watcher: FolderWatcher, clock: Clock) -> list[object]:
    events: list[object] = list(watcher.scan())
    clock.now += 1.0
    return events + list(watcher.scan())


class Killed(BaseException):
    """The process dies here."""


def test_relative_folders_are_under_the_data_folder_and_absolute_ones_as_given(
    lightsoff: Lightsoff, settings: Settings
) -> None:
    folders = {folder.partner: folder.path for folder in drop_folders(lightsoff.reference_data, settings.data_dir)}
    assert folders == {
        "ACME": (settings.data_dir / "drop" / "ACME" / "in").resolve(),
        "BOLT": (settings.data_dir / "bolt-in").resolve(),
    }


def test_two_partners_may_not_share_a_folder(demo_reference_data: ReferenceData, tmp_path: Path) -> None:
    shared = with_folders(demo_reference_data, ACME="drop/in", BOLT="drop/../drop/in")
    with pytest.raises(ConfigurationError, match="partners ACME and BOLT share the drop folder"):
        drop_folders(shared, tmp_path)


def test_a_file_in_a_partners_folder_becomes_its_orders(lightsoff: Lightsoff, settings: Settings) -> None:
    clock = Clock()
    watcher = watcher_of(lightsoff, clock)
    inbox = settings.data_dir / "drop" / "ACME" / "in"
    (inbox / "po.edi").write_bytes(x12_850("PO-FOLDER-1", ["VP*WID-100", "BP*A-7788"]))
    [event] = settled(watcher, clock)
    assert isinstance(event, FileHandled)
    assert not event.failed
    message = lightsoff.queries.message(event.message_id)
    assert (message.channel, message.partner, message.outcome.value) == ("folder", "ACME", "accepted")
    assert message.detail["document"]["filename"] == "po.edi"
    [order] = event.outcome["orders"]
    assert lightsoff.queries.order(order["order_id"]).order.customer_order.po_number == "PO-FOLDER-1"


def test_killed_after_the_intake_and_before_the_move_the_file_is_not_taken_in_again(
    lightsoff: Lightsoff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    inbox = settings.data_dir / "drop" / "ACME" / "in"
    watcher = watcher_of(lightsoff, clock)
    (inbox / "po.edi").write_bytes(x12_850("PO-FOLDER-2", ["VP*WID-100"]))
    with monkeypatch.context() as patched:
        patched.setattr(watcher_module, "move_unique", lambda *_: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            settled(watcher, clock)
    taken = counts(lightsoff)
    assert taken["orders"] == 1
    [event] = settled(watcher_of(lightsoff, clock), clock)  # the restart
    assert isinstance(event, FileHandled)
    assert event.resumed
    assert counts(lightsoff) == taken, "taken in again: a second message, acknowledgement or order"
    assert (inbox / "done" / "po.edi").exists()


def test_without_the_journal_the_intake_finds_the_orders_duplicates(
    lightsoff: Lightsoff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the intake's commit and the journal entry: taken in again, idempotent by content."""
    clock = Clock()
    inbox = settings.data_dir / "drop" / "ACME" / "in"
    watcher = watcher_of(lightsoff, clock)
    (inbox / "po.edi").write_bytes(x12_850("PO-FOLDER-3", ["VP*WID-100", "BP*A-7788"]))
    with monkeypatch.context() as patched:
        patched.setattr(watcher_module, "move_unique", lambda *_: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            settled(watcher, clock)
    Journal(inbox).remove("po.edi")
    before = counts(lightsoff)
    events_before = lightsoff.queries.event_feed(limit=1000).events
    [event] = settled(watcher_of(lightsoff, clock), clock)
    assert isinstance(event, FileHandled)
    assert not event.resumed
    assert [order["status"] for order in event.outcome["orders"]] == ["duplicate"]
    after = counts(lightsoff)
    assert (after["orders"], after["exception_cases"]) == (before["orders"], before["exception_cases"])
    new_events = lightsoff.queries.event_feed(limit=1000).events[len(events_before) :]
    assert not [e for e in new_events if e.name.startswith("order.")], "the order changed on a re-take"
    assert (inbox / "done" / "po.edi").exists()


def test_a_document_that_cannot_be_read_goes_to_failed_with_its_problems(
    lightsoff: Lightsoff, settings: Settings
) -> None:
    clock = Clock()
    inbox = settings.data_dir / "drop" / "ACME" / "in"
    watcher = watcher_of(lightsoff, clock)
    (inbox / "po.edi").write_bytes(b"ISA*00*cut short")
    [event] = settled(watcher, clock)
    assert isinstance(event, FileHandled)
    assert event.failed
    sidecar = json.loads((inbox / "failed" / "po.edi.error.json").read_text())
    assert sidecar["message_id"] == event.message_id
    assert sidecar["problems"][0]["location"]
    assert sidecar["problems"][0]["message"]
    assert lightsoff.queries.message(event.message_id).body == b"ISA*00*cut short", "the raw file is archived"


def test_a_file_whose_every_order_is_refused_goes_to_failed_with_each_orders_problems(
    lightsoff: Lightsoff, settings: Settings
) -> None:
    clock = Clock()
    inbox = settings.data_dir / "drop" / "ACME" / "in"
    watcher = watcher_of(lightsoff, clock)
    (inbox / "po.edi").write_bytes(x12_850("PO-FOLDER-4", ["VP*WID-100"]).replace(b"DTM*002*20261210", b"DTM*002*2026"))
    [event] = settled(watcher, clock)
    assert isinstance(event, FileHandled)
    assert event.failed
    sidecar = json.loads((inbox / "failed" / "po.edi.error.json").read_text())
    assert sidecar["problems"] == []
    [order] = sidecar["orders"]
    assert (order["reference"], order["status"]) == ("000000001/1/0001", "rejected")
    assert order["problems"]
    assert all(problem["message"] for problem in order["problems"])
