"""Fixtures for delivery tests: a webhook receiver on loopback, the sender with short limits, NATS streams."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import aiohttp
import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from lightsoff.delivery.broker import JetStreamPublisher, StreamSettings
from lightsoff.delivery.signing import WebhookSecret, generate_secret
from lightsoff.delivery.webhook import WebhookLimits, WebhookSender, create_client
from lightsoff.testing import FakeClock
from tests.integration.delivery.events import SOURCE
from tests.integration.delivery.receiver import HeaderTrickler, Receiver

LIMITS = WebhookLimits(connect=1.0, read=1.0, write=1.0, pool=1.0, total=2.0, excerpt_bytes=1024)
"""Short limits keep the suite fast; the behaviour under test is the same at production sizes."""

PATIENT = WebhookLimits(connect=1.0, read=5.0, write=1.0, pool=1.0, total=2.0, excerpt_bytes=1024)
"""A read timeout longer than the deadline, as in production (15 s of 30 s) relative to a byte a second:
only the total deadline can end a trickle."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def secret() -> WebhookSecret:
    return generate_secret()


@pytest.fixture
def receiver(secret: WebhookSecret, clock: FakeClock) -> Iterator[Receiver]:
    server = Receiver(secret, clock)
    yield server
    server.close()


@pytest.fixture
def header_trickler() -> Iterator[HeaderTrickler]:
    server = HeaderTrickler()
    yield server
    server.close()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_client(LIMITS) as shared:
        yield shared


@pytest.fixture
def sender(client: aiohttp.ClientSession, clock: FakeClock) -> WebhookSender:
    return WebhookSender(client, clock, LIMITS)


@pytest.fixture
def patient_sender(client: aiohttp.ClientSession, clock: FakeClock) -> WebhookSender:
    return WebhookSender(client, clock, PATIENT)


NATS_URL = os.environ.get("LIGHTSOFF_TEST_NATS_URL", "nats://127.0.0.1:4222")


def unique_settings(**changes: object) -> StreamSettings:
    tag = uuid.uuid4().hex[:12]
    values: dict[str, object] = {"name": f"TEST_{tag}", "subject_prefix": f"t{tag}.lightsoff", "storage": "memory"}
    values.update(changes)
    return StreamSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def connection() -> AsyncIterator[NatsClient]:
    client = NatsClient()
    try:
        async with asyncio.timeout(5):
            await client.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=1, reconnect_time_wait=0.5)
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        await client.close()
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"NATS at {NATS_URL} is not reachable: {exc}")
        pytest.skip(f"NATS at {NATS_URL} is not reachable: {exc}")
    yield client
    await client.close()


@pytest.fixture
async def streams(connection: NatsClient) -> AsyncIterator[list[str]]:
    """Names of streams to delete after the test."""
    names: list[str] = []
    yield names
    js = connection.jetstream()
    for name in names:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(name)


@pytest.fixture
async def publisher(connection: NatsClient, streams: list[str]) -> JetStreamPublisher:
    settings = unique_settings()
    publisher = JetStreamPublisher(connection, settings, SOURCE)
    streams.append(settings.name)
    await publisher.ensure_stream()
    return publisher


@pytest.fixture
def js(connection: NatsClient) -> JetStreamContext:
    return connection.jetstream()
