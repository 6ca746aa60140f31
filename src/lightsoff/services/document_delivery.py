"""Delivering issued documents through the partner's channel: its outbound folder, at least once.

A consumer of ``document.issued``. For a partner with ``documents.outbound_folder`` the document's
bytes are written to a hidden temporary file in that folder, flushed to disk, then renamed to
``<document id>-<control number>.<edi|edifact>``: a reader of the folder sees the whole file or
none. Then, in one transaction, the document becomes ``delivered`` (``detail.delivered_to``,
``detail.delivered_at``) and ``document.delivered`` is recorded. A crash between the rename and the
commit writes the same file again under the same name on the next pass: at least once, and
idempotent for the partner.

A folder that cannot be written (full disk, permissions) must not hold up other partners: the
consumer moves on, recording the failure on the document (``detail.delivery_error``, visible in the
API), and a retry sweep writes the partner's documents that failed after ``RETRY_AFTER``, oldest
first, until the folder takes them. The first pass of every process sweeps every partner with a
folder, so what failed before a restart is delivered too. Only documents that failed are swept:
documents issued before delivery existed are not sent late. Partners
without a folder get their documents through webhook or broker subscriptions to ``document.issued``
(the relay), or by API.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.events import DocumentDelivered, DocumentIssued, RecordedEvent
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.consumers import EventConsumer
from lightsoff.services.notifications.ports import Checkpoints
from lightsoff.services.ports import Clock, DocumentQuery, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.recording import Cause, record

CONSUMER = "document_delivery"
EXTENSIONS = {"x12": "edi", "edifact": "edifact"}
RETRY_AFTER = timedelta(seconds=30)
"""How long a partner whose folder failed waits before its documents are tried again."""
SWEEP_LIMIT = 500
FAILED = "delivery_error"
"""The ``detail`` key that marks a document whose delivery failed (the sweep retries those only)."""

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
        self._retry_at: dict[str, datetime] | None = None
        """Partner → when its folder is tried again; None until the first sweep (which takes every partner)."""
        self.consumer = EventConsumer(
            CONSUMER, (DocumentIssued.name,), self.deliver, uow, checkpoints, clock, after_pass=self.sweep
        )

    def folder(self, partner_code: str) -> Path | None:
        partner = self._reference_data.partner(partner_code)
        configured = partner.documents.outbound_folder if partner is not None else None
        if configured is None:
            return None
        path = Path(configured)
        return path if path.is_absolute() else self._data_dir / path

    def deliver(self, event: RecordedEvent) -> bool:
        """Write the document of ``event`` to its partner's folder; a failing folder is left to the sweep."""
        partner = event.data["partner"]
        folder = self.folder(partner)
        if folder is None or (self._retry_at is not None and partner in self._retry_at):
            return True
        with self._uow(write=False) as uow:
            document = uow.documents.get(event.stream_id)
        if document is not None and document.status is DocumentStatus.ISSUED:
            self._write(document, folder, Cause(event.correlation_id, event.event_id, partner))
        return True

    def sweep(self) -> None:
        """Try again the partners whose folder failed and whose time has come (every partner, the first time)."""
        now = self._clock.now()
        if self._retry_at is None:
            self._retry_at = {p.code: now for p in self._reference_data.partners() if self.folder(p.code)}
        for partner in [code for code, at in self._retry_at.items() if at <= now]:
            del self._retry_at[partner]
            self._sweep_partner(partner)

    def _sweep_partner(self, partner: str) -> None:
        folder = self.folder(partner)
        assert folder is not None
        query = DocumentQuery(partner=partner, statuses=frozenset({DocumentStatus.ISSUED}), limit=SWEEP_LIMIT)
        with self._uow(write=False) as uow:
            pending = uow.documents.find(query)
        for listed in reversed(pending):  # oldest first
            if FAILED not in listed.detail:
                continue  # not (yet) tried by the consumer
            with self._uow(write=False) as uow:
                document = uow.documents.get(listed.document_id)
                stream = uow.events.read_stream(listed.document_id)
            if document is None or document.status is not DocumentStatus.ISSUED:
                continue
            issued = stream[0] if stream else None
            cause = Cause(issued.correlation_id if issued else None, issued.event_id if issued else None, partner)
            if not self._write(document, folder, cause):
                return

    def _write(self, document: OutboundDocument, folder: Path, cause: Cause) -> bool:
        try:
            target = write_atomically(folder, file_name(document), document.body)
        except OSError as exc:
            if self._retry_at is not None:
                self._retry_at[document.partner] = self._clock.now() + RETRY_AFTER
            error = str(exc)
            self._uow.run(lambda uow: self._failed(uow, document, error))
            _log.warning(
                "outbound folder not writable; the partner's documents wait",
                partner=document.partner,
                folder=str(folder),
                error=error,
                retry_in_s=RETRY_AFTER.total_seconds(),
            )
            return False
        self._uow.run(lambda uow: self._delivered(uow, document, target, cause))
        _log.info("document delivered", document_id=document.document_id, target=str(target))
        return True

    def _failed(self, uow: UnitOfWork, document: OutboundDocument, error: str) -> None:
        current = uow.documents.get(document.document_id)
        if current is None or current.status is not DocumentStatus.ISSUED:
            return
        now = self._clock.now()
        detail = {**current.detail, FAILED: error, "delivery_failed_at": now.isoformat()}
        uow.documents.update(replace(current, updated_at=now, detail=detail))

    def _delivered(self, uow: UnitOfWork, document: OutboundDocument, target: Path, cause: Cause) -> None:
        current = uow.documents.get(document.document_id)
        if current is None or current.status is not DocumentStatus.ISSUED:
            return
        now = self._clock.now()
        kept = {key: value for key, value in current.detail.items() if key not in (FAILED, "delivery_failed_at")}
        detail = {**kept, "delivered_to": str(target), "delivered_at": now.isoformat(), "channel": "folder"}
        uow.documents.update(replace(current, status=DocumentStatus.DELIVERED, updated_at=now, detail=detail))
        delivered = DocumentDelivered(
            document.document_id, document.partner, document.kind, document.control_number, "folder", str(target)
        )
        version = max((e.stream_version for e in uow.events.read_stream(document.document_id)), default=0)
        record(uow, [delivered], versions={document.document_id: version}, cause=cause, now=now, new_id=self._new_id)
