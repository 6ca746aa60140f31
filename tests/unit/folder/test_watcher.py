"""The drop-folder watcher's file handling, against a recording intake: when a file is taken, where it goes."""

from __future__ import annotations

import fcntl
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lightsoff.connectors.folder import watcher as watcher_module
from lightsoff.connectors.folder.files import Journal, is_ignored, move_unique
from lightsoff.connectors.folder.watcher import (
    DropFolder,
    FileDeferred,
    FileHandled,
    FolderTrouble,
    FolderWatcher,
    WatchSettings,
)


@dataclass(frozen=True)
class Outcome:
    message_id: str
    failed: bool
    problems: tuple[dict[str, Any], ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "format": "x12", "problems": list(self.problems), "orders": []}


@dataclass
class RecordingIntake:
    """Takes every document in, remembering what it got; ``FAIL`` in the content makes the outcome failed."""

    received: list[tuple[bytes, str, str]] = field(default_factory=list)
    down: bool = False

    def __call__(self, data: bytes, filename: str, partner: str) -> Outcome:
        if self.down:
            raise ConnectionError("the database is unavailable")
        self.received.append((data, filename, partner))
        number = len(self.received)
        if b"FAIL" in data:
            problem = {"location": "segment 1 (ISA)", "code": "truncated", "message": "the interchange ends early"}
            return Outcome(f"m-{number}", failed=True, problems=(problem,))
        return Outcome(f"m-{number}", failed=False)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


SETTLE = WatchSettings(poll_seconds=0.05, settle_seconds=2.0, retry_seconds=30.0)


@pytest.fixture
def folder(tmp_path: Path) -> DropFolder:
    return DropFolder("ACME", tmp_path / "drop" / "ACME" / "in")


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def watcher_for(folder: DropFolder, intake: RecordingIntake, clock: Clock) -> FolderWatcher:
    watcher = FolderWatcher([folder], intake, SETTLE, monotonic=clock)
    watcher.prepare()
    return watcher


def settle(watcher: FolderWatcher, clock: Clock) -> list[Any]:
    """Two scans ``settle_seconds`` apart: a file unchanged between them is taken."""
    events = watcher.scan()
    clock.now += SETTLE.settle_seconds
    return events + watcher.scan()


def test_prepare_creates_the_folder_with_done_and_failed(folder: DropFolder, intake: RecordingIntake) -> None:
    assert FolderWatcher([folder], intake).prepare() == []
    assert {p.name for p in folder.path.iterdir()} == {"done", "failed"}


def test_a_folder_that_cannot_be_created_is_named_and_still_watched(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    folder.path.parent.mkdir(parents=True)
    folder.path.write_text("a file where the folder should be")
    watcher = FolderWatcher([folder], intake, SETTLE, monotonic=clock)
    [problem] = watcher.prepare()
    assert problem == f"ACME's drop folder {folder.path}: File exists"
    [trouble] = watcher.scan()
    assert isinstance(trouble, FolderTrouble)
    folder.path.unlink()
    folder.path.mkdir()
    assert watcher.scan() == [FolderTrouble(folder, None)]


def test_a_file_is_taken_once_it_stayed_unchanged_for_the_settle_time(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    watcher = watcher_for(folder, intake, clock)
    (folder.path / "po.edi").write_bytes(b"ISA*00~")
    assert watcher.scan() == []
    clock.now += SETTLE.settle_seconds - 0.1
    assert watcher.scan() == [], "taken before it stayed unchanged for settle_seconds"
    clock.now += 0.1
    [event] = watcher.scan()
    assert isinstance(event, FileHandled)
    assert (event.name, event.message_id, event.failed, event.moved_to) == (
        "po.edi",
        "m-1",
        False,
        folder.path / "done" / "po.edi",
    )
    assert intake.received == [(b"ISA*00~", "po.edi", "ACME")]
    assert (folder.path / "done" / "po.edi").read_bytes() == b"ISA*00~"
    assert not (folder.path / "po.edi").exists()
    assert Journal(folder.path).names() == [], "the journal entry outlived the move"


def test_a_file_that_grows_between_scans_waits_until_it_settles(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    watcher = watcher_for(folder, intake, clock)
    path = folder.path / "po.edi"
    path.write_bytes(b"first half ")
    watcher.scan()
    clock.now += SETTLE.settle_seconds
    with path.open("ab") as handle:
        handle.write(b"second half")
    assert watcher.scan() == []
    clock.now += SETTLE.settle_seconds
    [event] = watcher.scan()
    assert isinstance(event, FileHandled)
    assert intake.received == [(b"first half second half", "po.edi", "ACME")]


def test_a_file_written_in_two_parts_with_a_pause_is_taken_once_and_whole(
    folder: DropFolder, intake: RecordingIntake
) -> None:
    """Real time, real thread: the writer pauses for several scans in the middle of the file."""
    settings = WatchSettings(poll_seconds=0.05, settle_seconds=0.6)
    watcher = FolderWatcher([folder], intake, settings)
    watcher.prepare()
    stop, events = threading.Event(), []
    thread = threading.Thread(target=watcher.run, args=(stop.wait, events.append))
    thread.start()
    try:
        first, second = b"ISA*00*first part of the interchange~", b"GS*PO*the rest~IEA*1*000000001~"
        with (folder.path / "orders.edi").open("wb") as handle:
            handle.write(first)
            handle.flush()
            time.sleep(0.4)  # eight scans see the half-written file
            handle.write(second)
        deadline = time.monotonic() + 10
        while not events and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # more scans: nothing is taken twice
    finally:
        stop.set()
        thread.join(5)
    assert intake.received == [(first + second, "orders.edi", "ACME")]
    assert [type(event) for event in events] == [FileHandled]
    assert (folder.path / "done" / "orders.edi").read_bytes() == first + second


@pytest.mark.parametrize(
    "name",
    [".orders.edi", ".orders.edi.Xy12ab", "~$orders.xlsx", "orders.edi.part", "orders.edi.filepart", "orders.TMP"],
)
def test_temporary_and_hidden_names_are_left_alone(
    name: str, folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    watcher = watcher_for(folder, intake, clock)
    (folder.path / name).write_bytes(b"half")
    assert settle(watcher, clock) == []
    assert is_ignored(name)
    assert intake.received == []
    (folder.path / name).rename(folder.path / "orders.edi")
    assert [event.name for event in settle(watcher, clock)] == ["orders.edi"]


def test_a_failed_document_goes_to_failed_with_a_sidecar_saying_what_and_where(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    watcher = watcher_for(folder, intake, clock)
    (folder.path / "broken.edi").write_bytes(b"FAIL")
    [event] = settle(watcher, clock)
    assert isinstance(event, FileHandled)
    assert event.failed
    assert event.moved_to == folder.path / "failed" / "broken.edi"
    sidecar = json.loads((folder.path / "failed" / "broken.edi.error.json").read_text())
    assert sidecar["message_id"] == "m-1"
    assert sidecar["partner"] == "ACME"
    assert sidecar["file"] == "broken.edi"
    assert sidecar["problems"] == [
        {"location": "segment 1 (ISA)", "code": "truncated", "message": "the interchange ends early"}
    ]
    assert "lightsoff inbound rerun m-1" in sidecar["see"]


def test_files_of_the_same_name_later_do_not_overwrite_earlier_ones(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    watcher = watcher_for(folder, intake, clock)
    contents = [b"first", b"second", b"FAIL third", b"FAIL fourth", b"fifth"]
    for content in contents:
        (folder.path / "orders.edi").write_bytes(content)
        settle(watcher, clock)
    done, failed = folder.path / "done", folder.path / "failed"
    assert {p.name: p.read_bytes() for p in done.iterdir()} == {
        "orders.edi": b"first",
        "orders-2.edi": b"second",
        "orders-3.edi": b"fifth",
    }
    assert sorted(p.name for p in failed.iterdir()) == [
        "orders-2.edi",
        "orders-2.edi.error.json",
        "orders.edi",
        "orders.edi.error.json",
    ]
    assert json.loads((failed / "orders-2.edi.error.json").read_text())["message_id"] == "m-4"


def test_move_unique_keeps_the_whole_suffix_and_skips_names_of_left_over_sidecars(tmp_path: Path) -> None:
    target = tmp_path / "failed"
    target.mkdir()
    (target / "orders.csv.gz.error.json").write_text("{}")
    source = tmp_path / "orders.csv.gz"
    source.write_bytes(b"x")
    assert move_unique(source, target) == target / "orders-2.csv.gz"


class Killed(BaseException):
    """The process dies here (like SIGKILL: nothing after it runs)."""


def test_a_watcher_killed_after_processing_but_before_the_move_does_not_take_the_file_in_again(
    folder: DropFolder, intake: RecordingIntake, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = watcher_for(folder, intake, clock)
    (folder.path / "orders.edi").write_bytes(b"ISA*00~")

    def killed(*_: object) -> None:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(watcher_module, "move_unique", killed)
        watcher.scan()
        clock.now += SETTLE.settle_seconds
        with pytest.raises(Killed):
            watcher.scan()
    assert len(intake.received) == 1
    assert (folder.path / "orders.edi").exists(), "the kill came before the move"
    assert Journal(folder.path).get("orders.edi") is not None

    restarted = watcher_for(folder, intake, clock)
    [event] = settle(restarted, clock)
    assert isinstance(event, FileHandled)
    assert event.resumed
    assert event.message_id == "m-1"
    assert len(intake.received) == 1, "taken in a second time after the restart"
    assert (folder.path / "done" / "orders.edi").read_bytes() == b"ISA*00~"
    assert Journal(folder.path).names() == []


def test_a_changed_file_of_the_same_name_after_a_restart_is_taken_in_anew(
    folder: DropFolder, intake: RecordingIntake, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal entry is for other content (the partner replaced the file while lightsoff was down)."""
    watcher = watcher_for(folder, intake, clock)
    (folder.path / "orders.edi").write_bytes(b"old")
    with monkeypatch.context() as patched:
        patched.setattr(watcher_module, "move_unique", lambda *_: (_ for _ in ()).throw(Killed()))
        watcher.scan()
        clock.now += SETTLE.settle_seconds
        with pytest.raises(Killed):
            watcher.scan()
    (folder.path / "orders.edi").write_bytes(b"new content")
    [event] = settle(watcher_for(folder, intake, clock), clock)
    assert isinstance(event, FileHandled)
    assert not event.resumed
    assert [data for data, _, _ in intake.received] == [b"old", b"new content"]


def test_killed_after_the_move_the_sidecar_is_written_on_restart(
    folder: DropFolder, intake: RecordingIntake, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = watcher_for(folder, intake, clock)
    (folder.path / "broken.edi").write_bytes(b"FAIL")

    def killed(*_: object) -> None:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(watcher_module, "write_atomically", killed)
        watcher.scan()
        clock.now += SETTLE.settle_seconds
        with pytest.raises(Killed):
            watcher.scan()
    assert (folder.path / "failed" / "broken.edi").exists()
    assert not (folder.path / "failed" / "broken.edi.error.json").exists()
    [event] = watcher_for(folder, intake, clock).scan()
    assert isinstance(event, FileHandled)
    assert event.resumed
    assert json.loads((folder.path / "failed" / "broken.edi.error.json").read_text())["message_id"] == "m-1"
    assert Journal(folder.path).names() == []
    assert len(intake.received) == 1


def test_when_the_intake_is_down_the_file_stays_and_is_tried_again_later(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    watcher = watcher_for(folder, intake, clock)
    (folder.path / "orders.edi").write_bytes(b"ISA*00~")
    intake.down = True
    [deferred] = settle(watcher, clock)
    assert isinstance(deferred, FileDeferred)
    assert "the database is unavailable" in deferred.reason
    assert (folder.path / "orders.edi").exists()
    intake.down = False
    clock.now += SETTLE.retry_seconds - 1
    assert watcher.scan() == [], "tried again before retry_seconds"
    clock.now += 1
    [handled] = watcher.scan()
    assert isinstance(handled, FileHandled)
    assert not (folder.path / "orders.edi").exists()


def test_a_file_another_watcher_holds_is_left_to_it(folder: DropFolder, intake: RecordingIntake, clock: Clock) -> None:
    watcher = watcher_for(folder, intake, clock)
    path = folder.path / "orders.edi"
    path.write_bytes(b"ISA*00~")
    with path.open("rb") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        assert settle(watcher, clock) == []
    assert intake.received == []
    clock.now += SETTLE.settle_seconds
    assert [event.name for event in watcher.scan()] == ["orders.edi"]


def test_two_watchers_on_one_folder_take_each_file_once(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    first, second = watcher_for(folder, intake, clock), watcher_for(folder, intake, clock)
    for number in range(5):
        (folder.path / f"po-{number}.edi").write_bytes(f"PO {number}".encode())
    first.scan()
    second.scan()
    clock.now += SETTLE.settle_seconds
    handled = first.scan() + second.scan()
    assert sorted(event.name for event in handled) == [f"po-{n}.edi" for n in range(5)]
    assert len(intake.received) == 5


def test_a_folder_that_went_away_is_reported_once_then_again_when_it_is_back(
    folder: DropFolder, intake: RecordingIntake, clock: Clock
) -> None:
    """An unmounted share: the folder is not there for a while."""
    watcher = watcher_for(folder, intake, clock)
    away = folder.path.with_name("away")
    folder.path.rename(away)
    [trouble] = watcher.scan()
    assert isinstance(trouble, FolderTrouble)
    assert trouble.reason is not None
    assert f"cannot read {folder.path}: No such file or directory" == trouble.reason
    assert watcher.scan() == [], "reported on every scan"
    away.rename(folder.path)
    assert watcher.scan() == [FolderTrouble(folder, None)]


def test_a_file_over_the_size_limit_goes_to_failed_unread(folder: DropFolder, intake: RecordingIntake) -> None:
    clock = Clock()
    settings = WatchSettings(settle_seconds=2.0, max_bytes=10)
    watcher = FolderWatcher([folder], intake, settings, monotonic=clock)
    watcher.prepare()
    (folder.path / "huge.edi").write_bytes(b"x" * 11)
    watcher.scan()
    clock.now += 2.0
    [event] = watcher.scan()
    assert isinstance(event, FileHandled)
    assert event.failed
    assert intake.received == []
    sidecar = json.loads((folder.path / "failed" / "huge.edi.error.json").read_text())
    assert sidecar["message_id"] is None
    assert sidecar["problems"][0]["code"] == "too_large"
    assert "11 bytes; at most 10" in sidecar["problems"][0]["message"]
    assert (folder.path / "failed" / "huge.edi").read_bytes() == b"x" * 11
