"""When to try a failed delivery again: a pure policy, with the clock and the randomness passed in.

``RetryPolicy.decide`` looks at one outcome and answers "again at this time" or ``None`` (stop). It never
sleeps and never reads the clock, so the relay owns the waiting (an outbox row's ``next_attempt_at``)
and a test can walk a whole week of retries in microseconds with exact numbers.

``classify`` says what an outcome means before any counting: delivered, retry, throttle (the receiver
asked for less traffic), give up (retrying cannot help this message) or disable the endpoint (410 Gone).
When ``decide`` returns ``None`` the relay dead-letters the delivery, and also disables the subscription
if ``classify`` said ``DISABLE_ENDPOINT``.

Two backoffs: exponential with full jitter (the default: spreads a crowd of retries evenly, so a
recovering receiver is not hit by every delivery at once), and the Standard Webhooks example schedule.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from lightsoff.delivery.outcome import DeliveryOutcome, FailureKind

RETRYABLE_4XX = frozenset({408, 409, 425, 429})
THROTTLING_STATUSES = frozenset({429, 502, 503, 504})
GONE = 410
STANDARD_WEBHOOKS_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
"""The spec's example: attempt 1 at once, attempt n after a wait of ``[n-1]`` following the failure of n-1."""

_SECONDS = re.compile(r"[0-9]{1,10}")


class Disposition(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    THROTTLE = "throttle"
    """retry, and the receiver is overloaded (429, 502, 503, 504): the relay may slow the whole endpoint"""
    GIVE_UP = "give_up"
    """this message cannot succeed as it is (most 4xx, too large); the endpoint itself may be fine"""
    DISABLE_ENDPOINT = "disable_endpoint"
    """the endpoint is gone (410) or unusable: stop, and disable the subscription"""


_BY_KIND = {
    FailureKind.TIMEOUT: Disposition.RETRY,
    FailureKind.CONNECTION: Disposition.RETRY,
    FailureKind.PROTOCOL: Disposition.RETRY,
    FailureKind.REDIRECT: Disposition.RETRY,  # a misconfigured URL; retries give the subscriber time to fix it
    FailureKind.TOO_LARGE: Disposition.GIVE_UP,
    FailureKind.INVALID_ENDPOINT: Disposition.DISABLE_ENDPOINT,
}


def classify(outcome: DeliveryOutcome) -> Disposition:
    if outcome.ok:
        return Disposition.DELIVERED
    if outcome.error in _BY_KIND:
        return _BY_KIND[outcome.error]
    return _by_status(outcome.status)


def _by_status(status: int | None) -> Disposition:
    if status == GONE:
        return Disposition.DISABLE_ENDPOINT
    if status in THROTTLING_STATUSES:
        return Disposition.THROTTLE
    if status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX:
        return Disposition.GIVE_UP
    return Disposition.RETRY  # 5xx, 408, 409, 425 and anything unexpected


def counts_against_endpoint(outcome: DeliveryOutcome) -> bool:
    """Whether a circuit breaker should count this as the endpoint failing (a 400 is the message's fault)."""
    return classify(outcome) in (Disposition.RETRY, Disposition.THROTTLE, Disposition.DISABLE_ENDPOINT)


def parse_retry_after(value: str, now: datetime) -> timedelta | None:
    """``Retry-After`` as a wait from ``now``: delay-seconds or an HTTP-date; ``None`` when unreadable."""
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # an HTTP-date is always GMT
    return max(when - now, timedelta(0))


class Random(Protocol):
    """The part of ``random.Random`` the policy uses; pass a seeded one, or a stub, for exact tests."""

    def random(self) -> float: ...


class Backoff(Protocol):
    def delay(self, attempt: int, rng: Random) -> timedelta:
        """The wait after attempt number ``attempt`` (1-based) failed."""
        ...


@dataclass(frozen=True, slots=True)
class ExponentialBackoff:
    """Full jitter: a uniform wait in [0, min(cap, base · 2^(attempt-1))]."""

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=6)

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("an exponential backoff needs 0 < base <= cap")

    def ceiling(self, attempt: int) -> timedelta:
        exponent = min(attempt - 1, 64)  # past 2^64 the cap has long won; avoids an overflow
        seconds = min(self.cap.total_seconds(), self.base.total_seconds() * 2.0**exponent)
        return timedelta(seconds=seconds)

    def delay(self, attempt: int, rng: Random) -> timedelta:
        return self.ceiling(attempt) * rng.random()


@dataclass(frozen=True, slots=True)
class ScheduledBackoff:
    """Fixed waits, by attempt; ``jitter`` (0 to 1) draws each wait up to that fraction earlier, never later."""

    schedule: tuple[timedelta, ...] = STANDARD_WEBHOOKS_SCHEDULE
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if len(self.schedule) < 2 or any(wait < timedelta(0) for wait in self.schedule):
            raise ValueError("a schedule needs at least two attempts and no negative waits")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter is a fraction between 0 and 1, not {self.jitter}")

    def delay(self, attempt: int, rng: Random) -> timedelta:
        wait = self.schedule[min(attempt, len(self.schedule) - 1)]
        return wait * (1.0 - self.jitter * rng.random()) if self.jitter else wait


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Try again: attempt number ``attempt`` at ``retry_at``, which is ``delay`` after the ``now`` decided at."""

    attempt: int
    retry_at: datetime
    delay: timedelta
    throttled: bool = False
    honoured_retry_after: bool = False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``max_attempts`` attempts, none later than ``max_age`` after the first.

    A receiver's ``Retry-After`` is honoured as "not before" (the wait is the longer of it and the
    backoff), but the last attempt is never scheduled past the deadline: a longer ask is cut to the
    deadline, so the receiver still gets one more chance before the delivery becomes a dead letter.
    """

    max_attempts: int = 20
    max_age: timedelta = timedelta(days=3)
    backoff: Backoff = field(default_factory=ExponentialBackoff)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_age <= timedelta(0):
            raise ValueError("a retry policy needs max_attempts >= 1 and a positive max_age")

    @classmethod
    def standard_webhooks(cls, jitter: float = 0.0, max_age: timedelta = timedelta(days=4)) -> RetryPolicy:
        """The Standard Webhooks example: 10 attempts over about three days (the waits add up to 75.6 h)."""
        return cls(
            max_attempts=len(STANDARD_WEBHOOKS_SCHEDULE),
            max_age=max_age,
            backoff=ScheduledBackoff(STANDARD_WEBHOOKS_SCHEDULE, jitter),
        )

    def decide(
        self,
        attempt: int,
        outcome: DeliveryOutcome,
        first_attempt_at: datetime,
        now: datetime,
        rng: Random,
    ) -> RetryDecision | None:
        """After attempt number ``attempt`` (1-based) ended in ``outcome``: when to try again, or ``None``."""
        if attempt < 1:
            raise ValueError(f"attempts are numbered from 1, not {attempt}")
        disposition = classify(outcome)
        if disposition not in (Disposition.RETRY, Disposition.THROTTLE):
            return None
        deadline = first_attempt_at + self.max_age
        if attempt >= self.max_attempts or now >= deadline:
            return None
        wait = self.backoff.delay(attempt, rng)
        asked = parse_retry_after(outcome.retry_after, now) if outcome.retry_after is not None else None
        if asked is not None:
            wait = max(wait, asked)
        retry_at = min(now + wait, deadline)
        return RetryDecision(
            attempt=attempt + 1,
            retry_at=retry_at,
            delay=retry_at - now,
            throttled=disposition is Disposition.THROTTLE,
            honoured_retry_after=asked is not None,
        )
