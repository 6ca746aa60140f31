"""File handling of a drop folder: which names to leave alone, moving without overwriting, the journal.

Layout of a partner's drop folder::

    <inbound_folder>/           the partner (or its transfer tool) drops files here
      done/                     processed, and the outcome was not ``failed``
      failed/                   processed and failed, each with ``<name>.error.json`` beside it
      .lightsoff/<name>.json    the journal: a file processed but not yet moved (see ``Journal``)
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DONE, FAILED, STATE = "done", "failed", ".lightsoff"
SIDECAR_SUFFIX = ".error.json"

TEMPORARY_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".filepart", ".crdownload", ".swp", ".lock", "~")
"""What transfer tools and editors call a file they are still writing (WinSCP ``.filepart``, curl/wget and
browsers ``.part``/``.crdownload``, rsync and many scripts a dot name or ``.tmp``)."""


def is_ignored(name: str) -> bool:
    """Dot files (rsync's ``.name.XXXX``, our journal), Office lock files (``~$x.xlsx``), temporary names."""
    lower = name.lower()
    return name.startswith((".", "~")) or lower.endswith(TEMPORARY_SUFFIXES)


def move_unique(source: Path, folder: Path) -> Path:
    """Move ``source`` into ``folder`` under its own name, or ``<stem>-2<suffix>``, ``-3``… if taken.

    Never overwrites: ``os.link`` fails when the target exists, so two files of the same name, moved at
    the same moment by two processes, both survive. A file system without hard links falls back to
    checking first, then renaming.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for target in _candidates(folder, source.name):
        if (folder / (target.name + SIDECAR_SUFFIX)).exists():
            continue  # the name of an earlier failed file whose sidecar stayed behind
        try:
            os.link(source, target)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if target.exists():
                continue
            source.rename(target)
            return target
        source.unlink()
        return target
    raise AssertionError("unreachable: the candidates never end")


def _candidates(folder: Path, name: str) -> Iterator[Path]:
    yield folder / name
    dot = name.find(".", 1)
    stem, suffix = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    number = 2
    while True:
        yield folder / f"{stem}-{number}{suffix}"
        number += 1


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary name, flush it to disk, then rename: a reader sees all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.writing")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """What processing a file gave, kept until the file has been moved."""

    sha256: str
    message_id: str
    failed: bool
    outcome: dict[str, Any] = field(default_factory=dict)
    destination: str | None = None
    """The name the file is being moved to, once chosen."""


class Journal:
    """``.lightsoff/<name>.json`` in the drop folder: a file processed but not yet moved.

    Written after the intake committed and before the move, removed after it. A watcher killed in
    between finds the entry on restart, sees the file's content is the one processed (same SHA-256),
    and only moves it: the document is not taken in a second time (and no second acknowledgement goes
    to the partner). Killed before the entry was written, the file is processed again, and the intake,
    idempotent by content, answers ``duplicate`` for each order it already took.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder / STATE

    def path(self, name: str) -> Path:
        return self._folder / f"{name}.json"

    def get(self, name: str) -> JournalEntry | None:
        try:
            data = json.loads(self.path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable: processing again is safe (the intake is idempotent by content)
        try:
            return JournalEntry(**data)
        except TypeError:
            return None

    def put(self, name: str, entry: JournalEntry) -> None:
        write_atomically(self.path(name), asdict(entry))

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self) -> list[str]:
        if not self._folder.is_dir():
            return []
        return sorted(p.name.removesuffix(".json") for p in self._folder.glob("*.json") if not p.name.startswith("."))
