"""CSV orders: decode (the mapping's encoding, else the BOM, else UTF-8, else cp1252), sniff the delimiter, read.

Excel on a German desktop writes ``;``-separated cp1252 or UTF-8 with a BOM; other partners write
``,``-separated UTF-8. The mapping may pin both; otherwise ``csv.Sniffer`` and the BOM decide, and the
document's details say what was used, so a wrong guess is visible and can be pinned.
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

from lightsoff.formats.documents import DocumentProblem, ReadDocument
from lightsoff.formats.spreadsheet.grid import Grid
from lightsoff.formats.spreadsheet.limits import DEFAULT_LIMITS, SpreadsheetLimits
from lightsoff.formats.spreadsheet.mapping import SpreadsheetMapping
from lightsoff.formats.spreadsheet.orders import read_grid

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DELIMITERS = ",;\t|"
_SNIFF_CHARS = 64 * 1024


def read_csv(  # noqa: PLR0911 (one early return per way the file can be refused)
    data: bytes, mapping: SpreadsheetMapping, limits: SpreadsheetLimits = DEFAULT_LIMITS
) -> ReadDocument:
    if len(data) > limits.max_bytes:
        return _refused("too_large", f"The file has {len(data):,} bytes; at most {limits.max_bytes:,} are read.")
    if not data.strip():
        return _refused("empty_file", "The file is empty: send the orders with a header row and one row per line.")
    try:
        text, encoding = _decode(data, mapping.encoding)
    except UnicodeDecodeError as exc:
        return _refused(
            "undecodable",
            f"The file is not valid {exc.encoding} (byte {exc.start}); "
            "save it as UTF-8 or set encoding in the mapping.",
        )
    delimiter = mapping.delimiter or _sniff(text)
    details: dict[str, Any] = {"encoding": encoding, "delimiter": delimiter}
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > limits.max_rows:
                return _refused("too_many_rows", f"The file has more than {limits.max_rows:,} rows; split it.", details)
            if len(cells) > limits.max_columns:
                return _refused(
                    "too_many_columns",
                    f"Row {number} has {len(cells)} columns; at most {limits.max_columns} are read.",
                    details,
                )
            rows.append((number, cells))
    except csv.Error as exc:
        return _refused("malformed_csv", f"Row {reader.line_num} cannot be read as CSV: {exc}.", details)
    return read_grid(Grid("csv", None, rows, details=details), mapping)


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        return data.decode(encoding), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 decodes almost any byte string; it is what Excel on Windows writes when not told otherwise.
        return data.decode("cp1252"), "cp1252"


def _sniff(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _refused(code: str, message: str, details: dict[str, Any] | None = None) -> ReadDocument:
    problem = DocumentProblem("file", code, message)
    return ReadDocument(format="csv", sender=None, problems=(problem,), details=details or {})
