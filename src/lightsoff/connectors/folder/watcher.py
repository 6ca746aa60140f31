"""Watching partners' drop folders: a file that appears, once whole, is taken in and moved to done/ or failed/.

Why polling and not file-system notifications (``watchfiles``, inotify): a notification says that a file
changed, never that its writer has finished, so the "is it whole?" check below is needed either way;
notifications do not arrive for files on SMB and NFS shares, where drop folders often live (watchfiles
itself falls back to polling there); and after a restart the files already waiting must be found by a
scan anyway. A scan per second of a few folders costs next to nothing.

When is a file whole? Its writer gives no sign, so a file is taken once its size and modification time
have stayed the same for ``settle`` seconds, as seen over at least two scans, and its name is not a
temporary one (a dot file, ``~$…``, ``.part``, ``.tmp``…: see ``files.is_ignored``). A writer that
pauses longer than ``settle`` in the middle of a file would be caught half-way; tools that write to a
temporary name and rename at the end are safe whatever their speed.

Exactly once: a file is locked (``flock``) while it is processed, so two watchers on the same folder (two
``serve`` processes) never both take it; what processing gave is journalled before the move, so a watcher
killed between the intake's commit and the move only moves the file when it comes back (see
``files.Journal``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from lightsoff.connectors.folder.files import (
    DONE,
    FAILED,
    SIDECAR_SUFFIX,
    Journal,
    JournalEntry,
    is_ignored,
    move_unique,
    write_atomically,
)


class Received(Protocol):
    """What the watcher needs of an intake's outcome (``InboundOutcome`` is one)."""

    @property
    def message_id(self) -> str: ...

    @property
    def failed(self) -> bool: ...

    def to_data(self) -> dict[str, Any]: ...


Receive = Callable[[bytes, str, str], Received]
"""Take a document in: ``(data, filename, partner)`` → its outcome. Raises only when it could not be
taken in at all (the database is down): the file then stays where it is and is tried again later."""


@dataclass(frozen=True, slots=True)
class DropFolder:
    partner: str
    path: Path


@dataclass(frozen=True, slots=True)
class WatchSettings:
    poll_seconds: float = 1.0
    settle_seconds: float = 2.0
    """How long a file's size and modification time must stay unchanged before it is taken."""
    retry_seconds: float = 30.0
    """How long a file waits after the intake raised (the database was down) before it is tried again."""
    max_bytes: int | None = None
    """A larger file is not read: it goes to failed/ with a sidecar saying so (and nothing is archived)."""


@dataclass(frozen=True, slots=True)
class FileHandled:
    """A file was taken in (or, after a restart, found taken in) and moved."""

    folder: DropFolder
    name: str
    moved_to: Path
    message_id: str
    failed: bool
    outcome: dict[str, Any]
    resumed: bool = False
    """Processed before a restart; this time only moved."""


@dataclass(frozen=True, slots=True)
class FileDeferred:
    """A file that could not be taken in now; it stays and is tried again after ``retry_seconds``."""

    folder: DropFolder
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class FolderTrouble:
    """A drop folder that cannot be read (unmounted, no permission), or readable again (``reason`` None)."""

    folder: DropFolder
    reason: str | None


WatchEvent = FileHandled | FileDeferred | FolderTrouble


@dataclass(slots=True)
class _Seen:
    signature: tuple[int, int, int]
    since: float
    scans: int = 1


@dataclass(slots=True)
class _FolderState:
    seen: dict[str, _Seen] = field(default_factory=dict)
    retry_at: dict[str, float] = field(default_factory=dict)
    trouble: str | None = None


class FolderWatcher:
    def __init__(
        self,
        folders: Iterable[DropFolder],
        receive: Receive,
        settings: WatchSettings = WatchSettings(),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folders = tuple(folders)
        self._receive = receive
        self._settings = settings
        self._monotonic = monotonic
        self._state = {folder.path: _FolderState() for folder in self.folders}

    def prepare(self) -> list[str]:
        """Create the folders (and their done/ and failed/) where missing, and check they can be read.

        Returns what is wrong with each folder that cannot be used, one line each (empty: all usable);
        a folder that cannot be used now is still scanned, and reported when it can be used again.
        """
        problems = []
        for folder in self.folders:
            try:
                for path in (folder.path, folder.path / DONE, folder.path / FAILED):
                    path.mkdir(parents=True, exist_ok=True)
                os.listdir(folder.path)
            except OSError as exc:
                problems.append(f"{folder.partner}'s drop folder {exc.filename or folder.path}: {exc.strerror or exc}")
        return problems

    def scan(self) -> list[WatchEvent]:
        """One look at every folder: files whole for long enough are taken in and moved."""
        events: list[WatchEvent] = []
        for folder in self.folders:
            events += self._scan_folder(folder)
        return events

    def run(self, stop: Callable[[float], bool], report: Callable[[WatchEvent], None]) -> None:
        """Scan every ``poll_seconds`` until ``stop(timeout)`` (such as ``threading.Event.wait``) says so."""
        while True:
            for event in self.scan():
                report(event)
            if stop(self._settings.poll_seconds):
                return

    def _scan_folder(self, folder: DropFolder) -> list[WatchEvent]:
        state = self._state[folder.path]
        try:
            ready = self._ready(folder, state)
        except OSError as exc:
            reason = f"cannot read {folder.path}: {exc.strerror or exc}"
            changed = reason != state.trouble
            state.trouble = reason
            return [FolderTrouble(folder, reason)] if changed else []
        events: list[WatchEvent] = []
        if state.trouble is not None:
            state.trouble = None
            events.append(FolderTrouble(folder, None))
        events += self._finish_orphans(folder)
        for name in ready:
            event = self._take(folder, name, state)
            if event is not None:
                events.append(event)
        return events

    def _ready(self, folder: DropFolder, state: _FolderState) -> list[str]:
        """The names whose size and mtime have not changed for ``settle`` seconds over two scans or more."""
        now = self._monotonic()
        present: dict[str, tuple[int, int, int]] = {}
        with os.scandir(folder.path) as entries:
            for entry in entries:
                if is_ignored(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
                present[entry.name] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        for name in list(state.seen):
            if name not in present:
                del state.seen[name]
                state.retry_at.pop(name, None)
        ready = []
        for name, signature in sorted(present.items()):
            seen = state.seen.get(name)
            if seen is None or seen.signature != signature:
                state.seen[name] = _Seen(signature, now)
                continue
            seen.scans += 1
            settled = seen.scans >= 2 and now - seen.since >= self._settings.settle_seconds
            if settled and now >= state.retry_at.get(name, 0.0):
                ready.append(name)
        return ready

    def _take(self, folder: DropFolder, name: str, state: _FolderState) -> WatchEvent | None:
        path = folder.path / name
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return None  # taken by another watcher meanwhile
        with handle:
            if not _lock(handle) or not _same_file(path, handle):
                return None  # another watcher has it, or has already moved it
            limit = self._settings.max_bytes
            if limit is not None and state.seen[name].signature[0] > limit:
                del state.seen[name]
                return self._refuse(folder, name, limit)
            data = handle.read()
            if _signature(handle) != state.seen[name].signature:
                del state.seen[name]  # written to again after all: wait until it settles anew
                return None
            event = self._process(folder, name, data, state)
            if isinstance(event, FileHandled):
                del state.seen[name]
            return event

    def _process(self, folder: DropFolder, name: str, data: bytes, state: _FolderState) -> WatchEvent:
        journal = Journal(folder.path)
        digest = hashlib.sha256(data).hexdigest()
        entry = journal.get(name)
        resumed = entry is not None and entry.sha256 == digest
        if entry is None or not resumed:
            try:
                received = self._receive(data, name, folder.partner)
            except Exception as exc:  # the intake could not take it in (database down): try again later
                state.retry_at[name] = self._monotonic() + self._settings.retry_seconds
                return FileDeferred(folder, name, f"{type(exc).__name__}: {exc}")
            entry = JournalEntry(digest, received.message_id, received.failed, received.to_data())
            journal.put(name, entry)
        moved = self._move(folder, name, entry, journal)
        return FileHandled(folder, name, moved, entry.message_id, entry.failed, entry.outcome, resumed=resumed)

    def _refuse(self, folder: DropFolder, name: str, limit: int) -> FileHandled:
        """Too large to read: kept in failed/ as it is, with a sidecar (the archive would not take it either)."""
        size = (folder.path / name).stat().st_size
        problem = {
            "location": "the file",
            "code": "too_large",
            "message": f"The file has {size:,} bytes; at most {limit:,} are read (LIGHTSOFF_MAX_DOCUMENT_BYTES). "
            "Split it into several files.",
        }
        entry = JournalEntry("", "", True, {"format": None, "problems": [problem], "orders": []})
        moved = move_unique(folder.path / name, folder.path / FAILED)
        write_atomically(moved.with_name(moved.name + SIDECAR_SUFFIX), sidecar(name, folder.partner, entry))
        return FileHandled(folder, name, moved, "", True, entry.outcome)

    def _move(self, folder: DropFolder, name: str, entry: JournalEntry, journal: Journal) -> Path:
        target = folder.path / (FAILED if entry.failed else DONE)
        moved = move_unique(folder.path / name, target)
        journal.put(name, replace(entry, destination=moved.name))
        if entry.failed:
            write_atomically(moved.with_name(moved.name + SIDECAR_SUFFIX), sidecar(name, folder.partner, entry))
        journal.remove(name)
        return moved

    def _finish_orphans(self, folder: DropFolder) -> list[WatchEvent]:
        """Journal entries whose file has already been moved: write a missing sidecar, drop the entry."""
        journal = Journal(folder.path)
        events: list[WatchEvent] = []
        for name in journal.names():
            if (folder.path / name).exists():
                continue
            entry = journal.get(name)
            if entry is not None and entry.destination is not None:
                moved = folder.path / (FAILED if entry.failed else DONE) / entry.destination
                sidecar_path = moved.with_name(moved.name + SIDECAR_SUFFIX)
                if entry.failed and moved.exists() and not sidecar_path.exists():
                    write_atomically(sidecar_path, sidecar(name, folder.partner, entry))
                if moved.exists():
                    events.append(
                        FileHandled(folder, name, moved, entry.message_id, entry.failed, entry.outcome, resumed=True)
                    )
            journal.remove(name)
        return events


def sidecar(name: str, partner: str, entry: JournalEntry) -> dict[str, Any]:
    """``<name>.error.json``: what was wrong and where, and the archived message to look at or re-run."""
    outcome = entry.outcome
    orders = [
        {key: order.get(key) for key in ("reference", "location", "status", "problems")}
        for order in outcome.get("orders", [])
        if order.get("problems")
    ]
    archived = bool(entry.message_id)
    see = f"GET /v1/messages/{entry.message_id}; re-run with `lightsoff inbound rerun {entry.message_id}`"
    return {
        "file": name,
        "partner": partner,
        "message_id": entry.message_id or None,
        "sha256": entry.sha256 or None,
        "format": outcome.get("format"),
        "problems": outcome.get("problems", []),
        "orders": orders,
        "see": see if archived else "the file was not read; fix it and drop it again",
    }


def _lock(handle: BinaryIO) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(path: Path, handle: BinaryIO) -> bool:
    """Still the file at ``path``: another watcher may have moved it between our open and our lock."""
    try:
        return path.stat().st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _signature(handle: BinaryIO) -> tuple[int, int, int]:
    stat = os.fstat(handle.fileno())
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)
