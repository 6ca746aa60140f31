"""/v1/documents: what lightsoff sent partners, as sent (acknowledgements, order responses, ship notices).

Reading needs ``documents:read``; a client confined to partners sees only theirs (others answer 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, Security
from pydantic import BaseModel, Field

from lightsoff.api.deps import LightsoffDep
from lightsoff.api.schemas import ProblemRead
from lightsoff.api.security import authorize
from lightsoff.domain.documents import KINDS, DocumentStatus, OutboundDocument
from lightsoff.domain.security import Principal, Scope
from lightsoff.services.ports import DocumentQuery

DocumentsReader = Annotated[Principal, Security(authorize, scopes=[Scope.DOCUMENTS_READ])]
DocumentId = Annotated[str, Path(max_length=64, description="the document's canonical id, DOC-…")]
router = APIRouter(prefix="/v1/documents", tags=["documents"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ProblemRead}}


class DocumentRead(BaseModel):
    document_id: str
    partner: str
    kind: str = Field(description="997, 999, 855, 856, CONTRL, ORDRSP or DESADV")
    format: str = Field(description="x12 or edifact")
    control_number: str = Field(description="the interchange control number it carries (ISA13, UNB 0020)")
    reference: str | None = Field(description="what it answers or announces: an order, a shipment, a message")
    status: str = Field(description="issued, delivered, accepted or rejected")
    content_type: str
    size_bytes: int | None = Field(description="null in lists, which leave the bodies out")
    created_at: datetime
    updated_at: datetime | None
    detail: dict[str, Any] = Field(description="delivery and acknowledgement facts")
    acknowledged_at: datetime | None = Field(None, description="when the partner's 997/999/CONTRL for it arrived")
    unacknowledged_case: str | None = Field(
        None, description="the document_unacknowledged exception case, when none came within the partner's window"
    )

    @classmethod
    def of(cls, document: OutboundDocument, *, with_size: bool = True) -> DocumentRead:
        return cls(
            document_id=document.document_id,
            partner=document.partner,
            kind=document.kind,
            format=document.format,
            control_number=document.control_number,
            reference=document.reference,
            status=document.status.value,
            content_type=document.content_type,
            size_bytes=document.size_bytes if with_size else None,
            created_at=document.created_at,
            updated_at=document.updated_at,
            detail=document.detail,
            acknowledged_at=document.acknowledged_at,
            unacknowledged_case=document.unacknowledged_case,
        )


class DocumentList(BaseModel):
    items: list[DocumentRead]
    next_before: str | None = Field(description="pass as `before` for the next (older) page; null on the last")


@router.get("", summary="Find outbound documents, newest first")
def find_documents(
    lightsoff: LightsoffDep,
    caller: DocumentsReader,
    partner: Annotated[str | None, Query(max_length=35)] = None,
    kind: Annotated[str | None, Query(description="one of " + ", ".join(KINDS), max_length=16)] = None,
    reference: Annotated[str | None, Query(max_length=64, description="an order, shipment or message id")] = None,
    status: Annotated[list[DocumentStatus] | None, Query(description="repeat for several")] = None,
    before: Annotated[str | None, Query(max_length=64, description="the next_before of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DocumentList:
    query = DocumentQuery(
        partner=partner,
        partners=caller.partners,
        kind=kind,
        reference=reference,
        statuses=frozenset(status) if status else None,
        before=before,
        limit=limit,
    )
    documents = lightsoff.queries.find_documents(query)
    return DocumentList(
        items=[DocumentRead.of(document, with_size=False) for document in documents],
        next_before=documents[-1].document_id if len(documents) == limit else None,
    )


@router.get("/{document_id}", summary="An outbound document: to whom, what, its status", responses=_NOT_FOUND)
def get_document(document_id: DocumentId, lightsoff: LightsoffDep, caller: DocumentsReader) -> DocumentRead:
    return DocumentRead.of(lightsoff.queries.document(document_id, caller.partners))


@router.get(
    "/{document_id}/raw",
    summary="The document exactly as sent",
    response_class=Response,
    responses={200: {"content": {"*/*": {}}, "description": "the bytes, with their Content-Type"}, **_NOT_FOUND},
)
def get_raw_document(document_id: DocumentId, lightsoff: LightsoffDep, caller: DocumentsReader) -> Response:
    document = lightsoff.queries.document(document_id, caller.partners)
    extension = "edi" if document.format == "x12" else "edifact"
    return Response(
        document.body,
        media_type=document.content_type,
        headers={"Content-Disposition": f'attachment; filename="{document.document_id}.{extension}"'},
    )
