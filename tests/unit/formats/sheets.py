"""Spreadsheets for tests, built with openpyxl the way partners' tools write them (no binary fixtures)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lightsoff.formats.spreadsheet import SpreadsheetMapping

HEADER = ["PO Number", "Order Date", "Ship Date", "Ship To", "SKU", "Quantity", "UoM"]
ROWS = [
    ["PO-1", "2026-11-23", "2026-12-07", "DC-N", "WID-100", 12, "EA"],
    ["PO-1", "2026-11-23", "2026-12-07", "DC-N", "WID-200", 3.5, "EA"],
    ["PO-2", "2026-11-24", "2026-12-08", "DC-S", "WID-100", 48, "CS"],
]
MAPPING = SpreadsheetMapping(
    partner="ACME",
    columns={"order_date": ("Order Date",), "requested_ship_date": ("Ship Date",), "ship_to_code": ("Ship To",)},
)

GERMAN_HEADER = ["Bestellnummer", "Bestelldatum", "Liefertermin", "Menge", "Artikelnummer", "Bemerkung"]
GERMAN_MAPPING = SpreadsheetMapping(
    columns={
        "po_number": ("PO", "Bestellnummer"),
        "order_date": ("Bestelldatum",),
        "requested_ship_date": ("Liefertermin", "Wunschtermin"),
        "quantity": ("Menge",),
        "customer_sku": ("Artikelnummer", "Art.-Nr."),
        "notes": ("Bemerkung",),
    },
    constants={"ship_to_code": "WERK-1", "uom": "ST"},
    date_formats=("%d.%m.%Y", "%d.%m.%y"),
    decimal_separator=",",
    thousands_separator=".",
)


def xlsx(
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Orders",
    extra: Callable[[Workbook, Worksheet], None] | None = None,
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if extra is not None:
        extra(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same zip with one member changed: what another tool than openpyxl would have written."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info, change(content) if info.filename == name else content)
    return buffer.getvalue()


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    return "\r\n".join(delimiter.join(str(cell) for cell in row) for row in rows).encode(encoding) + b"\r\n"
