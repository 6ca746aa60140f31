"""Issuing outbound documents: a control number, the bytes, the record and its event, in the caller's transaction.

Whatever decides that a partner must be told something (an inbound document to acknowledge, an order
to confirm, a shipment to announce) issues the document in the same unit of work as its own events:
the control number is taken from a persisted sequence, the document is stored as written and
``document.issued`` goes into the event log with its outbox row. If the transaction rolls back, the
document never existed, and neither did its control number: a number is used once it has been sent.
Delivery to the partner's channel reads ``document.issued`` afterwards, so it can be retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lightsoff.domain.documents import KINDS, OutboundDocument
from lightsoff.domain.events import DocumentIssued
from lightsoff.services.identifiers import IdentifierService
from lightsoff.services.ports import Clock, UnitOfWork
from lightsoff.services.recording import Cause, record

CONTENT_TYPES = {"x12": "application/edi-x12", "edifact": "application/edifact"}
MAX_CONTROL_NUMBER = {"x12": 999_999_999, "edifact": 99_999_999_999_999}
"""ISA13 is nine digits; UNB 0020 is up to 14 characters."""


@dataclass(frozen=True, slots=True)
class Issue:
    """What to write: for whom, which kind in which format, answering what; ``write`` gets the control number."""

    partner: str
    kind: str
    format: str
    write: Callable[[int], bytes]
    reference: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


class DocumentIssuer:
    def __init__(self, identifiers: IdentifierService, clock: Clock, new_id: Callable[[], str]) -> None:
        self._identifiers = identifiers
        self._clock = clock
        self._new_id = new_id

    def issue(self, uow: UnitOfWork, issue: Issue) -> OutboundDocument:
        if issue.kind not in KINDS or issue.format not in CONTENT_TYPES:
            raise ValueError(
                f"lightsoff writes {', '.join(KINDS)} in x12 or edifact, not {issue.kind} in {issue.format}"
            )
        now = self._clock.now()
        number = self._identifiers.next_control_number(uow.sequences, issue.partner, issue.format)
        if number > MAX_CONTROL_NUMBER[issue.format]:
            raise ValueError(
                f"the {issue.format} control numbers for {issue.partner} are used up ({number}); agree a reset "
                "with the partner and restart its sequence"
            )
        document = OutboundDocument(
            document_id=self._identifiers.next_document_id(uow.sequences, now.date()),
            partner=issue.partner,
            kind=issue.kind,
            format=issue.format,
            control_number=str(number),
            created_at=now,
            body=issue.write(number),
            content_type=CONTENT_TYPES[issue.format],
            reference=issue.reference,
        )
        uow.documents.add(document)
        issued = DocumentIssued(
            document.document_id,
            document.partner,
            document.kind,
            document.format,
            document.control_number,
            document.reference,
            document.size_bytes,
        )
        cause = Cause(issue.correlation_id, issue.causation_id, issue.partner)
        record(uow, [issued], versions={}, cause=cause, now=now, new_id=self._new_id)
        return document
