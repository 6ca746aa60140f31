"""Order responses: an 855 or ORDRSP for each decided order of a partner that wants them, exactly once.

A consumer of the event log (``order.validated``, ``order.cancelled``) rather than a side effect of the
request that decided the order: the decision commits on its own, and the response follows from the
log, however the decision was made (intake, a person's resolution, an amendment decided again) and
even if lightsoff stopped in between. Each deciding event gets at most one document: the document,
its ``document.issued`` and an idempotency record keyed by the event's id commit together, and a
re-read event whose record exists is passed over. A new decision (after an amendment) is a new event
and gets its own response.
"""

from __future__ import annotations

from lightsoff.domain.acknowledgements import DECIDING_EVENTS, acknowledge, order_as_of
from lightsoff.domain.documents import OutboundDocument
from lightsoff.domain.events import RecordedEvent
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.consumers import EventConsumer
from lightsoff.services.documents import DocumentIssuer, Issue
from lightsoff.services.envelopes import KINDS, acknowledgement_writer
from lightsoff.services.notifications.ports import Checkpoints
from lightsoff.services.ports import Clock, IdempotencyRecord, UnitOfWork, UnitOfWorkFactory

CONSUMER = "order_responses"
SCOPE = "order_response"
"""Idempotency records of issued responses: (scope, deciding event id) → the document id."""


class OrderResponder:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checkpoints: Checkpoints,
        reference_data: ReferenceData,
        documents: DocumentIssuer,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._reference_data = reference_data
        self._documents = documents
        self._clock = clock
        self.consumer = EventConsumer(CONSUMER, DECIDING_EVENTS, self.respond, uow, checkpoints, clock)

    def respond(self, event: RecordedEvent) -> bool:
        """Issue the response to ``event`` unless the partner wants none or it was issued already."""
        partner = self._reference_data.partner(event.partner) if event.partner else None
        if partner is None or not partner.documents.order_response or partner.documents.outbound_format is None:
            return True
        format = partner.documents.outbound_format

        def work(uow: UnitOfWork) -> OutboundDocument | None:
            if uow.idempotency.get(SCOPE, event.event_id) is not None:
                return None
            order = order_as_of(uow.events.read_stream(event.stream_id), event.stream_version)
            now = self._clock.now()
            acknowledgement = acknowledge(order, event.decode(), now)
            if acknowledgement is None:
                return None
            issue = Issue(
                partner.code,
                KINDS["order_response"][format],
                format,
                acknowledgement_writer(partner, format, acknowledgement, now),
                reference=order.order_id,
                correlation_id=event.correlation_id,
                causation_id=event.event_id,
            )
            document = self._documents.issue(uow, issue)
            uow.idempotency.add(IdempotencyRecord(SCOPE, event.event_id, order.content_hash, document.document_id, now))
            return document

        self._uow.run(work)
        return True
