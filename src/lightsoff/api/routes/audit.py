"""/v1/audit: the audit trail, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lightsoff.api.deps import AuditReader, LightsoffDep
from lightsoff.api.routes.events import MAX_POSITION
from lightsoff.api.schemas import AuditPageRead, AuditRecordRead, ProblemRead
from lightsoff.domain.errors import NotFound

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "",
    summary="Audit entries after a sequence number, oldest first",
    description="The log spans every partner, so a client confined to partners cannot see it (404).",
    responses={404: {"model": ProblemRead}},
)
def audit_entries(
    lightsoff: LightsoffDep,
    caller: AuditReader,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPageRead:
    if caller.partners is not None:
        raise NotFound("audit log", "for a client confined to partners")
    records = lightsoff.security.audit.read(after=after, limit=limit)
    return AuditPageRead(
        items=[AuditRecordRead.of(record) for record in records],
        next_after=records[-1].sequence if records else after,
    )
