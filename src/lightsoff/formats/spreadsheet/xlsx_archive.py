"""The XLSX file as a zip: checked against zip bombs before openpyxl opens it, and read for what openpyxl hides.

openpyxl unpacks members as it needs them, so a member declaring gigabytes would be inflated in full.
``zipfile`` enforces each member's declared size while reading (more data is a ``BadZipFile``), so
bounding the declared sizes bounds the work.

openpyxl's read-only mode, the one that streams large sheets, does not report merged cells; this module
finds them in the sheet's part itself. Only the small workbook and relationship parts are parsed as XML
(with ``parse_xml``); in the sheet part, which may be large, the ``<mergeCell ref="A2:A4"/>`` elements are
found with a pattern: they have that one attribute by the schema, and a stray match costs only a
reported merge that a person can check.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from lightsoff.formats.spreadsheet.limits import SpreadsheetLimits
from lightsoff.formats.xml import UnsafeOrInvalidXml, parse_xml

WORKBOOK_PART = "xl/workbook.xml"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\s+ref\s*=\s*["']([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)["']""")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SMALL_MEMBER = 1024 * 1024


class ArchiveProblem(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_archive(archive: zipfile.ZipFile, limits: SpreadsheetLimits) -> None:
    members = archive.infolist()
    if len(members) > limits.max_members:
        message = f"The XLSX holds {len(members):,} files; at most {limits.max_members:,}."
        raise ArchiveProblem("too_many_parts", message)
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise ArchiveProblem(
            "too_large_unpacked",
            f"The XLSX unpacks to {total:,} bytes; at most {limits.max_uncompressed_bytes:,} are read "
            "(a file this size is either not an order or a zip bomb).",
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _SMALL_MEMBER and ratio > limits.max_compression_ratio:
            raise ArchiveProblem(
                "suspicious_compression",
                f"{member.filename} unpacks {ratio:,.0f} times its packed size; at most "
                f"{limits.max_compression_ratio} (real sheets stay far below, zip bombs far above).",
            )
    if WORKBOOK_PART not in archive.namelist():
        raise ArchiveProblem("not_xlsx", f"The zip holds no {WORKBOOK_PART}: it is not an XLSX workbook.")


def sheet_part(archive: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding the sheet called ``title``, found through the workbook's relationships."""
    try:
        workbook = parse_xml(archive.read(WORKBOOK_PART))
        rels = parse_xml(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, UnsafeOrInvalidXml):
        return None
    rel_id = next(
        (sheet.get(f"{_REL}id") for sheet in workbook.iter(f"{_MAIN}sheet") if sheet.get("name") == title), None
    )
    relationships = rels.iter(f"{_PACKAGE_REL}Relationship")
    target = next((rel.get("Target") for rel in relationships if rel.get("Id") == rel_id), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def has_formulas(part: bytes) -> bool:
    return _FORMULA.search(part) is not None


def merged_ranges(part: bytes) -> list[str]:
    return [match.group(1).decode("ascii").upper() for match in _MERGE.finditer(part)]
