"""XML is parsed one way: safely. Entity bombs, external entities and DTDs are refused; nothing bypasses it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lightsoff.formats.xml import UnsafeOrInvalidXml, parse_xml

SOURCE = Path(__file__).parents[2] / "src" / "lightsoff"


def test_plain_xml_parses() -> None:
    root = parse_xml(b'<ProductionPerformance><ID>PP-1</ID><Quantity unit="EA">12</Quantity></ProductionPerformance>')
    assert root.findtext("ID") == "PP-1"
    assert root.find("Quantity") is not None


@pytest.mark.parametrize(
    ("document", "says"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<lolz>&lol2;</lolz>",
            "DTD",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>', "DTD"),
        (b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><x/>', "DTD"),
        (b"<open><never-closed></open>", "line 1, column"),
        (b"", "not well-formed"),
    ],
    ids=["billion laughs", "external entity", "external DTD", "malformed", "empty"],
)
def test_unsafe_or_malformed_xml_is_refused(document: bytes, says: str) -> None:
    with pytest.raises(UnsafeOrInvalidXml, match=says):
        parse_xml(document)


def test_oversized_xml_is_refused_before_parsing() -> None:
    with pytest.raises(UnsafeOrInvalidXml, match="at most 1024"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1024)


def test_no_module_imports_an_xml_parser_directly() -> None:
    direct = re.compile(r"^\s*(from|import)\s+(xml\.(etree|dom|sax)|lxml)\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if path.name != "xml.py" and direct.search(path.read_text())
    ]
    assert offenders == [], "parse XML with lightsoff.formats.xml.parse_xml"
