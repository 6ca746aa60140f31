"""The retry policy: what each outcome means, exact delays with a stub rng, and properties over whole schedules."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lightsoff.delivery.outcome import DeliveryOutcome, FailureKind
from lightsoff.delivery.retry import (
    STANDARD_WEBHOOKS_SCHEDULE,
    Disposition,
    ExponentialBackoff,
    RetryPolicy,
    ScheduledBackoff,
    classify,
    counts_against_endpoint,
    parse_retry_after,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FixedRandom:
    """Always draws the same number, so a jittered delay is an exact fraction of its ceiling."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def status(code: int, retry_after: str | None = None) -> DeliveryOutcome:
    ok = 200 <= code < 300
    return DeliveryOutcome(
        ok=ok, latency_ms=12.0, status=code, error=None if ok else FailureKind.STATUS, retry_after=retry_after
    )


def failure(kind: FailureKind) -> DeliveryOutcome:
    return DeliveryOutcome.failed(kind, "test")


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (status(200), Disposition.DELIVERED),
        (status(204), Disposition.DELIVERED),
        (status(299), Disposition.DELIVERED),
        (status(410), Disposition.DISABLE_ENDPOINT),
        (status(429), Disposition.THROTTLE),
        (status(502), Disposition.THROTTLE),
        (status(503), Disposition.THROTTLE),
        (status(504), Disposition.THROTTLE),
        (status(408), Disposition.RETRY),
        (status(409), Disposition.RETRY),
        (status(425), Disposition.RETRY),
        (status(500), Disposition.RETRY),
        (status(501), Disposition.RETRY),
        (status(505), Disposition.RETRY),
        (status(599), Disposition.RETRY),
        (status(400), Disposition.GIVE_UP),
        (status(401), Disposition.GIVE_UP),
        (status(403), Disposition.GIVE_UP),
        (status(404), Disposition.GIVE_UP),
        (status(413), Disposition.GIVE_UP),
        (status(422), Disposition.GIVE_UP),
        (status(451), Disposition.GIVE_UP),
        (DeliveryOutcome(ok=False, latency_ms=1, status=301, error=FailureKind.REDIRECT), Disposition.RETRY),
        (failure(FailureKind.TIMEOUT), Disposition.RETRY),
        (failure(FailureKind.CONNECTION), Disposition.RETRY),
        (failure(FailureKind.PROTOCOL), Disposition.RETRY),
        (failure(FailureKind.TOO_LARGE), Disposition.GIVE_UP),
        (failure(FailureKind.INVALID_ENDPOINT), Disposition.DISABLE_ENDPOINT),
    ],
    ids=lambda value: value.detail or str(value.status) if isinstance(value, DeliveryOutcome) else str(value),
)
def test_each_outcome_has_one_meaning(outcome: DeliveryOutcome, expected: Disposition) -> None:
    assert classify(outcome) is expected


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [(status(200), False), (status(400), False), (status(500), True), (status(429), True), (status(410), True)],
)
def test_only_the_endpoints_own_failures_count_against_its_circuit(outcome: DeliveryOutcome, counts: bool) -> None:
    assert counts_against_endpoint(outcome) is counts


@pytest.mark.parametrize(
    ("attempt", "draw", "expected"),
    [
        (1, 0.5, timedelta(seconds=2.5)),
        (2, 0.5, timedelta(seconds=5)),
        (3, 0.5, timedelta(seconds=10)),
        (3, 0.0, timedelta(0)),
        (10, 0.25, timedelta(seconds=5 * 2**9 / 4)),
        (11, 0.5, timedelta(minutes=30)),  # 5 s · 2^10 = 5120 s > the 1 h cap
        (500, 0.5, timedelta(minutes=30)),
    ],
)
def test_exponential_backoff_draws_uniformly_below_a_doubling_ceiling(
    attempt: int, draw: float, expected: timedelta
) -> None:
    policy = RetryPolicy(
        max_attempts=1000,
        max_age=timedelta(days=30),
        backoff=ExponentialBackoff(timedelta(seconds=5), timedelta(hours=1)),
    )
    decision = policy.decide(attempt, status(500), first_attempt_at=T0, now=T0, rng=FixedRandom(draw))

    assert decision is not None
    assert decision.delay == expected
    assert decision.retry_at == T0 + expected
    assert decision.attempt == attempt + 1
    assert not decision.throttled


def test_the_same_seed_gives_the_same_schedule() -> None:
    policy = RetryPolicy()

    def schedule(seed: int) -> list[timedelta]:
        rng = random.Random(seed)
        decisions = [policy.decide(n, status(500), T0, T0, rng) for n in range(1, 10)]
        return [decision.delay for decision in decisions if decision is not None]

    assert schedule(7) == schedule(7)
    assert schedule(7) != schedule(8)


@pytest.mark.parametrize("outcome", [status(200), status(400), status(410), failure(FailureKind.TOO_LARGE)])
def test_nothing_is_retried_that_was_delivered_or_cannot_succeed(outcome: DeliveryOutcome) -> None:
    assert RetryPolicy().decide(1, outcome, T0, T0, FixedRandom(0.5)) is None


def test_the_last_attempt_is_not_followed_by_another() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.decide(2, status(500), T0, T0, FixedRandom(0.5)) is not None
    assert policy.decide(3, status(500), T0, T0, FixedRandom(0.5)) is None


def test_nothing_is_retried_once_max_age_has_passed() -> None:
    policy = RetryPolicy(max_age=timedelta(hours=1))
    assert policy.decide(1, status(500), T0, T0 + timedelta(hours=1), FixedRandom(0.5)) is None


def test_a_retry_that_would_fall_past_max_age_is_brought_forward_to_the_deadline() -> None:
    policy = RetryPolicy(max_age=timedelta(hours=1), backoff=ExponentialBackoff(timedelta(hours=2), timedelta(hours=2)))
    now = T0 + timedelta(minutes=50)
    decision = policy.decide(1, status(500), T0, now, FixedRandom(0.99))

    assert decision is not None
    assert decision.retry_at == T0 + timedelta(hours=1)
    assert decision.delay == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("code", "retry_after", "expected_delay"),
    [
        (429, "120", timedelta(seconds=120)),
        (503, "Mon, 23 Nov 2026 09:10:00 GMT", timedelta(minutes=10)),
        (500, "30", timedelta(seconds=30)),
        (429, "1", timedelta(seconds=2.5)),  # the backoff's 2.5 s is longer: "not before", never sooner
        (429, "Mon, 23 Nov 2026 08:00:00 GMT", timedelta(seconds=2.5)),  # in the past
    ],
)
def test_retry_after_is_honoured_as_not_before(code: int, retry_after: str, expected_delay: timedelta) -> None:
    decision = RetryPolicy().decide(1, status(code, retry_after), T0, T0, FixedRandom(0.5))

    assert decision is not None
    assert decision.delay == expected_delay
    assert decision.honoured_retry_after


def test_an_unreadable_retry_after_is_ignored() -> None:
    decision = RetryPolicy().decide(1, status(503, "soon, please"), T0, T0, FixedRandom(0.5))

    assert decision is not None
    assert decision.delay == timedelta(seconds=2.5)
    assert not decision.honoured_retry_after
    assert decision.throttled


def test_retry_after_never_pushes_past_max_age() -> None:
    policy = RetryPolicy(max_age=timedelta(hours=24))
    decision = policy.decide(1, status(429, str(7 * 24 * 3600)), T0, T0, FixedRandom(0.5))

    assert decision is not None
    assert decision.retry_at == T0 + timedelta(hours=24)
    assert decision.throttled


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", timedelta(0)),
        ("  45 ", timedelta(seconds=45)),
        ("Mon, 23 Nov 2026 09:00:30 GMT", timedelta(seconds=30)),
        ("Monday, 23-Nov-26 09:01:00 GMT", timedelta(minutes=1)),  # RFC 850, still allowed by HTTP
        ("Sun Nov 22 09:00:00 2026", timedelta(0)),
        ("-5", None),
        ("1.5", None),
        ("", None),
        ("later", None),
        ("99999999999", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value: str, expected: timedelta | None) -> None:
    assert parse_retry_after(value, T0) == expected


def test_the_standard_webhooks_schedule_is_ten_attempts_at_the_example_times() -> None:
    policy = RetryPolicy.standard_webhooks()
    now, attempt, times = T0, 1, [T0]
    while (decision := policy.decide(attempt, status(500), T0, now, FixedRandom(0.5))) is not None:
        now, attempt = decision.retry_at, decision.attempt
        times.append(now)

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) == 10
    assert gaps == list(STANDARD_WEBHOOKS_SCHEDULE[1:])
    assert times[-1] - T0 == timedelta(hours=75, minutes=35, seconds=5)


def test_a_jittered_schedule_moves_waits_earlier_never_later() -> None:
    backoff = ScheduledBackoff(jitter=0.2)
    assert backoff.delay(2, FixedRandom(0.0)) == timedelta(minutes=5)
    assert backoff.delay(2, FixedRandom(0.5)) == timedelta(minutes=4.5)
    assert backoff.delay(2, FixedRandom(1.0)) == timedelta(minutes=4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RetryPolicy(max_attempts=0), "max_attempts"),
        (lambda: RetryPolicy(max_age=timedelta(0)), "max_age"),
        (lambda: ExponentialBackoff(base=timedelta(0)), "base"),
        (lambda: ExponentialBackoff(base=timedelta(hours=2), cap=timedelta(hours=1)), "base <= cap"),
        (lambda: ScheduledBackoff(jitter=1.5), "jitter"),
        (lambda: ScheduledBackoff(schedule=(timedelta(0),)), "two attempts"),
    ],
)
def test_nonsense_settings_are_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_attempts_are_numbered_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        RetryPolicy().decide(0, status(500), T0, T0, FixedRandom(0.5))


# Properties over whole runs.

retryable = st.one_of(
    st.sampled_from([500, 502, 503, 504, 408, 429]).map(status),
    st.sampled_from([FailureKind.TIMEOUT, FailureKind.CONNECTION, FailureKind.PROTOCOL]).map(failure),
    st.tuples(st.sampled_from([429, 503]), st.integers(0, 10 * 24 * 3600)).map(lambda p: status(p[0], str(p[1]))),
)


@given(
    base_s=st.floats(0.001, 3600),
    cap_factor=st.floats(1, 10_000),
    attempt=st.integers(1, 10_000),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_exponential_delays_stay_within_zero_and_the_cap(
    base_s: float, cap_factor: float, attempt: int, draw: float
) -> None:
    backoff = ExponentialBackoff(timedelta(seconds=base_s), timedelta(seconds=base_s * cap_factor))
    delay = backoff.delay(attempt, FixedRandom(draw))
    assert timedelta(0) <= delay <= backoff.cap


@given(
    max_attempts=st.integers(1, 40),
    max_age_s=st.integers(1, 7 * 24 * 3600),
    outcomes=st.lists(retryable, min_size=1, max_size=60),
    work_s=st.lists(st.floats(0, 120), min_size=60, max_size=60),
    seed=st.integers(0, 2**32),
)
def test_a_run_of_failures_ends_within_max_attempts_and_max_age(
    max_attempts: int, max_age_s: int, outcomes: list[DeliveryOutcome], work_s: list[float], seed: int
) -> None:
    policy = RetryPolicy(max_attempts=max_attempts, max_age=timedelta(seconds=max_age_s))
    rng, now, attempt = random.Random(seed), T0, 1
    deadline = T0 + policy.max_age
    for outcome, work in zip(outcomes, work_s, strict=False):
        now += timedelta(seconds=work)  # the attempt itself took a while
        decision = policy.decide(attempt, outcome, T0, now, rng)
        if decision is None:
            break
        assert decision.attempt == attempt + 1
        assert now <= decision.retry_at <= deadline
        assert decision.delay >= timedelta(0)
        if outcome.retry_after is None:
            assert decision.delay <= ExponentialBackoff().cap
        now, attempt = decision.retry_at, decision.attempt
    assert attempt <= max_attempts
