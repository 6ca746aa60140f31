"""The canonical order in JSON: the contract an orchestrator posts to ``POST /v1/orders``.

Parsing reports every problem at once. Field shapes and types are checked by pydantic (the same
models document the request body in OpenAPI); checks across fields (line numbers used twice, a line
without any item identifier, dates out of order) run on the raw document too, so they are reported
even when other fields are also wrong.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from lightsoff.domain import gs1
from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import Address, CustomerOrder, OrderLine, ShipTo
from lightsoff.domain.problems import FieldProblem


def _valid_gtin(value: str) -> str:
    problem = gs1.gtin_problem(value)
    if problem:
        raise PydanticCustomError(
            "invalid_gtin",
            "GTIN {gtin} is not valid: {problem}; check the GTIN or send the item as sku or customer_sku.",
            {"gtin": value, "problem": problem},
        )
    return value


def number_only(value: Any, handler: ValidatorFunctionWrapHandler) -> Decimal:
    """A quantity is a JSON number; a string ("12") is refused rather than guessed at."""
    if isinstance(value, str):
        raise PydanticCustomError("decimal_type", "must be a number")
    result: Decimal = handler(value)
    return result


Code = Annotated[str, Field(min_length=1, max_length=35)]
ItemCode = Annotated[str, Field(min_length=1, max_length=64)]
Gtin = Annotated[str, Field(pattern=r"^(\d{8}|\d{12,14})$"), AfterValidator(_valid_gtin)]
Quantity = Annotated[
    Decimal,
    WrapValidator(number_only),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000_000}),
]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[Annotated[str, Field(max_length=140)]] = Field(
        default_factory=list, max_length=5, description="street lines, first to last"
    )
    city: str | None = Field(default=None, max_length=70, description="the city")
    postal_code: str | None = Field(default=None, max_length=17, description="the postal code")
    region: str | None = Field(default=None, max_length=70, description="the state, province or region")
    country: str | None = Field(
        default=None, pattern="^[A-Z]{2}$", description="the ISO 3166-1 alpha-2 country code, such as DE"
    )


class ShipToIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code = Field(description="the partner's code for the delivery location")
    name: str | None = Field(default=None, max_length=140, description="the location's name")
    address: AddressIn | None = Field(default=None, description="the delivery address, when the partner sends it")


class OrderLineIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [key], "properties": {key: {"type": "string"}}} for key in ("sku", "customer_sku", "gtin")
            ]
        },
    )

    line_no: int = Field(gt=0, le=999_999, description="the partner's line number, unique in the order")
    sku: ItemCode | None = Field(default=None, description="our SKU, when the partner knows it")
    customer_sku: ItemCode | None = Field(default=None, description="the partner's own item code")
    gtin: Gtin | None = Field(default=None, description="the item's GTIN-8, -12, -13 or -14")
    quantity: Quantity = Field(
        gt=0, le=1_000_000_000, decimal_places=6, description="the ordered quantity, a positive number"
    )
    uom: str = Field(min_length=1, max_length=10, description="the unit of measure, such as EA or CS")


class OrderCreate(BaseModel):
    """A customer's purchase order in canonical form."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "partner": "ACME",
                    "po_number": "PO-4711",
                    "order_date": "2026-11-23",
                    "requested_ship_date": "2026-12-07",
                    "ship_to": {"code": "ACME-DC-NORTH"},
                    "lines": [
                        {"line_no": 1, "sku": "WID-100", "quantity": 120, "uom": "EA"},
                        {"line_no": 2, "customer_sku": "A-7788", "quantity": 48, "uom": "EA"},
                    ],
                }
            ]
        },
    )

    partner: Code = Field(description="the partner code lightsoff knows the customer by")
    po_number: Code = Field(description="the customer's purchase order number")
    order_date: date = Field(description="the date of the purchase order, as YYYY-MM-DD")
    requested_ship_date: date = Field(description="the date the customer wants the goods shipped, as YYYY-MM-DD")
    ship_to: ShipToIn = Field(description="where the goods go")
    lines: list[OrderLineIn] = Field(min_length=1, max_length=9999, description="the order lines, at least one")
    notes: str | None = Field(default=None, max_length=4000, description="free text from the customer")


@dataclass(frozen=True, slots=True)
class ParsedOrder:
    """What a body became: a customer order, or every problem with it (and what could still be read)."""

    order: CustomerOrder | None
    problems: tuple[FieldProblem, ...] = ()
    partner: str | None = None
    po_number: str | None = None
    corrections: tuple[Correction, ...] = ()
    """What ``prepare`` rewrote before parsing (a quantity sent as text, a date in another format)."""


Prepare = Callable[[Any], tuple[Any, list[Correction]]]
"""Rewrites correctable values of the parsed JSON into canonical types, saying what it changed."""


def parse_order(body: bytes, prepare: Prepare | None = None) -> ParsedOrder:
    if not body.strip():
        return ParsedOrder(None, (FieldProblem("$", "empty_body", "The body is empty: send the order as JSON."),))
    if prepare is not None:
        try:
            raw = json.loads(body)
        except (ValueError, RecursionError):
            return parse_order(body)
        return parse_order_data(*prepare(raw))
    try:
        model = OrderCreate.model_validate_json(body)
    except ValidationError as exc:
        return _rejected(body, exc)
    return _parsed(model, [])


def parse_order_data(raw: Any, corrections: Sequence[Correction] = ()) -> ParsedOrder:
    """An order already read from its document (JSON, or a codec's canonical dict)."""
    try:
        model = OrderCreate.model_validate(raw)
    except ValidationError as exc:
        return _rejected_raw(raw, [_translate(error) for error in exc.errors(include_url=False)])
    return _parsed(model, corrections)


def _parsed(model: OrderCreate, corrections: Sequence[Correction]) -> ParsedOrder:
    problems = tuple(_cross_field_problems(model.model_dump(mode="json")))
    if problems:
        return ParsedOrder(None, problems, model.partner, model.po_number)
    return ParsedOrder(_to_domain(model), (), model.partner, model.po_number, tuple(corrections))


def _rejected(body: bytes, exc: ValidationError) -> ParsedOrder:
    problems = [_translate(error) for error in exc.errors(include_url=False)]
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        return ParsedOrder(None, tuple(problems))
    return _rejected_raw(raw, problems)


def _rejected_raw(raw: Any, problems: list[FieldProblem]) -> ParsedOrder:
    problems.extend(_cross_field_problems(raw))
    partner = raw.get("partner") if isinstance(raw, dict) else None
    po_number = raw.get("po_number") if isinstance(raw, dict) else None
    return ParsedOrder(
        None,
        tuple(problems),
        partner if isinstance(partner, str) else None,
        po_number if isinstance(po_number, str) else None,
    )


def _to_domain(model: OrderCreate) -> CustomerOrder:
    address = model.ship_to.address
    return CustomerOrder(
        partner=model.partner,
        po_number=model.po_number,
        order_date=model.order_date,
        requested_ship_date=model.requested_ship_date,
        ship_to=ShipTo(
            code=model.ship_to.code,
            name=model.ship_to.name,
            address=Address(
                lines=tuple(address.lines),
                city=address.city,
                postal_code=address.postal_code,
                region=address.region,
                country=address.country,
            )
            if address
            else None,
        ),
        lines=tuple(
            OrderLine(
                line_no=line.line_no,
                quantity=line.quantity,
                uom=line.uom,
                sku=line.sku,
                customer_sku=line.customer_sku,
                gtin=line.gtin,
            )
            for line in model.lines
        ),
        notes=model.notes,
    )


# ---- checks across fields, on the raw document (they must not assume any field is valid) ----


def _cross_field_problems(raw: Any) -> Iterable[FieldProblem]:
    if not isinstance(raw, dict):
        return
    lines = raw.get("lines")
    if isinstance(lines, list):
        yield from _line_problems(lines)
    order_date, ship_date = (
        _date_or_none(raw.get("order_date")),
        _date_or_none(raw.get("requested_ship_date")),
    )
    if order_date and ship_date and ship_date < order_date:
        yield FieldProblem(
            "$.requested_ship_date",
            "ship_date_before_order_date",
            f"The requested ship date {ship_date} is before the order date {order_date}; "
            "check both dates and send the order again.",
        )


def _line_problems(lines: Sequence[Any]) -> Iterable[FieldProblem]:
    numbers = Counter(line.get("line_no") for line in lines if isinstance(line, dict))
    first_index: dict[Any, int] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            continue
        line_no = line.get("line_no")
        if isinstance(line_no, int) and numbers[line_no] > 1:
            if line_no in first_index:
                yield FieldProblem(
                    f"$.lines[{index}].line_no",
                    "duplicate_line_no",
                    f"Line number {line_no} is also used by lines[{first_index[line_no]}]; "
                    "give each line its own number.",
                )
            else:
                first_index[line_no] = index
        if not any(line.get(key) for key in ("sku", "customer_sku", "gtin")):
            yield FieldProblem(
                f"$.lines[{index}]",
                "missing_item",
                "The line names no item: give at least one of sku (ours), customer_sku (yours) or gtin.",
            )


def _date_or_none(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# ---- pydantic errors, said the way a person fixing the document needs them ----


def _descriptions() -> dict[str, str]:
    found: dict[str, str] = {}
    for model in (OrderCreate, ShipToIn, AddressIn, OrderLineIn):
        for name, info in model.model_fields.items():
            if info.description:
                found.setdefault(name, info.description)
    return found


_DESCRIPTIONS = _descriptions()
_KNOWN_FIELDS = {
    "order": sorted(OrderCreate.model_fields),
    "ship_to": sorted(ShipToIn.model_fields),
    "address": sorted(AddressIn.model_fields),
    "line": sorted(OrderLineIn.model_fields),
}


def json_path(loc: Sequence[int | str]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("required", "{field} is required: {what}."),
    "extra_forbidden": (
        "unknown_field",
        "{field} is not a field of {container}; the known fields are {known} (check the spelling).",
    ),
    "json_invalid": ("invalid_json", "The body is not valid JSON: {error}."),
    "int_parsing": ("invalid_integer", "{field} must be a whole number ({what}), got {shown}."),
    "int_type": ("invalid_integer", "{field} must be a whole number ({what}), got {shown}."),
    "int_from_float": ("invalid_integer", "{field} must be a whole number ({what}), got {shown}."),
    "decimal_parsing": ("invalid_number", "{field} must be a number such as 12 or 12.5 ({what}), got {shown}."),
    "decimal_type": ("invalid_number", "{field} must be a number such as 12 or 12.5 ({what}), got {shown}."),
    "finite_number": ("invalid_number", "{field} must be a finite number ({what}), got {shown}."),
    "decimal_max_places": ("too_precise", "{field} has more than {decimal_places} decimal places: {shown}."),
    "date_parsing": ("invalid_date", "{field} must be a date as YYYY-MM-DD ({what}), got {shown}."),
    "date_type": ("invalid_date", "{field} must be a date as YYYY-MM-DD ({what}), got {shown}."),
    "date_from_datetime_parsing": ("invalid_date", "{field} must be a date as YYYY-MM-DD ({what}), got {shown}."),
    "date_from_datetime_inexact": ("invalid_date", "{field} must be a date as YYYY-MM-DD ({what}), got {shown}."),
    "greater_than": ("too_small", "{field} must be greater than {gt}, got {shown}."),
    "less_than_equal": ("too_large", "{field} must be at most {le}, got {shown}."),
    "string_too_short": ("empty", "{field} must not be empty: {what}."),
    "string_too_long": ("too_long", "{field} is longer than {max_length} characters."),
    "string_type": ("invalid_type", "{field} must be text ({what}), got {shown}."),
    "string_pattern_mismatch": ("invalid_format", "{field} must be {what}, got {shown}."),
    "too_short": ("too_few", "{field} must hold at least {min_length} entry: {what}."),
    "too_long": ("too_many", "{field} holds more than {max_length} entries."),
    "list_type": ("invalid_type", "{field} must be a list ({what}), got {shown}."),
    "model_type": ("invalid_type", "{field} must be an object ({what}), got {shown}."),
    "dict_type": ("invalid_type", "{field} must be an object ({what}), got {shown}."),
}
_NOT_AN_ORDER = ("invalid_type", "The body must be a JSON object holding one order, got {shown}.")


def _translate(error: ErrorDetails) -> FieldProblem:
    """A pydantic error in the words of someone fixing the document; unknown kinds keep pydantic's."""
    loc = tuple(error["loc"])
    field = next((part for part in reversed(loc) if isinstance(part, str)), "the order")
    entry = _NOT_AN_ORDER if not loc and error["type"] != "json_invalid" else _MESSAGES.get(error["type"])
    if entry is None:
        return FieldProblem(json_path(loc), error["type"], error["msg"])
    code, template = entry
    container = _container(loc)
    values = {
        "field": field,
        "what": _DESCRIPTIONS.get(field, field),
        "shown": _show(error.get("input")),
        "container": container,
        "known": ", ".join(_KNOWN_FIELDS[container]),
        "error": error["msg"],
        **(error.get("ctx") or {}),
    }
    return FieldProblem(json_path(loc), code, template.format(**values))


def _container(loc: Sequence[int | str]) -> str:
    parents = [part for part in loc[:-1] if isinstance(part, str)]
    if not parents:
        return "order"
    return {"lines": "line", "ship_to": "ship_to", "address": "address"}.get(parents[-1], "order")


def _show(value: Any) -> str:
    # The standard library's json, not orjson: the value may be anything JSON allows, 400-digit integers too.
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
