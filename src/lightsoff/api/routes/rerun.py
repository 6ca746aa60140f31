"""/v1/inbound/{message_id}/rerun: an archived inbound document run again through today's configuration.

Needs ``documents:write``; a client confined to partners finds only their documents (others answer 404).
With ``dry_run=true`` nothing is kept: the answer says what the document would become now.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Security
from pydantic import BaseModel, Field

from lightsoff.api.deps import LightsoffDep
from lightsoff.api.schemas import ProblemRead
from lightsoff.api.security import authorize
from lightsoff.domain.security import Principal, Scope
from lightsoff.services.rerun import RerunReport

DocumentsWriter = Annotated[Principal, Security(authorize, scopes=[Scope.DOCUMENTS_WRITE])]
router = APIRouter(prefix="/v1/inbound", tags=["inbound"])


class RerunLine(BaseModel):
    line_no: int
    customer_sku: str | None
    sku: str | None = Field(description="the SKU the line resolved to (code list, GTIN), or null")
    quantity: str
    uom: str
    rejected: str | None = Field(description="why the line was rejected, or null")


class RerunException(BaseModel):
    exception_id: str
    category: str


class RerunSide(BaseModel):
    status: str = Field(description="accepted, held, rejected, duplicate or failed")
    order_id: str | None
    lines: list[RerunLine]
    exceptions: list[RerunException]
    problems: list[dict[str, Any]]


class RerunOrder(BaseModel):
    reference: str = Field(description="the order's control numbers (X12, EDIFACT) or sheet rows")
    location: str
    then: RerunSide | None = Field(description="what it became when the document arrived; null: not in it then")
    now: RerunSide | None = Field(description="what it becomes now; null: the document no longer holds it")
    changes: list[str] = Field(description="what differs, for a person")


class RerunOutcome(BaseModel):
    outcome: str
    problems: list[dict[str, Any]] = Field(description="document-level located problems")


class RerunRead(BaseModel):
    message_id: str
    dry_run: bool
    rerun_message_id: str | None = Field(description="the re-run's own archived message; null for a dry run")
    changed: bool
    then: RerunOutcome
    now: RerunOutcome
    orders: list[RerunOrder]
    acknowledgement: str | None = Field(description="the functional acknowledgement the re-run issued, if any")

    @classmethod
    def of(cls, report: RerunReport) -> RerunRead:
        return cls.model_validate(report.to_data())


@router.post(
    "/{message_id}/rerun",
    summary="Run an archived inbound document again through today's mappings and rules (or dry)",
    responses={404: {"model": ProblemRead}},
)
def rerun_document(
    message_id: Annotated[str, Path(max_length=64, description="the archived document's message id")],
    lightsoff: LightsoffDep,
    caller: DocumentsWriter,
    dry_run: Annotated[bool, Query(description="change nothing; say what it would become now")] = False,
) -> RerunRead:
    report = lightsoff.rerun.rerun(message_id, dry_run=dry_run, partners=caller.partners, client_id=caller.subject)
    return RerunRead.of(report)
