"""Writing EDIFACT: the envelope parameters a caller supplies, and segments to escaped bytes.

Every value is released (``?+``, ``?:``, ``?'``, ``??``) by the UNA in force, trailing empty
components and elements are dropped, and the counts and references of UNT and UNZ are computed here,
never by the caller. UNA is always written, so a receiver never has to guess the delimiters. Under
UNOA, which has no lower case, text is upper-cased; a character the syntax level cannot carry is an
error (``ValueError``) rather than a silent substitution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from lightsoff.formats.edifact.syntax import DEFAULT_DELIMITERS, ENCODINGS, Delimiters, invalid_character_pattern

Element = str | Sequence[str] | None
"""One element: a simple value, the components of a composite, or None for an empty one."""
Segment = tuple[Element, ...]
"""A tag and its elements: ``("QTY", ("21", "8", "PCE"))``."""

VERSIONS = {"D96A": ("D", "96A"), "D01B": ("D", "01B")}


@dataclass(frozen=True, slots=True)
class EdifactEnvelope:
    """Who sends to whom, under which syntax and references; everything the UNB and UNH of an output need."""

    sender_id: str
    recipient_id: str
    interchange_reference: str
    """UNB/UNZ 0020, an..14: unique per sender; the caller allocates and stores it."""
    prepared_at: datetime
    message_reference: str = "1"
    """UNH/UNT 0062, an..14."""
    sender_qualifier: str = "14"
    """0007: 14 = GS1 GLN, ZZ = mutually defined, 1 = DUNS."""
    recipient_qualifier: str = "14"
    syntax_identifier: str = "UNOC"
    syntax_version: str = "3"
    message_version: str = "D96A"
    """D96A or D01B."""
    association: str | None = None
    """The EANCOM association code (UNH S009 0057), e.g. EAN005 for ORDRSP/DESADV in D96A; None for plain UN."""
    test: bool = False
    delimiters: Delimiters = field(default=DEFAULT_DELIMITERS)

    def __post_init__(self) -> None:
        if self.message_version not in VERSIONS:
            raise ValueError(f"message_version must be one of {', '.join(VERSIONS)}, got {self.message_version!r}")
        for name in ("interchange_reference", "message_reference"):
            value = getattr(self, name)
            if not value or len(value) > 14:
                raise ValueError(f"{name} must be 1 to 14 characters, got {value!r}")


def interchange(envelope: EdifactEnvelope, message_type: str, body: Sequence[Segment]) -> bytes:
    """A complete interchange of one message: UNA, UNB, UNH, body, UNT, UNZ; counts computed here."""
    out = _Writer(envelope)
    out.add(("UNB", *_unb(envelope)))
    out.add(("UNH", envelope.message_reference, _message_identifier(envelope, message_type)))
    for segment in body:
        out.add(segment)
    out.add(("UNT", str(len(body) + 2), envelope.message_reference))
    out.add(("UNZ", "1", envelope.interchange_reference))
    return out.finish()


def _unb(envelope: EdifactEnvelope) -> list[Element]:
    at = envelope.prepared_at
    day = at.strftime("%Y%m%d") if envelope.syntax_version == "4" else at.strftime("%y%m%d")
    return [
        (envelope.syntax_identifier, envelope.syntax_version),
        (envelope.sender_id, envelope.sender_qualifier),
        (envelope.recipient_id, envelope.recipient_qualifier),
        (day, at.strftime("%H%M")),
        envelope.interchange_reference,
        None,
        None,
        None,
        None,
        None,
        "1" if envelope.test else None,
    ]


def _message_identifier(envelope: EdifactEnvelope, message_type: str) -> tuple[str, ...]:
    if message_type == "CONTRL":
        number, release = ("4", "1") if envelope.syntax_version == "4" else ("D", "3")
        return ("CONTRL", number, release, "UN")
    version, release = VERSIONS[envelope.message_version]
    return (message_type, version, release, "UN", *([envelope.association] if envelope.association else []))


class _Writer:
    def __init__(self, envelope: EdifactEnvelope) -> None:
        self.d = envelope.delimiters
        self.level = envelope.syntax_identifier
        self.encoding = "ascii" if self.level in {"UNOA", "UNOB"} else ENCODINGS.get(self.level, "latin-1")
        self.invalid = invalid_character_pattern(self.level)
        self.parts: list[str] = [self.d.una, "\n"]

    def add(self, segment: Segment) -> None:
        tag, *elements = segment
        assert isinstance(tag, str)
        values = [self._element(element) for element in elements]
        while values and not values[-1]:
            values.pop()
        self.parts.append(self.d.element.join([tag, *values]) + self.d.terminator + "\n")

    def _element(self, element: Element) -> str:
        if element is None:
            return ""
        components = [element] if isinstance(element, str) else list(element)
        texts = [self._value(component or "") for component in components]
        while texts and not texts[-1]:
            texts.pop()
        return self.d.component.join(texts)

    def _value(self, value: str) -> str:
        if self.level == "UNOA":
            value = value.upper()
        if self.invalid is not None and (bad := self.invalid.search(value)):
            raise ValueError(
                f"{value!r} holds {bad.group()!r}, which syntax level {self.level} cannot carry; "
                "use UNOC or UNOY in the envelope, or clean the data"
            )
        return self.d.escape(value)

    def finish(self) -> bytes:
        return "".join(self.parts).encode(self.encoding)


def dtm(qualifier: str, value: date | datetime) -> Segment:
    """A DTM segment: a datetime as CCYYMMDDHHMM (format 203), a date as CCYYMMDD (102)."""
    if isinstance(value, datetime):
        return ("DTM", (qualifier, value.strftime("%Y%m%d%H%M"), "203"))
    return ("DTM", (qualifier, value.strftime("%Y%m%d"), "102"))
