"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from lightsoff.api.deps import LightsoffDep
from lightsoff.api.schemas import HealthRead

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> HealthRead:
    return HealthRead(status="ok")


@router.get(
    "/readyz",
    summary="The database answers and its schema is current",
    responses={503: {"model": HealthRead}},
)
async def readyz(lightsoff: LightsoffDep, response: Response) -> HealthRead:
    try:
        current = await run_in_threadpool(lightsoff.is_ready)
    except SQLAlchemyError as exc:
        response.status_code = 503
        return HealthRead(status="unavailable", checks={"database": f"unreachable: {type(exc).__name__}"})
    if not current:
        response.status_code = 503
        return HealthRead(
            status="unavailable",
            checks={"database": "ok", "migrations": "behind: run `lightsoff db upgrade`"},
        )
    return HealthRead(status="ready", checks={"database": "ok", "migrations": "current"})
