"""Orders by e-mail: the sender, and each attachment read by the codec its format needs."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from lightsoff.formats.documents import DocumentOrder, DocumentProblem, ReadDocument
from lightsoff.formats.email import EmailLimits, parse_email, read_email, spreadsheet_reader

from .sheets import HEADER, MAPPING, ROWS, csv_bytes, xlsx
from .test_spreadsheet_xlsx import codes

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
X12 = b"ISA*00*          *00*          *ZZ*ACME           *ZZ*MAKER          *261123*1200*U*00401*000000905*0*P*>~"


def message(sender: str = "Buyer <Buyer@ACME.example>") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "orders@maker.example"
    mail["Subject"] = "PO-1 and PO-2"
    mail["Message-ID"] = "<4711@acme.example>"
    mail.set_content("Please find our orders attached.\n")
    return mail


def test_a_csv_attachment_becomes_orders() -> None:
    mail = message()
    data = csv_bytes([HEADER, *ROWS])
    mail.add_attachment(data, maintype="text", subtype="csv", filename="orders.csv")

    document = read_email(mail.as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert document.format == "email"
    assert document.sender == "buyer@acme.example"
    assert codes(document) == {"": [], "PO-1": [], "PO-2": []}
    assert document.orders[0].location == "attachment 1 orders.csv: rows 2-3"
    assert document.orders[0].order["lines"][0]["sku"] == "WID-100"
    assert document.details["subject"] == "PO-1 and PO-2"
    assert document.details["message_id"] == "<4711@acme.example>"
    assert document.details["attachments"] == [
        {"filename": "orders.csv", "content_type": "text/csv", "format": "csv", "bytes": len(data)}
    ]


def test_an_xlsx_attachment_becomes_orders_with_located_problems() -> None:
    rows = [HEADER, ROWS[0], ["PO-2", "2026-11-24", "2026-12-08", "DC-S", "WID-100", "lots", "CS"]]
    mail = message()
    mail.add_attachment(xlsx(rows), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename="PO.xlsx")

    document = read_email(mail.as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert codes(document) == {
        "": [],
        "PO-1": [],
        "PO-2": [("attachment 1 PO.xlsx: sheet Orders, row 3, column F", "invalid_number")],
    }


def test_edi_attachments_go_to_the_hook_with_their_format() -> None:
    calls: list[tuple[str, bytes]] = []

    def read_attachment(format_name: str, data: bytes) -> ReadDocument:
        calls.append((format_name, data))
        found = DocumentOrder({"po_number": "4711"}, "interchange 000000905, group 1, transaction 0001", "905/1/0001")
        return ReadDocument(format=format_name, sender="ACME", orders=(found,), details={"receiver": "MAKER"})

    mail = message()
    mail.add_attachment(X12, maintype="application", subtype="EDI-X12", filename="po.edi")
    mail.add_attachment(b"UNA:+.? 'UNB+UNOC:3+ACME+MAKER'", maintype="application", subtype="octet-stream")

    document = read_email(mail.as_bytes(), read_attachment=read_attachment)

    assert calls == [("x12", X12), ("edifact", b"UNA:+.? 'UNB+UNOC:3+ACME+MAKER'")]
    assert [order.location for order in document.orders] == [
        "attachment 1 po.edi: interchange 000000905, group 1, transaction 0001",
        "attachment 2 (no name): interchange 000000905, group 1, transaction 0001",
    ]
    assert document.details["documents"][0] == {
        "attachment": "attachment 1 po.edi",
        "format": "x12",
        "sender": "ACME",
        "details": {"receiver": "MAKER"},
    }


def test_parse_email_returns_the_raw_attachments_with_their_formats() -> None:
    mail = message()
    mail.add_attachment(X12, maintype="application", subtype="octet-stream", filename="850.x12")
    mail.add_attachment(b"%PDF-1.7\n", maintype="application", subtype="pdf", filename="po.pdf")

    parsed = parse_email(mail.as_bytes())

    assert parsed.sender == "buyer@acme.example"
    assert parsed.subject == "PO-1 and PO-2"
    assert [(item.filename, item.content_type, item.format, item.data) for item in parsed.attachments] == [
        ("850.x12", "application/octet-stream", "x12", X12),
        ("po.pdf", "application/pdf", None, b"%PDF-1.7\n"),
    ]


def test_the_spreadsheet_reader_says_plainly_when_a_format_has_no_reader() -> None:
    mail = message()
    mail.add_attachment(X12, maintype="application", subtype="EDI-X12", filename="po.edi")

    document = read_email(mail.as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert codes(document) == {"": [("attachment 1 po.edi: attachment", "unsupported_format")]}


def test_no_attachment_at_all_is_a_clear_problem() -> None:
    document = read_email(message().as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert codes(document) == {"": [("message", "no_usable_attachment")]}
    assert "it has no attachments at all" in document.problems[0].message


def test_no_usable_attachment_names_the_attachments_it_had() -> None:
    mail = message()
    mail.add_attachment(b"%PDF-1.7\n", maintype="application", subtype="pdf", filename="PO-4711.pdf")
    mail.add_attachment(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="logo.png")

    document = read_email(mail.as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert codes(document) == {"": [("message", "no_usable_attachment")]}
    assert "PO-4711.pdf (application/pdf, 9 bytes), logo.png (image/png, 8 bytes)" in document.problems[0].message


def test_attachments_of_a_forwarded_message_in_a_nested_multipart_are_found() -> None:
    original = message("orders@acme.example")
    original.add_attachment(csv_bytes([HEADER, *ROWS]), maintype="text", subtype="csv", filename="orders.csv")
    forward = message("Assistant <assistant@maker.example>")
    forward.make_mixed()
    forward.add_attachment(original)  # message/rfc822
    outer = message("Relay <relay@maker.example>")
    outer.make_mixed()
    outer.attach(forward)

    document = read_email(outer.as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert document.sender == "relay@maker.example"
    assert [order.reference for order in document.orders] == ["PO-1", "PO-2"]
    assert document.details["attachments"][0]["filename"] == "orders.csv"


def test_a_message_without_a_from_address() -> None:
    mail = message(sender="undisclosed")
    mail.add_attachment(csv_bytes([HEADER, *ROWS]), maintype="text", subtype="csv", filename="orders.csv")

    document = read_email(mail.as_bytes(), read_attachment=spreadsheet_reader(MAPPING))

    assert document.sender is None
    assert codes(document)[""] == [("header From", "missing_sender")]
    assert len(document.orders) == 2


@pytest.mark.parametrize(
    ("limits", "data_size", "code"),
    [
        (EmailLimits(max_bytes=1000), 1, "too_large"),
        (EmailLimits(max_parts=3), 1, "too_complex"),
    ],
)
def test_limits(limits: EmailLimits, data_size: int, code: str) -> None:
    mail = message()
    for number in range(5):
        mail.add_attachment(b"%PDF-1.7\n" * data_size, maintype="application", subtype="pdf", filename=f"{number}.pdf")

    parsed = parse_email(mail.as_bytes(), limits)

    assert [problem.code for problem in parsed.problems] == [code]


def test_too_deep_nesting_is_refused() -> None:
    mail = message()
    for _ in range(4):
        wrapper = message()
        wrapper.make_mixed()
        wrapper.add_attachment(mail)
        mail = wrapper

    parsed = parse_email(mail.as_bytes(), EmailLimits(max_depth=3))

    assert [problem.code for problem in parsed.problems] == ["too_complex"]


def test_an_empty_message() -> None:
    document = read_email(b"", read_attachment=spreadsheet_reader(MAPPING))

    assert document.problems == (DocumentProblem("message", "empty_file", document.problems[0].message),)
