"""Cell values to canonical values: text, numbers with either decimal mark, dates in the partner's formats.

Each function returns the value or raises ``CellError`` saying what the cell holds and how to write it
instead; the caller adds where the cell is.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lightsoff.formats.spreadsheet.mapping import SpreadsheetMapping

_SAMPLE_DATE = date(2026, 11, 23)


class CellError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_text(value: Any) -> str:
    """Numbers stay as written: Excel stores the PO number 4711 as 4711.0, which is still ``4711``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def to_quantity(value: Any, mapping: SpreadsheetMapping) -> int | float:
    """A JSON-ready number: ``int`` when whole, else ``float`` (canonical quantities have at most 6 decimals)."""
    number = _to_decimal(value, mapping)
    if not number.is_finite():
        raise CellError("invalid_number", f"{show(value)} is not a finite number.")
    return int(number) if number == number.to_integral_value() else float(number)


def _to_decimal(value: Any, mapping: SpreadsheetMapping) -> Decimal:
    if isinstance(value, bool):
        raise CellError("invalid_number", f"{value} is a true/false value, not a number.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = "".join(value.split()) if mapping.thousands_separator in {" ", "\u00a0"} else value.strip()
        if mapping.thousands_separator:
            text = text.replace(mapping.thousands_separator, "")
        if mapping.decimal_separator == ",":
            if "." in text:
                raise _not_a_number(value, mapping)
            text = text.replace(",", ".")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise _not_a_number(value, mapping) from None
    raise _not_a_number(value, mapping)


def _not_a_number(value: Any, mapping: SpreadsheetMapping) -> CellError:
    example = "1" + (mapping.thousands_separator or "") + "234" + mapping.decimal_separator + "5"
    return CellError(
        "invalid_number",
        f"{show(value)} is not a number; write it like {example} "
        f"(decimal mark {mapping.decimal_separator!r} as the mapping says).",
    )


def to_date(value: Any, mapping: SpreadsheetMapping) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = to_text(value)  # 20261123 typed as a number, read with %Y%m%d
    if isinstance(value, str):
        found = _parse_date(value.strip(), mapping.date_formats)
        if found is not None:
            return found
    examples = ", ".join(f"{pattern} ({_SAMPLE_DATE.strftime(pattern)})" for pattern in mapping.date_formats)
    raise CellError(
        "invalid_date",
        f"{show(value)} is not a date in the formats the mapping allows: {examples}; "
        "write the date in one of them, format the cell as a date, or add the format to date_formats.",
    )


@lru_cache(maxsize=4096)
def _parse_date(text: str, formats: tuple[str, ...]) -> date | None:
    """Cached: the lines of one order repeat its dates, and ``strptime`` is slow."""
    for pattern in formats:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def to_line_no(value: Any, mapping: SpreadsheetMapping) -> int:
    number = _to_decimal(value, mapping)
    if number != number.to_integral_value() or number <= 0:
        raise CellError("invalid_line_no", f"{show(value)} is not a line number; use a whole number from 1.")
    return int(number)
