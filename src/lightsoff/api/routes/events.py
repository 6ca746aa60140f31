"""/v1/events: the global event feed, for consumers that pull."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from lightsoff.api.deps import EventsReader, LightsoffDep
from lightsoff.api.schemas import EventPageRead, EventRead
from lightsoff.domain.events import TYPE_PREFIX

router = APIRouter(prefix="/v1/events", tags=["events"])
_NAME = r"(lightsoff\.)?[a-z_]+\.[a-z_]+(\.v[0-9]+)?"
TYPE_PATTERN = rf"^{_NAME}(,{_NAME})*$"
MAX_POSITION = 2**63 - 1
"""Positions are 64-bit integers in the database; a larger cursor is a 422, not an overflow."""


def event_names(types: list[str]) -> list[str]:
    """``order.held`` and ``lightsoff.order.held.v1`` both name the event ``order.held``."""
    names = []
    for value in (part.strip() for given in types for part in given.split(",")):
        if not value:
            continue
        name = value.removeprefix(TYPE_PREFIX)
        head, _, tail = name.rpartition(".")
        names.append(head if head and tail.startswith("v") and tail[1:].isdigit() else name)
    return names


@router.get("", summary="The global event feed, oldest first, from a cursor")
def event_feed(
    lightsoff: LightsoffDep,
    caller: EventsReader,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="return events after this position (0: from the start)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[
        list[Annotated[str, Field(pattern=TYPE_PATTERN, max_length=500)]] | None,
        Query(description="only these event types (order.held or lightsoff.order.held.v1); repeat or comma-separate"),
    ] = None,
) -> EventPageRead:
    page = lightsoff.queries.event_feed(
        after=after, limit=limit, names=event_names(type or []), partners=caller.partners
    )
    source = lightsoff.settings.event_source
    return EventPageRead(items=[EventRead.of(event, source) for event in page.events], next_after=page.next_after)
