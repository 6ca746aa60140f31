"""When to try a mail again: a pure policy, with the clock and the randomness passed in.

Unlike a webhook delivery, a notification never becomes a dead letter: nothing is lost, so the
policy always answers "again at this time". A transient failure backs off exponentially (with
jitter, between half and all of the ceiling, so one notifier does not hammer a server that just came
back); a permanent refusal (``550 no such user``) cannot heal by itself, so it waits the longest
interval straight away and is tried again in case someone fixed the address meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lightsoff.delivery.retry import ExponentialBackoff, Random, RetryDecision
from lightsoff.domain.errors import DeliveryError


@dataclass(frozen=True, slots=True)
class MailRetryPolicy:
    backoff: ExponentialBackoff = field(
        default_factory=lambda: ExponentialBackoff(base=timedelta(seconds=10), cap=timedelta(minutes=15))
    )

    def decide(self, attempt: int, error: DeliveryError, now: datetime, rng: Random) -> RetryDecision:
        """After attempt number ``attempt`` (1-based) failed with ``error``: when to try again."""
        if attempt < 1:
            raise ValueError(f"attempts are numbered from 1, not {attempt}")
        if not error.transient:
            wait = self.backoff.cap
        else:
            ceiling = self.backoff.ceiling(attempt)
            wait = ceiling / 2 + ceiling / 2 * rng.random()
        return RetryDecision(attempt=attempt + 1, retry_at=now + wait, delay=wait)


@dataclass(frozen=True, slots=True)
class Backlog:
    """A failing sender's place in its retries: the next attempt's number and when it is due."""

    attempt: int
    retry_at: datetime
    error: str

    def is_due(self, now: datetime) -> bool:
        return now >= self.retry_at
