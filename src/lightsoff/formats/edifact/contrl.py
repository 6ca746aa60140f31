"""CONTRL, the syntax and service report: written for what lightsoff received, read for what it sent.

Writing mirrors the received interchange: the same syntax identifier and version, sender and
recipient swapped. ``UCI`` answers the interchange (7 acknowledged, 4 rejected, with the 0085 error,
the service segment and the element when the envelope is at fault); ``UCF`` each functional group;
``UCM`` each message (7 or 4), followed for a rejected one by ``UCS`` (segment position in the
message, UNH = 1) and ``UCD`` (element:component) for each located syntax problem. Only syntax and
envelope problems count here: an order without a ship-to is well-formed EDIFACT and is answered in
the ORDRSP, not the CONTRL.

Reading returns, per CONTRL message, which interchange and which messages were accepted or rejected,
with their action codes, so the service can match them to the documents it sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lightsoff.formats.documents import ReadDocument
from lightsoff.formats.edifact.errors import Position, fail
from lightsoff.formats.edifact.lexer import DEFAULT_LIMITS, EdifactLimits, Segment, lex
from lightsoff.formats.edifact.syntax import Delimiters
from lightsoff.formats.edifact.writer import EdifactEnvelope, interchange
from lightsoff.formats.edifact.writer import Segment as OutSegment

ACKNOWLEDGED, REJECTED, RECEIVED = "7", "4", "8"
_ACTIONS = {ACKNOWLEDGED: "accepted", REJECTED: "rejected", RECEIVED: "received", "1": "accepted"}


def write_contrl(
    received: ReadDocument,
    *,
    interchange_reference: str,
    prepared_at: datetime,
    message_reference: str = "1",
    index: int = 0,
) -> bytes:
    """The CONTRL for interchange number ``index`` (0-based) of a document read by ``read_edifact``."""
    inbound = received.details["interchanges"][index]
    envelope = EdifactEnvelope(
        sender_id=inbound["recipient"]["id"],
        sender_qualifier=inbound["recipient"]["qualifier"],
        recipient_id=inbound["sender"]["id"],
        recipient_qualifier=inbound["sender"]["qualifier"],
        interchange_reference=interchange_reference,
        message_reference=message_reference,
        prepared_at=prepared_at,
        syntax_identifier=inbound["syntax"]["identifier"],
        syntax_version=inbound["syntax"]["version"],
        test=inbound["test"],
        delimiters=_delimiters(inbound["service_characters"]),
    )
    return interchange(envelope, "CONTRL", contrl_segments(inbound))


def contrl_segments(inbound: dict[str, Any]) -> list[OutSegment]:
    segments: list[OutSegment] = [_uci(inbound)]
    groups = {group["reference"]: group for group in inbound["groups"]}
    current_group: str | None = None
    for message in inbound["messages"]:
        if message["group"] is not None and message["group"] != current_group:
            current_group = message["group"]
            group = groups.get(current_group, {"sender": {}, "recipient": {}})
            segments.append(("UCF", current_group, _party(group["sender"]), _party(group["recipient"]), ACKNOWLEDGED))
        segments.extend(_ucm(message))
    return segments


def _uci(inbound: dict[str, Any]) -> OutSegment:
    head: list[Any] = ["UCI", inbound["reference"], _party(inbound["sender"]), _party(inbound["recipient"])]
    problems = inbound["problems"]
    if not problems:
        return (*head, ACKNOWLEDGED)
    first = problems[0]
    element = (str(first["element"]), str(first["component"] or "")) if first["element"] else None
    return (*head, REJECTED, first["syntax_error"], first["tag"] or None, element)


def _ucm(message: dict[str, Any]) -> list[OutSegment]:
    identifier = (message["type"], message["version"], message["release"], message["agency"], message["association"])
    problems = message["problems"]
    if not problems:
        return [("UCM", message["reference"], identifier, ACKNOWLEDGED)]
    segments: list[OutSegment] = [("UCM", message["reference"], identifier, REJECTED, problems[0]["syntax_error"])]
    by_segment: dict[int, list[dict[str, Any]]] = {}
    for problem in problems:
        if problem["message_segment"]:
            by_segment.setdefault(problem["message_segment"], []).append(problem)
    for position, located in sorted(by_segment.items()):
        whole = next((problem for problem in located if not problem["element"]), None)
        segments.append(("UCS", str(position), whole["syntax_error"] if whole else None))
        segments.extend(
            ("UCD", problem["syntax_error"], (str(problem["element"]), str(problem["component"] or "")))
            for problem in located
            if problem["element"]
        )
    return segments


def _party(party: dict[str, str]) -> tuple[str, ...]:
    return (party.get("id", ""), party.get("qualifier", ""))


def _delimiters(una: str) -> Delimiters:
    component, element, decimal, release, repetition, terminator = tuple(una[3:9])
    return Delimiters(component, element, decimal, release, repetition, terminator)


# ---- reading a CONTRL that answers what lightsoff sent ----


@dataclass(frozen=True, slots=True)
class MessageReport:
    reference: str
    """The UNH 0062 of the message lightsoff sent."""
    type: str
    action: str
    """0083: 7 acknowledged, 4 rejected."""
    error: str | None = None
    """0085 syntax error code, when rejected."""
    segment_errors: tuple[tuple[int, str | None, str | None], ...] = ()
    """(segment position in the message, 0085 error, element:component) from UCS and each UCD under it."""

    @property
    def accepted(self) -> bool:
        return self.action != REJECTED


@dataclass(frozen=True, slots=True)
class ContrlReport:
    """One CONTRL: the answer to one interchange lightsoff sent."""

    interchange_reference: str
    """The UNB 0020 of lightsoff's interchange (UCI 0020)."""
    sender: str
    """Who sent the interchange being answered (lightsoff), per UCI S002."""
    recipient: str
    action: str
    """0083: 7 acknowledged, 4 rejected, 8 received (no syntax check done)."""
    error: str | None
    messages: tuple[MessageReport, ...]
    contrl_reference: str
    """The CONTRL interchange's own UNB 0020."""

    @property
    def status(self) -> str:
        return _ACTIONS.get(self.action, "unknown")


def read_contrl(data: bytes, *, limits: EdifactLimits = DEFAULT_LIMITS) -> tuple[ContrlReport, ...]:
    """Every CONTRL message in ``data``; raise ``EdifactError`` if it holds none or is not EDIFACT."""
    segments = lex(data, limits).segments
    reports: list[ContrlReport] = []
    own_reference = ""
    index = 0
    while index < len(segments):
        segment = segments[index]
        if segment.tag == "UNB":
            own_reference = segment.get(5)
        if segment.tag == "UNH" and segment.get(2, 1) == "CONTRL":
            end = next((i for i in range(index, len(segments)) if segments[i].tag == "UNT"), len(segments))
            reports.append(_report(segments[index : end + 1], own_reference))
            index = end
        index += 1
    if not reports:
        raise fail(Position(), "not_contrl", "The document holds no CONTRL message (UNH with type CONTRL).")
    return tuple(reports)


def _report(segments: list[Segment], own_reference: str) -> ContrlReport:
    uci = next((segment for segment in segments if segment.tag == "UCI"), None)
    if uci is None:
        head = segments[0]
        raise fail(head.position(), "missing_uci", "The CONTRL message has no UCI segment (the interchange answered).")
    messages: list[MessageReport] = []
    ucm: Segment | None = None
    errors: list[tuple[int, str | None, str | None]] = []
    for segment in [*segments, None]:
        if segment is None or segment.tag in {"UCM", "UNT", "UCF"}:
            if ucm is not None:
                messages.append(_message(ucm, errors))
            ucm, errors = (segment, []) if segment is not None and segment.tag == "UCM" else (None, [])
        elif segment.tag == "UCS" and ucm is not None:
            number = segment.get(1)
            errors.append((int(number) if number.isdigit() else 0, segment.get(2) or None, None))
        elif segment.tag == "UCD" and ucm is not None and errors:
            element = ":".join(value for value in segment.element(2) if value)
            at, error, earlier = errors[-1]
            entry = (at, segment.get(1) or None, element or None)
            if earlier is None and error is None:
                errors[-1] = entry
            else:
                errors.append(entry)
    return ContrlReport(
        interchange_reference=uci.get(1),
        sender=uci.get(2, 1),
        recipient=uci.get(3, 1),
        action=uci.get(4),
        error=uci.get(5) or None,
        messages=tuple(messages),
        contrl_reference=own_reference,
    )


def _message(ucm: Segment, errors: list[tuple[int, str | None, str | None]]) -> MessageReport:
    return MessageReport(
        reference=ucm.get(1),
        type=ucm.get(2, 1),
        action=ucm.get(3),
        error=ucm.get(4) or None,
        segment_errors=tuple(errors),
    )
