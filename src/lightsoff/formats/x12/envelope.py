"""Segments to interchanges, groups and transaction sets, with every envelope rule checked.

Checked, each as a located ``X12Problem`` (nothing here raises): ISA13 = IEA02 (identical, not just
numerically equal), IEA01 = number of groups, GS06 = GE02, GE01 = number of sets, ST02 = SE02,
SE01 = segments from ST to SE inclusive, a trailer for every header (a truncated interchange), no
segment outside its envelope, segment tags that are tags, and no control characters in data.
A set's problems stay on the set: the other sets of the file are read on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lightsoff.formats.x12.errors import X12Problem
from lightsoff.formats.x12.tokens import CONTROL_CHARACTERS, Delimiters, RawInterchange, Segment

TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "810": "IN", "997": "FA", "999": "FA", "860": "PC"}


@dataclass(slots=True)
class TransactionSet:
    code: str
    control_number: str
    implementation: str
    """ST03, the implementation convention reference (5010), or ""."""
    location: str
    segments: list[Segment] = field(default_factory=list)
    """ST to SE inclusive (to where the set stopped, when SE is missing)."""
    problems: list[X12Problem] = field(default_factory=list)

    def problem(self, segment: Segment, position: int, code: str, message: str, **codes: str | None) -> X12Problem:
        """Record a problem at ``segment`` (its position counted from ST = 1, as AK3 does)."""
        where = f"{self.location}, segment {self.position(segment)} ({segment.tag})"
        if position:
            where += f", element {position}"
        found = X12Problem(
            where,
            code,
            message,
            segment_tag=segment.tag,
            segment_position=self.position(segment),
            element_position=position or None,
            segment_error=codes.get("segment_error", "8" if position else None),
            element_error=codes.get("element_error"),
            bad_value=segment.get(position) if position else None,
        )
        self.problems.append(found)
        return found

    def position(self, segment: Segment) -> int:
        return segment.number - self.segments[0].number + 1


@dataclass(slots=True)
class Group:
    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    version: str
    location: str
    sets: list[TransactionSet] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)


@dataclass(slots=True)
class Interchange:
    sender_qualifier: str
    sender: str
    receiver_qualifier: str
    receiver: str
    date: str
    time: str
    version: str
    control_number: str
    ack_requested: str
    usage: str
    delimiters: Delimiters
    location: str
    groups: list[Group] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)
    warnings: list[X12Problem] = field(default_factory=list)


def build(raw: RawInterchange) -> Interchange:
    isa = raw.isa
    interchange = Interchange(
        sender_qualifier=isa.get(5),
        sender=isa.get(6),
        receiver_qualifier=isa.get(7),
        receiver=isa.get(8),
        date=isa.get(9),
        time=isa.get(10),
        version=isa.get(12),
        control_number=isa.get(13),
        ack_requested=isa.get(14),
        usage=isa.get(15),
        delimiters=raw.delimiters,
        location=f"interchange {isa.get(13)}",
    )
    if raw.isa_width != 106:
        interchange.warnings.append(
            _at(
                interchange,
                isa,
                0,
                "isa_not_fixed_width",
                f"the ISA segment is {raw.isa_width} characters, not the fixed 106; it was read by its "
                "separators, but strict partners' systems may refuse it",
            )
        )
    _Walker(interchange).walk(raw.segments)
    return interchange


def _at(owner: Interchange | Group, segment: Segment, position: int, code: str, message: str) -> X12Problem:
    """A problem located by the segment's number in its interchange (ISA = 1)."""
    where = f"{owner.location}, segment {segment.number} ({segment.tag})"
    if position:
        where += f", element {position}"
    return X12Problem(
        where,
        code,
        message,
        segment_tag=segment.tag,
        segment_position=segment.number,
        element_position=position or None,
    )


class _Walker:
    """Walks one interchange's segments, opening and closing groups and sets as the trailers say."""

    def __init__(self, interchange: Interchange) -> None:
        self.interchange = interchange
        self.group: Group | None = None
        self.set: TransactionSet | None = None
        self.trailer: Segment | None = None
        self.last: Segment | None = None

    def walk(self, segments: tuple[Segment, ...]) -> None:
        handlers = {"GS": self._gs, "GE": self._ge, "ST": self._st, "SE": self._se, "IEA": self._iea}
        for segment in segments:
            self.last = segment
            handler = handlers.get(segment.tag)
            if handler:
                handler(segment)
            elif self.set is not None:
                self.set.segments.append(segment)
                _check_segment(self.set, segment)
            else:
                self._outside(segment)
        self._finish()

    def _problem(self, segment: Segment, position: int, code: str, message: str) -> None:
        self.interchange.problems.append(_at(self.interchange, segment, position, code, message))

    def _outside(self, segment: Segment) -> None:
        if self.trailer is not None:
            where = "after IEA"
        elif self.group is None:
            where = "outside any functional group (GS…GE)"
        else:
            where = "between transaction sets (outside ST…SE)"
        self._problem(segment, 0, "unexpected_segment", f"segment {segment.tag} is {where}; it was ignored")

    def _gs(self, segment: Segment) -> None:
        self._close_group(segment)
        interchange = self.interchange
        self.group = Group(
            functional_id=segment.get(1),
            sender=segment.get(2),
            receiver=segment.get(3),
            date=segment.get(4),
            time=segment.get(5),
            control_number=segment.get(6),
            version=segment.get(8),
            location=f"{interchange.location}, group {segment.get(6) or len(interchange.groups) + 1}",
        )
        interchange.groups.append(self.group)

    def _st(self, segment: Segment) -> None:
        self._close_set(segment)
        if self.group is None:
            self._problem(segment, 0, "unexpected_segment", "transaction set ST outside a functional group (GS…GE)")
            self._gs(Segment("GS", (), segment.number))
        assert self.group is not None
        self.set = TransactionSet(
            code=segment.get(1),
            control_number=segment.get(2),
            implementation=segment.get(3),
            location=f"{self.group.location}, transaction set {segment.get(2) or len(self.group.sets) + 1}",
            segments=[segment],
        )
        self.group.sets.append(self.set)
        _check_segment(self.set, segment)
        expected = FUNCTIONAL_IDS.get(self.set.code)
        if expected and self.group.functional_id and self.group.functional_id != expected:
            self.interchange.warnings.append(
                _at(
                    self.interchange,
                    segment,
                    1,
                    "functional_id_mismatch",
                    f"transaction set {self.set.code} belongs in a group with GS01={expected}, "
                    f"this group has GS01={self.group.functional_id}",
                )
            )

    def _se(self, segment: Segment) -> None:
        current = self.set
        if current is None:
            self._problem(segment, 0, "unexpected_segment", "SE without a transaction set header ST")
            return
        current.segments.append(segment)
        count = len(current.segments)
        if segment.get(1) != str(count):
            current.problem(
                segment,
                1,
                "count_mismatch",
                f"SE01 says the set has {segment.get(1) or 'no'} segments, but it has {count} (ST to SE inclusive)",
                element_error="7",
            )
        if segment.get(2) != current.control_number:
            current.problem(
                segment,
                2,
                "control_number_mismatch",
                f"SE02 {segment.get(2)!r} does not match ST02 {current.control_number!r}",
                element_error="7",
            )
        self.set = None

    def _ge(self, segment: Segment) -> None:
        self._close_set(segment)
        group = self.group
        if group is None:
            self._problem(segment, 0, "unexpected_segment", "GE without a functional group header GS")
            return
        if segment.get(1) != str(len(group.sets)):
            group.problems.append(
                _at(
                    group,
                    segment,
                    1,
                    "count_mismatch",
                    f"GE01 says group {group.control_number} has {segment.get(1) or 'no'} transaction sets, "
                    f"but it has {len(group.sets)}",
                )
            )
        if segment.get(2) != group.control_number:
            group.problems.append(
                _at(
                    group,
                    segment,
                    2,
                    "control_number_mismatch",
                    f"GE02 {segment.get(2)!r} does not match GS06 {group.control_number!r}",
                )
            )
        self.group = None

    def _iea(self, segment: Segment) -> None:
        self._close_group(segment)
        interchange = self.interchange
        self.trailer = segment
        if segment.get(1) != str(len(interchange.groups)):
            self._problem(
                segment,
                1,
                "count_mismatch",
                f"IEA01 says the interchange has {segment.get(1) or 'no'} functional groups, "
                f"but it has {len(interchange.groups)}",
            )
        control = segment.get(2)
        if control != interchange.control_number:
            same_number = (
                control.isdigit()
                and interchange.control_number.isdigit()
                and int(control) == int(interchange.control_number)
            )
            hint = " (numerically equal, but IEA02 must repeat ISA13's 9 digits exactly)" if same_number else ""
            self._problem(
                segment,
                2,
                "control_number_mismatch",
                f"IEA02 {control!r} does not match ISA13 {interchange.control_number!r}{hint}",
            )

    def _close_set(self, at: Segment) -> None:
        if self.set is not None:
            self.set.problems.append(
                X12Problem(
                    f"{self.set.location}, segment {self.set.position(self.set.segments[-1])} "
                    f"({self.set.segments[-1].tag})",
                    "missing_trailer",
                    f"transaction set {self.set.code} {self.set.control_number} is not closed by SE "
                    f"before {at.tag}: the set is truncated",
                )
            )
            self.set = None

    def _close_group(self, at: Segment) -> None:
        self._close_set(at)
        if self.group is not None:
            self.group.problems.append(
                _at(
                    self.group,
                    at,
                    0,
                    "missing_trailer",
                    f"functional group {self.group.control_number} is not closed by GE before {at.tag}: "
                    "the group is truncated",
                )
            )
            self.group = None

    def _finish(self) -> None:
        if self.trailer is not None:
            return
        end = self.last or Segment("ISA", (), 1)
        end_of_input = Segment("end of input", (), end.number + 1)
        self._close_group(end_of_input)
        self._problem(
            end,
            0,
            "missing_trailer",
            f"interchange {self.interchange.control_number} is not closed by IEA: the interchange is truncated",
        )


def _check_segment(transaction: TransactionSet, segment: Segment) -> None:
    if not TAG.fullmatch(segment.tag):
        transaction.problem(
            segment,
            0,
            "invalid_segment_tag",
            f"{segment.tag[:20]!r} is not a segment tag (2 or 3 capital letters or digits); "
            "is a segment terminator or element separator missing?",
            segment_error="1",
        )
    if not segment.suspect:
        return
    for position, value in enumerate(segment.elements, start=1):
        bad = CONTROL_CHARACTERS.search(value)
        if bad:
            transaction.problem(
                segment,
                position,
                "invalid_character",
                f"the element holds the control character {bad.group()!r} at character {bad.start() + 1}; "
                "X12 data may not contain control characters (a line break inside a segment, or the wrong "
                "segment terminator?)",
                element_error="6",
            )
