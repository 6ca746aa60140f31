"""Writing X12: the envelope parameters a caller gives, and segments wrapped in ISA/GS/ST…SE/GE/IEA.

Control numbers come from the caller (the service persists them per partner); the writer only
formats them and computes the counts (SE01, GE01, IEA01), so trailers always agree with headers.
X12 has no escape character: a value holding a delimiter or a control character is refused with
``X12WriteError`` rather than written into a file the partner would misread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from lightsoff.formats.x12.errors import X12WriteError
from lightsoff.formats.x12.tokens import FIRST_REPETITION_VERSION, Delimiters

Value = str | Decimal | int | tuple[str, ...] | None
"""An element: text, a number, a composite (components), or None for an empty element."""
SegmentData = tuple[str, Sequence[Value]]
ISA_ID_WIDTH = 15
MAX_ISA_CONTROL = 999_999_999


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom, in which version, with which control numbers (given by the caller)."""

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    created_at: datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    version: str = "004010"
    """GS08: ``004010``, ``005010`` (an industry suffix such as ``004010VICS`` is kept); ISA12 follows it."""
    first_set_control_number: int = 1
    """ST02 of the first set; further sets count up from it."""
    usage: str = "P"
    """ISA15: P production, T test."""
    application_sender: str | None = None
    """GS02; the sender id when None."""
    application_receiver: str | None = None
    """GS03; the receiver id when None."""
    ack_requested: bool = False
    """ISA14: ask the partner for a TA1."""
    delimiters: Delimiters = field(default_factory=lambda: Delimiters("*", ">", "~", "^"))
    line_break: bool = True
    """A newline after each segment terminator: harmless to readers, kind to people."""

    @property
    def interchange_version(self) -> str:
        """ISA12: ``00401`` for 004010…, ``00501`` for 005010…."""
        return self.version[:5]


def format_number(value: Decimal | int) -> str:
    """Plain notation, no exponent, no trailing zeros: ``Decimal('1E+2')`` → ``100``."""
    if isinstance(value, int):
        return str(value)
    return format(value.normalize(), "f")


SetData = tuple[str, str, Sequence[SegmentData]]
"""A transaction set to write: its code (ST01), implementation reference (ST03, or ""), body segments."""


def interchange(envelope: Envelope, functional_id: str, sets: Sequence[SetData]) -> bytes:
    """One interchange, one group, one set per ``(code, implementation reference, body segments)``."""
    writer = _Writer(envelope)
    writer.add(_isa(envelope))
    writer.add(_gs(envelope, functional_id))
    for index, (code, implementation, body) in enumerate(sets):
        control = f"{envelope.first_set_control_number + index:04d}"
        start = writer.count
        writer.add(("ST", (code, control, implementation or None)))
        for segment in body:
            writer.add(segment)
        writer.add(("SE", (str(writer.count - start + 1), control)))
    writer.add(("GE", (str(len(sets)), str(envelope.group_control_number))))
    writer.add(("IEA", ("1", f"{envelope.interchange_control_number:09d}")))
    return writer.result()


def _isa(envelope: Envelope) -> SegmentData:
    if not 0 < envelope.interchange_control_number <= MAX_ISA_CONTROL:
        raise X12WriteError("ISA13", "the interchange control number must be 1 to 999999999")
    for name, value in (("sender", envelope.sender_id), ("receiver", envelope.receiver_id)):
        if len(value) > ISA_ID_WIDTH:
            raise X12WriteError(f"ISA {name} id", f"{value!r} is longer than the 15 characters ISA allows")
    delimiters = envelope.delimiters
    uses_repetition = envelope.interchange_version >= FIRST_REPETITION_VERSION and delimiters.repetition
    repetition = delimiters.repetition if uses_repetition else "U"
    at = envelope.created_at
    return (
        "ISA",
        (
            "00",
            " " * 10,
            "00",
            " " * 10,
            envelope.sender_qualifier.ljust(2),
            envelope.sender_id.ljust(ISA_ID_WIDTH),
            envelope.receiver_qualifier.ljust(2),
            envelope.receiver_id.ljust(ISA_ID_WIDTH),
            at.strftime("%y%m%d"),
            at.strftime("%H%M"),
            repetition,
            envelope.interchange_version,
            f"{envelope.interchange_control_number:09d}",
            "1" if envelope.ack_requested else "0",
            envelope.usage,
            delimiters.component,
        ),
    )


def _gs(envelope: Envelope, functional_id: str) -> SegmentData:
    at = envelope.created_at
    return (
        "GS",
        (
            functional_id,
            envelope.application_sender or envelope.sender_id,
            envelope.application_receiver or envelope.receiver_id,
            at.strftime("%Y%m%d"),
            at.strftime("%H%M"),
            str(envelope.group_control_number),
            "X",
            envelope.version,
        ),
    )


class _Writer:
    def __init__(self, envelope: Envelope) -> None:
        self.delimiters = envelope.delimiters
        self.end = self.delimiters.segment + ("\n" if envelope.line_break and self.delimiters.segment != "\n" else "")
        self.forbidden = {self.delimiters.element, self.delimiters.component, self.delimiters.segment}
        if self.delimiters.repetition and envelope.interchange_version >= FIRST_REPETITION_VERSION:
            self.forbidden.add(self.delimiters.repetition)
        self.parts: list[str] = []
        self.count = 0

    def add(self, segment: SegmentData) -> None:
        tag, values = segment
        if tag == "ISA":
            # ISA11 may be the repetition separator and ISA16 is the component separator: delimiters by design.
            elements = [
                str(value) if position in (11, 16) else self._plain(tag, position, str(value))
                for position, value in enumerate(values, start=1)
            ]
        else:
            elements = [self._element(tag, position, value) for position, value in enumerate(values, start=1)]
            while elements and not elements[-1]:
                elements.pop()
        self.parts.append(self.delimiters.element.join([tag, *elements]) + self.end)
        self.count += 1

    def _element(self, tag: str, position: int, value: Value) -> str:
        if value is None:
            return ""
        if isinstance(value, tuple):
            components = [self._plain(tag, position, part) for part in value]
            while components and not components[-1]:
                components.pop()
            return self.delimiters.component.join(components)
        if isinstance(value, Decimal | int):
            return format_number(value)
        return self._plain(tag, position, value)

    def _plain(self, tag: str, position: int, value: str) -> str:
        for character in value:
            if character in self.forbidden or ord(character) < 32 or ord(character) == 127:
                raise X12WriteError(
                    f"{tag}{position:02d}",
                    f"the value {value!r} holds {character!r}, a delimiter or control character; X12 cannot "
                    "escape it: change the value or the envelope's delimiters",
                )
        return value

    def result(self) -> bytes:
        return "".join(self.parts).encode("utf-8")
