"""One ORDERS message (D96A, D01B, EANCOM) to the canonical order shape of ``OrderCreate``.

Segments to fields:

| canonical | from |
| --- | --- |
| partner | None: the service resolves it from UNB 0004 or the NAD+BY GLN (both in the message's details) |
| po_number | BGM 1004 (element 2, component 1) |
| order_date | DTM+137 (document date), else DTM+4 (order date) |
| requested_ship_date | DTM+10 (shipment requested), else DTM+2 (delivery requested), else DTM+64 (earliest delivery) |
| ship_to | NAD+DP, else NAD+ST: 3039 (a GLN or the partner's code), name (C080, else C058), address |
| notes | FTX before the first LIN, each 4440 text joined |
| lines | LIN 1082 line number; LIN/PIA 7143 EN/SRV/UP → gtin (only when the check digit is valid), SA → sku, |
|  | IN/BP → customer_sku; QTY+21 quantity and 6411 unit, kept as sent (PCE when absent) |

Why DTM+10 first: the canonical field is the date the customer wants the goods *shipped*, which is what
DTM+10 says. Most EANCOM orders send only DTM+2 (the delivery date they want); it is used as sent and
the qualifier is recorded (``requested_date_qualifier``), so a rule can subtract the transit time.
Dates read formats 101, 102, 203, 204, 718 and 719. No ship-to is not guessed from NAD+BY: a wrong
delivery address is worse than a held order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lightsoff.domain import gs1
from lightsoff.formats.edifact.envelope import Message
from lightsoff.formats.edifact.errors import EdifactProblem
from lightsoff.formats.edifact.lexer import Segment
from lightsoff.formats.edifact.values import DATE_FORMATS, parse_date, parse_number

DEFAULT_UNIT = "PCE"
_ORDER_DATE = ("137", "4")
_REQUESTED_DATE = ("10", "2", "64")
_SHIP_TO = ("DP", "ST")
_GTIN_TYPES = frozenset({"EN", "SRV", "UP", "EAN"})
_SKU_TYPES = frozenset({"SA"})
_CUSTOMER_TYPES = frozenset({"IN", "BP"})


@dataclass(slots=True)
class MappedOrder:
    order: dict[str, Any]
    facts: dict[str, Any]
    """What the service needs beside the order: parties with ids and agencies, the date qualifier used."""
    problems: list[EdifactProblem] = field(default_factory=list)
    warnings: list[EdifactProblem] = field(default_factory=list)


def map_order(message: Message) -> MappedOrder:
    return _Mapper(message).run()


class _Mapper:
    def __init__(self, message: Message) -> None:
        self.message = message
        self.result = MappedOrder({"partner": None}, {"parties": {}})

    def run(self) -> MappedOrder:
        body = self.message.segments[1:-1] if self.message.closed else self.message.segments[1:]
        first_line = next((i for i, segment in enumerate(body) if segment.tag in {"LIN", "UNS"}), len(body))
        header, detail = body[:first_line], body[first_line:]
        self._header(header)
        self._lines(detail)
        return self.result

    # ---- header ----

    def _header(self, segments: list[Segment]) -> None:
        order, facts = self.result.order, self.result.facts
        dates: dict[str, Segment] = {}
        notes: list[str] = []
        for segment in segments:
            if segment.tag == "BGM":
                self._bgm(segment)
            elif segment.tag == "DTM":
                dates.setdefault(segment.get(1, 1), segment)
                if segment.get(1, 1) not in _ORDER_DATE + _REQUESTED_DATE:
                    self._dtm_format(segment)
            elif segment.tag == "NAD":
                self._nad(segment)
            elif segment.tag == "FTX":
                text = " ".join(value for value in segment.element(4) if value)
                if text:
                    notes.append(text)
            elif segment.tag == "RFF" and segment.get(1, 1) in {"CT", "PD", "ON"}:
                facts.setdefault("references", {})[segment.get(1, 1)] = segment.get(1, 2)
        if "po_number" not in order:
            self._missing(self.message.header, "missing_po_number", "The message has no BGM with an order number.")
        self._date("order_date", _ORDER_DATE, dates, "order date (DTM+137)")
        qualifier = self._date("requested_ship_date", _REQUESTED_DATE, dates, "requested date (DTM+10, +2 or +64)")
        facts["requested_date_qualifier"] = qualifier
        self._ship_to()
        if notes:
            order["notes"] = "\n".join(notes)[:4000]

    def _bgm(self, segment: Segment) -> None:
        number = segment.get(2, 1)
        self.result.facts["document_code"] = segment.get(1, 1)
        self.result.facts["function"] = segment.get(3)
        if number:
            self.result.order["po_number"] = number
        if segment.get(1, 1) not in {"220", "221", "226", "227", "105", "402", "YA8", ""}:
            self._warn(
                segment, 1, 1, "unusual_document_code", f"BGM document code {segment.get(1, 1)} is not an order (220)."
            )

    def _dtm_format(self, segment: Segment) -> None:
        value, code = segment.get(1, 2), segment.get(1, 3)
        if parse_date(value, code) is None:
            self._warn(
                segment,
                1,
                2,
                "invalid_date",
                f"DTM+{segment.get(1, 1)} value {value!r} is not a date in format {code or '(none)'} "
                f"(read: {DATE_FORMATS}).",
            )

    def _date(self, name: str, qualifiers: tuple[str, ...], dates: dict[str, Segment], what: str) -> str | None:
        for qualifier in qualifiers:
            if qualifier not in dates:
                continue
            segment = dates[qualifier]
            parsed = parse_date(segment.get(1, 2), segment.get(1, 3))
            if parsed is None:
                self._problem(segment, 1, 2, "invalid_date", f"The {what} {segment.get(1, 2)!r} is not a valid date.")
                return qualifier
            self.result.order[name] = parsed.isoformat()
            return qualifier
        self._missing(self.message.header, f"missing_{name}", f"The message has no {what} in its header.")
        return None

    def _nad(self, segment: Segment) -> None:
        qualifier = segment.get(1).upper()
        party: dict[str, Any] = {
            "id": segment.get(2, 1),
            "code_list": segment.get(2, 2),
            "agency": segment.get(2, 3),
            "name": _name(segment),
            "segment": segment.number,
        }
        self.result.facts["parties"].setdefault(qualifier, {key: value for key, value in party.items() if value})

    def _ship_to(self) -> None:
        parties = self.result.facts["parties"]
        qualifier = next((q for q in _SHIP_TO if q in parties), None)
        if qualifier is None:
            self._missing(
                self.message.header,
                "missing_ship_to",
                "The message has no delivery party (NAD+DP or NAD+ST); add one with the location's GLN or code.",
            )
            return
        segment = next(s for s in self.message.segments if s.tag == "NAD" and s.get(1).upper() == qualifier)
        code = segment.get(2, 1)
        if not code:
            self._problem(segment, 2, 1, "missing_ship_to_code", f"NAD+{qualifier} has no party id (3039).")
            return
        ship_to: dict[str, Any] = {"code": code}
        if name := _name(segment):
            ship_to["name"] = name
        if address := _address(segment):
            ship_to["address"] = address
        self.result.order["ship_to"] = ship_to

    # ---- lines ----

    def _lines(self, segments: list[Segment]) -> None:
        lines: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        for segment in segments:
            if segment.tag == "UNS":
                break
            if segment.tag == "LIN":
                current = self._lin(segment)
                lines.append(current)
            elif current is not None and segment.tag == "PIA":
                for element in range(2, 7):
                    self._item_id(current, segment, element)
            elif current is not None and segment.tag == "QTY" and segment.get(1, 1) == "21":
                self._qty(current, segment)
        for line in lines:
            line_segment: Segment = line.pop("_segment")
            if "quantity" not in line and not line.pop("_invalid_quantity", False):
                self._problem(
                    line_segment,
                    0,
                    0,
                    "missing_quantity",
                    f"Line {line.get('line_no', '?')} has no QTY+21 (ordered quantity).",
                )
            if not any(key in line for key in ("sku", "customer_sku", "gtin")):
                self._problem(
                    line_segment,
                    3,
                    1,
                    "missing_item",
                    "The line names no usable item: send a valid GTIN (EN/SRV) or SA/IN/BP.",
                )
        if not lines:
            self._missing(self.message.header, "no_lines", "The order has no LIN segments.")
        self.result.order["lines"] = lines

    def _lin(self, segment: Segment) -> dict[str, Any]:
        line: dict[str, Any] = {"_segment": segment}
        number = segment.get(1)
        if number.isdigit() and int(number) > 0:
            line["line_no"] = int(number)
        else:
            self._problem(
                segment, 1, 0, "invalid_line_number", f"LIN line number {number!r} is not a positive whole number."
            )
        self._item_id(line, segment, 3)
        return line

    def _item_id(self, line: dict[str, Any], segment: Segment, element: int) -> None:
        value, kind = segment.get(element, 1).strip(), segment.get(element, 2).upper()
        if not value:
            return
        if kind in _GTIN_TYPES:
            problem = gs1.gtin_problem(value)
            if problem is None:
                line.setdefault("gtin", value)
            else:
                self._warn(segment, element, 1, "invalid_gtin", f"{value} ({kind}) is not used as a GTIN: {problem}.")
        elif kind in _SKU_TYPES:
            line.setdefault("sku", value)
        elif kind in _CUSTOMER_TYPES:
            line.setdefault("customer_sku", value)

    def _qty(self, line: dict[str, Any], segment: Segment) -> None:
        quantity = parse_number(segment.get(1, 2))
        if quantity is None or quantity <= 0:
            self._problem(segment, 1, 2, "invalid_quantity", f"QTY+21 {segment.get(1, 2)!r} is not a positive number.")
            line["_invalid_quantity"] = True
            return
        line["quantity"] = quantity
        line["uom"] = segment.get(1, 3).strip() or DEFAULT_UNIT

    # ---- problems ----

    def _problem(self, segment: Segment, element: int, component: int, code: str, text: str) -> None:
        self.result.problems.append(EdifactProblem(self.message.at(segment, element, component), code, text, "12"))

    def _missing(self, segment: Segment, code: str, text: str) -> None:
        self.result.problems.append(EdifactProblem(self.message.at(segment), code, text, "13"))

    def _warn(self, segment: Segment, element: int, component: int, code: str, text: str) -> None:
        self.result.warnings.append(EdifactProblem(self.message.at(segment, element, component), code, text, "12"))


def _name(segment: Segment) -> str:
    names = [value.strip() for value in segment.element(4)[:5] if value.strip()]
    if not names:
        names = [value.strip() for value in segment.element(3)[:1] if value.strip()]
    return " ".join(names)[:140]


def _address(segment: Segment) -> dict[str, Any] | None:
    address: dict[str, Any] = {}
    lines = [value.strip()[:140] for value in segment.element(5) if value.strip()]
    if lines:
        address["lines"] = lines[:5]
    for key, element in (("city", 6), ("region", 7), ("postal_code", 8), ("country", 9)):
        if value := segment.get(element, 1).strip():
            address[key] = value
    return address or None
