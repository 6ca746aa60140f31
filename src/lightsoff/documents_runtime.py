"""Outbound documents in the background: order responses and folder delivery, inside ``serve`` and ``worker``.

Both are consumers of the event log (``services.consumers``) with their own checkpoint and lease, so
any number of processes may run them: one at a time consumes, the others find the lease taken.
Writing files and waiting on the database is blocking I/O, so they run in a thread of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from lightsoff.background import BackgroundThread
from lightsoff.domain.errors import LightsoffError
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.document_delivery import FolderDelivery
from lightsoff.services.documents import DocumentIssuer
from lightsoff.services.order_responses import OrderResponder
from lightsoff.services.ports import Clock, UnitOfWorkFactory
from lightsoff.settings import Settings
from lightsoff.store.checkpoints import SqlCheckpoints
from lightsoff.store.engine import Database

_log = structlog.get_logger("lightsoff.documents")


@dataclass(frozen=True, slots=True)
class OutboundDocuments:
    responder: OrderResponder
    delivery: FolderDelivery
    every: float = 2.0

    def run_once(self) -> None:
        """One pass of each: answer decided orders, then deliver what was issued (this pass's responses too)."""
        self.responder.consumer.run_once()
        self.delivery.consumer.run_once()


def build_outbound(
    settings: Settings,
    database: Database,
    uow: UnitOfWorkFactory,
    reference_data: ReferenceData,
    documents: DocumentIssuer,
    clock: Clock,
    new_id: Callable[[], str],
) -> OutboundDocuments:
    checkpoints = SqlCheckpoints(database)
    return OutboundDocuments(
        OrderResponder(uow, checkpoints, reference_data, documents, clock),
        FolderDelivery(uow, checkpoints, reference_data, clock, settings.data_dir, new_id),
        settings.documents_poll_seconds,
    )


class DocumentThread(BackgroundThread):
    """Runs ``OutboundDocuments.run_once`` every few seconds until stopped."""

    def __init__(self, outbound: OutboundDocuments) -> None:
        super().__init__("lightsoff-documents")
        self._outbound = outbound

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                self._outbound.run_once()
            except LightsoffError as exc:  # the database is busy or down: the next round tries again
                _log.warning("documents round failed", error=str(exc))
            except Exception:  # a bug of ours must not stop documents for good
                _log.exception("documents round crashed")
            self._stop.wait(self._outbound.every)
