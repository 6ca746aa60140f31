"""Acknowledgements in: a partner's 997/999 or CONTRL matched to the documents lightsoff sent it.

A functional acknowledgement names what it answers by control numbers: an X12 997/999 by the group
control number (AK102 = our GS06, which lightsoff writes equal to the interchange control number
it stores) and each set (AK202 = our ST02); a CONTRL by our interchange reference (UCI 0020 = our
UNB 0020). The partner is the one the caller names, else the one the acknowledgement's sender id
belongs to. Each match sets the outbound document's status (``accepted`` or ``rejected``) and
``acknowledged_at`` and records ``document.acknowledged`` in the document's stream; an
acknowledgement naming nothing lightsoff sent is a located problem, kept with the archived message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from lightsoff.domain.documents import AWAITING_ACKNOWLEDGEMENT, DocumentStatus, OutboundDocument
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import DocumentAcknowledged, Event, ExceptionDismissed, ExceptionRaised
from lightsoff.domain.exception_cases import DOCUMENT_UNACKNOWLEDGED
from lightsoff.domain.reference_data import Partner, ReferenceData
from lightsoff.formats.documents import DocumentProblem
from lightsoff.formats.edifact import EdifactError, read_contrl
from lightsoff.formats.edifact.lexer import lex
from lightsoff.formats.x12 import X12Error, read_functional_ack
from lightsoff.formats.x12.reader import read_interchanges
from lightsoff.services.identifiers import IdentifierService
from lightsoff.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.recording import Cause, record

X12_ACKS = frozenset({"997", "999"})


def ack_kind(format_name: str, data: bytes) -> str | None:
    """``997``, ``999`` or ``CONTRL`` when every message of ``data`` is an acknowledgement; else None."""
    try:
        if format_name == "x12":
            interchanges, _ = read_interchanges(data)
            codes = {t.code for i in interchanges for g in i.groups for t in g.sets}
            return min(codes) if codes and codes <= X12_ACKS else None
        if format_name == "edifact":
            segments = lex(data).segments
            types = {segment.get(2, 1) for segment in segments if segment.tag == "UNH"}
            return "CONTRL" if types == {"CONTRL"} else None
    except (X12Error, EdifactError):
        return None
    return None


@dataclass(frozen=True, slots=True)
class AckMatch:
    partner: str | None
    matched: tuple[dict[str, Any], ...]
    problems: tuple[DocumentProblem, ...]


@dataclass(frozen=True, slots=True)
class _Answer:
    """One answer inside an acknowledgement: which of our control numbers, accepted or not, and where."""

    control_number: str
    accepted: bool
    location: str
    errors: tuple[str, ...]
    detail: dict[str, Any]


class AcknowledgementMatcher:
    def __init__(self, reference_data: ReferenceData, clock: Clock, new_id: Callable[[], str]) -> None:
        self._reference_data = reference_data
        self._clock = clock
        self._new_id = new_id

    def match(
        self,
        uow: UnitOfWork,
        format_name: str,
        data: bytes,
        *,
        named: Partner | None,
        allowed: frozenset[str] | None,
        message_id: str,
        correlation_id: str | None,
    ) -> AckMatch:
        try:
            sender, kind, answers, problems = _read(format_name, data)
        except X12Error as exc:
            return AckMatch(None, (), (DocumentProblem(exc.location, "unreadable_x12", exc.message),))
        except EdifactError as exc:
            return AckMatch(None, (), (exc.problem,))
        partner = named
        if partner is None and sender:
            partner = self._reference_data.partner_by_identifier(sender)
        if partner is not None and allowed is not None and partner.code not in allowed:
            partner = None
        if partner is None:
            problem = DocumentProblem(
                "interchange header (sender id)",
                "unknown_sender",
                f"The {kind} comes from sender id {sender!r}, which belongs to no partner this client may send "
                "for: name the partner (partner=…), or add the id to its profile (identifiers.edi).",
            )
            return AckMatch(None, (), (*problems, problem))
        matched: list[dict[str, Any]] = []
        for answer in answers:
            document = uow.documents.by_control_number(partner.code, format_name, answer.control_number)
            if document is None:
                problems.append(
                    DocumentProblem(
                        answer.location,
                        "unmatched_acknowledgement",
                        f"The {kind} acknowledges control number {answer.control_number}, but lightsoff sent "
                        f"{partner.code} no {format_name} document with that number. It is kept with this message; "
                        "check the number with the partner.",
                    )
                )
                continue
            matched.append(self._acknowledge(uow, document, answer, kind, message_id, correlation_id))
        return AckMatch(partner.code, tuple(matched), tuple(problems))

    def _acknowledge(
        self,
        uow: UnitOfWork,
        document: OutboundDocument,
        answer: _Answer,
        kind: str,
        message_id: str,
        correlation_id: str | None,
    ) -> dict[str, Any]:
        now = self._clock.now()
        status = DocumentStatus.ACCEPTED if answer.accepted else DocumentStatus.REJECTED
        acknowledgement = {
            "acknowledgement": kind,
            "message_id": message_id,
            "status": status.value,
            "errors": list(answer.errors),
            "at": now.isoformat(),
            **answer.detail,
        }
        updated = replace(
            document,
            status=status,
            updated_at=now,
            acknowledged_at=now,
            detail={**document.detail, "acknowledged_by": acknowledgement},
        )
        uow.documents.update(updated)
        dismissed = self._overdue_case_closed(uow, document, message_id)
        event = DocumentAcknowledged(
            document.document_id,
            document.partner,
            document.kind,
            document.format,
            document.control_number,
            status.value,
            kind,
            message_id,
            answer.errors,
        )
        version = len(uow.events.read_stream(document.document_id))
        cause = Cause(correlation_id, message_id, document.partner)
        versions = {document.document_id: version}
        events: list[Event] = [event]
        if dismissed is not None:
            events.append(dismissed[0])
            versions[dismissed[0].exception_id] = dismissed[1]
        record(uow, events, versions=versions, cause=cause, now=now, new_id=self._new_id)
        return {
            "document_id": document.document_id,
            "kind": document.kind,
            "control_number": document.control_number,
            "status": status.value,
            "errors": list(answer.errors),
        }

    @staticmethod
    def _overdue_case_closed(
        uow: UnitOfWork, document: OutboundDocument, message_id: str
    ) -> tuple[ExceptionDismissed, int] | None:
        """The overdue case of a document acknowledged late no longer applies: dismissed, with why."""
        if document.unacknowledged_case is None:
            return None
        case = uow.exception_cases.get(document.unacknowledged_case)
        if case is None or not case.is_active:
            return None
        reason = f"{document.document_id} was acknowledged after all (message {message_id})"
        return ExceptionDismissed(case.exception_id, case.order_id, reason), case.version


@dataclass(frozen=True, slots=True)
class Overdue:
    document_id: str
    partner: str
    kind: str
    control_number: str
    created_at: datetime
    exception_id: str


class AcknowledgementWatch:
    """Raises a ``document_unacknowledged`` case for each document not acknowledged within its partner's window.

    Run periodically (``serve`` does, every ``LIGHTSOFF_ACKNOWLEDGEMENT_POLL_SECONDS``) or on demand
    (``lightsoff documents check-acknowledgements``). A document is reported once: the case id is claimed
    on it with a conditional update, so two processes checking at once raise one case, and a document
    acknowledged meanwhile raises none.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reference_data: ReferenceData,
        identifiers: IdentifierService,
        clock: Clock,
        new_id: Callable[[], str],
        batch: int = 100,
    ) -> None:
        self._uow = uow
        self._reference_data = reference_data
        self._identifiers = identifiers
        self._clock = clock
        self._new_id = new_id
        self._batch = batch

    def check(self) -> list[Overdue]:
        now = self._clock.now()
        raised: list[Overdue] = []
        for partner in self._reference_data.partners():
            window = partner.documents.acknowledgement_window
            if window is None:
                continue
            after: str | None = None
            while True:
                with self._uow(write=False) as uow:
                    found = uow.documents.awaiting_acknowledgement(partner.code, now - window, after, self._batch)
                for document in found:
                    done = self._raise(document.document_id, window, now)
                    if done is not None:
                        raised.append(done)
                if len(found) < self._batch:
                    break
                after = found[-1].document_id
        return raised

    def _raise(self, document_id: str, window: timedelta, now: datetime) -> Overdue | None:
        try:
            return self._uow.run(lambda uow: self._record(uow, document_id, window, now))
        except ConcurrencyConflict:
            return None  # another process reported it, or the acknowledgement came meanwhile

    def _record(self, uow: UnitOfWork, document_id: str, window: timedelta, now: datetime) -> Overdue | None:
        document = uow.documents.get(document_id)
        if document is None or document.status not in AWAITING_ACKNOWLEDGEMENT or document.unacknowledged_case:
            return None
        route = self._reference_data.route(DOCUMENT_UNACKNOWLEDGED)
        exception_id = self._identifiers.next_exception_id(uow.sequences, now.date())
        if not uow.documents.claim_unacknowledged(document_id, exception_id):
            raise ConcurrencyConflict(f"{document_id} was reported or acknowledged by another writer")
        hours = window.total_seconds() / 3600
        message = (
            f"{document.partner} has not acknowledged {document.kind} {document.document_id} (control number "
            f"{document.control_number}, sent {document.created_at.isoformat(timespec='minutes')}) within its "
            f"acknowledgement window of {hours:g} hours. Check that it arrived (GET /v1/documents/"
            f"{document.document_id}), ask the partner for its 997/999/CONTRL, or send it again; its "
            "acknowledgement closes this case, or close it once the partner confirmed it otherwise."
        )
        event = ExceptionRaised(
            exception_id=exception_id,
            order_id=document.document_id,
            category=DOCUMENT_UNACKNOWLEDGED,
            severity=route.severity.value,
            team=route.team,
            message=message,
            actions=("close",),
            due_at=now + route.handle_within,
            rule=DOCUMENT_UNACKNOWLEDGED,
            partner=document.partner,
        )
        record(uow, [event], versions={}, cause=Cause(None, None, document.partner), now=now, new_id=self._new_id)
        return Overdue(
            document.document_id,
            document.partner,
            document.kind,
            document.control_number,
            document.created_at,
            exception_id,
        )


def _read(format_name: str, data: bytes) -> tuple[str, str, list[_Answer], list[DocumentProblem]]:
    if format_name == "x12":
        ack = read_functional_ack(data)
        answers = [
            _Answer(
                _number(group.control_number),
                group.accepted,
                f"AK1 for group {group.control_number}",
                tuple(dict.fromkeys([*group.error_codes, *(c for s in group.sets for c in s.error_codes)])),
                {
                    "group_status": group.status,
                    "sets": [
                        {"code": s.code, "control_number": s.control_number, "status": s.status} for s in group.sets
                    ],
                },
            )
            for group in ack.groups
        ]
        return ack.sender, ack.kind or "997", answers, list(ack.problems)
    reports = read_contrl(data)
    answers = [
        _Answer(
            _number(report.interchange_reference),
            report.status != "rejected" and all(message.accepted for message in report.messages),
            f"CONTRL {report.contrl_reference}, UCI (interchange {report.interchange_reference})",
            tuple(dict.fromkeys(e for e in [report.error, *(m.error for m in report.messages)] if e)),
            {
                "interchange_status": report.status,
                "messages": [{"reference": m.reference, "type": m.type, "action": m.action} for m in report.messages],
            },
        )
        for report in reports
    ]
    sender = reports[0].recipient if reports else ""
    return sender, "CONTRL", answers, []


def _number(control: str) -> str:
    """Control numbers are stored without padding (``905``); X12 writes them padded (``000000905``)."""
    stripped = control.strip()
    return str(int(stripped)) if stripped.isdigit() else stripped
