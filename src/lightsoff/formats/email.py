"""Orders that arrive as e-mail: an RFC 5322 message whose attachments are the documents.

``parse_email`` finds the sender, subject, message id and every attachment, however deeply nested
(a forwarded message inside a reply inside a multipart/mixed), and names each attachment's format.
``read_email`` hands each readable attachment to a reader the caller supplies, so that the X12,
EDIFACT and spreadsheet codecs, and the partner's spreadsheet mapping, are chosen by the service
that knows the partner, not here. ``spreadsheet_reader`` is such a reader for CSV and XLSX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from lightsoff.formats.detect import detect_format
from lightsoff.formats.documents import DocumentOrder, DocumentProblem, ReadDocument
from lightsoff.formats.spreadsheet import DEFAULT_LIMITS as SHEET_LIMITS
from lightsoff.formats.spreadsheet import SpreadsheetLimits, SpreadsheetMapping, read_csv, read_xlsx

AttachmentReader = Callable[[str, bytes], ReadDocument]
"""``(format, data) -> ReadDocument``: reads one attachment whose format ``detect_format`` named."""

_DOCUMENT_TYPES = frozenset(
    {
        "application/edi-x12",
        "application/edifact",
        "application/json",
        "application/xml",
        "text/xml",
        "text/csv",
        "application/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
    }
)


@dataclass(frozen=True, slots=True)
class EmailLimits:
    max_bytes: int = 25 * 1024 * 1024
    """The whole message as received (attachments base64-encoded inside it)."""
    max_parts: int = 100
    """MIME parts of every level together."""
    max_depth: int = 8
    """Multiparts and forwarded messages inside one another."""


DEFAULT_EMAIL_LIMITS = EmailLimits()


@dataclass(frozen=True, slots=True)
class EmailAttachment:
    filename: str | None
    content_type: str
    data: bytes
    format: str | None
    """What ``detect_format`` made of it: ``x12``, ``edifact``, ``csv``, ``xlsx``…, or None."""

    def describe(self) -> str:
        return f"{self.filename or '(no name)'} ({self.content_type}, {len(self.data):,} bytes)"


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    sender: str | None
    """The From address, lower-cased: what identifies the partner."""
    subject: str | None
    message_id: str | None
    attachments: tuple[EmailAttachment, ...] = ()
    problems: tuple[DocumentProblem, ...] = ()


def parse_email(data: bytes, limits: EmailLimits = DEFAULT_EMAIL_LIMITS) -> ParsedEmail:
    if len(data) > limits.max_bytes:
        message = f"The e-mail has {len(data):,} bytes; at most {limits.max_bytes:,} are read."
        return ParsedEmail(None, None, None, problems=(DocumentProblem("message", "too_large", message),))
    if not data.strip():
        message = "The e-mail is empty: send the whole message (.eml), headers and attachments."
        return ParsedEmail(None, None, None, problems=(DocumentProblem("message", "empty_file", message),))
    mail = BytesParser(policy=policy.default).parsebytes(data)
    problems: list[DocumentProblem] = []
    sender = _sender(mail)
    if sender is None:
        problems.append(
            DocumentProblem(
                "header From",
                "missing_sender",
                f"The e-mail has no usable From address ({_header(mail, 'From') or 'none'!r}); "
                "without it the partner cannot be known.",
            )
        )
    attachments: list[EmailAttachment] = []
    try:
        attachments.extend(_attachments(mail, limits))
    except _TooComplex as exc:
        problems.append(DocumentProblem("message", "too_complex", str(exc)))
    return ParsedEmail(
        sender, _header(mail, "Subject"), _header(mail, "Message-ID"), tuple(attachments), tuple(problems)
    )


def read_email(
    data: bytes, *, read_attachment: AttachmentReader, limits: EmailLimits = DEFAULT_EMAIL_LIMITS
) -> ReadDocument:
    """Every order of every readable attachment; each order's location starts with its attachment's name."""
    mail = parse_email(data, limits)
    orders: list[DocumentOrder] = []
    problems = list(mail.problems)
    readable = [item for item in mail.attachments if item.format is not None and item.format != "email"]
    documents: list[dict[str, Any]] = []
    for number, attachment in enumerate(readable, start=1):
        prefix = f"attachment {number} {attachment.filename or '(no name)'}"
        document = read_attachment(attachment.format or "", attachment.data)
        orders.extend(
            DocumentOrder(
                order=found.order,
                location=f"{prefix}: {found.location}",
                reference=found.reference,
                problems=tuple(_prefixed(prefix, problem) for problem in found.problems),
            )
            for found in document.orders
        )
        problems.extend(_prefixed(prefix, problem) for problem in document.problems)
        documents.append(
            {"attachment": prefix, "format": document.format, "sender": document.sender, "details": document.details}
        )
    if not readable and not any(problem.code in {"too_large", "empty_file"} for problem in problems):
        problems.append(_no_usable_attachment(mail.attachments))
    details = {
        "subject": mail.subject,
        "message_id": mail.message_id,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "format": item.format,
                "bytes": len(item.data),
            }
            for item in mail.attachments
        ],
        "documents": documents,
    }
    return ReadDocument(
        format="email", sender=mail.sender, orders=tuple(orders), problems=tuple(problems), details=details
    )


def spreadsheet_reader(mapping: SpreadsheetMapping, limits: SpreadsheetLimits = SHEET_LIMITS) -> AttachmentReader:
    """Reads CSV and XLSX attachments with the partner's mapping; says plainly that other formats need a reader."""

    def read(format_name: str, data: bytes) -> ReadDocument:
        if format_name == "csv":
            return read_csv(data, mapping, limits)
        if format_name == "xlsx":
            return read_xlsx(data, mapping, limits)
        problem = DocumentProblem(
            "attachment",
            "unsupported_format",
            f"The attachment is {format_name}, and no reader for {format_name} is configured for e-mail intake.",
        )
        return ReadDocument(format=format_name, sender=None, problems=(problem,))

    return read


# ---- the message's parts ----


class _TooComplex(ValueError):
    pass


def _attachments(mail: EmailMessage, limits: EmailLimits) -> Iterator[EmailAttachment]:
    for seen, (part, depth) in enumerate(_parts(mail, 0), start=1):
        if seen > limits.max_parts:
            raise _TooComplex(f"The e-mail has more than {limits.max_parts} parts; only the first were read.")
        if depth > limits.max_depth:
            raise _TooComplex(f"The e-mail nests parts more than {limits.max_depth} levels deep.")
        attachment = _attachment(part)
        if attachment is not None:
            yield attachment


def _parts(part: EmailMessage, depth: int) -> Iterator[tuple[EmailMessage, int]]:
    yield part, depth
    if part.is_multipart():
        for child in part.iter_parts():
            yield from _parts(child, depth + 1)  # type: ignore[arg-type]


def _attachment(part: EmailMessage) -> EmailAttachment | None:
    if part.is_multipart():
        return None
    content_type = part.get_content_type()
    filename = part.get_filename()
    if part.get_content_disposition() != "attachment" and filename is None and content_type not in _DOCUMENT_TYPES:
        return None  # the body text, an inline image
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return EmailAttachment(
        filename, content_type, data, detect_format(data, filename=filename, content_type=content_type)
    )


def _sender(mail: EmailMessage) -> str | None:
    header = mail["From"]
    for address in getattr(header, "addresses", ()):
        if "@" in address.addr_spec:
            return str(address.addr_spec).lower()
    return None


def _header(mail: EmailMessage, name: str) -> str | None:
    value = mail[name]
    return str(value).strip() or None if value is not None else None


def _prefixed(prefix: str, problem: DocumentProblem) -> DocumentProblem:
    return DocumentProblem(f"{prefix}: {problem.location}", problem.code, problem.message)


def _no_usable_attachment(attachments: tuple[EmailAttachment, ...]) -> DocumentProblem:
    had = (
        "its attachments are " + ", ".join(item.describe() for item in attachments)
        if attachments
        else "it has no attachments at all"
    )
    return DocumentProblem(
        "message",
        "no_usable_attachment",
        f"The e-mail holds no document lightsoff can read: {had}. Attach the order as CSV, XLSX, X12 or EDIFACT.",
    )
