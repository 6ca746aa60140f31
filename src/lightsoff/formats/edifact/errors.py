"""The one error the EDIFACT codec raises, and the located problem it reports.

    LightsoffError
     └── EdifactError   the bytes cannot be read as EDIFACT at all (a limit exceeded, no UNB, a broken
                        UNA); carries one ``DocumentProblem`` saying what and where

Everything short of that (counts, references, characters, a missing UNZ, an order without a date) is
not raised: it is reported as a ``DocumentProblem`` on the document or on the one order it spoils, so a
broken message does not hide the good ones beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightsoff.domain.errors import LightsoffError
from lightsoff.formats.documents import DocumentProblem


class EdifactError(LightsoffError):
    """The data cannot be read as EDIFACT; ``problem`` says what, where and how to fix it."""

    def __init__(self, problem: DocumentProblem) -> None:
        super().__init__(f"{problem.location}: {problem.message}")
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Position:
    """Where a problem sits, fine enough for a person and for a CONTRL's UCS/UCD segments."""

    interchange: str = ""
    """``interchange 1234`` (its UNB 0020), or ``interchange #2`` when it has no reference."""
    segment: int = 0
    """1-based number of the segment in its interchange, UNB = 1 (UNA is not counted); 0 = unknown."""
    tag: str = ""
    element: int = 0
    """1-based element position after the tag; 0 = the segment as a whole."""
    component: int = 0
    """1-based component position in a composite; 0 = the element as a whole."""
    message_segment: int = 0
    """1-based position in the message, UNH = 1 (CONTRL UCS 0096); 0 = not inside a message."""

    def describe(self) -> str:
        parts = [self.interchange] if self.interchange else []
        if self.segment:
            parts.append(f"segment {self.segment} ({self.tag})" if self.tag else f"segment {self.segment}")
        elif self.tag:
            parts.append(self.tag)
        if self.element:
            parts.append(f"element {self.element}")
        if self.component:
            parts.append(f"component {self.component}")
        return ", ".join(parts) or "the document"


@dataclass(frozen=True, slots=True)
class EdifactProblem:
    """A problem with its position kept apart, so a CONTRL can point at it (UCS/UCD) as well as a person."""

    position: Position
    code: str
    message: str
    syntax_error: str = "18"
    """UN/EDIFACT 0085 syntax error code for the CONTRL: 12 invalid value, 13 missing, 21 invalid
    character, 28 references do not match, 29 count does not match, 39 too long, 18 unspecified."""

    def to_problem(self) -> DocumentProblem:
        return DocumentProblem(self.position.describe(), self.code, self.message)

    def to_data(self) -> dict[str, object]:
        position = self.position
        return {
            "location": position.describe(),
            "code": self.code,
            "message": self.message,
            "syntax_error": self.syntax_error,
            "segment": position.segment,
            "tag": position.tag,
            "element": position.element,
            "component": position.component,
            "message_segment": position.message_segment,
        }


def fail(position: Position, code: str, message: str) -> EdifactError:
    return EdifactError(DocumentProblem(position.describe(), code, message))
