"""The delivery envelope is the API's CloudEvents envelope, byte for byte, and valid CloudEvents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lightsoff.api.schemas import EventRead
from lightsoff.delivery import envelope
from lightsoff.domain.events import RecordedEvent

SCHEMA = json.loads((Path(__file__).parents[2] / "data" / "cloudevents-1.0.schema.json").read_text(encoding="utf-8"))
SOURCE = "urn:lightsoff:test"


def recorded(**changes: Any) -> RecordedEvent:
    values: dict[str, Any] = {
        "position": 42,
        "event_id": "evt_01",
        "stream_id": "ORD-000001",
        "stream_version": 3,
        "name": "order.held",
        "version": 1,
        "occurred_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        "data": {"order_id": "ORD-000001", "exception_ids": ["EXC-1"], "lines": [{"line_no": 1, "sku": "W"}]},
        "correlation_id": "corr-1",
        "causation_id": None,
    }
    values.update(changes)
    return RecordedEvent(**values)


@pytest.mark.parametrize(
    "event",
    [
        recorded(),
        recorded(occurred_at=datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)),
        recorded(occurred_at=datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=1)))),
        recorded(data={"text": 'Grüße \u2028 "quoted" </script>', "n": 1.5, "big": 2**53, "none": None}),
        recorded(correlation_id=None, causation_id="evt_00", name="exception.raised", version=2),
    ],
)
def test_the_envelope_is_the_apis_event_byte_for_byte(event: RecordedEvent) -> None:
    assert envelope.encode(event, SOURCE) == EventRead.of(event, SOURCE).model_dump_json().encode()


def test_the_envelope_is_valid_cloudevents_json() -> None:
    document = json.loads(envelope.encode(recorded(), SOURCE))

    jsonschema.validate(document, SCHEMA)
    assert document["type"] == "lightsoff.order.held.v1"
    assert document["time"] == "2026-11-23T09:00:00Z"
    assert document["id"] == "evt_01"
