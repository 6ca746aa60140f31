"""The broker's pure parts: subjects by type, stream settings, and how nats errors are classed."""

from __future__ import annotations

from datetime import timedelta

import nats.errors
import nats.js.errors
import pytest

from lightsoff.delivery.broker import StreamSettings, subject_for, translate
from lightsoff.domain.errors import BrokerRejected, BrokerUnavailable
from lightsoff.domain.events import cloudevents_type, event_names


@pytest.mark.parametrize("name", event_names())
def test_with_the_default_prefix_the_subject_is_the_cloudevents_type(name: str) -> None:
    assert subject_for(name, 1) == cloudevents_type(name, 1)


def test_the_subject_carries_the_version_and_the_prefix() -> None:
    assert subject_for("order.received", 3, prefix="plant7.lightsoff") == "plant7.lightsoff.order.received.v3"


@pytest.mark.parametrize(("name", "version"), [("order.*", 1), ("order.>", 1), ("order..x", 1), ("a b", 1), ("x", 0)])
def test_a_name_that_would_be_a_wildcard_or_no_subject_is_refused(name: str, version: int) -> None:
    with pytest.raises(ValueError, match="not a valid NATS subject"):
        subject_for(name, version)


def test_the_stream_captures_everything_under_the_prefix() -> None:
    settings = StreamSettings()
    config = settings.config()

    assert (settings.name, settings.subjects) == ("LIGHTSOFF", ["lightsoff.>"])
    assert config.duplicate_window == 120
    assert config.subjects == ["lightsoff.>"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "has.dot"}, "stream name"),
        ({"name": ""}, "stream name"),
        ({"subject_prefix": "a.>"}, "subject prefix"),
        ({"duplicate_window": timedelta(0)}, "duplicate window"),
    ],
)
def test_unusable_stream_settings_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StreamSettings(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (nats.errors.TimeoutError(), BrokerUnavailable),
        (nats.errors.NoServersError(), BrokerUnavailable),
        (nats.errors.ConnectionClosedError(), BrokerUnavailable),
        (nats.errors.ConnectionReconnectingError(), BrokerUnavailable),
        (nats.js.errors.NoStreamResponseError(), BrokerUnavailable),
        (TimeoutError(), BrokerUnavailable),
        (ConnectionRefusedError(), BrokerUnavailable),
        (nats.js.errors.ServiceUnavailableError(code=503, description="jetstream not ready"), BrokerUnavailable),
        (nats.js.errors.ServerError(code=500, err_code=10008, description="raft trouble"), BrokerUnavailable),
        (nats.js.errors.ServerError(code=500, err_code=10052, description="invalid config"), BrokerRejected),
        (nats.js.errors.BadRequestError(code=400, err_code=10060, description="expected stream"), BrokerRejected),
        (nats.js.errors.NotFoundError(code=404, err_code=10059, description="stream not found"), BrokerRejected),
        (nats.errors.MaxPayloadError(), BrokerRejected),
        (nats.errors.BadSubjectError(), BrokerRejected),
        (nats.errors.AuthorizationError(), BrokerRejected),
    ],
    ids=lambda value: type(value).__name__,
)
def test_nats_errors_become_transient_or_permanent_lightsoff_errors(error: Exception, expected: type) -> None:
    translated = translate(error)

    assert type(translated) is expected
    assert translated.transient is (expected is BrokerUnavailable)
