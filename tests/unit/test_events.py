"""Event types: versioned names, and upcasting of stored old versions when they are read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lightsoff.domain import events
from lightsoff.domain.events import OrderValidated, cloudevents_type, decode, event_names


def test_cloudevents_type_carries_the_version() -> None:
    assert cloudevents_type("order.received", 1) == "lightsoff.order.received.v1"


def test_the_catalogue_names_every_business_event() -> None:
    assert event_names() == [
        "document.acknowledged",
        "document.delivered",
        "document.issued",
        "exception.acknowledged",
        "exception.commented",
        "exception.dismissed",
        "exception.escalated",
        "exception.raised",
        "exception.resolved",
        "order.allocated",
        "order.amended",
        "order.cancelled",
        "order.corrected",
        "order.held",
        "order.line_rejected",
        "order.merged",
        "order.received",
        "order.rejected",
        "order.validated",
        "shipment.confirmed",
        "subscription.disabled",
    ]


def test_an_old_version_is_upcast_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend order.validated is at v2, whose data renamed ``skus`` (v1) to ``lines``."""

    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        return {"order_id": data["order_id"], "lines": data["skus"]}

    monkeypatch.setattr(OrderValidated, "version", 2)
    monkeypatch.setitem(events.UPCASTERS, ("order.validated", 1), v1_to_v2)
    event = decode("order.validated", 1, {"order_id": "SO-1", "skus": [{"line_no": 1, "sku": "A"}]})
    assert event == OrderValidated("SO-1", {1: "A"})


def test_a_missing_upcaster_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OrderValidated, "version", 3)
    with pytest.raises(KeyError):
        decode("order.validated", 1, {"order_id": "SO-1", "lines": []})


def test_docs_events_md_describes_every_event() -> None:
    catalogue = (Path(__file__).parents[2] / "docs" / "events.md").read_text()
    missing = [name for name in event_names() if f"| `{name}` |" not in catalogue]
    assert not missing, f"docs/events.md's catalogue lacks {missing}"
