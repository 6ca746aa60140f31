"""Orders in CSV and XLSX files, read through a per-partner column mapping.

    read_csv(data, mapping, limits=DEFAULT_LIMITS) -> ReadDocument
    read_xlsx(data, mapping, limits=DEFAULT_LIMITS) -> ReadDocument

One row is one order line; rows are grouped into orders by PO number. See docs/formats/spreadsheets.md.
"""

from lightsoff.formats.spreadsheet.csv_codec import read_csv
from lightsoff.formats.spreadsheet.limits import DEFAULT_LIMITS, SpreadsheetLimits
from lightsoff.formats.spreadsheet.mapping import FIELDS, SpreadsheetMapping
from lightsoff.formats.spreadsheet.xlsx_codec import read_xlsx

__all__ = ["DEFAULT_LIMITS", "FIELDS", "SpreadsheetLimits", "SpreadsheetMapping", "read_csv", "read_xlsx"]
