"""Our writers' output, parsed by pydifact (an independent parser), and the envelope rules checked on it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from pydifact.exceptions import MissingImplementationWarning
from pydifact.parser import Parser


@dataclass(frozen=True)
class Parsed:
    segments: list[tuple[str, list[object]]]

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.segments]

    def all(self, tag: str) -> list[list[object]]:
        return [elements for found, elements in self.segments if found == tag]

    def one(self, tag: str) -> list[object]:
        (elements,) = self.all(tag)
        return elements


def parse(data: bytes, encoding: str = "latin-1") -> Parsed:
    """Parse with pydifact and assert UNT count and reference, UNZ count and reference; return the segments."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingImplementationWarning)
        segments = [(segment.tag, list(segment.elements)) for segment in Parser().parse(data.decode(encoding))]
    parsed = Parsed(segments)
    tags = parsed.tags()
    assert tags[:2] == ["UNA", "UNB"]
    assert tags[-1] == "UNZ"
    unh, unt = tags.index("UNH"), tags.index("UNT")
    assert tags.count("UNH") == tags.count("UNT") == 1
    assert int(str(parsed.one("UNT")[0])) == unt - unh + 1
    assert parsed.one("UNT")[1] == parsed.one("UNH")[0]
    assert parsed.one("UNZ") == ["1", parsed.one("UNB")[4]]
    return parsed
