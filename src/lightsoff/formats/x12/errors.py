"""The errors the X12 codec raises, and the problem it records.

    LightsoffError
     └── X12Error            input that cannot be read as X12 at all: no ISA, a broken ISA, unusable delimiters
          └── X12LimitExceeded  input over a configured limit (bytes, segments, elements, element length)
     └── X12WriteError       (ValueError too) a value the writers cannot put into X12: a delimiter in data

Everything that can be located inside a readable interchange (a trailer that does not match, a bad
date) is not raised but recorded as an ``X12Problem`` and returned, so one broken transaction set
does not spoil the others in the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightsoff.domain.errors import LightsoffError
from lightsoff.formats.documents import DocumentProblem


class X12Error(LightsoffError):
    """The bytes cannot be read as X12; ``location`` says where reading stopped."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


class X12LimitExceeded(X12Error):
    """A hard limit (``X12Limits``) was exceeded: the input is refused before it costs more."""


class X12WriteError(X12Error, ValueError):
    """A writer was given a value X12 cannot carry (X12 has no escape character)."""


@dataclass(frozen=True, slots=True)
class X12Problem:
    """A located problem, with what a 997/999 needs to report it (AK3/IK3, AK4/IK4 codes)."""

    location: str
    code: str
    message: str
    segment_tag: str | None = None
    segment_position: int | None = None
    """Counted from ST = 1 for problems inside a transaction set (as AK3 counts), else from ISA = 1."""
    element_position: int | None = None
    segment_error: str | None = None
    """AK304/IK304 syntax error code (``8`` = segment has data element errors…)."""
    element_error: str | None = None
    """AK403/IK403 syntax error code (``8`` = invalid date…)."""
    bad_value: str | None = None

    def to_document_problem(self) -> DocumentProblem:
        return DocumentProblem(self.location, self.code, self.message)

    def to_data(self) -> dict[str, object]:
        return {
            "location": self.location,
            "code": self.code,
            "message": self.message,
            "segment_tag": self.segment_tag,
            "segment_position": self.segment_position,
            "element_position": self.element_position,
            "segment_error": self.segment_error,
            "element_error": self.element_error,
        }
