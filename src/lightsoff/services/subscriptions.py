"""Managing subscriptions and dead letters: the use cases behind /v1/subscriptions, /v1/dead-letters and the CLI."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lightsoff.delivery.signing import generate_secret
from lightsoff.domain.errors import NotFound
from lightsoff.domain.subscriptions import (
    DeadLetterFilter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
    SubscriptionKind,
    SubscriptionSecret,
)
from lightsoff.services.delivery_ports import DeliveryStore, Joined
from lightsoff.services.ports import Clock, UnitOfWork
from lightsoff.services.subscription_cases import SubscriptionCases

ROTATION_OVERLAP = timedelta(hours=24)
"""How long a rotated-out secret keeps signing beside the new one, so receivers can switch without a gap."""


@dataclass(frozen=True, slots=True)
class DeliveryDefaults:
    max_attempts: int = 20
    max_age: timedelta = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class NewSubscription:
    kind: SubscriptionKind
    target: str
    event_types: tuple[str, ...] = ()
    partners: tuple[str, ...] | None = None
    secret: str | None = None
    max_attempts: int | None = None
    max_age: timedelta | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    enabled: bool | None = None
    rotate_secret: bool = False
    new_secret: str | None = None
    """rotate to this secret rather than a generated one"""
    rotation_overlap: timedelta = ROTATION_OVERLAP


@dataclass(frozen=True, slots=True)
class DeadLetter:
    delivery: Delivery
    attempts: list[DeliveryAttempt]


class SubscriptionService:
    def __init__(
        self,
        store: DeliveryStore,
        clock: Clock,
        defaults: DeliveryDefaults | None = None,
        cases: SubscriptionCases | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._defaults = defaults or DeliveryDefaults()
        self._cases = cases

    def create(self, new: NewSubscription) -> Subscription:
        now = self._clock.now()
        subscription = Subscription(
            subscription_id=f"sub_{secrets.token_hex(8)}",
            kind=new.kind,
            target=new.target,
            event_types=new.event_types,
            partners=new.partners,
            secrets=(SubscriptionSecret(new.secret or str(generate_secret())),),
            enabled=True,
            disabled_reason=None,
            max_attempts=new.max_attempts or self._defaults.max_attempts,
            max_age=new.max_age or self._defaults.max_age,
            created_at=now,
            updated_at=now,
        )
        self._store.add_subscription(subscription)
        return subscription

    def all(self) -> list[Subscription]:
        return self._store.subscriptions()

    def get(self, subscription_id: str) -> Subscription:
        subscription = self._store.subscription(subscription_id)
        if subscription is None:
            raise NotFound("subscription", subscription_id)
        return subscription

    def change(self, subscription_id: str, change: SubscriptionChange, by: str = "operator") -> Subscription:
        """Enable (it catches up on what it missed, in order), disable, or rotate the secret.

        Enabling resolves the open exception case about the subscription (``re_enable`` by ``by``) in the
        same transaction.
        """
        current = self.get(subscription_id)
        now = self._clock.now()
        updated = replace(current, updated_at=now)
        then: Joined | None = None
        if change.enabled is True and self._cases is not None:
            cases = self._cases

            def then(uow: UnitOfWork) -> None:
                cases.enabled(uow, subscription_id, by, now)

        if change.enabled is True:
            updated = replace(updated, enabled=True, disabled_reason=None, failing_since=None)
        elif change.enabled is False:
            updated = replace(updated, enabled=False, disabled_reason="disabled by an operator")
        if change.rotate_secret or change.new_secret:
            fresh = SubscriptionSecret(change.new_secret or str(generate_secret()))
            kept = tuple(
                replace(s, expires_at=s.expires_at or now + change.rotation_overlap)
                for s in current.secrets
                if s.expires_at is None or s.expires_at > now
            )
            updated = replace(updated, secrets=(fresh, *kept))
        self._store.update_subscription(updated, then)
        return updated

    def enable(self, subscription_id: str, by: str) -> None:
        """Enable again (the exception desk's ``re_enable``): it catches up, and its open case is resolved."""
        self.change(subscription_id, SubscriptionChange(enabled=True), by)

    def delete(self, subscription_id: str) -> None:
        if not self._store.delete_subscription(subscription_id):
            raise NotFound("subscription", subscription_id)

    def deliveries(
        self, subscription_id: str, status: DeliveryStatus | None = None, after: int = 0, limit: int = 100
    ) -> list[Delivery]:
        self.get(subscription_id)
        return self._store.deliveries(subscription_id, status, after, limit)

    def dead_letters(self, where: DeadLetterFilter, after: int = 0, limit: int = 100) -> list[Delivery]:
        return self._store.dead_letters(where, after, limit)

    def dead_letter(self, delivery_id: int) -> DeadLetter:
        delivery = self._store.delivery(delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.DEAD:
            raise NotFound("dead letter", str(delivery_id))
        return DeadLetter(delivery, self._store.attempts(delivery_id))

    def replay_dead_letter(self, delivery_id: int) -> int:
        self.dead_letter(delivery_id)
        return self._store.revive(DeadLetterFilter(), self._clock.now(), [delivery_id])

    def replay_dead_letters(self, where: DeadLetterFilter) -> int:
        """Every dead letter the filter selects back in the queue, with fresh attempts; how many."""
        return self._store.revive(where, self._clock.now())

    def position_at(self, at: datetime) -> int:
        """Where ``lightsoff replay --from-time`` starts: the first event recorded at or after ``at``."""
        return self._store.position_at(at)

    def resend(
        self,
        subscription_id: str,
        from_position: int,
        last_position: int,
        progress: Callable[[int], None] | None = None,
        batch: int = 1000,
    ) -> int:
        """Queue every matching event from ``from_position`` to ``last_position`` again for one subscription."""
        self.get(subscription_id)
        queued, position = 0, from_position
        while position <= last_position:
            count, last = self._store.resend(subscription_id, position, self._clock.now(), batch)
            queued += count
            if last < position:
                break
            position = last + 1
            if progress is not None:
                progress(min(last, last_position))
        return queued


def event_types_given(values: Sequence[str]) -> tuple[str, ...]:
    """Names as stored: ``lightsoff.order.held.v1`` and ``order.held`` both mean ``order.held``; ``*`` means all."""
    names: list[str] = []
    for value in values:
        name = value.strip().removeprefix("lightsoff.")
        head, _, tail = name.rpartition(".")
        if head and tail.startswith("v") and tail[1:].isdigit():
            name = head
        if name == "*":
            return ()
        if name and name not in names:
            names.append(name)
    return tuple(names)
