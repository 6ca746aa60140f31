"""/v1/inbound: a document as a partner's system wrote it (X12, EDIFACT, CSV, XLSX, e-mail), the body as sent.

Needs ``documents:write``. The format is detected from the content unless ``format`` names it; the
partner comes from the envelope's sender id, the mail's From address, or ``partner``. The answer
lists what each order in the document became and names the acknowledgement issued back. A document
nothing could be taken from answers 422 with its located problems; the raw document is archived in
every case (``message_id``). A partner that does not exist, or is not the caller's, is a 404.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, Security
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from lightsoff.api.deps import CorrelationIdDep, LightsoffDep
from lightsoff.api.problems import problem_response
from lightsoff.api.schemas import InvalidRequestRead, ProblemRead
from lightsoff.api.security import authorize
from lightsoff.domain.security import Principal, Scope
from lightsoff.services.inbound import InboundDocument, InboundOutcome

DocumentsWriter = Annotated[Principal, Security(authorize, scopes=[Scope.DOCUMENTS_WRITE])]
router = APIRouter(prefix="/v1/inbound", tags=["documents"])


class InboundFormat(StrEnum):
    X12 = "x12"
    EDIFACT = "edifact"
    CSV = "csv"
    XLSX = "xlsx"
    EMAIL = "email"
    JSON = "json"


class DocumentProblemRead(BaseModel):
    location: str = Field(description="where: segment number and tag, or sheet, row and column")
    code: str = Field(description="stable, for programs: count_mismatch, missing_header, unknown_sender…")
    message: str = Field(description="for a person: what is wrong and how to fix it")


class InboundOrderRead(BaseModel):
    reference: str = Field(description="the order's control numbers in the document, or its sheet rows")
    location: str = Field(description="where in the document, for a person")
    status: str = Field(description="accepted, held, rejected, duplicate or failed")
    order_id: str | None = Field(description="the canonical order id, when the order exists")
    problems: list[dict[str, Any]] = Field(description="why it was rejected: located problems or field errors")
    exceptions: list[str] = Field(description="the exception cases holding it")
    message_id: str | None = Field(description="the archived canonical order (GET /v1/messages/{id})")


class AcknowledgedRead(BaseModel):
    document_id: str
    kind: str
    control_number: str
    status: str = Field(description="accepted or rejected")
    errors: list[str]


class InboundRead(BaseModel):
    message_id: str = Field(description="the archived raw document (GET /v1/messages/{id})")
    format: str | None = Field(description="x12, edifact, csv, xlsx, email, json; null when unknown")
    partner: str | None
    orders: list[InboundOrderRead]
    problems: list[DocumentProblemRead] = Field(description="problems with the document as a whole")
    acknowledgement: str | None = Field(description="the 997/999/CONTRL issued back (GET /v1/documents/{id})")
    acknowledgements: list[str] = Field(description="every acknowledgement issued (one CONTRL per interchange)")
    acknowledged: list[AcknowledgedRead] = Field(
        description="when the document was a 997/999/CONTRL: the documents it acknowledged"
    )


class InvalidDocumentRead(ProblemRead):
    errors: list[DocumentProblemRead]
    orders: list[InboundOrderRead]
    message_id: str


INBOUND_BODY = {
    "requestBody": {
        "required": True,
        "description": "The document exactly as the partner's system wrote it, any content type",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "",
    status_code=202,
    summary="Submit a document: X12 850, EDIFACT ORDERS, CSV, XLSX, e-mail, or a 997/999/CONTRL",
    openapi_extra=INBOUND_BODY,
    responses={
        200: {"model": InboundRead, "description": "Nothing new: every order was a duplicate"},
        202: {"model": InboundRead, "description": "Read: what each order became, the acknowledgement issued"},
        404: {"model": ProblemRead, "description": "No such partner, or not one the caller may send for"},
        413: {"model": ProblemRead, "description": "Document too large"},
        422: {
            "model": InvalidDocumentRead | InvalidRequestRead,
            "description": "Nothing could be taken from the document: its located problems (it is archived); "
            "or a malformed parameter",
        },
    },
)
async def submit_document(
    request: Request,
    lightsoff: LightsoffDep,
    correlation_id: CorrelationIdDep,
    caller: DocumentsWriter,
    format: Annotated[
        InboundFormat | None, Query(description="the format; detected from the content if absent")
    ] = None,
    partner: Annotated[
        str | None, Query(min_length=1, max_length=35, description="the partner; else from the envelope or sender")
    ] = None,
    filename: Annotated[
        str | None, Query(min_length=1, max_length=255, description="the file's name, kept and used as a hint")
    ] = None,
) -> Response:
    document = InboundDocument(
        data=await request.body(),
        filename=filename,
        content_type=request.headers.get("content-type"),
        format=format.value if format else None,
        partner=partner,
        channel="api",
        allowed_partners=caller.partners,
        client_id=caller.subject,
        correlation_id=correlation_id,
    )
    outcome = await run_in_threadpool(lightsoff.inbound.receive, document)
    request.state.audit_resource = f"message {outcome.message_id}"
    return inbound_response(outcome)


def inbound_response(outcome: InboundOutcome) -> Response:
    data = outcome.to_data()
    if outcome.not_found:
        detail = outcome.problems[0]["message"] if outcome.problems else "No such partner."
        return problem_response("not-found", detail, message_id=outcome.message_id)
    if outcome.failed:
        count = len(outcome.problems) + sum(len(order.problems) for order in outcome.orders)
        return problem_response(
            "invalid-document",
            f"Nothing could be taken from the document ({count} problem{'s' if count != 1 else ''}); it is "
            f"archived as message {outcome.message_id}. Fix what `errors` and `orders` say and send it again.",
            errors=data["problems"],
            orders=data["orders"],
            message_id=outcome.message_id,
        )
    status = 200 if all(order.status == "duplicate" for order in outcome.orders) and outcome.orders else 202
    body = InboundRead.model_validate(data)
    return Response(body.model_dump_json(), status_code=status, media_type="application/json")
