"""The port the relay and the subscription services own: where subscriptions and deliveries are kept.

It is separate from the unit of work because the relay's transactions (fan out, claim, record) are
its own, short, and batched; they never mix with an order's transaction. ``store.delivery_store``
implements it for SQLite and PostgreSQL; ``tests/contract/test_delivery_store.py`` holds both to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from lightsoff.domain.events import RecordedEvent
from lightsoff.domain.subscriptions import (
    DeadLetterFilter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
)
from lightsoff.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker may attempt until its lease ends, with the event it carries."""

    delivery: Delivery
    event: RecordedEvent


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What the relay decided after one attempt; ``status`` PENDING means "again at ``next_attempt_at``"."""

    attempt: DeliveryAttempt
    subscription_id: str
    status: DeliveryStatus
    next_attempt_at: datetime
    endpoint_failed: bool
    """counts against the endpoint (for "failing since"); a 400 is the message's fault, not the endpoint's"""
    disable_reason: str | None = None
    """set when the endpoint is gone (410, unusable URL): disable the subscription now"""


@dataclass(frozen=True, slots=True)
class Disablement:
    """The relay disabled a subscription: as it now is, the last error that counted against it, and when."""

    subscription: Subscription
    last_error: str | None
    at: datetime


OnDisabled = Callable[[UnitOfWork, Disablement], None]
"""Records what a disablement means (its operational event, its exception case) through a unit of work on the
very transaction that disables the subscription: both commit, or neither."""

Joined = Callable[[UnitOfWork], None]
"""Writes that commit with a change of a subscription (closing its exception case when it is enabled again)."""


class DeliveryStore(Protocol):
    def add_subscription(self, subscription: Subscription) -> None: ...

    def subscription(self, subscription_id: str) -> Subscription | None: ...

    def subscriptions(self) -> list[Subscription]: ...

    def update_subscription(self, subscription: Subscription, then: Joined | None = None) -> None:
        """Store the changed subscription; ``then`` writes through a unit of work on the same transaction."""
        ...

    def delete_subscription(self, subscription_id: str) -> bool: ...

    def has_new_events(self) -> bool:
        """Whether events exist past the fan-out checkpoint (a cheap read before a write)."""
        ...

    def fan_out(self, now: datetime, limit: int) -> int:
        """Turn events past the checkpoint into deliveries, about ``limit`` at most; return how many events.

        That is ``limit`` divided by the number of subscriptions, in whole events, at least one: a transaction
        the size of a few hundred deliveries, whether 1 or 100 subscriptions share each event, so that records
        and claims (which wait for it on SQLite) are not held up for long.
        """
        ...

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Claim]:
        """Due deliveries of enabled subscriptions, each the oldest pending of its stream for its subscription."""
        ...

    def record(
        self,
        results: Sequence[AttemptResult],
        now: datetime,
        disable_after: timedelta,
        on_disabled: OnDisabled,
    ) -> list[str]:
        """Store attempts and new states; disable subscriptions failing longer than ``disable_after``.

        Returns the ids of the subscriptions it disabled, each once, with what ``on_disabled`` wrote for it.
        """
        ...

    def postpone(self, delivery_ids: Sequence[int], until: datetime) -> None:
        """Give claimed deliveries back without an attempt (their endpoint's circuit is open)."""
        ...

    def deliveries(
        self, subscription_id: str, status: DeliveryStatus | None = None, after: int = 0, limit: int = 100
    ) -> list[Delivery]: ...

    def dead_letters(self, where: DeadLetterFilter, after: int = 0, limit: int = 100) -> list[Delivery]: ...

    def delivery(self, delivery_id: int) -> Delivery | None: ...

    def attempts(self, delivery_id: int) -> list[DeliveryAttempt]: ...

    def revive(self, where: DeadLetterFilter, now: datetime, delivery_ids: Sequence[int] | None = None) -> int:
        """Dead letters back to pending with fresh attempts, due now; returns how many."""
        ...

    def position_at(self, at: datetime) -> int:
        """The position of the first event recorded at or after ``at``; one past the last when there is none."""
        ...

    def resend(self, subscription_id: str, from_position: int, now: datetime, limit: int) -> tuple[int, int]:
        """Queue again up to ``limit`` matching events from ``from_position`` on; (how many, last position)."""
        ...
