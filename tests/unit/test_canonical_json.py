"""The canonical JSON order: what parses, and every problem reported at once, located and explained."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightsoff.formats.canonical_json import json_path, parse_order
from tests.factories import line, order_json


def problems_of(body: Any) -> set[tuple[str, str]]:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    parsed = parse_order(raw)
    assert parsed.order is None, "expected the document to be rejected"
    return {(problem.path, problem.code) for problem in parsed.problems}


def test_a_valid_order_becomes_a_customer_order() -> None:
    parsed = parse_order(orjson.dumps(order_json(po_number="PO-1")))
    assert parsed.problems == ()
    order = parsed.order
    assert order is not None
    assert (order.partner, order.po_number, order.order_date) == ("ACME", "PO-1", date(2026, 11, 23))
    assert order.ship_to.code == "ACME-DC-NORTH"
    assert [(line.line_no, line.sku, line.customer_sku, line.gtin) for line in order.lines] == [
        (1, "WID-100", None, None),
        (2, None, "A-7788", None),
        (3, None, None, "4012345000030"),
    ]


def test_quantities_keep_their_decimals_exactly() -> None:
    body = b'{"partner":"ACME","po_number":"P","order_date":"2026-11-23","requested_ship_date":"2026-11-30",' + (
        b'"ship_to":{"code":"S"},"lines":[{"line_no":1,"sku":"CHN-800","quantity":12.345,"uom":"M"}]}'
    )
    order = parse_order(body).order
    assert order is not None
    assert order.lines[0].quantity == Decimal("12.345")


def test_content_hash_ignores_key_order_and_whitespace() -> None:
    document = order_json(po_number="PO-H")
    compact = orjson.dumps(document)
    reordered = orjson.dumps(dict(reversed(list(document.items()))), option=orjson.OPT_INDENT_2)
    first, second = parse_order(compact).order, parse_order(reordered).order
    assert first is not None
    assert second is not None
    assert first.content_hash() == second.content_hash()
    changed = parse_order(orjson.dumps(order_json(po_number="PO-H", notes="other"))).order
    assert changed is not None
    assert changed.content_hash() != first.content_hash()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", {("$", "empty_body")}),
        (b"   \n", {("$", "empty_body")}),
        (b'{"partner": "ACME",', {("$", "invalid_json")}),
        (b"[1, 2]", {("$", "invalid_type")}),
        (order_json(partner=""), {("$.partner", "empty")}),
        (order_json(partner=42), {("$.partner", "invalid_type")}),
        (order_json(order_date="23.11.2026"), {("$.order_date", "invalid_date")}),
        (order_json(order_date="2026-02-30"), {("$.order_date", "invalid_date")}),
        (order_json(lines=[]), {("$.lines", "too_few")}),
        (order_json(lines={"line_no": 1}), {("$.lines", "invalid_type")}),
        (order_json(ship_to="ACME-DC-NORTH"), {("$.ship_to", "invalid_type")}),
        (
            order_json(ship_to={"code": "X", "address": {"country": "Germany"}}),
            {("$.ship_to.address.country", "invalid_format")},
        ),
        (order_json(lines=[line(1, sku="A", quantity=0)]), {("$.lines[0].quantity", "too_small")}),
        (order_json(lines=[line(1, sku="A", quantity=-3)]), {("$.lines[0].quantity", "too_small")}),
        (order_json(lines=[line(1, sku="A", quantity="12,5")]), {("$.lines[0].quantity", "invalid_number")}),
        (order_json(lines=[line(1, sku="A", quantity="NaN")]), {("$.lines[0].quantity", "invalid_number")}),
        (order_json(lines=[line(1, sku="A", quantity=1e12)]), {("$.lines[0].quantity", "too_large")}),
        (order_json(lines=[line(1, sku="A", quantity=1.1234567)]), {("$.lines[0].quantity", "too_precise")}),
        (order_json(lines=[line(1, sku="A", quantity="12")]), {("$.lines[0].quantity", "invalid_number")}),
        (order_json(lines=[line(0, sku="A")]), {("$.lines[0].line_no", "too_small")}),
        (order_json(lines=[line(1.5, sku="A")]), {("$.lines[0].line_no", "invalid_integer")}),
        (order_json(lines=[line(1, gtin="4012345000017")]), {("$.lines[0].gtin", "invalid_gtin")}),
        (order_json(lines=[line(1)]), {("$.lines[0]", "missing_item")}),
        (order_json(lines=[line(1, sku="A", qty=3)]), {("$.lines[0].qty", "unknown_field")}),
        (order_json(extra="x"), {("$.extra", "unknown_field")}),
        (order_json(lines=[line(1, sku="A"), line(1, sku="B")]), {("$.lines[1].line_no", "duplicate_line_no")}),
        (
            order_json(order_date="2026-12-10", requested_ship_date="2026-12-01"),
            {("$.requested_ship_date", "ship_date_before_order_date")},
        ),
    ],
    ids=lambda value: None if isinstance(value, (bytes, dict)) else str(value),
)
def test_each_problem_is_located_and_coded(body: Any, expected: set[tuple[str, str]]) -> None:
    assert problems_of(body) == expected


def test_every_problem_is_reported_at_once_even_across_fields() -> None:
    document = {
        "partner": 7,
        "order_date": "tomorrow",
        "ship_to": {},
        "lines": [line(1), line(1, sku="A", quantity="x"), {"line_no": 2, "sku": "B", "uom": "EA", "pieces": 4}],
    }
    assert problems_of(document) == {
        ("$.partner", "invalid_type"),
        ("$.po_number", "required"),
        ("$.order_date", "invalid_date"),
        ("$.requested_ship_date", "required"),
        ("$.ship_to.code", "required"),
        ("$.lines[0]", "missing_item"),
        ("$.lines[1].line_no", "duplicate_line_no"),
        ("$.lines[1].quantity", "invalid_number"),
        ("$.lines[2].quantity", "required"),
        ("$.lines[2].pieces", "unknown_field"),
    }


def test_messages_say_what_to_do() -> None:
    parsed = parse_order(orjson.dumps(order_json(lines=[line(1, sku="A", qty=3)], requested_ship_date=None)))
    messages = {problem.path: problem.message for problem in parsed.problems}
    assert "check the spelling" in messages["$.lines[0].qty"]
    assert "quantity" in messages["$.lines[0].qty"]
    assert "YYYY-MM-DD" in messages["$.requested_ship_date"]


def test_numbers_beyond_64_bits_are_reported_not_crashed_on() -> None:
    body = b'{"partner": 123456789012345678901234567890, "lines": [{"line_no": 1e400}]}'
    assert ("$.partner", "invalid_type") in problems_of(body)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_get_problems(body: bytes) -> None:
    parsed = parse_order(body)
    assert (parsed.order is None) == bool(parsed.problems)


def test_what_could_be_read_of_a_rejected_order_is_kept() -> None:
    parsed = parse_order(orjson.dumps(order_json(po_number="PO-77", lines=[])))
    assert (parsed.partner, parsed.po_number) == ("ACME", "PO-77")


@pytest.mark.parametrize(
    ("loc", "path"),
    [((), "$"), (("lines", 2, "quantity"), "$.lines[2].quantity"), (("ship_to", "code"), "$.ship_to.code")],
)
def test_json_path(loc: tuple[str | int, ...], path: str) -> None:
    assert json_path(loc) == path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=20,
)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from([*list(order_json()), "x"]), json_values, max_size=8))
def test_any_json_object_parses_or_gets_located_problems(document: dict[str, Any]) -> None:
    parsed = parse_order(json.dumps(document).encode())
    assert (parsed.order is None) == bool(parsed.problems)
    for problem in parsed.problems:
        assert problem.path.startswith("$")
        assert problem.code
        assert problem.message
