"""Malformed but correctable data, fixed before the order is parsed: the ``malformed_data`` rule's first half.

Partners' systems write ``" 12,5 "`` for a quantity, ``23.11.2026`` for a date, ``"1"`` for a line
number, spaces inside a GTIN. Each such value is rewritten into the canonical type and the change is
recorded as a correction (field, before, after, reason), unless the partner's policy says
``malformed_data: reject``: then the strict parser refuses it, naming the field. Values that mean
nothing (``"twelve"``) are left alone for the parser to report. The second half (case, blanks and
leading zeros in codes, unit synonyms) needs the reference data and runs with the other rules.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lightsoff.domain.corrections import Correction
from lightsoff.domain.policy import PartnerPolicy
from lightsoff.rules.catalog import MALFORMED_DATA

_NUMBER = re.compile(r"^\+?\d+([.,]\d+)*$")
_CODES = ("partner", "po_number")
_LINE_CODES = ("sku", "customer_sku", "uom")


def normalize(raw: Any, policy: PartnerPolicy) -> tuple[Any, list[Correction]]:
    """``raw`` (parsed JSON) with correctable values rewritten, and the corrections made."""
    if not isinstance(raw, dict):
        return raw, []
    corrections: list[Correction] = []
    fixed = dict(raw)
    for name in _CODES:
        _strip(fixed, name, f"$.{name}", corrections)
    for name in ("order_date", "requested_ship_date"):
        value = fixed.get(name)
        if isinstance(value, str):
            iso = _date(value, policy.date_formats)
            if iso is not None and iso != value:
                fixed[name] = iso
                corrections.append(_correction(f"$.{name}", value, iso, "a date in another format, read as ISO 8601"))
    ship_to = fixed.get("ship_to")
    if isinstance(ship_to, dict):
        fixed["ship_to"] = dict(ship_to)
        _strip(fixed["ship_to"], "code", "$.ship_to.code", corrections)
    lines = fixed.get("lines")
    if isinstance(lines, list):
        fixed["lines"] = [_line(line, index, policy.decimal_separator, corrections) for index, line in enumerate(lines)]
    return fixed, corrections


def _line(line: Any, index: int, decimal_separator: str, corrections: list[Correction]) -> Any:
    if not isinstance(line, dict):
        return line
    fixed = dict(line)
    path = f"$.lines[{index}]"
    for name in _LINE_CODES:
        _strip(fixed, name, f"{path}.{name}", corrections)
    number = fixed.get("line_no")
    if isinstance(number, str) and number.strip().isdigit():
        fixed["line_no"] = int(number.strip())
        corrections.append(_correction(f"{path}.line_no", number, str(fixed["line_no"]), "a number written as text"))
    quantity = fixed.get("quantity")
    if isinstance(quantity, str):
        parsed = _number(quantity, decimal_separator)
        if parsed is not None:
            fixed["quantity"] = parsed
            corrections.append(_correction(f"{path}.quantity", quantity, str(parsed), "a number written as text"))
    gtin = fixed.get("gtin")
    if isinstance(gtin, str):
        digits = re.sub(r"[\s\-.]", "", gtin)
        if digits != gtin and digits.isdigit():
            fixed["gtin"] = digits
            corrections.append(_correction(f"{path}.gtin", gtin, digits, "blanks and separators removed from a GTIN"))
    return fixed


def _strip(container: dict[str, Any], name: str, path: str, corrections: list[Correction]) -> None:
    value = container.get(name)
    if isinstance(value, str) and value != value.strip() and value.strip():
        container[name] = value.strip()
        corrections.append(_correction(path, value, value.strip(), "blanks around a code removed"))


def _number(text: str, decimal_separator: str) -> Decimal | None:
    """``12``, ``12,5``, ``1.200,50``, ``1,200.50``; a lone separator before three digits is ambiguous.

    With both separators the last one is the decimal one. With one kind only, it is decimal when it is
    the partner's decimal separator, a thousands separator when groups of three digits follow it, and
    decimal otherwise (``12,5``).
    """
    value = text.strip().replace(" ", "").replace("'", "")
    if not _NUMBER.match(value):
        return None
    kinds = {sep for sep in ".," if sep in value}
    if len(kinds) == 2:
        decimal = value[max(value.rfind("."), value.rfind(","))]
    elif kinds:
        (sep,) = kinds
        grouped = re.fullmatch(r"\d{1,3}(" + re.escape(sep) + r"\d{3})+", value) is not None
        decimal = sep if sep == decimal_separator or not grouped else ""
    else:
        decimal = ""
    whole, _, fraction = value.rpartition(decimal) if decimal else (value, "", "")
    digits = re.sub(r"[.,]", "", whole) + ("." + fraction if decimal else "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str, formats: tuple[str, ...]) -> str | None:
    if _ISO_DATE.fullmatch(text):
        return text  # already as it should be; the parser checks it is a real day
    for pattern in formats:
        try:
            return datetime.strptime(text.strip(), pattern).date().isoformat()
        except ValueError:
            continue
    return None


def _correction(path: str, before: str, after: str, reason: str) -> Correction:
    return Correction(MALFORMED_DATA, path, before, after, reason)
