"""An X12 850 purchase order (4010, 5010) in the canonical order shape (``OrderCreate``).

Mapping (docs/formats/x12.md has the table): BEG03 → po_number, BEG05 → order_date; the requested
ship date from the header DTMs, first found of 010 (requested ship), 037 (ship not before), 002
(delivery requested), 106 (required by), 038 (ship no later): a delivery date stands in for the ship
date when nothing better is sent, and partner rules may offset it; N1*ST with N3/N4 → ship_to (code
N104, name N102); PO1 → lines; header MSG and N9 → notes. Item ids by qualifier: BP (buyer's part),
else IN (buyer's item), else CB (buyer's catalogue) → customer_sku; VP/VN (vendor's, i.e. our, part)
→ sku; UP/EN/UK → gtin only when the GS1 check digit is right (UA case codes have none and are never
taken as GTINs). What the 850 does not carry is left out, so canonical validation names it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from lightsoff.domain import gs1
from lightsoff.formats.x12.envelope import TransactionSet
from lightsoff.formats.x12.errors import X12Problem
from lightsoff.formats.x12.tokens import Segment

SHIP_DATE_QUALIFIERS = ("010", "037", "002", "106", "038")
CUSTOMER_SKU_QUALIFIERS = ("BP", "IN", "CB")
SKU_QUALIFIERS = ("VP", "VN")
GTIN_QUALIFIERS = ("UP", "EN", "UK")
NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)")
MAX_NOTES = 4000
MAX_ITEM_CODE = 64


def map_850(transaction: TransactionSet) -> tuple[dict[str, Any], list[X12Problem]]:
    """The order and the warnings (problems that do not make it unusable; errors go on the set)."""
    return _Mapper(transaction).run()


class _Mapper:
    def __init__(self, transaction: TransactionSet) -> None:
        self.set = transaction
        self.order: dict[str, Any] = {"partner": None}
        self.warnings: list[X12Problem] = []
        self.notes: list[str] = []
        self.ship_dates: dict[str, date] = {}
        self.lines: list[dict[str, Any]] = []
        self.entity: str | None = None

    def run(self) -> tuple[dict[str, Any], list[X12Problem]]:
        handlers = {"BEG": self._beg, "DTM": self._dtm, "N1": self._n1, "N3": self._n3, "N4": self._n4}
        handlers |= {"PO1": self._po1, "MSG": self._msg, "N9": self._n9, "CTT": self._ctt}
        for segment in self.set.segments:
            handler = handlers.get(segment.tag)
            if handler:
                handler(segment)
        if "po_number" not in self.order and not any(s.tag == "BEG" for s in self.set.segments):
            self.set.problem(
                self.set.segments[0],
                0,
                "missing_segment",
                "the 850 has no BEG segment (PO number and date)",
                segment_error="3",
            )
        for qualifier in SHIP_DATE_QUALIFIERS:
            if qualifier in self.ship_dates:
                self.order["requested_ship_date"] = self.ship_dates[qualifier].isoformat()
                break
        self.order["lines"] = self.lines
        if self.notes:
            self.order["notes"] = "\n".join(self.notes)[:MAX_NOTES]
        return self.order, self.warnings

    # ---- header ----

    def _beg(self, segment: Segment) -> None:
        if segment.get(3):
            self.order["po_number"] = segment.get(3)
        else:
            self.set.problem(segment, 3, "missing_value", "BEG03 (purchase order number) is empty", element_error="1")
        parsed = self._date(segment, 5, "BEG05 (purchase order date)")
        if parsed:
            self.order["order_date"] = parsed.isoformat()

    def _dtm(self, segment: Segment) -> None:
        if self.lines:
            return  # line-level dates are not part of the canonical order
        qualifier = segment.get(1)
        if qualifier in SHIP_DATE_QUALIFIERS and qualifier not in self.ship_dates:
            parsed = self._date(segment, 2, f"DTM02 (date, qualifier {qualifier})")
            if parsed:
                self.ship_dates[qualifier] = parsed

    def _n1(self, segment: Segment) -> None:
        is_ship_to = segment.get(1) == "ST" and not self.lines and "ship_to" not in self.order
        self.entity = "ST" if is_ship_to else None
        if not is_ship_to:
            return
        ship_to: dict[str, Any] = {}
        if segment.get(4):
            ship_to["code"] = segment.get(4)
        if segment.get(2):
            ship_to["name"] = segment.get(2)
        self.order["ship_to"] = ship_to

    def _address(self) -> dict[str, Any] | None:
        if self.entity != "ST":
            return None
        address: dict[str, Any] = self.order["ship_to"].setdefault("address", {"lines": []})
        return address

    def _n3(self, segment: Segment) -> None:
        address = self._address()
        if address is not None:
            address["lines"].extend(value for value in (segment.get(1), segment.get(2)) if value)

    def _n4(self, segment: Segment) -> None:
        address = self._address()
        if address is None:
            return
        for position, key in ((1, "city"), (2, "region"), (3, "postal_code")):
            if segment.get(position):
                address[key] = segment.get(position)
        country = segment.get(4)
        if len(country) == 2 and country.isalpha():
            address["country"] = country.upper()
        elif country:
            self._warn(
                segment, 4, "unmapped_value", f"N404 country {country!r} is not an ISO 3166 alpha-2 code; left out"
            )

    def _msg(self, segment: Segment) -> None:
        if not self.lines and segment.get(1):
            self.notes.append(segment.get(1))

    def _n9(self, segment: Segment) -> None:
        if not self.lines and (segment.get(3) or segment.get(2)):
            self.notes.append(f"{segment.get(1)}: {segment.get(3) or segment.get(2)}")

    def _ctt(self, segment: Segment) -> None:
        stated = segment.get(1)
        if stated.isdigit() and int(stated) != len(self.lines):
            self._warn(
                segment, 1, "count_mismatch", f"CTT01 says {int(stated)} PO1 lines, the order has {len(self.lines)}"
            )

    # ---- lines ----

    def _po1(self, segment: Segment) -> None:
        self.entity = None
        position = len(self.lines) + 1
        line: dict[str, Any] = {"line_no": _line_number(segment.get(1), position)}
        quantity = segment.get(2)
        if not quantity:
            self.set.problem(
                segment, 2, "missing_value", f"PO102 (quantity) is empty on PO1 line {position}", element_error="1"
            )
        elif not NUMBER.fullmatch(quantity):
            self.set.problem(
                segment, 2, "invalid_value", f"PO102 (quantity) {quantity!r} is not a number", element_error="6"
            )
        else:
            line["quantity"] = _number(quantity)
        if segment.get(3):
            line["uom"] = segment.get(3)
        self._items(segment, line)
        self.lines.append(line)

    def _items(self, segment: Segment, line: dict[str, Any]) -> None:
        found: dict[str, str] = {}
        for position in range(6, len(segment.elements) + 1, 2):
            qualifier, value = segment.get(position), segment.get(position + 1)
            if value and qualifier not in found:
                found[qualifier] = value
        customer = next((found[q] for q in CUSTOMER_SKU_QUALIFIERS if q in found), None)
        sku = next((found[q] for q in SKU_QUALIFIERS if q in found), None)
        if customer:
            line["customer_sku"] = customer[:MAX_ITEM_CODE]
        if sku:
            line["sku"] = sku[:MAX_ITEM_CODE]
        for qualifier in GTIN_QUALIFIERS:
            if qualifier in found:
                problem = gs1.gtin_problem(found[qualifier])
                if problem is None:
                    line.setdefault("gtin", found[qualifier])
                else:
                    self._warn(
                        segment,
                        0,
                        "invalid_gtin",
                        f"{qualifier} {found[qualifier]!r} is not a GTIN ({problem}); ignored",
                    )

    # ---- helpers ----

    def _date(self, segment: Segment, position: int, what: str) -> date | None:
        value = segment.get(position)
        parsed = parse_date(value)
        if parsed is None:
            self.set.problem(
                segment,
                position,
                "invalid_value",
                f"{what} must be a date as CCYYMMDD, got {value!r}",
                element_error="8",
            )
        return parsed

    def _warn(self, segment: Segment, position: int, code: str, message: str) -> None:
        where = f"{self.set.location}, segment {self.set.position(segment)} ({segment.tag})"
        if position:
            where += f", element {position}"
        self.warnings.append(X12Problem(where, code, message, segment_tag=segment.tag))


def parse_date(value: str) -> date | None:
    """CCYYMMDD, or YYMMDD (versions before 004010) with the century pivot at 50."""
    if not value.isdigit() or len(value) not in (6, 8):
        return None
    if len(value) == 6:
        value = ("20" if int(value[:2]) < 50 else "19") + value
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def _line_number(value: str, position: int) -> int:
    """PO101 when it is a number the canonical shape takes, else the line's position in the set."""
    if value.isdigit() and 0 < int(value) <= 999_999:
        return int(value)
    return position


def _number(value: str) -> int | float:
    """A JSON number: int when whole, else float (shortest repr, so '13.79' stays 13.79)."""
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)
