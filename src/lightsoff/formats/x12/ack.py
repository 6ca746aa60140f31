"""Functional acknowledgements: 997 (4010 and older) and 999 (5010) out for what was read, and in for what was sent.

Out: one acknowledgement set per functional group received (AK1), one AK2 per transaction set with
AK3/AK4 (IK3/IK4 in a 999) for each problem located at a segment, AK5/IK5 accepted or rejected with
the syntax error codes, and AK9 for the group. Built from ``ReadDocument.details`` so the service can
write it later from what it stored.

In: ``read_functional_ack`` says which group and set control numbers a partner accepted or rejected,
with the codes, so the service can match them to what it sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lightsoff.formats.documents import DocumentProblem, ReadDocument
from lightsoff.formats.x12.envelope import TransactionSet
from lightsoff.formats.x12.reader import DEFAULT_LIMITS, read_interchanges
from lightsoff.formats.x12.tokens import X12Limits
from lightsoff.formats.x12.writer import Envelope, SegmentData, interchange

SET_ERROR_CODES = {
    "unsupported_transaction_set": "1",
    "missing_trailer": "2",
    "control_number_mismatch": "3",
    "count_mismatch": "4",
}
"""AK502/IK502: what is wrong with a set; anything else located in it is ``5`` (segments in error)."""
GROUP_ERROR_CODES = {"missing_trailer": "3", "control_number_mismatch": "4", "count_mismatch": "5"}
"""AK905: what is wrong with a group's envelope."""
SEGMENTS_IN_ERROR = "5"
IMPLEMENTATION_999 = "005010X231A1"
MAX_CODES = 5


def reply_envelope(
    document: ReadDocument,
    *,
    interchange_control_number: int,
    group_control_number: int,
    created_at: datetime,
    first_set_control_number: int = 1,
) -> Envelope:
    """The envelope of an answer to ``document``: sender and receiver swapped, version and usage mirrored."""
    details = document.details
    return Envelope(
        sender_id=details["receiver"],
        receiver_id=details["sender"],
        sender_qualifier=details["receiver_qualifier"],
        receiver_qualifier=details["sender_qualifier"],
        interchange_control_number=interchange_control_number,
        group_control_number=group_control_number,
        first_set_control_number=first_set_control_number,
        created_at=created_at,
        version=details["version"] or details["interchange_version"] + "0",
        usage=details["interchanges"][0]["usage"],
    )


def write_functional_ack(document: ReadDocument, envelope: Envelope) -> bytes:
    """A 999 when the envelope's version is 5010 or later, else a 997."""
    if envelope.version[:6] >= "005010":
        return write_999(document, envelope)
    return write_997(document, envelope)


def write_997(document: ReadDocument, envelope: Envelope) -> bytes:
    sets = [("997", "", _body(group, five=False)) for group in _groups(document)]
    return interchange(envelope, "FA", sets)


def write_999(document: ReadDocument, envelope: Envelope) -> bytes:
    sets = [("999", IMPLEMENTATION_999, _body(group, five=True)) for group in _groups(document)]
    return interchange(envelope, "FA", sets)


def _groups(document: ReadDocument) -> list[dict[str, Any]]:
    return [group for one in document.details["interchanges"] for group in one["groups"]]


def _body(group: dict[str, Any], *, five: bool) -> list[SegmentData]:
    body: list[SegmentData] = [
        ("AK1", (group["functional_id"], group["control_number"], group["version"] if five else None))
    ]
    accepted = 0
    for transaction in group["sets"]:
        body.append(
            (
                "AK2",
                (transaction["code"], transaction["control_number"], transaction["implementation"] if five else None),
            )
        )
        problems: list[dict[str, Any]] = transaction["problems"]
        body.extend(_segment_errors(problems, five=five))
        codes = _unique(SET_ERROR_CODES.get(p["code"], SEGMENTS_IN_ERROR) for p in problems)
        status = "R" if problems else "A"
        accepted += not problems
        body.append(("IK5" if five else "AK5", (status, *codes)))
    group_codes = _unique(GROUP_ERROR_CODES.get(p["code"], "") for p in group["problems"])
    received = len(group["sets"])
    if group_codes or (received and accepted == 0):
        status = "R"
    elif accepted < received:
        status = "P"
    else:
        status = "A"
    body.append(("AK9", (status, str(received), str(received), str(accepted), *group_codes)))
    return body


def _segment_errors(problems: list[dict[str, Any]], *, five: bool) -> list[SegmentData]:
    """AK3 (IK3) per segment in error, each followed by its AK4s (IK4s); envelope problems get none."""
    by_segment: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for problem in problems:
        if problem["code"] in SET_ERROR_CODES or not problem["segment_tag"] or not problem["segment_position"]:
            continue
        by_segment.setdefault((problem["segment_tag"], problem["segment_position"]), []).append(problem)
    found: list[SegmentData] = []
    for (tag, position), located in by_segment.items():
        segment_code = next((p["segment_error"] for p in located if p["segment_error"]), "8")
        found.append(("IK3" if five else "AK3", (tag, str(position), None, segment_code)))
        for problem in located:
            if problem["element_position"] and problem["element_error"]:
                element = (str(problem["element_position"]), None, problem["element_error"])
                found.append(("IK4" if five else "AK4", element))
    return found


def _unique(codes: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for code in codes:
        if code and code not in seen:
            seen.append(code)
    return tuple(seen[:MAX_CODES])


# ---- reading a partner's 997/999 ----


@dataclass(frozen=True, slots=True)
class ElementError:
    position: str
    """AK401/IK401: the element's position (``4``, or ``4:2`` for a component)."""
    code: str
    """AK403/IK403."""


@dataclass(frozen=True, slots=True)
class SegmentError:
    tag: str
    position: int | None
    code: str
    """AK304/IK304."""
    elements: tuple[ElementError, ...] = ()


@dataclass(frozen=True, slots=True)
class SetAck:
    code: str
    """The acknowledged set's ST01 (855, 856…)."""
    control_number: str
    """Its ST02: match it to what was sent."""
    status: str
    """A accepted, E accepted with errors noted, M/W/X (999), R rejected."""
    error_codes: tuple[str, ...] = ()
    segment_errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in {"A", "E"}


@dataclass(frozen=True, slots=True)
class GroupAck:
    functional_id: str
    control_number: str
    """The acknowledged group's GS06."""
    status: str
    """AK901: A accepted, E accepted with errors, P partially accepted, R rejected."""
    error_codes: tuple[str, ...] = ()
    sets: tuple[SetAck, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in {"A", "E"}


@dataclass(frozen=True, slots=True)
class FunctionalAck:
    sender: str
    receiver: str
    kind: str
    """``997`` or ``999`` (the first set read)."""
    groups: tuple[GroupAck, ...]
    problems: tuple[DocumentProblem, ...] = ()
    """Envelope problems of the acknowledgement itself, and sets in it that are not 997/999."""


def read_functional_ack(data: bytes, *, limits: X12Limits = DEFAULT_LIMITS) -> FunctionalAck:
    """Every AK1 group answer in the file. Raises ``X12Error`` when the bytes are not X12."""
    interchanges, _ = read_interchanges(data, limits)
    groups: list[GroupAck] = []
    problems: list[DocumentProblem] = []
    kind = ""
    for one in interchanges:
        problems.extend(p.to_document_problem() for p in one.problems)
        for group in one.groups:
            problems.extend(p.to_document_problem() for p in group.problems)
            for transaction in group.sets:
                problems.extend(p.to_document_problem() for p in transaction.problems)
                if transaction.code not in {"997", "999"}:
                    problems.append(
                        DocumentProblem(
                            f"{transaction.location}, segment 1 (ST), element 1",
                            "unsupported_transaction_set",
                            f"transaction set {transaction.code} is not a functional acknowledgement (997 or 999)",
                        )
                    )
                    continue
                kind = kind or transaction.code
                groups.extend(_read_groups(transaction))
    first = interchanges[0]
    return FunctionalAck(first.sender, first.receiver, kind, tuple(groups), tuple(problems))


class _GroupBuilder:
    def __init__(self, functional_id: str, control_number: str) -> None:
        self.functional_id = functional_id
        self.control_number = control_number
        self.sets: list[SetAck] = []
        self.open: dict[str, Any] | None = None

    def ak2(self, code: str, control: str) -> None:
        self.close_set("")
        self.open = {"code": code, "control": control, "errors": []}

    def segment_error(self, tag: str, position: str, code: str) -> None:
        if self.open is not None:
            self.open["errors"].append(SegmentError(tag, int(position) if position.isdigit() else None, code))

    def element_error(self, position: str, code: str) -> None:
        if self.open is not None and self.open["errors"]:
            last: SegmentError = self.open["errors"][-1]
            elements = (*last.elements, ElementError(position, code))
            self.open["errors"][-1] = SegmentError(last.tag, last.position, last.code, elements)

    def close_set(self, status: str, codes: Sequence[str] = ()) -> None:
        if self.open is not None:
            opened = self.open
            self.sets.append(
                SetAck(opened["code"], opened["control"], status or "R", tuple(codes), tuple(opened["errors"]))
            )
            self.open = None

    def done(self, status: str, codes: Sequence[str]) -> GroupAck:
        self.close_set("")
        return GroupAck(self.functional_id, self.control_number, status, tuple(codes), tuple(self.sets))


def _read_groups(transaction: TransactionSet) -> list[GroupAck]:
    found: list[GroupAck] = []
    builder: _GroupBuilder | None = None
    for segment in transaction.segments:
        tag, values = segment.tag, [segment.get(i) for i in range(1, len(segment.elements) + 1)]
        if tag == "AK1":
            if builder is not None:
                found.append(builder.done("", ()))
            builder = _GroupBuilder(segment.get(1), segment.get(2))
        elif builder is None:
            continue
        elif tag == "AK2":
            builder.ak2(segment.get(1), segment.get(2))
        elif tag in {"AK3", "IK3"}:
            builder.segment_error(segment.get(1), segment.get(2), segment.get(4))
        elif tag in {"AK4", "IK4"}:
            builder.element_error(segment.get(1), segment.get(3))
        elif tag in {"AK5", "IK5"}:
            builder.close_set(segment.get(1), [v for v in values[1:] if v])
        elif tag == "AK9":
            found.append(builder.done(segment.get(1), [v for v in values[4:] if v]))
            builder = None
    if builder is not None:
        found.append(builder.done("", ()))
    return found
