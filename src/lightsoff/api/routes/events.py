"""/v1/events: the global event feed, for consumers that pull."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from lightsoff.api.deps import EventsReader, LightsoffDep
from lightsoff.api.schemas import EventPageRead, EventRead
from lightsoff.domain.events import TYPE_PREFIX
from lightsoff.services.queries import EventPage

router = APIRouter(prefix="/v1/events", tags=["events"])
_NAME = r"(lightsoff\.)?[a-z_]+\.[a-z_]+(\.v[0-9]+)?"
TYPE_PATTERN = rf"^{_NAME}(,{_NAME})*$"
MAX_POSITION = 2**63 - 1
"""Positions are 64-bit integers in the database; a larger cursor is a 422, not an overflow."""
MAX_WAIT_S = 60
LONG_POLL_INTERVAL_S = 0.05


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


@router.get("", summary="The global event feed, oldest first, from a cursor; with `wait`, a long poll")
async def event_feed(
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
    wait: Annotated[
        float,
        Query(ge=0, le=MAX_WAIT_S, description="when nothing is there yet, wait up to this many seconds for it"),
    ] = 0,
) -> EventPageRead:
    def read() -> EventPage:
        return lightsoff.queries.event_feed(
            after=after, limit=limit, names=event_names(type or []), partners=caller.partners
        )

    page = await run_in_threadpool(read)
    deadline = time.monotonic() + wait
    # Polled rather than notified: events may be committed by any process (a CLI, another server).
    while not page.events and time.monotonic() < deadline:
        await asyncio.sleep(min(LONG_POLL_INTERVAL_S, max(deadline - time.monotonic(), 0)))
        page = await run_in_threadpool(read)
    source = lightsoff.settings.event_source
    return EventPageRead(items=[EventRead.of(event, source) for event in page.events], next_after=page.next_after)
