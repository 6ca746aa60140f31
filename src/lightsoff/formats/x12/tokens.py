"""Bytes to X12 segments: delimiters from each ISA, hard limits, tolerance for what real files do.

Written by hand. The maintained Python X12 libraries were checked first: pyx12 (4.0, BSD) reads the
ISA at fixed offsets (106 characters) and only versions 00401/00501, so it breaks on unpadded or
over-padded ISAs, NBSP padding and 002001/00403/00406 files that partners really send; badx12 has
not been released since 2018; the newer small parsers (ansi-x12, x12-python…) are young and
unproven, and none of them enforces input limits. Tokenising X12 is a split on three characters
once the ISA is understood; understanding the ISA robustly is the part that matters, and it is here.

Rules (see docs/formats/x12.md): a UTF-8 BOM is dropped; the element separator is the character
after ``ISA``; ISA16 is the character after the 16th element separator (padding is not trusted);
the segment terminator is the character after ISA16, where CR or LF means "newline" (CRLF too).
Whitespace between segments (newlines, indentation) is skipped; trailing empty elements are dropped.
Each interchange may use its own delimiters. Text is UTF-8, or Latin-1 when it is not valid UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from lightsoff.formats.x12.errors import X12Error, X12LimitExceeded

BOM = "\ufeff"
BETWEEN_SEGMENTS = " \t\r\n\u00a0"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ufffd]")
WHITESPACE = re.compile(f"[{BETWEEN_SEGMENTS}]*")
PADDING = " \u00a0"
ISA_ELEMENTS = 16
ISA_WIDTH = 106
ISA_SEARCH = 400
"""How far to look for the 16 ISA separators: generous for padding, small enough to fail fast."""
FIRST_REPETITION_VERSION = "00402"


@dataclass(frozen=True, slots=True)
class X12Limits:
    """Hard limits: input beyond one is refused with ``X12LimitExceeded``, never read further."""

    max_bytes: int = 16 * 1024 * 1024
    max_segments: int = 500_000
    max_elements: int = 256
    """Per segment; the widest real segments (PO1, IT1, SAC) have about 30."""
    max_element_length: int = 1024
    """X12 data elements are at most a few hundred characters (MSG01 has 264)."""


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None
    """ISA11 from version 00402 on; None before (ISA11 is then the standards id ``U``)."""


class Segment(NamedTuple):
    """One segment (a named tuple: a file holds hundreds of thousands, and tuples are cheap to make)."""

    tag: str
    elements: tuple[str, ...]
    """Element 1 first (``elements[0]`` is X12's ``…01``)."""
    number: int
    """Position in its interchange, ISA = 1."""
    suspect: bool = False
    """It holds a control character somewhere: the envelope check then looks element by element."""

    def get(self, position: int) -> str:
        """Element ``position`` (1-based) stripped of padding, or "" when absent."""
        if 0 < position <= len(self.elements):
            return self.elements[position - 1].strip(PADDING)
        return ""


@dataclass(frozen=True, slots=True)
class RawInterchange:
    delimiters: Delimiters
    isa: Segment
    segments: tuple[Segment, ...]
    """Everything after the ISA up to and including IEA (or to where the interchange stopped)."""
    isa_width: int


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # X12 names no encoding; Latin-1 maps every byte, so nothing is lost and nothing raises.
        text, encoding = data.decode("latin-1"), "latin-1"
    return text.removeprefix(BOM), encoding


def tokenize(data: bytes, limits: X12Limits = X12Limits()) -> tuple[list[RawInterchange], str]:
    """Every interchange in ``data``, in order, and the text encoding used."""
    if len(data) > limits.max_bytes:
        raise X12LimitExceeded(
            "input", f"the input has {len(data):,} bytes; at most {limits.max_bytes:,} are read (X12Limits.max_bytes)"
        )
    text, encoding = decode(data)
    reader = _Reader(text, limits)
    return reader.interchanges(), encoding


class _Reader:
    def __init__(self, text: str, limits: X12Limits) -> None:
        self.text = text
        self.limits = limits
        self.pos = 0
        self.segment_count = 0

    def interchanges(self) -> list[RawInterchange]:
        found: list[RawInterchange] = []
        while True:
            self._skip_whitespace()
            if self.pos >= len(self.text):
                break
            if not self.text.startswith("ISA", self.pos):
                where = "the start of the input" if not found else f"after interchange {len(found)}"
                shown = self.text[self.pos : self.pos + 20]
                raise X12Error(
                    f"interchange {len(found) + 1}",
                    f"expected an ISA segment at {where} (character {self.pos + 1}), found {shown!r}; "
                    "an X12 interchange starts with ISA",
                )
            found.append(self._interchange(len(found) + 1))
        if not found:
            raise X12Error("input", "the input is empty: an X12 interchange starts with ISA")
        return found

    def _skip_whitespace(self) -> None:
        found = WHITESPACE.match(self.text, self.pos)
        self.pos = found.end() if found else self.pos

    def _interchange(self, ordinal: int) -> RawInterchange:
        delimiters, isa, width = self._isa(ordinal)
        segments: list[Segment] = []
        term = delimiters.segment
        text = self.text
        number = 1
        while self.pos < len(text):
            end = text.find(term, self.pos)
            if end < 0:
                end = len(text)
            raw = text[self.pos : end].strip("\r" if term == "\n" else "").lstrip(BETWEEN_SEGMENTS)
            if raw.startswith("ISA") and len(raw) > 3 and not raw[3].isalnum():
                break  # the next interchange (this one has no IEA): it brings its own delimiters
            self.pos = end + len(term)
            if not raw:
                self._count(ordinal, number + 1)  # empty segments count: a file of terminators is no free lunch
                continue
            number += 1
            segment = self._segment(raw, delimiters.element, number, ordinal)
            segments.append(segment)
            if segment.tag == "IEA":
                break
        return RawInterchange(delimiters, isa, tuple(segments), width)

    def _count(self, ordinal: int, number: int) -> None:
        self.segment_count += 1
        if self.segment_count > self.limits.max_segments:
            raise X12LimitExceeded(
                f"interchange {ordinal}, segment {number}",
                f"the input has more than {self.limits.max_segments:,} segments (X12Limits.max_segments)",
            )

    def _segment(self, raw: str, separator: str, number: int, ordinal: int) -> Segment:
        self._count(ordinal, number)
        limits = self.limits
        parts = raw.split(separator)
        tag = parts[0].strip(PADDING)
        if len(parts) - 1 > limits.max_elements:
            raise X12LimitExceeded(
                f"interchange {ordinal}, segment {number} ({tag[:3]})",
                f"the segment has {len(parts) - 1} elements; at most {limits.max_elements} are read "
                "(X12Limits.max_elements)",
            )
        long_elements = enumerate(parts[1:], start=1) if len(raw) > limits.max_element_length else ()
        for position, value in long_elements:
            if len(value) > limits.max_element_length:
                raise X12LimitExceeded(
                    f"interchange {ordinal}, segment {number} ({tag[:3]}), element {position}",
                    f"the element has {len(value):,} characters; at most {limits.max_element_length:,} are read "
                    "(X12Limits.max_element_length)",
                )
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        return Segment(tag, tuple(parts[1:]), number, CONTROL_CHARACTERS.search(raw) is not None)

    def _isa(self, ordinal: int) -> tuple[Delimiters, Segment, int]:
        text, start = self.text, self.pos
        location = f"interchange {ordinal}, segment 1 (ISA)"
        separator = text[start + 3 : start + 4]
        if not separator or separator.isalnum() or separator in BETWEEN_SEGMENTS:
            raise X12Error(
                location,
                f"the element separator (the character after ISA) must be a symbol such as *, got {separator!r}",
            )
        cursor = start + 3
        for _ in range(ISA_ELEMENTS - 1):
            cursor = text.find(separator, cursor + 1, start + ISA_SEARCH)
            if cursor < 0:
                raise X12Error(location, f"the ISA segment does not have its 16 elements separated by {separator!r}")
        component = text[cursor + 1 : cursor + 2]
        terminator = text[cursor + 2 : cursor + 3]
        if not component or not terminator:
            raise X12Error(
                location, "the input ends inside the ISA segment: ISA16 or the segment terminator is missing"
            )
        elements = (*text[start + 4 : cursor].split(separator), component)
        isa = Segment("ISA", elements, 1)
        if terminator in "\r\n":
            terminator = "\n"
        delimiters = Delimiters(separator, component, terminator, _repetition(isa))
        _check_delimiters(delimiters, location)
        _check_isa(isa, location)
        self.pos = cursor + 3
        self.segment_count += 1
        return delimiters, isa, cursor + 3 - start


def _repetition(isa: Segment) -> str | None:
    value = isa.elements[10]
    if isa.get(12) >= FIRST_REPETITION_VERSION and len(value) == 1 and not value.isalnum():
        return value
    return None


def _check_delimiters(delimiters: Delimiters, location: str) -> None:
    chosen = [delimiters.element, delimiters.component, delimiters.segment]
    if delimiters.repetition:
        chosen.append(delimiters.repetition)
    if len(set(chosen)) != len(chosen):
        raise X12Error(
            location,
            f"the delimiters must differ from each other: element {delimiters.element!r}, component (ISA16) "
            f"{delimiters.component!r}, segment terminator {delimiters.segment!r}, repetition "
            f"{delimiters.repetition!r}",
        )
    for name, value in (
        ("component separator (ISA16)", delimiters.component),
        ("segment terminator", delimiters.segment),
    ):
        if value.isalnum() or value in " \t":
            raise X12Error(location, f"the {name} must be a symbol or a newline, got {value!r}")


_ISA_FORMATS = (
    (9, 6, "interchange date YYMMDD"),
    (10, 4, "interchange time HHMM"),
    (12, 5, "interchange control version number, such as 00401"),
    (13, 9, "interchange control number, 9 digits"),
)


def _check_isa(isa: Segment, location: str) -> None:
    """A broken ISA is refused outright: its fields decide how everything after it is read."""
    for position, width, what in _ISA_FORMATS:
        value = isa.get(position)
        if len(value) != width or not value.isdigit() or not value.isascii():
            raise X12Error(
                f"{location}, element {position}",
                f"ISA{position:02d} ({what}) must be {width} digits, got {value!r}; "
                "the ISA segment is broken (a line break or a missing separator inside it?)",
            )
    if isa.get(15) not in {"P", "T", "I"}:
        raise X12Error(f"{location}, element 15", f"ISA15 (usage indicator) must be P, T or I, got {isa.get(15)!r}")
