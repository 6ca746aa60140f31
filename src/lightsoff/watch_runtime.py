"""Assembling the drop-folder watcher from settings and partner profiles, and running it inside ``serve``.

Each partner's ``documents.inbound_folder`` (relative paths: under ``LIGHTSOFF_DATA_DIR``) is watched;
a file found there is the partner's: it goes to ``Lightsoff.inbound.receive`` with ``partner`` set to
the folder's owner and ``channel="folder"``. ``lightsoff watch`` runs the watcher in the foreground;
``serve`` runs it in a thread of its own when any partner has a folder (reading files and taking
documents in is blocking work, kept off the API's event loop).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from lightsoff.background import BackgroundThread
from lightsoff.connectors.folder import (
    DropFolder,
    FileDeferred,
    FileHandled,
    FolderTrouble,
    FolderWatcher,
    Received,
    WatchEvent,
    WatchSettings,
)
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.inbound import InboundDocument
from lightsoff.settings import Settings

if TYPE_CHECKING:
    from lightsoff.bootstrap import Lightsoff

_log = structlog.get_logger("lightsoff.watch")
CRASH_PAUSE_SECONDS = 5.0


def drop_folders(reference_data: ReferenceData, data_dir: Path) -> list[DropFolder]:
    """Every partner's inbound folder, resolved; two partners sharing one is a configuration error."""
    folders = [
        DropFolder(partner.code, (data_dir / partner.documents.inbound_folder).resolve())
        for partner in reference_data.partners()
        if partner.documents.inbound_folder
    ]
    owners: dict[Path, list[str]] = defaultdict(list)
    for folder in folders:
        owners[folder.path].append(folder.partner)
    shared = [
        f"partners {' and '.join(codes)} share the drop folder {path}: a file there could be either's; "
        "give each partner a documents.inbound_folder of its own"
        for path, codes in owners.items()
        if len(codes) > 1
    ]
    if shared:
        raise ConfigurationError(shared)
    return folders


def watch_settings(settings: Settings) -> WatchSettings:
    return WatchSettings(
        poll_seconds=settings.watch_poll_seconds,
        settle_seconds=settings.watch_settle_seconds,
        max_bytes=settings.max_document_bytes,
    )


def build_watcher(
    lightsoff: Lightsoff, settings: WatchSettings | None = None, monotonic: Callable[[], float] = time.monotonic
) -> FolderWatcher:
    folders = drop_folders(lightsoff.reference_data, lightsoff.settings.data_dir)

    def receive(data: bytes, filename: str, partner: str) -> Received:
        return lightsoff.inbound.receive(InboundDocument(data, filename=filename, partner=partner, channel="folder"))

    return FolderWatcher(folders, receive, settings or watch_settings(lightsoff.settings), monotonic)


def describe(event: WatchEvent) -> str:
    """One line for a person: what happened to which file."""
    where = f"{event.folder.partner} {event.name if not isinstance(event, FolderTrouble) else event.folder.path}"
    if isinstance(event, FolderTrouble):
        return f"{where}: {event.reason}" if event.reason else f"{where}: readable again"
    if isinstance(event, FileDeferred):
        return f"{where}: not taken in now, tried again later: {event.reason}"
    moved = f"{event.moved_to.parent.name}/{event.moved_to.name}"
    resumed = " (taken in before a restart; only moved now)" if event.resumed else ""
    if event.failed:
        return f"{where} → {moved}: failed: {_why(event.outcome)}{resumed}"
    orders = event.outcome.get("orders", [])
    statuses: dict[str, int] = defaultdict(int)
    for order in orders:
        statuses[order.get("status", "?")] += 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "no orders"
    return f"{where} → {moved}: message {event.message_id}: {len(orders)} order(s): {summary}{resumed}"


def _why(outcome: dict[str, Any]) -> str:
    """The first problem: the document's own, else that of the first order refused."""
    problems = outcome.get("problems") or []
    if problems:
        return f"{problems[0].get('location', 'the document')}: {problems[0].get('message', '')}"
    refused = [order for order in outcome.get("orders", []) if order.get("problems")]
    if not refused:
        return "nothing in it could be used"
    first = refused[0]["problems"][0]
    where = first.get("location") or refused[0].get("location", "")
    return f"{len(refused)} order(s) refused; the first: {where}: {first.get('message', '')}"


def log_event(event: WatchEvent) -> None:
    if isinstance(event, FileHandled) and not event.failed:
        _log.info(describe(event), partner=event.folder.partner, message_id=event.message_id)
    else:
        _log.warning(describe(event), partner=event.folder.partner)


class WatchThread(BackgroundThread):
    """Scans the drop folders every ``poll_seconds`` until stopped."""

    def __init__(self, watcher: FolderWatcher) -> None:
        super().__init__("lightsoff-watch")
        self._watcher = watcher

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                self._watcher.run(self._stop.wait, log_event)
            except Exception:  # a bug of ours must not stop the drop folders for good
                _log.exception("drop folder scan crashed; scanning again")
                self._stop.wait(CRASH_PAUSE_SECONDS)
