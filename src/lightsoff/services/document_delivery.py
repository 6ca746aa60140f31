"""Delivering issued documents through the partner's channel: its outbound folder, at least once.

A consumer of ``document.issued``. For a partner with ``documents.outbound_folder`` the document's
bytes are written to a hidden temporary file in that folder, flushed to disk, then renamed to
``<document id>-<control number>.<edi|edifact>``: a reader of the folder sees the whole file or
none. Then, in one transaction, the document becomes ``delivered`` (``detail.delivered_to``,
``detail.delivered_at``) and ``document.delivered`` is recorded. A crash between the rename and the
commit writes the same file again under the same name on the next pass: at least once, and
idempotent for the partner. A folder that cannot be written (full disk, permissions) stops the pass
and is tried again on the next one; nothing is skipped. Partners without a folder get their
documents through webhook or broker subscriptions to ``document.issued`` (the relay), or by API.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import structlog

from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.events import DocumentDelivered, DocumentIssued, RecordedEvent
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.consumers import EventConsumer
from lightsoff.services.notifications.ports import Checkpoints
from lightsoff.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.recording import Cause, record

CONSUMER = "document_delivery"
EXTENSIONS = {"x12": "edi", "edifact": "edifact"}

_log = structlog.get_logger("lightsoff.documents")


def file_name(document: OutboundDocument) -> str:
    return f"{document.document_id}-{document.control_number}.{EXTENSIONS.get(document.format, 'txt')}"


def write_atomically(folder: Path, name: str, body: bytes) -> Path:
    """``body`` under ``folder/name``, whole or not at all: a temporary name first, then a rename."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    with temporary.open("wb") as file:
        file.write(body)
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(target)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
    return target


class FolderDelivery:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checkpoints: Checkpoints,
        reference_data: ReferenceData,
        clock: Clock,
        data_dir: Path,
        new_id: Callable[[], str],
    ) -> None:
        self._uow = uow
        self._reference_data = reference_data
        self._clock = clock
        self._data_dir = data_dir
        self._new_id = new_id
        self.consumer = EventConsumer(CONSUMER, (DocumentIssued.name,), self.deliver, uow, checkpoints, clock)

    def folder(self, partner_code: str) -> Path | None:
        partner = self._reference_data.partner(partner_code)
        configured = partner.documents.outbound_folder if partner is not None else None
        if configured is None:
            return None
        path = Path(configured)
        return path if path.is_absolute() else self._data_dir / path

    def deliver(self, event: RecordedEvent) -> bool:
        folder = self.folder(event.data["partner"])
        if folder is None:
            return True
        with self._uow(write=False) as uow:
            document = uow.documents.get(event.stream_id)
        if document is None or document.status is not DocumentStatus.ISSUED:
            return True  # delivered (or acknowledged) already
        try:
            target = write_atomically(folder, file_name(document), document.body)
        except OSError as exc:
            _log.warning("outbound folder not writable; delivery waits", folder=str(folder), error=str(exc))
            return False
        self._uow.run(lambda uow: self._delivered(uow, event, document, target))
        _log.info("document delivered", document_id=document.document_id, target=str(target))
        return True

    def _delivered(self, uow: UnitOfWork, event: RecordedEvent, document: OutboundDocument, target: Path) -> None:
        current = uow.documents.get(document.document_id)
        if current is None or current.status is not DocumentStatus.ISSUED:
            return
        now = self._clock.now()
        detail = {**current.detail, "delivered_to": str(target), "delivered_at": now.isoformat(), "channel": "folder"}
        uow.documents.update(replace(current, status=DocumentStatus.DELIVERED, updated_at=now, detail=detail))
        delivered = DocumentDelivered(
            document.document_id, document.partner, document.kind, document.control_number, "folder", str(target)
        )
        version = max((e.stream_version for e in uow.events.read_stream(document.document_id)), default=0)
        cause = Cause(event.correlation_id, event.event_id, document.partner)
        record(uow, [delivered], versions={document.document_id: version}, cause=cause, now=now, new_id=self._new_id)
