"""How one partner lays out its order spreadsheet: which column holds which canonical field, and how to read it.

A partner's profile holds this under ``spreadsheet:``. Everything a person would otherwise decide by
looking at the file (which sheet, where the header is, ``12,5`` or ``12.5``, ``23.11.2026`` or
``11/23/2026``) is written down here once, so the codec never guesses per file.
"""

from __future__ import annotations

import codecs
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ORDER_FIELDS = (
    "po_number",
    "order_date",
    "requested_ship_date",
    "ship_to_code",
    "ship_to_name",
    "ship_to_street",
    "ship_to_city",
    "ship_to_postal_code",
    "ship_to_region",
    "ship_to_country",
    "notes",
)
"""Fields of the order: every row of one PO number must agree on them."""
LINE_FIELDS = ("line_no", "sku", "customer_sku", "gtin", "quantity", "uom")
"""Fields of one order line: one row is one line."""
FIELDS = ORDER_FIELDS + LINE_FIELDS
REQUIRED_FIELDS = ("po_number", "order_date", "requested_ship_date", "ship_to_code", "quantity", "uom")
ITEM_FIELDS = ("sku", "customer_sku", "gtin")
"""A line needs at least one of these."""
DATE_FIELDS = frozenset({"order_date", "requested_ship_date"})

CanonicalField = Literal[
    "po_number",
    "order_date",
    "requested_ship_date",
    "ship_to_code",
    "ship_to_name",
    "ship_to_street",
    "ship_to_city",
    "ship_to_postal_code",
    "ship_to_region",
    "ship_to_country",
    "notes",
    "line_no",
    "sku",
    "customer_sku",
    "gtin",
    "quantity",
    "uom",
]
Alias = Annotated[str, Field(min_length=1, max_length=200)]
_SAMPLE_DATE = date(2026, 11, 23)


def normalise_header(text: str) -> str:
    """``" PO  Number"``, ``"po_number"`` and ``"PONUMBER"`` are one header: case, spaces and ``_`` don't count."""
    return "".join(text.split()).replace("_", "").casefold()


class SpreadsheetMapping(BaseModel):
    """One partner's spreadsheet layout; see docs/formats/spreadsheets.md for a worked example."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partner: str | None = Field(default=None, min_length=1, max_length=35, description="partner code put on orders")
    columns: dict[CanonicalField, tuple[Alias, ...]] = Field(
        default_factory=dict,
        description="header names per canonical field, tried in order; an unlisted field is looked for by its name",
    )
    constants: dict[CanonicalField, str] = Field(
        default_factory=dict, description="values for fields the sheet lacks, or for its empty cells"
    )
    sheet: str | None = Field(default=None, description="the sheet to read; default: the first visible sheet")
    header_row: int = Field(default=1, ge=1, le=1000, description="the row holding the column headers (1-based)")
    first_data_row: int | None = Field(default=None, ge=2, description="the first order line; default: header_row + 1")
    date_formats: tuple[str, ...] = Field(
        default=("%Y-%m-%d",), min_length=1, description="strftime formats for dates written as text, tried in order"
    )
    decimal_separator: Literal[".", ","] = Field(default=".", description="the decimal mark in numbers written as text")
    thousands_separator: Literal["", ".", ",", " ", "'", "\u00a0"] = Field(
        default="", description="the digit-group mark in numbers written as text, or empty for none"
    )
    delimiter: Literal[",", ";", "\t", "|"] | None = Field(default=None, description="CSV: default: sniffed")
    encoding: str | None = Field(default=None, description="CSV: default: from the BOM, else UTF-8, else cp1252")

    @field_validator("date_formats")
    @classmethod
    def _formats_work(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        for text in formats:
            if "%" not in text or _SAMPLE_DATE.strftime(text) == text:
                raise ValueError(f"date format {text!r} has no strftime directive; write it like %d.%m.%Y")
        return formats

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, encoding: str | None) -> str | None:
        if encoding is not None:
            try:
                codecs.lookup(encoding)
            except LookupError:
                message = f"encoding {encoding!r} is unknown; use a Python codec name such as utf-8 or cp1252"
                raise ValueError(message) from None
        return encoding

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.thousands_separator == self.decimal_separator:
            raise ValueError(f"thousands_separator and decimal_separator are both {self.decimal_separator!r}")
        if self.first_data_row is not None and self.first_data_row <= self.header_row:
            raise ValueError(f"first_data_row {self.first_data_row} must come after header_row {self.header_row}")
        for name, aliases in self.columns.items():
            if not aliases:
                raise ValueError(f"columns.{name} lists no header name; give at least one or leave the field out")
        return self

    @property
    def data_starts(self) -> int:
        return self.first_data_row if self.first_data_row is not None else self.header_row + 1

    def aliases(self, name: str) -> tuple[str, ...]:
        configured: tuple[str, ...] | None = self.columns.get(name)  # type: ignore[call-overload]
        return configured if configured else (name,)

    def constant(self, name: str) -> str | None:
        value: str | None = self.constants.get(name)  # type: ignore[call-overload]
        return value
