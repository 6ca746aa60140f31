"""FastAPI dependencies, as ``Annotated`` aliases: the assembled lightsoff and the correlation id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lightsoff.bootstrap import Lightsoff


def get_lightsoff(request: Request) -> Lightsoff:
    lightsoff: Lightsoff = request.app.state.lightsoff
    return lightsoff


def get_correlation_id(request: Request) -> str:
    correlation_id: str = request.state.correlation_id
    return correlation_id


LightsoffDep = Annotated[Lightsoff, Depends(get_lightsoff)]
CorrelationIdDep = Annotated[str, Depends(get_correlation_id)]
