"""The CloudEvents 1.0 JSON envelope (structured mode) that webhooks and the broker carry.

It is the very shape ``GET /v1/events`` returns (``api.schemas.EventRead``), byte for byte, so a consumer
parses one format whether it pulls or is pushed to; a test holds the two together. It is built here
rather than by importing the API's schema because delivery must not depend on the HTTP layer.

Encode an event once and send those bytes on every attempt: a webhook signature covers the exact bytes.
"""

from __future__ import annotations

from typing import Any

import orjson

from lightsoff.domain.events import RecordedEvent

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"


def cloudevent(event: RecordedEvent, source: str) -> dict[str, Any]:
    """The envelope as a dict, attributes in the API's order; ``position``, ``streamversion`` and ``partner``
    are extensions (``partner`` lets a consumer route by customer without parsing ``data``)."""
    return {
        "specversion": SPEC_VERSION,
        "id": event.event_id,
        "source": source,
        "type": event.type,
        "subject": event.stream_id,
        "time": event.occurred_at,
        "datacontenttype": "application/json",
        "data": event.data,
        "correlationid": event.correlation_id,
        "causationid": event.causation_id,
        "position": event.position,
        "streamversion": event.stream_version,
        "partner": event.partner,
    }


def encode(event: RecordedEvent, source: str) -> bytes:
    """Compact JSON with UTC times ending in ``Z``, as the API writes them."""
    return orjson.dumps(cloudevent(event, source), option=orjson.OPT_UTC_Z)
