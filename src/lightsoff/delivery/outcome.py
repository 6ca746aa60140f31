"""What one delivery attempt came to, as plain data.

The sender produces an outcome instead of raising, because a receiver that is down, slow or rude is
the normal weather of webhooks, not an exception. The retry policy and the circuit breakers read
outcomes, and the outbox relay stores them (a dead letter shows the last one), so every field is small,
serialisable text or numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    """Why an attempt failed; each kind has one meaning for the retry policy."""

    TIMEOUT = "timeout"
    """connect, read, write or pool timeout, or the attempt's total deadline passed"""
    CONNECTION = "connection"
    """refused, reset, unreachable, TLS failure: no usable connection"""
    PROTOCOL = "protocol"
    """the receiver answered with something that is not HTTP"""
    STATUS = "status"
    """an HTTP status other than 2xx or 3xx"""
    REDIRECT = "redirect"
    """3xx: never followed, since a signed event must not land somewhere the subscriber did not name"""
    TOO_LARGE = "too_large"
    """the event is larger than the sender may send; it was not sent"""
    INVALID_ENDPOINT = "invalid_endpoint"
    """the endpoint URL cannot be used (not http or https, malformed); nothing was sent"""


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """The result of one attempt. ``ok`` means the receiver answered 2xx: it has the event.

    ``excerpt`` is the start of the response body, decoded leniently and cut at the sender's cap;
    ``truncated`` says the body went on (or was still arriving at the deadline). ``retry_after`` is the
    receiver's ``Retry-After`` header as sent, for the retry policy to interpret.
    """

    ok: bool
    latency_ms: float
    status: int | None = None
    error: FailureKind | None = None
    detail: str = ""
    excerpt: str = ""
    truncated: bool = False
    retry_after: str | None = None

    @classmethod
    def failed(cls, error: FailureKind, detail: str, latency_ms: float = 0.0) -> DeliveryOutcome:
        return cls(ok=False, latency_ms=latency_ms, error=error, detail=detail)
