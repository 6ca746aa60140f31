"""Segments to interchanges, groups and messages, with every envelope check located.

Checks (ISO 9735): UNB 0020 = UNZ 0020, UNG 0048 = UNE 0048, UNH 0062 = UNT 0062; UNT 0074 counts
the segments from UNH to UNT inclusive; UNE counts messages; UNZ counts messages, or groups when UNG
is used; a trailer that never comes means a truncated interchange; a message type not in UNTDID;
a character the declared syntax level does not allow; duplicate message references. A problem sits on
the message it spoils (so the other messages stand) or on the interchange when it is the envelope's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lightsoff.formats.edifact.errors import EdifactProblem, Position
from lightsoff.formats.edifact.lexer import Segment
from lightsoff.formats.edifact.syntax import ENCODINGS, allowed_text

# UNTDID message types seen in trade and logistics; one outside this list is reported as unknown.
KNOWN_TYPES = frozenset(
    [
        "APERAK",
        "AUTHOR",
        "BANSTA",
        "COARRI",
        "CODECO",
        "COPARN",
        "COPRAR",
        "CONTRL",
        "CREADV",
        "CREMUL",
        "CUSCAR",
        "CUSDEC",
        "CUSRES",
        "DEBADV",
        "DEBMUL",
        "DELFOR",
        "DELJIT",
        "DESADV",
        "DOCADV",
        "GENRAL",
        "HANMOV",
        "IFCSUM",
        "IFTMAN",
        "IFTMBC",
        "IFTMBF",
        "IFTMCS",
        "IFTMIN",
        "IFTSTA",
        "INSDES",
        "INVOIC",
        "INVRPT",
        "MSCONS",
        "ORDCHG",
        "ORDERS",
        "ORDRSP",
        "OSTENQ",
        "OSTRPT",
        "PAORES",
        "PARTIN",
        "PAYEXT",
        "PAYMUL",
        "PRICAT",
        "PRODAT",
        "QALITY",
        "QUOTES",
        "RECADV",
        "REMADV",
        "REQOTE",
        "RETANN",
        "SLSFCT",
        "SLSRPT",
        "SUPCOT",
        "UTILMD",
    ]
)


@dataclass(slots=True)
class Message:
    header: Segment
    reference: str
    type: str
    version: str
    release: str
    agency: str
    association: str
    group: str | None
    segments: list[Segment] = field(default_factory=list)
    """UNH to UNT (or to where the message broke off), both included."""
    problems: list[EdifactProblem] = field(default_factory=list)
    warnings: list[EdifactProblem] = field(default_factory=list)
    closed: bool = False

    @property
    def label(self) -> str:
        return f"message {self.reference or '?'} ({self.type or '?'})"

    @property
    def span(self) -> str:
        last = self.segments[-1].number
        return f"segments {self.header.number}-{last}"

    def at(self, segment: Segment, element: int = 0, component: int = 0) -> Position:
        return segment.position(element, component, segment.number - self.header.number + 1)


@dataclass(slots=True)
class Group:
    header: Segment
    reference: str
    messages: int = 0
    closed: bool = False


@dataclass(slots=True)
class Interchange:
    header: Segment
    trailer: Segment | None = None
    messages: list[Message] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    problems: list[EdifactProblem] = field(default_factory=list)
    warnings: list[EdifactProblem] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return self.header.get(5)

    @property
    def syntax(self) -> str:
        return self.header.get(1, 1)

    @property
    def label(self) -> str:
        return self.header.interchange


def build(segments: list[Segment]) -> list[Interchange]:
    """Group the segments; every check that needs the structure runs here."""
    builder = _Builder()
    for segment in segments:
        builder.add(segment)
    builder.finish()
    return builder.interchanges


class _Builder:
    def __init__(self) -> None:
        self.interchanges: list[Interchange] = []
        self.interchange: Interchange | None = None
        self.group: Group | None = None
        self.message: Message | None = None
        self.references: set[str] = set()
        self._handlers = {
            "UNG": self._on_ung,
            "UNE": self._on_une,
            "UNH": self._on_unh,
            "UNT": self._on_unt,
            "UNZ": self._on_unz,
        }

    def add(self, segment: Segment) -> None:
        handler = self._handlers.get(segment.tag)
        if segment.tag == "UNB":
            self._on_unb(segment)
        elif self.interchange is None:
            self._after_unz(segment)
        elif handler is not None:
            handler(segment)
        elif self.message is not None:
            self.message.segments.append(segment)
            self._check_content(segment, self.message)
        else:
            self._interchange_problem(
                segment.position(),
                "segment_outside_message",
                f"{segment.tag} stands outside any message (between UNT and the next UNH); "
                "every data segment belongs between a UNH and its UNT.",
                "33",
            )
        if not segment.terminated:
            self._truncated(segment)

    def _after_unz(self, segment: Segment) -> None:
        last = self.interchanges[-1]
        last.problems.append(
            EdifactProblem(
                segment.position(),
                "segment_after_unz",
                f"{segment.tag} follows the UNZ that closed {last.label}; data after UNZ belongs to a new "
                "interchange, which starts with UNB. It was ignored.",
                "33",
            )
        )

    def finish(self) -> None:
        if self.interchange is not None:
            self._close_interchange(None)

    # ---- envelope segments ----

    def _on_unb(self, segment: Segment) -> None:
        if self.interchange is not None:
            self._close_interchange(segment)
        interchange = Interchange(segment)
        self.interchanges.append(interchange)
        self.interchange, self.group, self.message = interchange, None, None
        self.references = set()
        for element, component, name in ((1, 1, "syntax identifier (0001)"), (1, 2, "syntax version (0002)"),
                                          (2, 1, "sender id (0004)"), (3, 1, "recipient id (0010)"),
                                          (5, 1, "interchange control reference (0020)")):  # fmt: skip
            if not segment.get(element, component):
                self._interchange_problem(
                    segment.position(element, component), "missing_element", f"UNB has no {name}.", "13"
                )
        if interchange.syntax and interchange.syntax not in ENCODINGS:
            interchange.warnings.append(
                EdifactProblem(
                    segment.position(1, 1),
                    "unknown_syntax_level",
                    f"Syntax identifier {interchange.syntax} is not a UN/ECE level (UNOA-UNOK, UNOW, UNOY); "
                    "the data was read as ISO 8859-1 and its characters were not checked.",
                    "2",
                )
            )
        self._check_characters(segment, None)

    def _on_ung(self, segment: Segment) -> None:
        if self.message is not None:
            self._close_message(None)
        self.group = Group(segment, segment.get(5))
        assert self.interchange is not None
        self.interchange.groups.append(self.group)

    def _on_une(self, segment: Segment) -> None:
        if self.message is not None:
            self._close_message(None)
        group = self.group
        if group is None:
            self._interchange_problem(segment.position(), "unexpected_segment", "UNE without a UNG before it.", "33")
            return
        group.closed = True
        self._compare_count(segment, group.messages, "messages in the group", None)
        self._compare_reference(segment, group.reference, "UNG 0048 group reference", None)
        self.group = None

    def _on_unh(self, segment: Segment) -> None:
        if self.message is not None:
            self._close_message(segment)
        identifier = [value.strip() for value in segment.element(2)] + [""] * 5
        message = Message(
            header=segment,
            reference=segment.get(1),
            type=identifier[0],
            version=identifier[1],
            release=identifier[2],
            agency=identifier[3],
            association=identifier[4],
            group=self.group.reference if self.group else None,
        )
        message.segments.append(segment)
        assert self.interchange is not None
        self.interchange.messages.append(message)
        self.message = message
        if self.group is not None:
            self.group.messages += 1
            self._check_group_version(message)
        self._check_header(message)
        self._check_characters(segment, message)

    def _on_unt(self, segment: Segment) -> None:
        message = self.message
        if message is None:
            self._interchange_problem(segment.position(), "unexpected_segment", "UNT without a UNH before it.", "33")
            return
        message.segments.append(segment)
        message.closed = True
        self._compare_count(segment, len(message.segments), "segments from UNH to UNT", message)
        self._compare_reference(segment, message.reference, "UNH 0062 message reference", message)
        self._check_characters(segment, message)
        self.message = None

    def _on_unz(self, segment: Segment) -> None:
        self._close_interchange(segment)

    # ---- closing ----

    def _close_message(self, by: Segment | None) -> None:
        message = self.message
        assert message is not None
        if not message.closed:
            where = f"{by.tag} (segment {by.number})" if by is not None else "the end of the data"
            message.problems.append(
                EdifactProblem(
                    message.at(message.segments[-1]),
                    "missing_unt",
                    f"{message.label} has no UNT: it runs into {where}. The message is incomplete; "
                    "ask the sender to send it again.",
                    "13",
                )
            )
        self.message = None

    def _close_interchange(self, by: Segment | None) -> None:
        interchange = self.interchange
        assert interchange is not None
        if self.message is not None:
            self._close_message(by if by is not None and by.tag != "UNZ" else None)
        if self.group is not None and not self.group.closed:
            self._interchange_problem(
                self.group.header.position(), "missing_une", f"The group {self.group.reference} has no UNE.", "13"
            )
        if by is not None and by.tag == "UNZ":
            interchange.trailer = by
            use_groups = bool(interchange.groups)
            count = len(interchange.groups) if use_groups else len(interchange.messages)
            self._compare_count(by, count, "groups" if use_groups else "messages", None)
            self._compare_reference(by, interchange.reference, "UNB 0020 interchange control reference", None)
        else:
            last = interchange.messages[-1].segments[-1] if interchange.messages else interchange.header
            where = f"the next UNB (segment {by.index + 1} of the file)" if by is not None else "the end of the data"
            self._interchange_problem(
                last.position(),
                "missing_unz",
                f"{interchange.label} has no UNZ: the data reaches {where} first. The interchange may be "
                "truncated; check that the whole file arrived.",
                "13",
            )
        self.interchange, self.group, self.message = None, None, None

    def _truncated(self, segment: Segment) -> None:
        problem = EdifactProblem(
            segment.position(),
            "truncated",
            f"The data ends inside {segment.tag} (no segment terminator): the interchange is truncated; "
            "ask the sender to send the whole file again.",
            "13",
        )
        if self.message is not None and segment.tag != "UNT":
            self.message.problems.append(problem)
        elif self.interchange is not None:
            self.interchange.problems.append(problem)

    # ---- checks ----

    def _compare_count(self, trailer: Segment, actual: int, what: str, message: Message | None) -> None:
        declared = trailer.get(1)
        position = message.at(trailer, 1) if message else trailer.position(1)
        if not declared.isdigit():
            self._problem(
                message, position, "invalid_count", f"{trailer.tag} count {declared!r} is not a number.", "12"
            )
        elif int(declared) != actual:
            self._problem(
                message,
                position,
                "count_mismatch",
                f"{trailer.tag} says {declared} but there are {actual} {what}; the sender's count is wrong "
                "or segments were lost on the way.",
                "29",
            )

    def _compare_reference(self, trailer: Segment, expected: str, what: str, message: Message | None) -> None:
        declared = trailer.get(2)
        if declared != expected:
            position = message.at(trailer, 2) if message else trailer.position(2)
            self._problem(
                message,
                position,
                "reference_mismatch",
                f"{trailer.tag} reference {declared!r} does not match the {what} {expected!r}; they must be identical.",
                "28",
            )

    def _check_header(self, message: Message) -> None:
        header = message.header
        if not message.reference:
            message.problems.append(
                EdifactProblem(message.at(header, 1), "missing_element", "UNH has no message reference (0062).", "13")
            )
        if message.reference in self.references:
            message.problems.append(
                EdifactProblem(
                    message.at(header, 1),
                    "duplicate_reference",
                    f"Message reference {message.reference} is used twice in {header.interchange}; each message "
                    "needs its own.",
                    "26",
                )
            )
        self.references.add(message.reference)
        if message.type not in KNOWN_TYPES:
            message.problems.append(
                EdifactProblem(
                    message.at(header, 2, 1),
                    "unknown_message_type",
                    f"Message type {message.type!r} is not a UN/EDIFACT message type (UNTDID); check UNH element 2.",
                    "12",
                )
            )
        if message.version != "D":
            message.warnings.append(
                EdifactProblem(
                    message.at(header, 2, 2),
                    "unusual_version",
                    f"UNH message version is {message.version!r}; directory messages use 'D'.",
                    "12",
                )
            )

    def _check_group_version(self, message: Message) -> None:
        assert self.group is not None
        ung = self.group.header
        declared = ung.element(7)
        if len(declared) >= 2 and (declared[0], declared[1]) != (message.version, message.release):
            message.warnings.append(
                EdifactProblem(
                    message.at(message.header, 2, 3),
                    "group_version_mismatch",
                    f"The message is {message.version}:{message.release} but its UNG (segment {ung.number}) "
                    f"declares {declared[0]}:{declared[1]}; the message's own version was used.",
                    "12",
                )
            )

    def _check_content(self, segment: Segment, message: Message) -> None:
        if not (len(segment.tag) == 3 and segment.tag.isalnum() and segment.tag.isupper()):
            message.problems.append(
                EdifactProblem(
                    message.at(segment),
                    "invalid_tag",
                    f"{segment.tag!r} is not a segment tag (three upper-case letters or digits).",
                    "12",
                )
            )
        self._check_characters(segment, message)

    def _check_characters(self, segment: Segment, message: Message | None) -> None:
        if segment.stray_release:
            warning = EdifactProblem(
                segment.position(),
                "stray_release",
                "A release character stands before an ordinary character; it was dropped "
                "(release only : + ' ? and the repetition separator).",
                "22",
            )
            (message.warnings if message else self._warnings()).append(warning)
        if segment.bad_char is None:
            return
        element, component, char = segment.bad_char
        assert self.interchange is not None
        level = self.interchange.syntax
        position = message.at(segment, element, component) if message else segment.position(element, component)
        self._problem(
            message,
            position,
            "invalid_character",
            f"Character {char!r} (U+{ord(char):04X}) is not allowed under {level}, which allows "
            f"{allowed_text(level)}; declare a wider syntax level in UNB (UNOC, UNOY) or remove it.",
            "21",
        )

    def _warnings(self) -> list[EdifactProblem]:
        assert self.interchange is not None
        return self.interchange.warnings

    def _problem(self, message: Message | None, position: Position, code: str, text: str, syntax_error: str) -> None:
        problem = EdifactProblem(position, code, text, syntax_error)
        if message is not None:
            message.problems.append(problem)
        else:
            assert self.interchange is not None
            self.interchange.problems.append(problem)

    def _interchange_problem(self, position: Position, code: str, text: str, syntax_error: str) -> None:
        self._problem(None, position, code, text, syntax_error)
