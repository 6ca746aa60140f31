"""The JetStream publisher against the NATS server on 127.0.0.1:4222.

Each test gets its own stream and subject prefix (streams may not overlap in subjects, and other runs
may share the server), and deletes the stream afterwards.
"""

from __future__ import annotations

import uuid

import orjson
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from lightsoff.delivery import envelope
from lightsoff.delivery.broker import MSG_ID_HEADER, JetStreamPublisher, PublishAck
from lightsoff.domain.errors import BrokerRejected, BrokerUnavailable
from tests.integration.delivery.conftest import NATS_URL, unique_settings
from tests.integration.delivery.events import SOURCE, recorded_event
from tests.integration.delivery.receiver import free_port

pytestmark = pytest.mark.anyio


async def test_an_event_lands_in_the_stream_on_the_subject_of_its_type(
    publisher: JetStreamPublisher, js: JetStreamContext
) -> None:
    event = recorded_event("order.received", 1)
    ack = await publisher.publish(event)

    prefix = publisher.settings.subject_prefix
    assert ack == PublishAck(stream=publisher.settings.name, sequence=1, duplicate=False)
    stored = await js.get_msg(publisher.settings.name, seq=1)
    assert stored.subject == f"{prefix}.order.received.v1"
    assert stored.data == envelope.encode(event, SOURCE)
    assert stored.headers is not None
    assert stored.headers[MSG_ID_HEADER] == event.event_id
    assert stored.headers["Content-Type"] == "application/cloudevents+json"


async def test_publishing_the_same_event_twice_stores_it_once(
    publisher: JetStreamPublisher, js: JetStreamContext
) -> None:
    event, other = recorded_event(), recorded_event()

    first = await publisher.publish(event)
    again = await publisher.publish(event)
    third = await publisher.publish(other)

    assert (first.sequence, first.duplicate) == (1, False)
    assert (again.sequence, again.duplicate) == (1, True)
    assert (third.sequence, third.duplicate) == (2, False)
    info = await js.stream_info(publisher.settings.name)
    assert info.state.messages == 2


async def test_a_durable_pull_consumer_reads_back_the_exact_envelope(
    publisher: JetStreamPublisher, js: JetStreamContext
) -> None:
    prefix, stream = publisher.settings.subject_prefix, publisher.settings.name
    received, held = recorded_event("order.received", 1), recorded_event("order.held", 1)
    exception = recorded_event("exception.raised", 2)
    for event in (received, exception, held):
        await publisher.publish(event)

    orders = await js.pull_subscribe(f"{prefix}.order.>", durable="orders", stream=stream)
    messages = await orders.fetch(10, timeout=2)
    for message in messages:
        await message.ack_sync()

    assert [message.subject for message in messages] == [f"{prefix}.order.received.v1", f"{prefix}.order.held.v1"]
    assert [message.data for message in messages] == [envelope.encode(e, SOURCE) for e in (received, held)]
    assert orjson.loads(messages[0].data)["type"] == "lightsoff.order.received.v1"
    info = await orders.consumer_info()
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    await orders.unsubscribe()

    versioned = await js.pull_subscribe(f"{prefix}.*.*.v2", durable="v2", stream=stream)
    [only] = await versioned.fetch(10, timeout=2)
    assert only.subject == f"{prefix}.exception.raised.v2"
    await only.ack_sync()
    await versioned.unsubscribe()


async def test_ensure_stream_is_idempotent_and_widens_a_stream_set_up_otherwise(
    connection: NatsClient, js: JetStreamContext, streams: list[str]
) -> None:
    settings = unique_settings()
    streams.append(settings.name)
    narrow, unrelated = f"{settings.subject_prefix}.order.received.v1", f"x{uuid.uuid4().hex[:8]}.audit"
    await js.add_stream(name=settings.name, subjects=[narrow, unrelated], storage="memory", duplicate_window=10)

    publisher = JetStreamPublisher(connection, settings, SOURCE)
    await publisher.ensure_stream()
    await publisher.ensure_stream()

    config = (await js.stream_info(settings.name)).config
    assert set(config.subjects or []) == {unrelated, f"{settings.subject_prefix}.>"}
    assert config.duplicate_window == settings.duplicate_window.total_seconds()
    assert (await publisher.publish(recorded_event("order.held"))).sequence == 1


async def test_publishing_with_no_stream_for_the_subject_is_transient(connection: NatsClient) -> None:
    publisher = JetStreamPublisher(connection, unique_settings(), SOURCE, timeout=1.0)

    with pytest.raises(BrokerUnavailable) as raised:
        await publisher.publish(recorded_event())
    assert raised.value.transient


async def test_a_subject_caught_by_another_stream_is_refused_for_good(
    publisher: JetStreamPublisher, connection: NatsClient
) -> None:
    """Nats-Expected-Stream: a message must land in our stream, not in whichever stream claims the subject."""
    settings = unique_settings(
        name=f"{publisher.settings.name}_OTHER", subject_prefix=publisher.settings.subject_prefix
    )
    elsewhere = JetStreamPublisher(connection, settings, SOURCE)

    with pytest.raises(BrokerRejected) as raised:
        await elsewhere.publish(recorded_event())
    assert not raised.value.transient
    assert "expected stream" in str(raised.value).lower()


async def test_a_message_over_the_servers_payload_limit_is_refused_for_good(
    publisher: JetStreamPublisher, connection: NatsClient
) -> None:
    body = b"x" * (connection.max_payload + 1)
    with pytest.raises(BrokerRejected):
        await publisher.publish_envelope(f"{publisher.settings.subject_prefix}.big.v1", "evt_big", body)


async def test_a_server_that_is_not_there_is_transient() -> None:
    with pytest.raises(BrokerUnavailable) as raised:
        await JetStreamPublisher.connect(f"nats://127.0.0.1:{free_port()}", unique_settings(), SOURCE, timeout=1)
    assert raised.value.transient


async def test_the_publisher_it_connected_closes_its_connection(streams: list[str]) -> None:
    settings = unique_settings()
    streams.append(settings.name)
    async with await JetStreamPublisher.connect(NATS_URL, settings, SOURCE) as publisher:
        await publisher.ensure_stream()
        assert (await publisher.publish(recorded_event())).sequence == 1

    with pytest.raises(BrokerUnavailable):
        await publisher.publish(recorded_event())
