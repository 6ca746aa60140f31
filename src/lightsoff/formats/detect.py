"""Which codec a document needs, from its first bytes, with the file name and content type as tie-breakers.

The content decides wherever it can: an attachment called ``orders.csv`` that starts with ``ISA`` is
X12. Name and type only decide what the bytes cannot (text that might be CSV), and say nothing when
they contradict a clear signature.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile

FORMATS = ("x12", "edifact", "json", "xml", "xlsx", "csv", "email")
_SAMPLE = 64 * 1024
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP = b"PK\x03\x04"
_MAIL_HEADERS = frozenset(
    {
        b"from",
        b"to",
        b"subject",
        b"date",
        b"mime-version",
        b"message-id",
        b"received",
        b"return-path",
        b"delivered-to",
        b"reply-to",
        b"content-type",
        b"cc",
    }
)
_HEADER_LINE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*):[ \t]")
_BY_EXTENSION = {
    ".edi": None,  # X12 or EDIFACT: only the content can tell
    ".x12": "x12",
    ".edifact": "edifact",
    ".json": "json",
    ".xml": "xml",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".txt": None,
    ".eml": "email",
}
_BY_TYPE = {
    "application/edi-x12": "x12",
    "application/edifact": "edifact",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/csv": "csv",
    "application/csv": "csv",
    "message/rfc822": "email",
}


def detect_format(data: bytes, *, filename: str | None = None, content_type: str | None = None) -> str | None:
    """``x12``, ``edifact``, ``json``, ``xml``, ``xlsx``, ``csv``, ``email``, or None when it is none of these."""
    if data.startswith(_ZIP):
        return "xlsx" if _is_workbook(data) else None
    head = _text_start(data[:_SAMPLE])
    by_content = _by_signature(head)
    if by_content is not None:
        return by_content
    hint = _hint(filename, content_type)
    if hint in {"csv", "json", "xml", "email"} and head:
        return hint
    if head and _looks_like_csv(head):
        return "csv"
    return None


def unknown_format_message(data: bytes, *, filename: str | None = None, content_type: str | None = None) -> str:
    """What a person reads when ``detect_format`` says None: what was sent, and what would be read."""
    described = ", ".join(part for part in (filename, content_type, f"{len(data):,} bytes") if part)
    start = data[:16].decode("latin-1").encode("unicode_escape").decode("ascii")
    return (
        f"The document ({described}, starting {start!r}) is in no format lightsoff reads. It reads X12 (starting "
        "with ISA), EDIFACT (UNA or UNB), JSON, XML, XLSX workbooks, CSV with a header row and e-mail (.eml); "
        "send the document in one of these."
    )


def _text_start(sample: bytes) -> bytes:
    for bom in _BOMS:
        if sample.startswith(bom):
            sample = sample[len(bom) :]
            if bom != codecs.BOM_UTF8:
                sample = sample.decode("utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be", "ignore").encode()
            break
    return sample.lstrip()


def _by_signature(head: bytes) -> str | None:
    if head.startswith(b"ISA"):
        return "x12"
    if head.startswith((b"UNA", b"UNB")):
        return "edifact"
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith(b"<"):
        return "xml"
    if _looks_like_mail(head):
        return "email"
    return None


def _looks_like_mail(head: bytes) -> bool:
    """RFC 5322: header lines up to the first blank line, among them at least two a mail always has."""
    names: set[bytes] = set()
    for raw in head.split(b"\n", 40)[:40]:
        line = raw.rstrip(b"\r")
        if not line:
            break
        if line[:1] in {b" ", b"\t"}:
            continue  # a folded header's continuation
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    return len(names & _MAIL_HEADERS) >= 2 and bool(names & {b"from", b"mime-version", b"received"})


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _hint(filename: str | None, content_type: str | None) -> str | None:
    if content_type:
        found = _BY_TYPE.get(content_type.split(";")[0].strip().lower())
        if found:
            return found
    if filename and "." in filename:
        return _BY_EXTENSION.get(filename[filename.rfind(".") :].lower())
    return None


def _looks_like_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("cp1252", "replace")
    lines = text.splitlines()
    if len(lines) < 2 or "\x00" in text:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|")
    except csv.Error:
        return False
    return lines[0].count(dialect.delimiter) >= 1
