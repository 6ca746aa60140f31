"""/v1/messages: the archive of everything received, byte for byte."""

from __future__ import annotations

import base64
import hashlib

from fastapi import APIRouter, Response

from lightsoff.api.deps import LightsoffDep, MessagesReader
from lightsoff.api.schemas import MessageRead, ProblemRead

router = APIRouter(prefix="/v1/messages", tags=["messages"])


@router.get(
    "/{message_id}",
    summary="An archived message: when, from whom, what it became",
    responses={404: {"model": ProblemRead}},
)
def get_message(message_id: str, lightsoff: LightsoffDep, caller: MessagesReader) -> MessageRead:
    return MessageRead.of(lightsoff.queries.message(message_id, caller.partners))


@router.get(
    "/{message_id}/raw",
    summary="The archived body exactly as received",
    response_class=Response,
    responses={
        200: {"content": {"*/*": {}}, "description": "the body, with its original Content-Type"},
        404: {"model": ProblemRead},
    },
)
def get_raw_message(message_id: str, lightsoff: LightsoffDep, caller: MessagesReader) -> Response:
    message = lightsoff.queries.message(message_id, caller.partners)
    digest = base64.b64encode(hashlib.sha256(message.body).digest()).decode()
    return Response(
        message.body,
        media_type=message.content_type,
        headers={
            "Repr-Digest": f"sha-256=:{digest}:",
            "Content-Disposition": f'inline; filename="{message_id}"',
        },
    )
