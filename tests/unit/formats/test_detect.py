"""Format detection: the first bytes decide; file name and content type only settle what the bytes cannot."""

from __future__ import annotations

import codecs
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from lightsoff.formats.detect import detect_format, unknown_format_message

from .sheets import HEADER, ROWS, csv_bytes, xlsx

CORPUS = Path("/work/shared/corpus")
X12_SAMPLES = sorted((CORPUS / "x12").iterdir())
EDIFACT_SAMPLES = sorted((CORPUS / "edifact").iterdir())


@pytest.mark.parametrize("path", X12_SAMPLES, ids=lambda path: path.name)
def test_every_x12_sample_of_the_corpus_is_x12(path: Path) -> None:
    assert detect_format(path.read_bytes(), filename=path.name) == "x12"


@pytest.mark.parametrize("path", EDIFACT_SAMPLES, ids=lambda path: path.name)
def test_every_edifact_sample_of_the_corpus_is_edifact(path: Path) -> None:
    assert detect_format(path.read_bytes(), filename=path.name) == "edifact"


def test_the_corpus_holds_the_samples() -> None:
    assert len(X12_SAMPLES) >= 20
    assert len(EDIFACT_SAMPLES) >= 15


def mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Buyer <buyer@acme.example>"
    message["To"] = "orders@maker.example"
    message["Subject"] = "PO 4711"
    message.set_content("see attached")
    return message.as_bytes()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"ISA*00*          *00*", "x12"),
        (codecs.BOM_UTF8 + b"\r\n  \tISA*00*", "x12"),
        (b"UNA:+.? 'UNB+UNOC:3", "edifact"),
        (b"UNB+UNOA:1+SENDER", "edifact"),
        (b' {"po_number": "4711"}', "json"),
        (b"[]", "json"),
        (b'<?xml version="1.0"?><Order/>', "xml"),
        (xlsx([HEADER, *ROWS]), "xlsx"),
        (csv_bytes([HEADER, *ROWS]), "csv"),
        (codecs.BOM_UTF8 + csv_bytes([HEADER, *ROWS], delimiter=";"), "csv"),
        (csv_bytes([HEADER, *ROWS], delimiter="\t", encoding="utf-16"), "csv"),
        (mail(), "email"),
        (b"Received: from mx\r\n\tby relay\r\nFrom: a@b.example\r\nSubject: x\r\n\r\nbody", "email"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", None),
        (b"\x89PNG\r\n\x1a\n", None),
        (b"", None),
        (b"just one line of words", None),
    ],
    ids=[
        "x12",
        "x12 after BOM and whitespace",
        "edifact UNA",
        "edifact UNB",
        "json object",
        "json array",
        "xml",
        "xlsx",
        "csv",
        "csv with BOM and ;",
        "csv utf-16 tabs",
        "email",
        "email with folded Received",
        "pdf",
        "png",
        "empty",
        "plain text",
    ],
)
def test_content_decides(data: bytes, expected: str | None) -> None:
    assert detect_format(data) == expected


def test_a_zip_that_is_not_a_workbook_is_unknown() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert detect_format(buffer.getvalue(), filename="orders.xlsx") is None


def test_name_and_type_settle_only_what_the_content_cannot() -> None:
    one_column = b"po_number\r\n4711\r\n"
    assert detect_format(one_column) is None
    assert detect_format(one_column, filename="orders.CSV") == "csv"
    assert detect_format(one_column, content_type="text/csv; charset=utf-8") == "csv"
    assert detect_format(b"ISA*00*", filename="orders.csv", content_type="text/csv") == "x12"


def test_the_unknown_format_message_says_what_came_and_what_would_be_read() -> None:
    message = unknown_format_message(b"%PDF-1.7\n", filename="po.pdf", content_type="application/pdf")

    assert "po.pdf, application/pdf, 9 bytes" in message
    assert "'%PDF-1.7\\\\n'" in message
    assert all(name in message for name in ("X12", "EDIFACT", "JSON", "XML", "XLSX", "CSV", "e-mail"))
