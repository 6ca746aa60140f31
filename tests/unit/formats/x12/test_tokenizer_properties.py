"""Properties of the tokenizer: any delimiters and release-free values round-trip; random bytes only raise X12Error."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from lightsoff.formats.x12 import X12Error, read_functional_ack, read_x12
from lightsoff.formats.x12.tokens import tokenize

ISA_FIELDS = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "A".ljust(15), "ZZ", "B".ljust(15), "261123", "1200"]
ISA_FIELDS += ["U", "00401", "000000001", "0", "P"]
SYMBOLS = "*|^~!@#$%&+:;<=>?{}"
delimiter_sets = st.permutations(SYMBOLS).map(lambda chosen: tuple(chosen[:3]))


def values(forbidden: str) -> st.SearchStrategy[str]:
    alphabet = st.characters(
        min_codepoint=33, max_codepoint=0x2FF, exclude_characters=forbidden + "\u00a0", exclude_categories=("Cc",)
    )
    # No padding at either end: the tokenizer strips ISA-style padding from values it is asked for.
    return st.text(alphabet, min_size=1, max_size=12)


@settings(max_examples=200)
@given(data=st.data(), delimiters=delimiter_sets)
def test_segments_round_trip_under_any_delimiters(data: st.DataObject, delimiters: tuple[str, str, str]) -> None:
    element, component, terminator = delimiters
    forbidden = "".join(delimiters)
    rows = data.draw(st.lists(st.lists(values(forbidden), min_size=1, max_size=6), min_size=1, max_size=6))
    isa = element.join([*ISA_FIELDS, component])
    body = [element.join(["ZZ" + str(index % 10), *row]) for index, row in enumerate(rows)]
    text = terminator.join([isa, *body, element.join(["IEA", "0", "000000001"])]) + terminator
    (found,), _ = tokenize(text.encode())
    assert (found.delimiters.element, found.delimiters.component, found.delimiters.segment) == delimiters
    read = [list(segment.elements) for segment in found.segments[:-1]]
    assert read == rows
    assert found.segments[-1].tag == "IEA"


@settings(max_examples=500)
@given(st.binary(max_size=400))
def test_random_bytes_raise_nothing_but_x12_error(data: bytes) -> None:
    with contextlib.suppress(X12Error):
        tokenize(data)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_isa_raise_nothing_but_x12_error(tail: bytes) -> None:
    isa = b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *261123*1200*U*00401*000000001*0*P*>~"
    for reader in (read_x12, read_functional_ack):
        with contextlib.suppress(X12Error):
            reader(isa + tail)
