"""EDIFACT values to Python: DTM dates by their format code (2379) and numbers with either decimal mark."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# 2379 format code -> (strptime pattern, length of the value it reads); ranges (718, 719) read their start.
_FORMATS = {
    "101": ("%y%m%d", 6),
    "102": ("%Y%m%d", 8),
    "203": ("%Y%m%d%H%M", 12),
    "204": ("%Y%m%d%H%M%S", 14),
    "718": ("%Y%m%d", 8),
    "719": ("%Y%m%d%H%M", 12),
}
_BY_LENGTH = {6: "101", 8: "102", 12: "203", 14: "204"}
DATE_FORMATS = ", ".join(sorted(_FORMATS))


def parse_date(value: str, format_code: str) -> date | None:
    """The date a DTM value stands for, or None when it is not a valid date in that format.

    Without a format code the length decides (8 digits = 102, 12 = 203), as EANCOM senders omit it.
    """
    code = format_code or _BY_LENGTH.get(len(value), "")
    if code not in _FORMATS:
        return None
    pattern, length = _FORMATS[code]
    text = value[:length]
    if len(text) != length or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, pattern).date()
    except ValueError:
        return None


def parse_number(value: str) -> Decimal | None:
    """A decimal number with ``.`` or ``,`` as the mark (ISO 9735 lets the sender use either), else None."""
    text = value.strip().replace(",", ".")
    if not text or text.count(".") > 1 or not text.lstrip("-").replace(".", "").isdigit():
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def format_number(value: Decimal, decimal_mark: str = ".") -> str:
    """A number as EDIFACT writes it: no exponent, no trailing zeros, the UNA decimal mark."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_mark)
