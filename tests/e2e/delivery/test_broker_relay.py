"""The relay publishing to NATS JetStream: one message per event, even when the relay sends it again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from nats.aio.client import Client as NatsClient

from lightsoff.bootstrap import Lightsoff
from lightsoff.delivery_runtime import RelayThread
from lightsoff.domain.subscriptions import DeliveryStatus, SubscriptionKind
from lightsoff.services.subscriptions import NewSubscription
from tests.e2e.delivery.conftest import wait_for
from tests.e2e.delivery.test_relay import orders
from tests.integration.delivery.conftest import NATS_URL, anyio_backend, connection, streams  # noqa: F401

pytestmark = pytest.mark.anyio
MakeLightsoff = Callable[..., Lightsoff]
StartRelay = Callable[[Lightsoff], RelayThread]


def all_delivered(app: Lightsoff, subscription_id: str, count: int) -> Callable[[], bool]:
    def check() -> bool:
        deliveries = app.delivery.subscriptions.deliveries(subscription_id, limit=1000)
        return len(deliveries) == count and all(d.status is DeliveryStatus.DELIVERED for d in deliveries)

    return check


async def test_each_event_is_stored_once_in_the_stream_even_when_sent_again(
    make_lightsoff: MakeLightsoff,
    relay_thread: StartRelay,
    connection: NatsClient,  # noqa: F811
    streams: list[str],  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:12]
    stream, prefix = f"TEST_{tag}", f"t{tag}.lightsoff"
    streams.append(stream)
    app = make_lightsoff(broker_url=NATS_URL, broker_stream=stream, broker_subject_prefix=prefix)
    subscription = app.delivery.subscriptions.create(NewSubscription(SubscriptionKind.BROKER, prefix))
    relay_thread(app)
    sent = orders(app, streams=4, versions=3)
    check = all_delivered(app, subscription.subscription_id, len(sent))
    await asyncio.to_thread(wait_for, check, 60, "published")
    queued = app.delivery.subscriptions.resend(subscription.subscription_id, 1, 10_000)  # as after a crash
    assert queued == len(sent)
    await asyncio.to_thread(wait_for, check, 60, "published again")
    info = await connection.jetstream().stream_info(stream)
    assert info.state.messages == len(sent)
    attempts = [
        attempt
        for delivery in app.delivery.subscriptions.deliveries(subscription.subscription_id, limit=1000)
        for attempt in app.delivery.store.attempts(delivery.delivery_id)
    ]
    assert sum(attempt.detail.endswith("(duplicate)") for attempt in attempts) == len(sent)
    subjects = {f"{prefix}.order.received.v1"}
    message = await connection.jetstream().get_msg(stream, 1)
    assert message.subject in subjects
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] in sent
