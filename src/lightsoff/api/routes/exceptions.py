"""/v1/exceptions: the cases rules could not decide, the subscriptions the relay disabled, and the people who
resolve them.

Reading needs ``exceptions:read``; acknowledging, commenting and resolving need ``exceptions:write``.
A client confined to partners sees only their cases (others answer 404). A resolution that lost a race
or no longer fits the order answers 409 saying why; wrong parameters answer 422 naming each one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Security
from pydantic import BaseModel, Field, JsonValue
from starlette.concurrency import run_in_threadpool

from lightsoff.api.deps import LightsoffDep
from lightsoff.api.schemas import ExceptionCaseRead, InvalidRequestRead, ProblemRead
from lightsoff.api.security import authorize
from lightsoff.domain.exception_cases import ACTIONS, ACTIVE_STATUSES, CaseStatus, ExceptionCase, SubjectKind
from lightsoff.domain.security import Principal, Scope
from lightsoff.services.ports import CaseQuery

ExceptionsReader = Annotated[Principal, Security(authorize, scopes=[Scope.EXCEPTIONS_READ])]
ExceptionsWriter = Annotated[Principal, Security(authorize, scopes=[Scope.EXCEPTIONS_WRITE])]
CaseId = Annotated[str, Path(max_length=64, description="the case's canonical id, EX-…")]
router = APIRouter(prefix="/v1/exceptions", tags=["exceptions"])
_ACTION_NAMES: list[JsonValue] = [name for name in sorted(ACTIONS)]  # noqa: C416 (typed as JSON for the schema)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ProblemRead}}
_CHANGES: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemRead},
    409: {"model": ProblemRead, "description": "The case is closed, or changed meanwhile"},
}


class HistoryEntryRead(BaseModel):
    at: datetime
    event: str = Field(description="exception.raised, exception.acknowledged, exception.commented…")
    by: str | None
    detail: str | None


class ResolutionRead(BaseModel):
    action: str
    parameters: dict[str, Any]
    by: str
    at: datetime


class ExceptionCaseDetailRead(ExceptionCaseRead):
    version: int = Field(description="the number of events in the case's stream")
    acknowledged_by: str | None
    escalated_at: datetime | None
    updated_at: datetime | None
    overdue: bool = Field(description="still open or acknowledged after its due time")
    resolution: ResolutionRead | None
    history: list[HistoryEntryRead] = Field(description="what happened to the case, oldest first")

    @classmethod
    def detail(cls, case: ExceptionCase, now: datetime) -> ExceptionCaseDetailRead:
        resolution = case.resolution
        return cls(
            **cls.fields_of(case),
            version=case.version,
            acknowledged_by=case.acknowledged_by,
            escalated_at=case.escalated_at,
            updated_at=case.updated_at,
            overdue=case.is_overdue(now),
            resolution=ResolutionRead(
                action=resolution.action, parameters=resolution.parameters, by=resolution.by, at=resolution.at
            )
            if resolution
            else None,
            history=[HistoryEntryRead(at=e.at, event=e.event, by=e.by, detail=e.detail) for e in case.history],
        )


class ExceptionCaseList(BaseModel):
    items: list[ExceptionCaseRead]
    next_after: str | None = Field(description="pass as `after` for the next page; null on the last page")


class CommentCreate(BaseModel):
    text: str = Field(min_length=1, max_length=4000, pattern=r"\S", description="what the person wants to say")


class ResolutionCreate(BaseModel):
    action: str = Field(description="one of the case's actions", json_schema_extra={"enum": _ACTION_NAMES})
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="the action's parameters, as the case's `actions` list them"
    )


class ResolvedRead(BaseModel):
    exception: ExceptionCaseDetailRead
    order_id: str | None = Field(
        description="the order the case held; null for a case about a subscription or a document"
    )
    order_status: str | None = Field(
        description="the order's status after the resolution and the rules that followed; null without an order"
    )
    subscription_id: str | None = Field(
        description="the subscription the case concerns (re_enable enabled it again); null for other subjects"
    )
    document_id: str | None = Field(description="the document the case concerns (close closed it); null for others")
    events: list[str] = Field(description="the events the resolution recorded, in order")


@router.get("", summary="Find exception cases (by team, category, status, partner, order, subscription, overdue)")
def find_exception_cases(
    lightsoff: LightsoffDep,
    caller: ExceptionsReader,
    team: Annotated[str | None, Query(max_length=35)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[
        list[CaseStatus] | None, Query(description="repeat for several; default: open and acknowledged")
    ] = None,
    partner: Annotated[str | None, Query(max_length=35)] = None,
    order_id: Annotated[str | None, Query(max_length=64)] = None,
    subscription_id: Annotated[
        str | None, Query(max_length=64, description="the cases about one subscription (category subscription_failing)")
    ] = None,
    overdue: Annotated[bool, Query(description="only open or acknowledged cases past their due time")] = False,
    after: Annotated[str | None, Query(max_length=64, description="the next_after of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ExceptionCaseList:
    query = CaseQuery(
        team=team,
        category=category,
        statuses=frozenset(status) if status else ACTIVE_STATUSES,
        partner=partner,
        partners=caller.partners,
        order_id=order_id,
        subscription_id=subscription_id,
        overdue_at=lightsoff.clock.now() if overdue else None,
        after=after,
        limit=limit,
    )
    cases = lightsoff.queries.find_exception_cases(query)
    return ExceptionCaseList(
        items=[ExceptionCaseRead.of(case) for case in cases],
        next_after=cases[-1].exception_id if len(cases) == limit else None,
    )


@router.get("/{exception_id}", summary="An exception case, its allowed actions and its history", responses=_NOT_FOUND)
def get_exception_case(
    exception_id: CaseId, lightsoff: LightsoffDep, caller: ExceptionsReader
) -> ExceptionCaseDetailRead:
    case = lightsoff.queries.exception_case(exception_id, caller.partners)
    return ExceptionCaseDetailRead.detail(case, lightsoff.clock.now())


@router.post("/{exception_id}/acknowledge", summary="Take the case: others see it is handled", responses=_CHANGES)
async def acknowledge_exception_case(
    exception_id: CaseId, request: Request, lightsoff: LightsoffDep, caller: ExceptionsWriter
) -> ExceptionCaseDetailRead:
    request.state.audit_resource = exception_id
    case = await run_in_threadpool(lightsoff.exceptions.acknowledge, exception_id, caller.subject, caller.partners)
    return ExceptionCaseDetailRead.detail(case, lightsoff.clock.now())


@router.post("/{exception_id}/comments", status_code=201, summary="Add a comment to the case", responses=_NOT_FOUND)
async def comment_exception_case(
    exception_id: CaseId, body: CommentCreate, request: Request, lightsoff: LightsoffDep, caller: ExceptionsWriter
) -> ExceptionCaseDetailRead:
    request.state.audit_resource = exception_id
    case = await run_in_threadpool(
        lightsoff.exceptions.comment, exception_id, caller.subject, body.text.strip(), caller.partners
    )
    return ExceptionCaseDetailRead.detail(case, lightsoff.clock.now())


@router.post(
    "/{exception_id}/resolve",
    summary="Resolve the case with one of its actions; the order resumes where it stopped (or the subscription)",
    responses={**_CHANGES, 422: {"model": InvalidRequestRead, "description": "An action or parameter that is wrong"}},
)
async def resolve_exception_case(
    exception_id: CaseId, body: ResolutionCreate, request: Request, lightsoff: LightsoffDep, caller: ExceptionsWriter
) -> ResolvedRead:
    request.state.audit_resource = exception_id
    resolved = await run_in_threadpool(
        lightsoff.exceptions.resolve, exception_id, body.action, body.parameters, caller.subject, caller.partners
    )
    return ResolvedRead(
        exception=ExceptionCaseDetailRead.detail(resolved.case, lightsoff.clock.now()),
        order_id=resolved.order.order_id if resolved.order else None,
        order_status=resolved.order.status.value if resolved.order else None,
        subscription_id=resolved.case.subscription_id,
        document_id=resolved.case.concerns(SubjectKind.DOCUMENT),
        events=list(resolved.events),
    )
