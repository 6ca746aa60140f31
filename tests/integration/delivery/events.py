"""Recorded events for delivery tests, each with a fresh id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lightsoff.domain.events import RecordedEvent

SOURCE = "urn:lightsoff:test"


def recorded_event(name: str = "order.received", version: int = 1, **changes: Any) -> RecordedEvent:
    values: dict[str, Any] = {
        "position": 1,
        "event_id": f"evt_{uuid.uuid4().hex}",
        "stream_id": "ORD-000001",
        "stream_version": 1,
        "name": name,
        "version": version,
        "occurred_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        "data": {"order_id": "ORD-000001", "note": "Grüße"},
        "correlation_id": "corr-1",
        "causation_id": None,
    }
    values.update(changes)
    return RecordedEvent(**values)
