"""Subscriptions and deliveries: who wants which events, and where each event stands for each of them.

A subscription is a webhook URL or a broker subject prefix, filtered by event name and partner. Every
matching event becomes one delivery per subscription (``pending`` until ``delivered`` or ``dead``);
each try is an attempt, kept so a dead letter shows its whole history. Deliveries of one stream (one
order) to one subscription go strictly in order: a later one waits while an earlier one is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SubscriptionKind(StrEnum):
    WEBHOOK = "webhook"
    BROKER = "broker"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class SubscriptionSecret:
    """A ``whsec_`` secret; one with ``expires_at`` is being rotated out and signs until then."""

    secret: str
    expires_at: datetime | None = None

    def to_data(self) -> dict[str, str | None]:
        return {"secret": self.secret, "expires_at": self.expires_at.isoformat() if self.expires_at else None}

    @classmethod
    def from_data(cls, data: dict[str, str | None]) -> SubscriptionSecret:
        expires = data.get("expires_at")
        return cls(str(data["secret"]), datetime.fromisoformat(expires) if expires else None)


@dataclass(frozen=True, slots=True)
class Route:
    """The part of a subscription that says which events it gets: what fan-out reads for each event."""

    subscription_id: str
    event_types: tuple[str, ...]
    partners: tuple[str, ...] | None

    def matches(self, name: str, partner: str | None) -> bool:
        if self.event_types and name not in self.event_types:
            return False
        return self.partners is None or partner in self.partners


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: str
    kind: SubscriptionKind
    target: str
    """the URL of a webhook, the subject prefix of a broker subscription"""
    event_types: tuple[str, ...]
    """event names (``order.received``); empty: every event"""
    partners: tuple[str, ...] | None
    """only events of these partners; ``None``: every event, with or without a partner"""
    secrets: tuple[SubscriptionSecret, ...]
    enabled: bool
    disabled_reason: str | None
    max_attempts: int
    max_age: timedelta
    created_at: datetime
    updated_at: datetime
    failing_since: datetime | None = None

    def matches(self, name: str, partner: str | None) -> bool:
        return Route(self.subscription_id, self.event_types, self.partners).matches(name, partner)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret first, then rotated-out ones still within their overlap."""
        return [s.secret for s in self.secrets if s.expires_at is None or s.expires_at > now]


@dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: int
    subscription_id: str
    event_position: int
    event_id: str
    event_type: str
    stream_id: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One try: when, what came back (status, an excerpt of the body), how long it took, what went wrong."""

    delivery_id: int
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    detail: str
    excerpt: str
    latency_ms: float
    worker: str


@dataclass(frozen=True, slots=True)
class DeadLetterFilter:
    """Which dead letters to list or replay; every field narrows, none means all."""

    subscription_id: str | None = None
    event_type: str | None = None
    since: datetime | None = None
