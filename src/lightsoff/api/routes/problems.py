"""/problems/{slug}: what each problem type means, so a ``type`` URI leads somewhere useful."""

from __future__ import annotations

from fastapi import APIRouter

from lightsoff.api.problems import PROBLEM_TYPES
from lightsoff.api.schemas import ProblemRead, ProblemTypeRead
from lightsoff.domain.errors import NotFound

router = APIRouter(prefix="/problems", tags=["problems"])


@router.get("/{slug}", summary="Describe a problem type", responses={404: {"model": ProblemRead}})
def problem_type(slug: str) -> ProblemTypeRead:
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise NotFound("problem type", slug)
    return ProblemTypeRead(
        type=problem.uri, title=problem.title, status=problem.status, description=problem.description
    )
