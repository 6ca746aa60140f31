"""Documents in: a file a partner sent (X12, EDIFACT, CSV, XLSX, e-mail) becomes orders, an acknowledgement back.

``DocumentIntake.receive`` is the one way in for every channel (the API, a drop folder, a re-run):

1. The raw bytes are archived first, in a transaction of their own, whatever happens next: a message
   (``GET /v1/messages/{id}``) with outcome ``pending``.
2. The codec the format needs reads it (named by the caller, else detected from the content) into
   canonical orders and located problems; a document that cannot be read at all is a located problem.
3. The partner is the one the caller names, else the one the envelope's sender id (ISA06, UNB 0004),
   the buyer's GLN (NAD+BY) or the mail's From address belongs to, through the partner profiles. A
   caller confined to some partners that names or lands on another is told the same as for a partner
   that does not exist: nothing of the other partner is shown or taken.
4. Each order goes through ``OrderIntake`` exactly like a JSON order, in its own unit of work, and so
   stands on its own merits: one order rejected, held or found a duplicate does not touch the others;
   an order the codec found unusable (its own located problems) is not taken at all.
5. A functional acknowledgement (997/999, CONTRL) is issued through ``DocumentIssuer`` when the
   partner's profile wants one, saying at syntax level which messages were accepted; it and the raw
   message's outcome commit together.
6. A document that is itself an acknowledgement (997/999, CONTRL) is matched to the outbound documents
   it answers (see ``services/acknowledgements.py``).

``receive`` raises only for infrastructure failures (the database is gone); bad input is reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from pydantic import ValidationError

from lightsoff.domain.messages import InboundMessage, MessageOutcome
from lightsoff.domain.reference_data import FunctionalAck, Partner, ReferenceData
from lightsoff.formats.detect import detect_format, unknown_format_message
from lightsoff.formats.documents import DocumentOrder, DocumentProblem, ReadDocument
from lightsoff.formats.edifact import EdifactError, read_edifact, write_contrl
from lightsoff.formats.email import parse_email, read_email
from lightsoff.formats.spreadsheet import SpreadsheetMapping, read_csv, read_xlsx
from lightsoff.formats.x12 import (
    X12Error,
    X12LimitExceeded,
    read_x12,
    reply_envelope,
    write_997,
    write_999,
)
from lightsoff.formats.x12.ack import GROUP_ERROR_CODES as X12_GROUP_ERROR_CODES
from lightsoff.services.acknowledgements import AcknowledgementMatcher, ack_kind
from lightsoff.services.documents import DocumentIssuer, Issue
from lightsoff.services.intake import IntakeResult, OrderIntake, Submission
from lightsoff.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

_log = structlog.get_logger("lightsoff.inbound")

FORMATS = ("x12", "edifact", "csv", "xlsx", "email", "json")
"""What ``receive`` reads; ``json`` is one canonical order, as ``POST /v1/orders`` takes it."""
DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
RERUN = "rerun"
"""The channel of a document taken in again from the archive (services/rerun.py): no acknowledgement goes back."""
CONTENT_TYPES = {
    "x12": "application/edi-x12",
    "edifact": "application/edifact",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "email": "message/rfc822",
    "json": "application/json",
}
_STATUS = {
    MessageOutcome.ACCEPTED: "accepted",
    MessageOutcome.HELD: "held",
    MessageOutcome.DUPLICATE: "duplicate",
    MessageOutcome.REJECTED: "rejected",
    MessageOutcome.CONFLICT: "rejected",
    MessageOutcome.FAILED: "failed",
}


@dataclass(frozen=True, slots=True)
class InboundDocument:
    data: bytes
    filename: str | None = None
    content_type: str | None = None
    format: str | None = None
    """Named by the caller (``x12``, ``edifact``, ``csv``, ``xlsx``, ``email``); else detected from the content."""
    partner: str | None = None
    """Named by the caller or the drop folder's owner; else from the envelope or the sender's address."""
    channel: str = "api"  # "api" | "folder" | "email" | RERUN
    """``api``, ``folder``, ``email`` or ``rerun``."""
    allowed_partners: frozenset[str] | None = None
    """A partner-confined client's partners (None: all)."""
    client_id: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class InboundOrderOutcome:
    reference: str
    """``DocumentOrder.reference``: control numbers, or the sheet rows."""
    location: str
    """``DocumentOrder.location``, for a person."""
    status: str
    """``accepted``, ``held``, ``rejected``, ``duplicate`` or ``failed``."""
    order_id: str | None
    problems: tuple[dict[str, Any], ...] = ()
    exceptions: tuple[str, ...] = ()
    message_id: str | None = None
    """The archived canonical order this one became (each order is archived as the JSON intake takes it)."""

    def to_data(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "location": self.location,
            "status": self.status,
            "order_id": self.order_id,
            "problems": list(self.problems),
            "exceptions": list(self.exceptions),
            "message_id": self.message_id,
        }


@dataclass(frozen=True, slots=True)
class InboundOutcome:
    message_id: str
    """The archived raw document (``GET /v1/messages/{id}``)."""
    format: str | None
    partner: str | None
    orders: tuple[InboundOrderOutcome, ...]
    problems: tuple[dict[str, Any], ...]
    """Document-level located problems."""
    acknowledgement: str | None
    """The functional acknowledgement issued back (997/999/CONTRL), if any: ``GET /v1/documents/{id}``."""
    acknowledgements: tuple[str, ...] = ()
    """Every acknowledgement issued (EDIFACT: one CONTRL per interchange); the first is ``acknowledgement``."""
    acknowledged: tuple[dict[str, Any], ...] = ()
    """When the document was itself an acknowledgement: the outbound documents it matched, and their status."""
    not_found: bool = False
    """The partner named does not exist or is not the caller's: nothing was read (answered like a 404)."""

    @property
    def failed(self) -> bool:
        """Nothing usable: no order taken (accepted, held or a duplicate) and nothing acknowledged, whether
        the document itself is broken or every order in it was rejected."""
        taken = any(order.status in {"accepted", "held", "duplicate"} for order in self.orders)
        return not taken and not self.acknowledged

    def to_data(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "format": self.format,
            "partner": self.partner,
            "orders": [order.to_data() for order in self.orders],
            "problems": list(self.problems),
            "acknowledgement": self.acknowledgement,
            "acknowledgements": list(self.acknowledgements),
            "acknowledged": list(self.acknowledged),
        }


class DocumentIntake:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        intake: OrderIntake,
        issuer: DocumentIssuer,
        reference_data: ReferenceData,
        clock: Clock,
        new_id: Callable[[], str],
        *,
        max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    ) -> None:
        self._uow = uow
        self._intake = intake
        self._issuer = issuer
        self._reference_data = reference_data
        self._clock = clock
        self._new_id = new_id
        self._max_bytes = max_bytes
        self._acks = AcknowledgementMatcher(reference_data, clock, new_id)

    def receive(self, document: InboundDocument) -> InboundOutcome:
        message = self._archive(document)
        try:
            outcome = self._process(document, message)
        except Exception as exc:
            self._mark_failed(message, exc)
            raise
        statuses = [order.status for order in outcome.orders]
        _log.info(
            "document received",
            message_id=outcome.message_id,
            channel=document.channel,
            format=outcome.format,
            partner=outcome.partner,
            orders={status: statuses.count(status) for status in sorted(set(statuses))},
            problems=len(outcome.problems),
            acknowledgements=len(outcome.acknowledgements),
            acknowledged=len(outcome.acknowledged),
        )
        return outcome

    # ---- archive ----

    def _archive(self, document: InboundDocument) -> InboundMessage:
        content_type = document.content_type or CONTENT_TYPES.get(document.format or "", "application/octet-stream")
        message = InboundMessage(
            message_id=self._new_id(),
            received_at=self._clock.now(),
            channel=document.channel,
            content_type=content_type[:255],
            body=document.data,
            sha256=hashlib.sha256(document.data).hexdigest(),
            correlation_id=document.correlation_id,
            client_id=document.client_id,
            detail={
                "document": {
                    "filename": document.filename,
                    "format": document.format,
                    "partner": document.partner,
                    "channel": document.channel,
                }
            },
        )
        self._uow.run(lambda uow: uow.messages.add(message))
        return message

    def _mark_failed(self, message: InboundMessage, error: Exception) -> None:
        detail = {**message.detail, "error": type(error).__name__, "reason": str(error)[:500]}
        failed = replace(message, outcome=MessageOutcome.FAILED, detail=detail, processed_at=self._clock.now())
        try:
            self._uow.run(lambda uow: uow.messages.update(failed))
        except Exception:  # the database is what failed: the message stays pending, and is run again
            _log.exception("inbound message not marked failed", message_id=message.message_id)

    # ---- reading ----

    def _process(self, document: InboundDocument, message: InboundMessage) -> InboundOutcome:
        named, problem = self._named_partner(document)
        if problem is not None:
            return self._finish(message, None, None, (), [problem], not_found=True)
        if len(document.data) > self._max_bytes:
            too_large = DocumentProblem(
                "the document",
                "too_large",
                f"The document has {len(document.data):,} bytes; at most {self._max_bytes:,} are read. "
                "Split it into several files.",
            )
            return self._finish(message, document.format, named, (), [too_large])
        format_name = self._format(document)
        if format_name is None:
            unknown = DocumentProblem(
                "the document",
                "unknown_format",
                unknown_format_message(document.data, filename=document.filename, content_type=document.content_type),
            )
            return self._finish(message, None, named, (), [unknown])
        if format_name in {"x12", "edifact"}:
            kind = ack_kind(format_name, document.data)
            if kind is not None:
                return self._acknowledgement(document, message, format_name, named)
        read, partner, problems = self._read(format_name, document, named)
        if partner is not None and not self._allowed(document, partner.code):
            partner = None
        if any(problem.code == "partner_mismatch" for problem in problems):
            return self._finish(message, read.format, None, (), problems)
        refused = _refused_envelopes(read)
        orders = tuple(
            self._order(document, message, read, found, partner, refused.get(found.reference, ()))
            for found in read.orders
        )
        sender = partner or self._sender_partner(document, read)
        all_problems = [*problems, *read.problems]
        if read.format in {"x12", "edifact"} and read.details.get("interchanges") and not read.orders:
            if not any(p.code in {"no_messages", "unsupported_transaction_set", "not_an_order"} for p in all_problems):
                all_problems.append(
                    DocumentProblem("the document", "no_orders", "The document holds no purchase order.")
                )
        elif not read.orders and not all_problems:
            all_problems.append(DocumentProblem("the document", "no_orders", "The document holds no order."))
        return self._finish(message, read.format, sender, orders, all_problems, read=read)

    def _sender_partner(self, document: InboundDocument, read: ReadDocument) -> Partner | None:
        """The partner the document's (first) envelope says it comes from, else its first order's (an EDIFACT
        buyer's GLN), if the caller may send for it."""
        if read.format not in {"x12", "edifact"}:
            return None
        partner = self._reference_data.partner_by_identifier(read.sender) if read.sender else None
        if partner is None and read.orders:
            return self._order_partner(document, read, read.orders[0])
        return partner if partner is not None and self._allowed(document, partner.code) else None

    def _named_partner(self, document: InboundDocument) -> tuple[Partner | None, DocumentProblem | None]:
        if document.partner is None:
            return None, None
        partner = self._reference_data.partner(document.partner.strip())
        if partner is None or not self._allowed(document, partner.code):
            return None, DocumentProblem(
                "partner",
                "unknown_partner",
                f"There is no partner {document.partner!r}: name one of the partner codes you send for.",
            )
        return partner, None

    @staticmethod
    def _allowed(document: InboundDocument, code: str) -> bool:
        return document.allowed_partners is None or code in document.allowed_partners

    def _format(self, document: InboundDocument) -> str | None:
        if document.format is not None:
            return document.format if document.format in FORMATS else None
        return detect_format(document.data, filename=document.filename, content_type=document.content_type)

    def _read(
        self, format_name: str, document: InboundDocument, named: Partner | None
    ) -> tuple[ReadDocument, Partner | None, list[DocumentProblem]]:
        """The document read, the partner it is for (None: each order's own sender), and problems finding it."""
        if format_name == "email":
            return self._read_email(document, named)
        read = self._read_one(format_name, document.data, named)
        if named is not None:
            return read, named, self._mismatch(read, named)
        return read, None, []

    def _read_one(self, format_name: str, data: bytes, partner: Partner | None) -> ReadDocument:
        if format_name in {"x12", "edifact"}:
            return _read_edi(format_name, data)
        if format_name in {"csv", "xlsx"}:
            return self._read_sheet(format_name, data, partner)
        if format_name == "json":
            return _read_json(data)
        problem = DocumentProblem(
            "the document",
            "unsupported_format",
            f"The document is {format_name}; POST /v1/inbound reads X12 850, EDIFACT ORDERS, CSV, XLSX and e-mail.",
        )
        return ReadDocument(format_name, None, problems=(problem,))

    def _read_sheet(self, format_name: str, data: bytes, partner: Partner | None) -> ReadDocument:
        if partner is None:
            problem = DocumentProblem(
                "the document",
                "partner_required",
                f"A {format_name.upper()} order carries no sender id: name the partner (partner=…) whose column "
                "mapping reads it, or send it from an address in the partner's profile.",
            )
            return ReadDocument(format_name, None, problems=(problem,))
        try:
            mapping = SpreadsheetMapping.model_validate(dict(partner.documents.spreadsheet or {}))
        except ValidationError as exc:
            problem = DocumentProblem(
                f"partner {partner.code}, documents.spreadsheet",
                "invalid_mapping",
                f"The partner's spreadsheet mapping cannot be used: {exc.errors()[0]['msg']}. Fix its profile.",
            )
            return ReadDocument(format_name, None, problems=(problem,))
        return read_csv(data, mapping) if format_name == "csv" else read_xlsx(data, mapping)

    def _read_email(
        self, document: InboundDocument, named: Partner | None
    ) -> tuple[ReadDocument, Partner | None, list[DocumentProblem]]:
        partner = named
        if partner is None:
            sender = parse_email(document.data).sender
            partner = self._partner_by_address(sender) if sender else None
            if partner is not None and not self._allowed(document, partner.code):
                partner = None
        chosen = partner
        read = read_email(document.data, read_attachment=lambda name, data: self._read_one(name, data, chosen))
        problems: list[DocumentProblem] = []
        if partner is None and read.orders and read.sender is not None:
            found = next(
                (
                    candidate
                    for entry in read.details.get("documents", [])
                    if entry.get("sender")
                    and (candidate := self._reference_data.partner_by_identifier(str(entry["sender"]))) is not None
                ),
                None,
            )
            if found is None:
                problems.append(
                    DocumentProblem(
                        "header From",
                        "unknown_sender",
                        f"The sender {read.sender} is in no partner's profile (identifiers.email or contacts): "
                        "name the partner (partner=…), or add the address to its profile.",
                    )
                )
        return read, partner, problems

    def _partner_by_address(self, address: str) -> Partner | None:
        found = self._reference_data.partner_by_identifier(address)
        if found is not None:
            return found
        lowered = address.strip().lower()
        return next(
            (
                partner
                for partner in self._reference_data.partners()
                if any(contact.email and contact.email.strip().lower() == lowered for contact in partner.contacts)
            ),
            None,
        )

    def _mismatch(self, read: ReadDocument, named: Partner) -> list[DocumentProblem]:
        """A named partner whose document's envelope says it comes from another partner: refused."""
        if read.sender is None:
            return []
        other = self._reference_data.partner_by_identifier(read.sender)
        if other is None or other.code == named.code:
            return []
        return [
            DocumentProblem(
                "interchange header (sender id)",
                "partner_mismatch",
                f"The document was sent for partner {named.code}, but its envelope's sender id {read.sender!r} "
                f"is not one of {named.code}'s: name the partner the document is from, or send it without partner=.",
            )
        ]

    # ---- orders ----

    def _order(
        self,
        document: InboundDocument,
        message: InboundMessage,
        read: ReadDocument,
        found: DocumentOrder,
        partner: Partner | None,
        envelope: tuple[dict[str, Any], ...] = (),
    ) -> InboundOrderOutcome:
        if found.problems or envelope:
            problems = (*(problem.to_data() for problem in found.problems), *envelope)
            return InboundOrderOutcome(found.reference, found.location, "rejected", None, problems)
        owner = partner or self._order_partner(document, read, found)
        if owner is None:
            problem = DocumentProblem(
                found.location,
                "unknown_sender",
                f"The sender id {_sender_of(read, found)!r} belongs to no partner this client may send for: add it "
                "to the partner's profile (identifiers.edi), or name the partner (partner=…).",
            )
            return InboundOrderOutcome(found.reference, found.location, "rejected", None, (problem.to_data(),))
        body = json.dumps({**found.order, "partner": owner.code}, default=_json_value).encode()
        result = self._intake.submit(
            Submission(
                body=body,
                content_type="application/json",
                channel=document.channel,
                correlation_id=document.correlation_id or message.message_id,
                client_id=document.client_id,
                allowed_partners=document.allowed_partners,
            )
        )
        return _order_outcome(found, result)

    def _order_partner(self, document: InboundDocument, read: ReadDocument, found: DocumentOrder) -> Partner | None:
        for identifier in _identifiers_of(read, found):
            partner = self._reference_data.partner_by_identifier(identifier)
            if partner is not None:
                return partner if self._allowed(document, partner.code) else None
        return None

    # ---- acknowledgements in ----

    def _acknowledgement(
        self, document: InboundDocument, message: InboundMessage, format_name: str, named: Partner | None
    ) -> InboundOutcome:
        found = self._uow.run(
            lambda uow: self._acks.match(
                uow,
                format_name,
                document.data,
                named=named,
                allowed=document.allowed_partners,
                message_id=message.message_id,
                correlation_id=document.correlation_id,
            )
        )
        partner = found.partner
        return self._finish(
            message,
            format_name,
            self._reference_data.partner(partner) if partner else None,
            (),
            list(found.problems),
            acknowledged=found.matched,
        )

    # ---- the end: acknowledgement back, the raw message's outcome ----

    def _finish(
        self,
        message: InboundMessage,
        format_name: str | None,
        partner: Partner | None,
        orders: tuple[InboundOrderOutcome, ...],
        problems: list[DocumentProblem],
        *,
        read: ReadDocument | None = None,
        acknowledged: tuple[dict[str, Any], ...] = (),
        not_found: bool = False,
    ) -> InboundOutcome:
        ack_partner = partner

        def finish(uow: UnitOfWork) -> InboundOutcome:
            acks: tuple[str, ...] = ()
            if read is not None:
                acks, unwritten = self._issue_acks(uow, read, ack_partner, message)
                problems.extend(unwritten)
            outcome = InboundOutcome(
                message_id=message.message_id,
                format=format_name,
                partner=ack_partner.code if ack_partner else None,
                orders=orders,
                problems=tuple(problem.to_data() for problem in problems),
                acknowledgement=acks[0] if acks else None,
                acknowledgements=acks,
                acknowledged=acknowledged,
                not_found=not_found,
            )
            uow.messages.update(
                replace(
                    message,
                    partner=None if not_found else outcome.partner,
                    outcome=_message_outcome(outcome),
                    order_ids=tuple(dict.fromkeys(o.order_id for o in orders if o.order_id)),
                    detail={**message.detail, "inbound": outcome.to_data()},
                    processed_at=self._clock.now(),
                )
            )
            return outcome

        return self._uow.run(finish)

    def _issue_acks(
        self, uow: UnitOfWork, read: ReadDocument, partner: Partner | None, message: InboundMessage
    ) -> tuple[tuple[str, ...], list[DocumentProblem]]:
        """One 997/999 per X12 document, one CONTRL per EDIFACT interchange (an e-mail's EDI attachments too).

        An acknowledgement that cannot be written (an envelope id X12 cannot carry back) is a problem of the
        document, not a failure of it: the orders taken stay taken. A re-run of an archived document sends
        none: the partner had its acknowledgement when the document first came in.
        """
        if partner is None or partner.documents.functional_ack is FunctionalAck.NONE or message.channel == RERUN:
            return (), []
        ids: list[str] = []
        problems: list[DocumentProblem] = []
        for part in _edi_parts(read):
            try:
                ids.extend(self._ack(uow, part, partner, message))
            except (ValueError, KeyError) as exc:  # X12WriteError is a ValueError
                _log.warning("acknowledgement not written", message_id=message.message_id, error=str(exc))
                problems.append(
                    DocumentProblem(
                        "the document",
                        "acknowledgement_not_written",
                        f"The functional acknowledgement could not be written ({exc}); the orders were handled, "
                        "but the partner gets no 997/999/CONTRL for this document.",
                    )
                )
        return tuple(ids), problems

    def _ack(self, uow: UnitOfWork, read: ReadDocument, partner: Partner, message: InboundMessage) -> tuple[str, ...]:
        setting = partner.documents.functional_ack
        now = self._clock.now()
        if read.format == "x12":
            kind = _x12_kind(read, setting)
            writer = write_997 if kind == "997" else write_999

            def write_x12(number: int) -> bytes:
                envelope = reply_envelope(
                    read, interchange_control_number=number, group_control_number=number, created_at=now
                )
                return writer(read, envelope)

            issued = self._issuer.issue(
                uow,
                Issue(partner.code, kind, "x12", write_x12, message.message_id, message.correlation_id),
            )
            return (issued.document_id,)
        ids = []
        for index in range(len(read.details["interchanges"])):

            def write_edifact(number: int, index: int = index) -> bytes:
                return write_contrl(read, interchange_reference=str(number), prepared_at=now, index=index)

            issued = self._issuer.issue(
                uow,
                Issue(partner.code, "CONTRL", "edifact", write_edifact, message.message_id, message.correlation_id),
            )
            ids.append(issued.document_id)
        return tuple(ids)


def _x12_kind(read: ReadDocument, setting: FunctionalAck) -> str:
    if setting is FunctionalAck.X12_997:
        return "997"
    if setting is FunctionalAck.X12_999:
        return "999"
    details = read.details
    version = details.get("version") or str(details.get("interchange_version", "")) + "0"
    return "999" if str(version)[:6] >= "005010" else "997"


def _read_edi(format_name: str, data: bytes) -> ReadDocument:
    """X12 or EDIFACT read; bytes that are not readable at all become one located problem."""
    try:
        return read_x12(data) if format_name == "x12" else read_edifact(data)
    except X12Error as exc:
        return ReadDocument("x12", None, problems=(DocumentProblem(exc.location, _code(exc), exc.message),))
    except EdifactError as exc:
        return ReadDocument("edifact", None, problems=(exc.problem,))


def _code(error: X12Error) -> str:
    return "too_large" if isinstance(error, X12LimitExceeded) else "unreadable_x12"


def _read_json(data: bytes) -> ReadDocument:
    try:
        order = json.loads(data)
    except (ValueError, RecursionError) as exc:
        problem = DocumentProblem("the document", "invalid_json", f"The document is not valid JSON: {exc}.")
        return ReadDocument("json", None, problems=(problem,))
    if not isinstance(order, dict):
        problem = DocumentProblem("$", "invalid_json", "A JSON order is an object; send one order per document.")
        return ReadDocument("json", None, problems=(problem,))
    partner = order.get("partner")
    reference = str(order.get("po_number") or "order")
    found = DocumentOrder(order, "the order", reference)
    return ReadDocument("json", str(partner) if isinstance(partner, str) else None, (found,))


def _edi_parts(read: ReadDocument) -> list[ReadDocument]:
    """The X12 and EDIFACT documents read: the document itself, or an e-mail's EDI attachments."""
    if read.format in {"x12", "edifact"}:
        return [read] if read.details.get("interchanges") else []
    if read.format == "email":
        return [
            ReadDocument(entry["format"], entry["sender"], details=entry["details"])
            for entry in read.details.get("documents", [])
            if entry["format"] in {"x12", "edifact"} and entry["details"].get("interchanges")
        ]
    return []


def _refused_envelopes(read: ReadDocument) -> dict[str, tuple[dict[str, Any], ...]]:
    refused: dict[str, tuple[dict[str, Any], ...]] = {}
    for part in _edi_parts(read):
        refused.update(_refused_in(part))
    return refused


def _refused_in(read: ReadDocument) -> dict[str, tuple[dict[str, Any], ...]]:
    """Orders whose envelope the functional acknowledgement rejects, with the envelope's problems.

    An X12 group with a broken trailer (missing GE, wrong count or control number) is rejected by the
    997/999 (AK9 R); an EDIFACT interchange with envelope problems by the CONTRL (UCI 4). Its orders are
    not taken either, so that what lightsoff answers and what it does agree: the partner resends them.
    """
    refused: dict[str, tuple[dict[str, Any], ...]] = {}
    if read.format == "x12":
        for interchange in read.details.get("interchanges", []):
            for group in interchange["groups"]:
                problems = tuple(_located(p) for p in group["problems"] if p["code"] in X12_GROUP_ERROR_CODES)
                if problems:
                    refused.update((entry["reference"], problems) for entry in group["sets"])
    elif read.format == "edifact":
        for interchange in read.details.get("interchanges", []):
            problems = tuple(_located(p) for p in interchange["problems"])
            if problems:
                refused.update(
                    (f"{interchange['reference']}/{message['reference']}", problems)
                    for message in interchange["messages"]
                )
    return refused


def _located(problem: dict[str, Any]) -> dict[str, Any]:
    return {"location": problem["location"], "code": problem["code"], "message": problem["message"]}


def _identifiers_of(read: ReadDocument, found: DocumentOrder) -> list[str]:
    details = read.details
    if read.format == "x12":
        control = found.reference.split("/")[0]
        for interchange in details.get("interchanges", []):
            if interchange.get("control_number") == control:
                return [interchange["sender"]]
        return [read.sender] if read.sender else []
    if read.format == "edifact":
        entry = details.get("orders", {}).get(found.reference, {})
        ids = [entry.get("sender", {}).get("id")]
        buyer = entry.get("buyer")
        ids.append(buyer.get("id") if isinstance(buyer, dict) else buyer)
        return [str(value) for value in ids if value]
    if read.format == "json":
        return []
    return [read.sender] if read.sender else []


def _sender_of(read: ReadDocument, found: DocumentOrder) -> str:
    ids = _identifiers_of(read, found)
    return ids[0] if ids else "(none)"


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _order_outcome(found: DocumentOrder, result: IntakeResult) -> InboundOrderOutcome:
    problems: list[dict[str, Any]] = [
        {"location": f"{found.location}, {problem.path}", **problem.to_data()} for problem in result.problems
    ]
    if result.conflict_reason:
        problems.append({"location": found.location, "code": str(result.conflict), "message": result.conflict_reason})
    order_id = result.order.order_id if result.order else None
    return InboundOrderOutcome(
        found.reference,
        found.location,
        _STATUS.get(result.outcome, "failed"),
        order_id,
        tuple(problems),
        tuple(case.exception_id for case in result.exceptions),
        result.message_id,
    )


def _message_outcome(outcome: InboundOutcome) -> MessageOutcome:
    statuses = {order.status for order in outcome.orders}
    if outcome.failed:
        return MessageOutcome.REJECTED
    if outcome.acknowledged:
        return MessageOutcome.ACCEPTED
    if "held" in statuses:
        return MessageOutcome.HELD
    if statuses == {"duplicate"}:
        return MessageOutcome.DUPLICATE
    if not outcome.orders:
        return MessageOutcome.REJECTED
    return MessageOutcome.ACCEPTED


__all__ = [
    "FORMATS",
    "DocumentIntake",
    "InboundDocument",
    "InboundOrderOutcome",
    "InboundOutcome",
]
