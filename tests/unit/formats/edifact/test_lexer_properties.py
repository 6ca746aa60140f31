"""Properties of the lexer: escaped values come back as written; no input makes it fail other than by EdifactError."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from lightsoff.formats.documents import DocumentProblem
from lightsoff.formats.edifact import Delimiters, EdifactError, read_contrl, read_edifact
from lightsoff.formats.edifact.lexer import lex

DELIMITER_SETS = [
    Delimiters(),
    Delimiters(component="=", element="*", terminator="~"),
    Delimiters(component="\x1f", element="\x1d", terminator="\x1c"),
    Delimiters(decimal=",", repetition="*"),
]
values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20)
elements = st.lists(st.lists(values, min_size=1, max_size=4), min_size=1, max_size=6)
segments = st.lists(st.tuples(st.from_regex(r"[A-Z]{3}", fullmatch=True), elements), max_size=8)


def serialise(delimiters: Delimiters, body: list[tuple[str, list[list[str]]]]) -> str:
    lines = [delimiters.una, "UNB+UNOY:4+A+B+20261123:1200+REF".replace("+", delimiters.element).replace(
        ":", delimiters.component) + delimiters.terminator]  # fmt: skip
    for tag, parts in body:
        encoded = [delimiters.component.join(delimiters.escape(value) for value in element) for element in parts]
        lines.append(delimiters.element.join([tag, *encoded]) + delimiters.terminator)
    return "\n".join(lines)


@settings(max_examples=200)
@given(st.sampled_from(DELIMITER_SETS), segments)
def test_escaped_values_round_trip(delimiters, body):
    lexed = lex(serialise(delimiters, body).encode("utf-8"))

    assert lexed.delimiters == delimiters
    assert [(segment.tag, segment.elements) for segment in lexed.segments[1:]] == body
    assert all(segment.terminated and not segment.stray_release for segment in lexed.segments)


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_edifact_error(data):
    for reader in (read_edifact, read_contrl):
        problem = refusal(reader, data)
        assert problem is None or (problem.code and problem.location)


edifact_alphabet = st.text(st.sampled_from(list("UNBHTZGEAOR+:'? 0129\nCDLQ")), max_size=300)


@settings(max_examples=300)
@given(st.sampled_from(["", "UNA:+.? '", "UNA:+,? '\n"]), edifact_alphabet)
def test_random_edifact_like_text_only_raises_edifact_error(una, text):
    data = (una + "UNB+UNOC:3+A+B+261123:1200+1'" + text).encode("latin-1")
    problem = refusal(read_edifact, data)
    assert problem is None or problem.code


def refusal(reader: Callable[[bytes], object], data: bytes) -> DocumentProblem | None:
    """The problem ``reader`` raised as an EdifactError, or None when it read the data; anything else escapes."""
    try:
        reader(data)
    except EdifactError as error:
        return error.problem
    return None
