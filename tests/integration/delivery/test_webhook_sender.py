"""The webhook sender against a real receiver on loopback, well-behaved and not.

Limits are short here (1 s per phase, 2 s per attempt, see conftest): each misbehaviour must end in the
right outcome inside them, and what the sender signed must verify at the receiver.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable

import aiohttp
import pytest

from lightsoff.delivery import envelope
from lightsoff.delivery.circuit import CircuitBreaker, CircuitSettings, CircuitState
from lightsoff.delivery.outcome import DeliveryOutcome, FailureKind
from lightsoff.delivery.retry import Disposition, RetryPolicy, classify, counts_against_endpoint
from lightsoff.delivery.signing import WebhookSecret, generate_secret
from lightsoff.delivery.webhook import USER_AGENT, WebhookLimits, WebhookMessage, WebhookSender
from lightsoff.testing import FakeClock
from tests.integration.delivery.conftest import LIMITS, PATIENT
from tests.integration.delivery.events import SOURCE, recorded_event
from tests.integration.delivery.receiver import HUGE_BYTES, HeaderTrickler, Receiver, free_port

pytestmark = pytest.mark.anyio

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
SLACK_S = 0.75
"""Allowance over a deadline for scheduling on a busy two-core machine; far below what a stall would cost."""


def message() -> WebhookMessage:
    return WebhookMessage.of(recorded_event(), SOURCE, headers={"traceparent": TRACEPARENT})


async def timed(delivery: Awaitable[DeliveryOutcome]) -> tuple[DeliveryOutcome, float]:
    started = time.perf_counter()
    outcome = await delivery
    return outcome, time.perf_counter() - started


async def test_a_healthy_receiver_gets_the_exact_envelope_signed_and_labelled(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    event = recorded_event()
    outcome = await sender.send(
        f"{receiver.url}/ok", WebhookMessage.of(event, SOURCE, {"traceparent": TRACEPARENT}), [secret]
    )

    assert outcome == DeliveryOutcome(ok=True, latency_ms=outcome.latency_ms, status=200, excerpt="thanks")
    assert 0 < outcome.latency_ms < 1000
    [hit] = receiver.hits("/ok")
    assert hit.verified, hit.problem
    assert hit.body == envelope.encode(event, SOURCE)
    assert hit.headers["webhook-id"] == event.event_id
    assert hit.headers["content-type"] == "application/cloudevents+json"
    assert hit.headers["user-agent"] == USER_AGENT
    assert hit.headers["traceparent"] == TRACEPARENT
    assert hit.repeated == []


async def test_extra_headers_cannot_replace_the_signature_or_the_content_type(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    forged = {"Content-Type": "text/plain", "Webhook-Signature": "v1,forged", "Webhook-Id": "other", "X-Tenant": "7"}
    event = recorded_event()
    outcome = await sender.send(f"{receiver.url}/ok", WebhookMessage.of(event, SOURCE, forged), [secret])

    assert outcome.ok
    [hit] = receiver.hits("/ok")
    assert hit.verified, hit.problem
    assert (hit.headers["content-type"], hit.headers["webhook-id"]) == ("application/cloudevents+json", event.event_id)
    assert hit.headers["x-tenant"] == "7"
    assert hit.repeated == []


async def test_deliveries_share_a_kept_alive_connection(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    for _ in range(3):
        assert (await sender.send(f"{receiver.url}/ok", message(), [secret])).ok

    assert len({hit.peer for hit in receiver.hits("/ok")}) == 1


async def test_during_rotation_a_receiver_holding_either_secret_verifies(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome = await sender.send(f"{receiver.url}/ok", message(), [generate_secret(), secret])

    assert outcome.ok
    [hit] = receiver.hits("/ok")
    assert hit.verified, hit.problem
    assert len(hit.headers["webhook-signature"].split(" ")) == 2


async def test_a_receiver_with_another_secret_rejects_the_signature(sender: WebhookSender, receiver: Receiver) -> None:
    await sender.send(f"{receiver.url}/ok", message(), [generate_secret()])

    [hit] = receiver.hits("/ok")
    assert not hit.verified
    assert "no signature matches" in hit.problem


async def test_a_receiver_that_is_down_is_a_connection_failure(sender: WebhookSender, secret: WebhookSecret) -> None:
    outcome, elapsed = await timed(sender.send(f"http://127.0.0.1:{free_port()}/hook", message(), [secret]))

    assert outcome.error is FailureKind.CONNECTION
    assert not outcome.ok
    assert outcome.status is None
    assert classify(outcome) is Disposition.RETRY
    assert elapsed < LIMITS.connect + SLACK_S


async def test_a_500_is_a_status_failure_to_retry(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome = await sender.send(f"{receiver.url}/status/500", message(), [secret])

    assert (outcome.ok, outcome.status, outcome.error, outcome.excerpt) == (False, 500, FailureKind.STATUS, "boom")
    assert outcome.detail == "HTTP 500 Internal Server Error"
    assert classify(outcome) is Disposition.RETRY
    assert receiver.hits("/status/500")[0].verified


async def test_a_429_with_retry_after_throttles_for_as_long_as_asked(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret, clock: FakeClock
) -> None:
    outcome = await sender.send(f"{receiver.url}/status/429?retry_after=120", message(), [secret])
    decision = RetryPolicy().decide(1, outcome, clock.now(), clock.now(), random.Random(1))

    assert (outcome.status, outcome.retry_after) == (429, "120")
    assert classify(outcome) is Disposition.THROTTLE
    assert decision is not None
    assert decision.throttled
    assert decision.delay.total_seconds() == 120
    assert receiver.hits("/status/429")[0].verified


async def test_a_410_says_disable_the_endpoint(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome = await sender.send(f"{receiver.url}/status/410", message(), [secret])

    assert classify(outcome) is Disposition.DISABLE_ENDPOINT
    assert RetryPolicy().decide(1, outcome, FakeClock().now(), FakeClock().now(), random.Random(1)) is None


async def test_a_receiver_that_never_answers_times_out_at_the_read_timeout(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome, elapsed = await timed(sender.send(f"{receiver.url}/hang", message(), [secret]))

    assert outcome.error is FailureKind.TIMEOUT
    assert "ReadTimeout" in outcome.detail
    assert LIMITS.read * 0.9 <= elapsed < LIMITS.read + SLACK_S
    assert receiver.hits("/hang")[0].verified


async def test_a_slow_answer_inside_the_limits_is_a_success(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome = await sender.send(f"{receiver.url}/slow?seconds=0.4", message(), [secret])

    assert outcome.ok
    assert outcome.excerpt == "slow but fine"
    assert 400 <= outcome.latency_ms < 400 + SLACK_S * 1000


async def test_a_flapping_receiver_gets_the_event_on_the_retry(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret, clock: FakeClock
) -> None:
    """The relay's loop in miniature: policy and breaker decide, the fake clock jumps instead of sleeping."""
    policy, rng = RetryPolicy(), random.Random(3)
    breaker = CircuitBreaker(clock, CircuitSettings(failure_threshold=2))
    first, attempt, statuses = clock.now(), 1, []
    while True:
        permit = breaker.acquire()
        assert permit is not None
        outcome = await sender.send(f"{receiver.url}/flap", message(), [secret])
        breaker.record(permit, success=not counts_against_endpoint(outcome))
        statuses.append(outcome.status)
        decision = policy.decide(attempt, outcome, first, clock.now(), rng)
        if decision is None:
            break
        clock.advance(decision.delay)
        attempt = decision.attempt

    assert statuses == [500, 200]
    assert breaker.state is CircuitState.CLOSED
    assert all(hit.verified for hit in receiver.hits("/flap"))


async def test_a_redirect_loop_is_not_followed_and_says_where_it_pointed(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome = await sender.send(f"{receiver.url}/redirect", message(), [secret])

    assert (outcome.ok, outcome.status, outcome.error) == (False, 302, FailureKind.REDIRECT)
    assert f"redirect to {receiver.url}/redirect" in outcome.detail
    assert len(receiver.hits("/redirect")) == 1


async def test_a_huge_response_is_cut_at_the_excerpt_and_the_connection_dropped(
    sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    outcome, elapsed = await timed(sender.send(f"{receiver.url}/huge", message(), [secret]))

    assert (outcome.ok, outcome.status, outcome.truncated) == (True, 200, True)
    assert outcome.excerpt == "x" * LIMITS.excerpt_bytes
    assert elapsed < 1.0
    assert receiver.huge.stopped_early.wait(timeout=5), "the receiver never noticed the sender hang up"
    assert receiver.huge.written < HUGE_BYTES


async def test_a_body_trickling_a_byte_a_second_is_cut_at_the_deadline(
    patient_sender: WebhookSender, receiver: Receiver, secret: WebhookSecret
) -> None:
    """The 200 arrived at once, so the receiver has the event; the body is only an excerpt and is given up."""
    outcome, elapsed = await timed(patient_sender.send(f"{receiver.url}/trickle", message(), [secret]))

    assert (outcome.ok, outcome.status, outcome.truncated) == (True, 200, True)
    assert 1 <= len(outcome.excerpt) <= 3
    assert set(outcome.excerpt) == {"."}
    assert PATIENT.total * 0.95 <= elapsed < PATIENT.total + SLACK_S


async def test_headers_trickling_a_byte_a_second_time_out_at_the_deadline(
    patient_sender: WebhookSender, header_trickler: HeaderTrickler, secret: WebhookSecret
) -> None:
    """Each byte arrives well inside the read timeout, so only the total deadline can end this."""
    outcome, elapsed = await timed(patient_sender.send(header_trickler.url, message(), [secret]))

    assert outcome.error is FailureKind.TIMEOUT
    assert "deadline" in outcome.detail
    assert PATIENT.total * 0.95 <= elapsed < PATIENT.total + SLACK_S
    assert 1 <= header_trickler.bytes_sent <= 3


async def test_a_misbehaving_receiver_does_not_stall_deliveries_to_healthy_ones(
    patient_sender: WebhookSender, receiver: Receiver, header_trickler: HeaderTrickler, secret: WebhookSecret
) -> None:
    bad = [f"{receiver.url}/hang", f"{receiver.url}/trickle", f"{receiver.url}/huge", header_trickler.url]
    good = [f"{receiver.url}/ok"] * 40
    started = time.perf_counter()

    async def deliver(url: str, delay: float) -> tuple[str, DeliveryOutcome, float]:
        await asyncio.sleep(delay)  # healthy deliveries keep starting while the bad ones are stuck
        outcome = await patient_sender.send(url, message(), [secret])
        return url, outcome, time.perf_counter() - started

    results = await asyncio.gather(
        *(deliver(url, 0) for url in bad), *(deliver(url, index * 0.02) for index, url in enumerate(good))
    )

    healthy = [(outcome, done) for url, outcome, done in results if url in good]
    stuck = [(url, done) for url, _, done in results if url in bad and not url.endswith("/huge")]
    assert all(outcome.ok for outcome, _ in healthy)
    assert max(done for _, done in healthy) < 0.02 * len(good) + 0.5
    assert min(done for _, done in stuck) >= PATIENT.total * 0.95
    assert max(done for _, done in stuck) < PATIENT.total + SLACK_S
    assert all(hit.verified for hit in receiver.hits("/ok"))


async def test_an_event_over_the_size_limit_is_not_sent(
    client: aiohttp.ClientSession, clock: FakeClock, receiver: Receiver, secret: WebhookSecret
) -> None:
    sender = WebhookSender(client, clock, WebhookLimits(max_body_bytes=64))
    outcome = await sender.send(f"{receiver.url}/ok", message(), [secret])

    assert outcome.error is FailureKind.TOO_LARGE
    assert classify(outcome) is Disposition.GIVE_UP
    assert receiver.hits("/ok") == []


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "http:///nohost", "not a url", "http://[::1/hook"])
async def test_an_unusable_url_is_an_invalid_endpoint(sender: WebhookSender, secret: WebhookSecret, url: str) -> None:
    outcome = await sender.send(url, message(), [secret])

    assert outcome.error is FailureKind.INVALID_ENDPOINT
    assert classify(outcome) is Disposition.DISABLE_ENDPOINT
