"""The consumer example in docs/broker.md reads and acknowledges what the publisher sends."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from lightsoff.delivery.broker import JetStreamPublisher
from tests.integration.delivery.events import recorded_event
from tests.unit.delivery.docs_examples import run_python_example

pytestmark = pytest.mark.anyio


async def test_the_consumer_example_handles_and_acknowledges_each_event(
    publisher: JetStreamPublisher, connection: NatsClient
) -> None:
    handle_batch = run_python_example("broker.md", "consumer")["handle_batch"]
    events = [recorded_event("order.received"), recorded_event("exception.raised"), recorded_event("order.held")]
    for event in events:
        await publisher.publish(event)
    js = connection.jetstream()
    prefix, stream = publisher.settings.subject_prefix, publisher.settings.name
    orders = await js.pull_subscribe(f"{prefix}.order.>", durable="erp-orders", stream=stream)
    handled: list[dict[str, Any]] = []

    count = await handle_batch(orders, handled.append, wait=2.0)
    await connection.flush()

    assert count == 2
    assert [event["id"] for event in handled] == [events[0].event_id, events[2].event_id]
    assert [event["type"] for event in handled] == ["lightsoff.order.received.v1", "lightsoff.order.held.v1"]
    info = await orders.consumer_info()
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    await orders.unsubscribe()
