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
from typing import Any

from lightsoff.domain.documents import DocumentStatus, OutboundDocument
from lightsoff.domain.events import DocumentAcknowledged
from lightsoff.domain.reference_data import Partner, ReferenceData
from lightsoff.formats.documents import DocumentProblem
from lightsoff.formats.edifact import EdifactError, read_contrl
from lightsoff.formats.edifact.lexer import lex
from lightsoff.formats.x12 import X12Error, read_functional_ack
from lightsoff.formats.x12.reader import read_interchanges
from lightsoff.services.ports import Clock, UnitOfWork
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
        record(uow, [event], versions={document.document_id: version}, cause=cause, now=now, new_id=self._new_id)
        return {
            "document_id": document.document_id,
            "kind": document.kind,
            "control_number": document.control_number,
            "status": status.value,
            "errors": list(answer.errors),
        }


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
