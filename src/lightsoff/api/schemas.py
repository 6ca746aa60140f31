"""What the API returns, as pydantic models (``…Read``); they are the documented contract in OpenAPI.

The request body of ``POST /v1/orders`` is ``OrderCreate``, defined with the canonical JSON format
(``lightsoff.formats.canonical_json``) because it is that format.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from lightsoff.domain.audit import AuditRecord
from lightsoff.domain.corrections import Correction
from lightsoff.domain.cross_references import CrossReference
from lightsoff.domain.customer_order import Address, ShipTo
from lightsoff.domain.events import RecordedEvent
from lightsoff.domain.exception_cases import ACTIONS, ExceptionCase, SubjectKind
from lightsoff.domain.messages import InboundMessage
from lightsoff.domain.orders import Order
from lightsoff.services.queries import OrderDetail

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: object) -> object:
    """Refuse what pydantic would guess at (``"0"`` as the Unix epoch, a time without an offset)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("give a date and time with its offset, as RFC 3339 says: 2026-11-23T08:00:00Z")
    return value


def _in_range(value: datetime) -> datetime:
    """0001-01-01T00:00:00+03:00 is a valid RFC 3339 time before the first instant Python can hold in UTC."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range: give one between the years 1 and 9999 in UTC") from None
    return value


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_in_range)]
"""A date and time given by a client, as RFC 3339 (OpenAPI's ``date-time``) and nothing looser."""


def _json_integer(value: object) -> object:
    """JSON Schema's integer is 5 or 5.0; pydantic alone would also take true and "5"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("give a whole number (a JSON number, not a string or a boolean)")
    return value


JSON_INTEGER = BeforeValidator(_json_integer)
"""Reads an integer of a request body as JSON Schema defines it: ``Annotated[int, Field(ge=1), JSON_INTEGER]``.

It goes after the ``Field`` with the bounds; before it, pydantic leaves the bounds out of the schema."""


class AddressRead(BaseModel):
    lines: list[str]
    city: str | None
    postal_code: str | None
    region: str | None
    country: str | None

    @classmethod
    def of(cls, address: Address | None) -> AddressRead | None:
        if address is None:
            return None
        return cls(
            lines=list(address.lines),
            city=address.city,
            postal_code=address.postal_code,
            region=address.region,
            country=address.country,
        )


class ShipToRead(BaseModel):
    code: str
    name: str | None
    address: AddressRead | None

    @classmethod
    def of(cls, ship_to: ShipTo) -> ShipToRead:
        return cls(code=ship_to.code, name=ship_to.name, address=AddressRead.of(ship_to.address))


class ParameterRead(BaseModel):
    name: str
    type: Literal["string", "number", "date"]
    description: str


class ActionRead(BaseModel):
    """A way to resolve a case: POST its name and parameters to /v1/exceptions/{id}/resolve."""

    name: str
    description: str
    parameters: list[ParameterRead]

    @classmethod
    def of(cls, name: str) -> ActionRead:
        spec = ACTIONS[name]
        return cls(
            name=spec.name,
            description=spec.description,
            parameters=[ParameterRead(name=p.name, type=p.type, description=p.description) for p in spec.parameters],
        )


class SuggestionRead(BaseModel):
    """What the rule would do: ``approve`` carries out this action with these parameters."""

    action: str
    parameters: dict[str, Any]


class SubjectRead(BaseModel):
    kind: str = Field(
        description="order, subscription (an operations case) or document (one the partner did not acknowledge)"
    )
    id: str


class ExceptionCaseRead(BaseModel):
    exception_id: str
    subject: SubjectRead = Field(description="what the case concerns: an order, a subscription or a document")
    order_id: str | None = Field(description="the order the case holds; null when its subject is no order")
    subscription_id: str | None = Field(description="the subscription the relay disabled; null for other subjects")
    document_id: str | None = Field(description="the document the partner did not acknowledge; null for other subjects")
    details: dict[str, Any] | None = Field(
        description="facts about the subject; for a subscription: kind, url, reason, failing_since, last_error"
    )
    line_no: int | None
    category: str = Field(description="what kind of problem; decides the owning team")
    rule: str | None = Field(description="the id of the rule that raised it (docs/rules.md)")
    severity: str
    team: str = Field(description="the team that owns the case")
    partner: str | None
    po_number: str | None
    message: str = Field(description="what is wrong, why it matters, what the options are")
    actions: list[ActionRead] = Field(description="the resolution actions this case allows, with their parameters")
    suggestion: SuggestionRead | None = Field(description="the correction the rule proposes, if it knows one")
    status: str = Field(description="open, acknowledged, resolved or dismissed")
    due_at: datetime
    raised_at: datetime

    @classmethod
    def fields_of(cls, case: ExceptionCase) -> dict[str, Any]:
        return {
            "exception_id": case.exception_id,
            "subject": SubjectRead(kind=case.subject.kind.value, id=case.subject.id),
            "order_id": case.concerns(SubjectKind.ORDER),
            "subscription_id": case.subscription_id,
            "document_id": case.concerns(SubjectKind.DOCUMENT),
            "details": case.details,
            "line_no": case.line_no,
            "category": case.category,
            "rule": case.rule,
            "severity": case.severity.value,
            "team": case.team,
            "partner": case.partner,
            "po_number": case.po_number,
            "message": case.message,
            "actions": [ActionRead.of(action) for action in case.actions],
            "suggestion": SuggestionRead(**case.suggestion) if case.suggestion else None,
            "status": case.status.value,
            "due_at": case.due_at,
            "raised_at": case.raised_at,
        }

    @classmethod
    def of(cls, case: ExceptionCase) -> ExceptionCaseRead:
        return cls(**cls.fields_of(case))


class CorrectionRead(BaseModel):
    """What lightsoff changed on the order: by a rule (auto-correct), or by a person resolving a case."""

    field: str = Field(description="JSONPath into the order as sent, e.g. $.lines[0].quantity")
    line_no: int | None
    before: str | None
    after: str | None
    rule: str = Field(description="the rule id, or exception_resolution")
    reason: str
    by: str | None = Field(description="the exception case whose resolution made the change")

    @classmethod
    def of(cls, correction: Correction) -> CorrectionRead:
        return cls(
            field=correction.field,
            line_no=correction.line_no,
            before=correction.before,
            after=correction.after,
            rule=correction.rule,
            reason=correction.reason,
            by=correction.by,
        )


class IntakeResponse(BaseModel):
    order_id: str = Field(description="the canonical order id")
    status: str = Field(description="validated, or held when an exception case waits for people")
    corrections: list[CorrectionRead] = Field(description="what the rules changed, each with field and reason")
    exceptions: list[ExceptionCaseRead] = Field(description="the open cases holding the order")
    message_id: str = Field(description="the archived message this request became")
    amended: bool = Field(False, description="the PO was known: this message amended that order")
    merged_into: str | None = Field(
        None, description="a repeat order: its lines joined this open order (order_id is that order)"
    )


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Quantity = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]
"""A quantity as a JSON number (kept exact as a Decimal inside lightsoff)."""


class OrderedItemRead(BaseModel):
    sku: str | None
    customer_sku: str | None
    gtin: str | None
    quantity: Quantity
    uom: str


class OrderLineRead(BaseModel):
    line_no: int
    sku: str | None = Field(description="our SKU, once resolved; null while the item is unknown")
    ordered_as: OrderedItemRead = Field(description="the line as the partner sent it, before corrections")
    quantity: Quantity = Field(description="what lightsoff will make and ship, after corrections")
    uom: str
    rejected: str | None = Field(description="why the line will not be made or shipped; null for a live line")


class CrossReferenceRead(BaseModel):
    system: str
    kind: str
    external_id: str

    @classmethod
    def of(cls, reference: CrossReference) -> CrossReferenceRead:
        return cls(system=reference.system, kind=reference.kind, external_id=reference.external_id)


class OrderSummaryRead(BaseModel):
    order_id: str
    status: str
    partner: str
    po_number: str
    requested_ship_date: date
    received_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, order: Order) -> OrderSummaryRead:
        return cls(
            order_id=order.order_id,
            status=order.status.value,
            partner=order.customer_order.partner,
            po_number=order.customer_order.po_number,
            requested_ship_date=order.working.requested_ship_date,
            received_at=order.received_at,
            updated_at=order.updated_at,
        )


class MergedDocumentRead(BaseModel):
    """A repeat order whose lines joined this one."""

    po_number: str
    message_id: str
    line_numbers: dict[int, int] = Field(description="line number on this order → line number on that PO")


class OrderRead(OrderSummaryRead):
    version: int = Field(description="the number of events in the order's stream")
    order_date: date
    ship_to: ShipToRead
    notes: str | None
    lines: list[OrderLineRead] = Field(description="what will be made and shipped, each with what was ordered")
    corrections: list[CorrectionRead] = Field(description="every change made to what the partner sent, and why")
    merged: list[MergedDocumentRead] = Field(description="repeat orders merged into this one")
    cancel_reason: str | None
    cross_references: list[CrossReferenceRead] = Field(description="other systems' ids for this order")
    exceptions: list[ExceptionCaseRead]
    message_ids: list[str] = Field(description="the archived messages the order came from")

    @classmethod
    def of_detail(cls, detail: OrderDetail) -> OrderRead:
        order, working = detail.order, detail.order.working
        return cls(
            **OrderSummaryRead.of(order).model_dump(),
            version=order.version,
            order_date=working.order_date,
            ship_to=ShipToRead.of(working.ship_to),
            notes=working.notes,
            lines=_lines(order),
            corrections=[CorrectionRead.of(correction) for correction in order.corrections],
            merged=[
                MergedDocumentRead(po_number=doc.po_number, message_id=doc.message_id, line_numbers=doc.line_numbers)
                for doc in order.merged
            ],
            cancel_reason=order.cancel_reason,
            cross_references=[CrossReferenceRead.of(reference) for reference in detail.cross_references],
            exceptions=[ExceptionCaseRead.of(case) for case in detail.exceptions],
            message_ids=list(order.message_ids),
        )


def _lines(order: Order) -> list[OrderLineRead]:
    """The working lines; a line's ``ordered_as`` is the partner's own line (a merged line's, as merged)."""
    sent = {line.line_no: line for line in order.customer_order.lines}
    lines = []
    for line in order.working.lines:
        ordered = sent.get(line.line_no, line)
        lines.append(
            OrderLineRead(
                line_no=line.line_no,
                sku=order.resolved_skus.get(line.line_no),
                ordered_as=OrderedItemRead(
                    sku=ordered.sku,
                    customer_sku=ordered.customer_sku,
                    gtin=ordered.gtin,
                    quantity=ordered.quantity,
                    uom=ordered.uom,
                ),
                quantity=line.quantity,
                uom=line.uom,
                rejected=order.rejected_lines.get(line.line_no),
            )
        )
    return lines


class OrderList(BaseModel):
    items: list[OrderSummaryRead]
    next_after: str | None = Field(description="pass as `after` for the next page; null on the last page")


class EventRead(BaseModel):
    """A CloudEvents 1.0 event (JSON format), with its place in the log as extension attributes."""

    model_config = ConfigDict(populate_by_name=True)

    specversion: str = "1.0"
    id: str
    source: str
    type: str = Field(description="lightsoff.<name>.v<version>, e.g. lightsoff.order.received.v1")
    subject: str = Field(description="the canonical id the event is about")
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    correlationid: str | None = Field(description="the correlation id of the request that caused it")
    causationid: str | None = Field(description="the message or event that caused it")
    position: int = Field(description="the event's position in the global log")
    streamversion: int = Field(description="the event's number within its subject's stream")
    partner: str | None = Field(description="the partner the event concerns, when there is one")

    @classmethod
    def of(cls, event: RecordedEvent, source: str) -> EventRead:
        return cls(
            id=event.event_id,
            source=source,
            type=event.type,
            subject=event.stream_id,
            time=event.occurred_at,
            data=event.data,
            correlationid=event.correlation_id,
            causationid=event.causation_id,
            position=event.position,
            streamversion=event.stream_version,
            partner=event.partner,
        )


class EventList(BaseModel):
    items: list[EventRead]


class EventPageRead(BaseModel):
    items: list[EventRead]
    next_after: int = Field(description="pass as `after` to get the events that follow")


class MessageRead(BaseModel):
    message_id: str
    received_at: datetime
    channel: str
    content_type: str
    size_bytes: int
    sha256: str
    correlation_id: str | None
    idempotency_key: str | None
    client_id: str | None
    partner: str | None
    outcome: str = Field(description="accepted, held, duplicate, rejected, conflict or failed")
    order_ids: list[str]
    detail: dict[str, Any] = Field(description="the errors of a rejection, the order a duplicate repeats…")
    processed_at: datetime | None
    raw_url: str = Field(description="the body exactly as received")

    @classmethod
    def of(cls, message: InboundMessage) -> MessageRead:
        return cls(
            message_id=message.message_id,
            received_at=message.received_at,
            channel=message.channel,
            content_type=message.content_type,
            size_bytes=len(message.body),
            sha256=message.sha256,
            correlation_id=message.correlation_id,
            idempotency_key=message.idempotency_key,
            client_id=message.client_id,
            partner=message.partner,
            outcome=message.outcome.value,
            order_ids=list(message.order_ids),
            detail=message.detail,
            processed_at=message.processed_at,
            raw_url=f"/v1/messages/{message.message_id}/raw",
        )


class ProblemRead(BaseModel):
    """RFC 9457 problem details; extension members (errors, message_id…) depend on the type."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str


class FieldErrorRead(BaseModel):
    path: str = Field(description="JSONPath into the body as sent, e.g. $.lines[2].quantity")
    code: str = Field(description="stable, for programs: required, invalid_date, unknown_field…")
    message: str = Field(description="for a person: what is wrong and how to fix it")


class InvalidOrderRead(ProblemRead):
    errors: list[FieldErrorRead]
    message_id: str


class InvalidRequestRead(ProblemRead):
    errors: list[FieldErrorRead] = Field(description="each with path like query.limit")


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="seconds")
    scope: str = Field(description="the granted scopes, space-separated")


class OAuthErrorRead(BaseModel):
    """RFC 6749 §5.2, the format OAuth clients expect from the token endpoint."""

    error: str = Field(description="invalid_client, invalid_scope, unsupported_grant_type, slow_down…")
    error_description: str


class HealthRead(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class ProblemTypeRead(BaseModel):
    type: str
    title: str
    status: int
    description: str


class AuditRecordRead(BaseModel):
    sequence: int
    at: datetime
    actor: str
    source: str
    action: str
    resource: str | None
    outcome: str
    correlation_id: str | None
    detail: dict[str, Any]
    previous_hash: str
    hash: str

    @classmethod
    def of(cls, record: AuditRecord) -> AuditRecordRead:
        entry = record.entry
        return cls(
            sequence=record.sequence,
            at=entry.at,
            actor=entry.actor,
            source=entry.source,
            action=entry.action,
            resource=entry.resource,
            outcome=entry.outcome,
            correlation_id=entry.correlation_id,
            detail=entry.detail or {},
            previous_hash=record.previous_hash,
            hash=record.hash,
        )


class AuditPageRead(BaseModel):
    items: list[AuditRecordRead]
    next_after: int
