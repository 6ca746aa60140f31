"""EDIFACT bytes to segments: UNA, release characters, syntax levels, limits, positions.

Written by hand rather than on pydifact's tokenizer because intake needs what pydifact does not give:
the number of each segment in its interchange and the element of a bad value (for the person and for
the CONTRL's UCS/UCD), hard limits checked while reading (so a hostile file fails fast instead of
filling memory), several interchanges in one file, values hard-wrapped across lines, and a located
error for everything. pydifact stays the independent parser the tests check our writers against.

Rules (ISO 9735): UNA, when present, gives the six service characters, else ``:+.? '`` apply. The
release character makes the next character literal; before an ordinary character it is dropped and
flagged (``stray_release``). CR and LF are not part of the syntax and are removed everywhere (files
arrive wrapped at 15 or 80 columns, even inside values), unless the terminator itself is a newline.
Spaces and tabs before a tag are indentation. The bytes are decoded by the first UNB's syntax level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lightsoff.formats.edifact.errors import Position, fail
from lightsoff.formats.edifact.syntax import DEFAULT_DELIMITERS, ENCODINGS, Delimiters, invalid_character_pattern

_BOM = b"\xef\xbb\xbf"
_MiB = 1024 * 1024
# A UNA further into the file: "UNA", six service characters, then (after a line break, perhaps) UNB.
_NEXT_UNA = re.compile(rb"(?<=.)UNA[\x1c-\x7e]{6}\s*UNB", re.DOTALL)


@dataclass(frozen=True, slots=True)
class EdifactLimits:
    """Hard limits on what one document may hold; exceeding one raises ``EdifactError`` at once.

    The defaults are far above any real order (the 146-line order in the corpus is 16 KB, 600 segments)
    and far below what would hurt a worker.
    """

    max_bytes: int = 10 * _MiB
    max_segments: int = 200_000
    max_elements: int = 99
    """Per segment; the largest standard segments have about 40."""
    max_components: int = 99
    """Per composite element."""
    max_element_length: int = 4_096
    """Characters in one component value; the longest standard data element (4440 free text) is 512."""


DEFAULT_LIMITS = EdifactLimits()


class Segment:
    """One segment: its tag, its elements (each a list of component values, released), where it is."""

    __slots__ = ("bad_char", "elements", "index", "interchange", "number", "stray_release", "tag", "terminated")

    def __init__(self, tag: str, elements: list[list[str]], number: int, index: int, interchange: str) -> None:
        self.tag = tag
        self.elements = elements
        """``elements[0]`` is element 1 (the first after the tag)."""
        self.number = number
        """1-based in its interchange, UNB = 1."""
        self.index = index
        """0-based in the file."""
        self.interchange = interchange
        self.terminated = True
        self.stray_release = False
        self.bad_char: tuple[int, int, str] | None = None
        """(element, component, character) of the first character the syntax level does not allow."""

    def get(self, element: int, component: int = 1) -> str:
        """The value at 1-based ``element`` and ``component``, or "" when the segment does not have it."""
        if element > len(self.elements):
            return ""
        parts = self.elements[element - 1]
        return parts[component - 1] if component <= len(parts) else ""

    def element(self, element: int) -> list[str]:
        return self.elements[element - 1] if element <= len(self.elements) else []

    def position(self, element: int = 0, component: int = 0, message_segment: int = 0) -> Position:
        return Position(self.interchange, self.number, self.tag, element, component, message_segment)

    def __repr__(self) -> str:
        return f"Segment({self.tag!r}, {self.elements!r}, number={self.number})"


@dataclass(slots=True)
class Lexed:
    delimiters: Delimiters
    syntax: str
    """The first UNB's syntax identifier (0001), which chose the decoding."""
    segments: list[Segment] = field(default_factory=list)
    decode_error: str | None = None
    interchange_delimiters: list[Delimiters] = field(default_factory=list)
    """The service characters in force for each interchange (each UNB), in order."""


def lex(data: bytes, limits: EdifactLimits = DEFAULT_LIMITS) -> Lexed:
    """Split ``data`` into segments; raise ``EdifactError`` when it cannot be EDIFACT or breaks a limit."""
    if len(data) > limits.max_bytes:
        raise fail(
            Position(),
            "too_large",
            f"The document is {len(data):,} bytes, over the limit of {limits.max_bytes:,}; split it into "
            "smaller files or raise EdifactLimits.max_bytes.",
        )
    data = data.removeprefix(_BOM).lstrip(b" \t\r\n")
    starts = sorted({0} | {match.start() for match in _NEXT_UNA.finditer(data)})
    lexed: Lexed | None = None
    for start, end in zip(starts, [*starts[1:], len(data)], strict=True):
        lexed = _lex_chunk(data[start:end], limits, lexed)
    assert lexed is not None
    if not lexed.segments or lexed.segments[0].tag != "UNB":
        first = lexed.segments[0].tag if lexed.segments else "nothing"
        raise fail(
            Position(segment=1, tag=first if lexed.segments else ""),
            "missing_unb",
            f"An EDIFACT interchange starts with UNB (after an optional UNA), but this one starts with {first}; "
            "check that the file is EDIFACT and complete.",
        )
    return lexed


def _lex_chunk(chunk: bytes, limits: EdifactLimits, before: Lexed | None) -> Lexed:
    """One stretch of the file under one UNA (files often hold several interchanges, each with its UNA)."""
    if before is not None and not chunk.startswith(b"UNA"):
        delimiters, body = before.delimiters, chunk
    else:
        delimiters, body = _service_characters(chunk)
    syntax = _syntax_identifier(body, delimiters)
    text, decode_error = _decode(body, syntax)
    if delimiters.terminator not in "\r\n":
        text = text.replace("\r", "").replace("\n", "")
    if before is None:
        lexed = Lexed(delimiters, syntax, decode_error=decode_error)
    else:
        lexed = before
        lexed.decode_error = lexed.decode_error or decode_error
    splitter = _Splitter(delimiters, limits, lexed.segments, lexed.interchange_delimiters)
    if before is not None:
        splitter.interchanges = len(lexed.interchange_delimiters)
    splitter.run(text)
    return lexed


def _service_characters(data: bytes) -> tuple[Delimiters, bytes]:
    if not data.startswith(b"UNA"):
        return DEFAULT_DELIMITERS, data
    chars = data[3:9]
    position = Position(segment=0, tag="UNA")
    if len(chars) < 6:
        raise fail(position, "invalid_una", f"UNA must be followed by six service characters, found {len(chars)}.")
    try:
        text = chars.decode("ascii")
    except UnicodeDecodeError:
        raise fail(position, "invalid_una", "The UNA service characters must be ASCII characters.") from None
    component, element, decimal, release, repetition, terminator = tuple(text)
    separators = [component, element, release, terminator] if release != " " else [component, element, terminator]
    if len(set(separators)) != len(separators) or any(char.isalnum() for char in separators):
        raise fail(
            position,
            "invalid_una",
            f"UNA{text} is not a usable service string advice: the component separator, element separator, "
            "release character and segment terminator must be four different non-alphanumeric characters "
            "(the default is UNA:+.? ').",
        )
    if decimal not in ".,":
        raise fail(position, "invalid_una", f"The decimal mark in UNA{text} is {decimal!r}; it must be . or ,.")
    return Delimiters(component, element, decimal, release, repetition, terminator), data[9:]


def _syntax_identifier(body: bytes, delimiters: Delimiters) -> str:
    unb = re.search(rb"UNB\s*" + re.escape(delimiters.element.encode()), body[:4096])
    if unb is None:
        return "UNOA"
    head = body[unb.end() : unb.end() + 12].replace(b"\r", b"").replace(b"\n", b"")
    value = head.split(delimiters.component.encode(), 1)[0].split(delimiters.element.encode(), 1)[0]
    return value.decode("latin-1").strip()


def _decode(body: bytes, syntax: str) -> tuple[str, str | None]:
    encoding = ENCODINGS.get(syntax, "latin-1")
    try:
        return body.decode(encoding), None
    except UnicodeDecodeError as exc:
        message = (
            f"The bytes at offset {exc.start} are not valid {encoding} although UNB declares {syntax}; "
            "they were read as U+FFFD. Send the file in the declared encoding or declare the one it uses."
        )
        return body.decode(encoding, errors="replace"), message


class _Splitter:
    """Cuts text into segments, elements and components, checking limits and characters as it goes."""

    def __init__(
        self,
        delimiters: Delimiters,
        limits: EdifactLimits,
        out: list[Segment],
        interchange_delimiters: list[Delimiters],
    ) -> None:
        self.d = delimiters
        self.interchange_delimiters = interchange_delimiters
        self.limits = limits
        self.out = out
        release = re.escape(delimiters.release)
        specials = "".join(re.escape(c) for c in (delimiters.element, delimiters.component))
        self.token_pattern = re.compile(f"{release}.?|[{specials}]|[^{release}{specials}]+", re.DOTALL)
        self.interchange = ""
        self.interchanges = 0
        self.number = 0
        self.level = ""
        self.invalid: re.Pattern[str] | None = None

    def run(self, text: str) -> None:
        terminator, release = self.d.terminator, self.d.release
        *pieces, tail = text.split(terminator)
        if release == " " or release not in text:
            for body in pieces:
                self.segment(body, escaped=False)
        else:
            # A piece ending in an odd run of release characters ended at a released terminator: join it on.
            held: str | None = None
            for piece in pieces:
                body = piece if held is None else held + terminator + piece
                if body.endswith(release) and (len(body) - len(body.rstrip(release))) % 2:
                    held = body
                    continue
                held = None
                self.segment(body, escaped=release in body)
            if held is not None:
                tail = held + terminator + tail
        if tail.strip():
            self.segment(tail, escaped=release != " " and release in tail)
            self.out[-1].terminated = False

    def segment(self, body: str, *, escaped: bool) -> None:
        body = body.lstrip(" \t")
        if not body:
            return
        if len(self.out) >= self.limits.max_segments:
            raise fail(
                Position(self.interchange, self.number + 1),
                "too_many_segments",
                f"The document has more than {self.limits.max_segments:,} segments; split it or raise "
                "EdifactLimits.max_segments.",
            )
        elements = self._split_escaped(body) if escaped else self._split(body)
        head = elements.pop(0)
        tag = head[0].strip()
        if len(tag) > 3:
            tag = tag[:3] + "…"
        if tag == "UNB":
            self._start_interchange(elements)
        self.number += 1
        segment = Segment(tag, elements, self.number, len(self.out), self.interchange)
        self.out.append(segment)
        if escaped:
            segment.stray_release = self._has_stray_release(body)
        if self.invalid is not None and self.invalid.search(body):
            segment.bad_char = self._first_bad_char(segment)
        self._check_sizes(segment, body)

    def _start_interchange(self, elements: list[list[str]]) -> None:
        self.interchanges += 1
        self.interchange_delimiters.append(self.d)
        reference = elements[4][0] if len(elements) > 4 and elements[4][0] else ""
        self.interchange = f"interchange {reference}" if reference else f"interchange #{self.interchanges}"
        self.number = 0
        self.level = elements[0][0] if elements else ""
        self.invalid = invalid_character_pattern(self.level, self.d.element + self.d.component + self.d.release)

    def _split(self, body: str) -> list[list[str]]:
        component = self.d.component
        return [value.split(component) for value in body.split(self.d.element)]

    def _split_escaped(self, body: str) -> list[list[str]]:
        elements: list[list[str]] = []
        components: list[str] = []
        current: list[str] = []
        element_sep, component_sep, release = self.d.element, self.d.component, self.d.release
        for token in self.token_pattern.findall(body):
            if token == element_sep:
                components.append("".join(current))
                elements.append(components)
                components, current = [], []
            elif token == component_sep:
                components.append("".join(current))
                current = []
            elif token[0] == release:
                current.append(token[1:])
            else:
                current.append(token)
        components.append("".join(current))
        elements.append(components)
        return elements

    def _has_stray_release(self, body: str) -> bool:
        d = self.d
        released = {d.release, d.component, d.element, d.terminator, d.repetition}
        return any(token[0] == d.release and token[1:] not in released for token in self.token_pattern.findall(body))

    def _first_bad_char(self, segment: Segment) -> tuple[int, int, str] | None:
        assert self.invalid is not None
        for element_no, element in enumerate(segment.elements, start=1):
            for component_no, value in enumerate(element, start=1):
                found = self.invalid.search(value)
                if found:
                    return element_no, component_no, found.group()
        bad_tag = self.invalid.search(segment.tag)
        return (0, 0, bad_tag.group()) if bad_tag else None

    def _check_sizes(self, segment: Segment, body: str) -> None:
        limits = self.limits
        if (
            len(body) <= limits.max_element_length
            and len(segment.elements) <= limits.max_elements
            and body.count(self.d.component) < limits.max_components
        ):
            return  # nothing in this segment can be over a limit
        if len(segment.elements) > limits.max_elements:
            raise fail(
                segment.position(limits.max_elements + 1),
                "too_many_elements",
                f"{segment.tag} has {len(segment.elements)} elements, over the limit of {limits.max_elements}.",
            )
        for element_no, element in enumerate(segment.elements, start=1):
            if len(element) > limits.max_components:
                raise fail(
                    segment.position(element_no, limits.max_components + 1),
                    "too_many_components",
                    f"The element has {len(element)} components, over the limit of {limits.max_components}.",
                )
            for component_no, value in enumerate(element, start=1):
                if len(value) > limits.max_element_length:
                    raise fail(
                        segment.position(element_no, component_no),
                        "element_too_long",
                        f"The value is {len(value):,} characters long, over the limit of "
                        f"{limits.max_element_length:,}; check for a missing segment terminator.",
                    )
