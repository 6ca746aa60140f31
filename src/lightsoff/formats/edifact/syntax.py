"""Service characters (UNA) and syntax levels (UNB 0001): what each level allows and how its bytes decode.

ISO 9735 facts, kept in one place: the default delimiters when UNA is absent are ``:+.? '`` (level A);
UNOA allows upper-case letters, digits, space and ``.,-()/='+:?!"%&*;<>``; UNOB all of ISO 646
(lower case too, and the IS1-IS4 separators); UNOC-UNOK are ISO 8859-1 to -9; UNOW/UNOY are UTF-8
(ISO 10646). The character a level does not allow is reported with its segment and element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEVEL_A = "A-Z0-9 .,\\-()/='+:?!\"%&*;<>"
ENCODINGS: dict[str, str] = {
    "UNOA": "latin-1",  # read as Latin-1 so a stray byte shows as itself, then checked against level A
    "UNOB": "latin-1",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}
_ALLOWED_CLASS = {"UNOA": _LEVEL_A, "UNOB": "\x1c-\x7e"}
_CONTROLS = {"UNOW": "\x00-\x1b\x7f", "UNOY": "\x00-\x1b\x7f"}
_LATIN_CONTROLS = "\x00-\x1b\x7f-\x9f"
ALLOWED_TEXT = {
    "UNOA": "upper-case A-Z, digits, space and . , - ( ) / = ' + : ? ! \" % & * ; < >",
    "UNOB": "printable ISO 646 (ASCII) characters",
}


def invalid_character_pattern(level: str, delimiters: str = "") -> re.Pattern[str] | None:
    """A pattern matching a character the level does not allow (``delimiters`` aside), None for an unknown level."""
    escaped = "".join(re.escape(char) for char in delimiters)
    if level in _ALLOWED_CLASS:
        return re.compile(f"[^{_ALLOWED_CLASS[level]}{escaped}]")
    if level not in ENCODINGS:
        return None
    controls = _CONTROLS.get(level, _LATIN_CONTROLS)
    return re.compile(f"(?![{escaped}])[{controls}]" if escaped else f"[{controls}]")


def allowed_text(level: str) -> str:
    return ALLOWED_TEXT.get(level, f"the characters of {level} ({ENCODINGS.get(level, 'unknown')}, no control codes)")


@dataclass(frozen=True, slots=True)
class Delimiters:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = " "
    """Reserved in syntax v1-3 (a space); the repetition separator (``*``) in v4."""
    terminator: str = "'"

    @property
    def una(self) -> str:
        return f"UNA{self.component}{self.element}{self.decimal}{self.release}{self.repetition}{self.terminator}"

    def escape(self, value: str) -> str:
        """The value with every service character released, ready to write."""
        if self.release == " ":
            return value
        specials = {self.release, self.component, self.element, self.terminator}
        if self.repetition != " ":
            specials.add(self.repetition)
        if not any(char in value for char in specials):
            return value
        return "".join(self.release + char if char in specials else char for char in value)


DEFAULT_DELIMITERS = Delimiters()
