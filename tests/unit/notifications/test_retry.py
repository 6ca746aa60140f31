"""The mail retry policy: never gives up, backs off, and waits longest for what will not heal by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lightsoff.domain.errors import MailRefused, MailUnavailable
from lightsoff.services.notifications.retry import Backlog, MailRetryPolicy

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Fixed:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("attempt", "draw", "wait"),
    [
        (1, 0.0, timedelta(seconds=5)),
        (1, 1.0, timedelta(seconds=10)),
        (3, 1.0, timedelta(seconds=40)),
        (7, 0.0, timedelta(seconds=320)),
        (9, 1.0, timedelta(minutes=15)),
        (1000, 0.5, timedelta(minutes=11, seconds=15)),
    ],
)
def test_a_server_that_is_down_is_tried_again_ever_later_up_to_the_cap(
    attempt: int, draw: float, wait: timedelta
) -> None:
    decision = MailRetryPolicy().decide(attempt, MailUnavailable("down"), NOW, Fixed(draw))
    assert (decision.attempt, decision.retry_at, decision.delay) == (attempt + 1, NOW + wait, wait)


def test_a_permanent_refusal_waits_the_longest_but_is_never_given_up() -> None:
    refused = MailRefused("550 no such user", transient=False)
    for attempt in (1, 50):
        assert MailRetryPolicy().decide(attempt, refused, NOW, Fixed(0.0)).delay == timedelta(minutes=15)
    greylisted = MailRefused("451 try later", transient=True)
    assert MailRetryPolicy().decide(1, greylisted, NOW, Fixed(0.0)).delay == timedelta(seconds=5)


def test_attempts_are_counted_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        MailRetryPolicy().decide(0, MailUnavailable("down"), NOW, Fixed(0.0))


def test_a_backlog_is_due_at_its_retry_time() -> None:
    backlog = Backlog(2, NOW, "down")
    assert not backlog.is_due(NOW - timedelta(microseconds=1))
    assert backlog.is_due(NOW)
