"""The one error hierarchy of lightsoff.

    LightsoffError
     ├── NotFound                  a resource that does not exist (or that the caller may not see)
     ├── Conflict                  the request contradicts what lightsoff already holds
     │    ├── ConcurrencyConflict  a write lost a race (stream version, unique key); safe to retry
     │    └── ShipmentConflict     a shipment id already recorded with other content
     ├── InvalidShipment           a proposed shipment that does not fit its orders; ``problems`` says where
     ├── Unavailable               a part lightsoff needs (the database) is down or busy; retry later
     ├── Unauthenticated           no credentials, or ones that do not prove who the caller is (401)
     ├── Forbidden                 a known caller asking for what it may not do (403)
     ├── RateLimited               a caller over its request rate; says when to come back (429)
     ├── ConfigurationError        settings or configuration files that cannot be used
     ├── DeliveryError             an event could not be handed on; ``transient`` says whether a retry can help
     │    ├── BrokerUnavailable    transient: the broker is unreachable, timed out, or no stream answered
     │    ├── BrokerRejected       permanent: the broker refused the message or the stream's settings
     │    ├── MailUnavailable      transient: the mail server cannot take mail now (down, login or sender refused)
     │    └── MailRefused          the mail server refused one message (its recipients or content)
     └── InvalidSignature          a webhook that does not verify, so nothing in it can be trusted
          ├── MalformedSignatureHeaders   a signature header is missing or cannot be read (which, and why)
          ├── StaleTimestamp              outside the tolerance: too old (a replay?) or too new (a skewed clock)
          └── SignatureMismatch           well-formed, but no v1 signature matches any of the secrets

Adapters translate foreign errors into these with ``raise … from exc``; only the API maps them to
HTTP statuses (problem+json).
"""

from __future__ import annotations

from typing import Any


class LightsoffError(Exception):
    """Root of every error lightsoff raises on purpose."""


class NotFound(LightsoffError):
    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier} does not exist")
        self.kind = kind
        self.identifier = identifier


class Conflict(LightsoffError):
    """The request cannot be applied to the current state."""


class ConcurrencyConflict(Conflict):
    """Another writer got there first; the unit of work can be retried from the start."""


class ShipmentConflict(Conflict):
    """The shipment id is taken by a shipment with other content; the first one stands."""


class InvalidShipment(LightsoffError):
    """A shipment that does not fit what lightsoff holds; ``problems`` lists every one (``FieldProblem``)."""

    def __init__(self, problems: list[Any]) -> None:
        super().__init__("; ".join(f"{problem.path}: {problem.message}" for problem in problems))
        self.problems = problems


class CaseClosed(Conflict):
    """The exception case was already resolved or dismissed; the message says how and by whom."""


class ResolutionUnfit(Conflict):
    """The order changed since the case was raised, so the resolution no longer applies to it."""


class InvalidResolution(LightsoffError):
    """The action is not one of the case's, or its parameters are missing or wrong; ``errors`` says which."""

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class Unavailable(LightsoffError):
    """A part lightsoff depends on cannot be used right now; nothing was changed, a retry is safe."""


class Unauthenticated(LightsoffError):
    """The message says what was missing or wrong, never the credential itself."""


class Forbidden(LightsoffError):
    """The message names the missing scope or the refused address, so the caller knows what to ask for."""


class RateLimited(LightsoffError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many requests; retry after {retry_after:.1f} s")
        self.retry_after = retry_after


class ConfigurationError(LightsoffError):
    """Configuration that cannot be used; ``problems`` lists every one found, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class DeliveryError(LightsoffError):
    """Handing an event on to a subscriber failed.

    ``transient`` tells the caller whether the same attempt can succeed later (keep the outbox row and
    retry) or never will as things stand (dead-letter it and tell a person).
    """

    transient: bool = False


class BrokerUnavailable(DeliveryError):
    """The broker could not be reached or did not answer in time; the message may or may not be stored.

    Retrying is safe: the broker drops a republished message with the same id inside its duplicate window.
    """

    transient = True


class BrokerRejected(DeliveryError):
    """The broker answered and refused: a bad subject, a payload over its limit, a stream set up differently."""

    transient = False


class MailUnavailable(DeliveryError):
    """The mail server cannot be used now: unreachable, timed out, or refusing our login or sender address.

    It concerns every message alike, so a sender stops and tries again later rather than moving on.
    """

    transient = True


class MailRefused(DeliveryError):
    """The mail server took the connection but refused this message: its recipients (``550 no such user``) or
    its content. Other messages may go through. ``transient`` is true for a 4xx answer (try again later)."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class InvalidSignature(LightsoffError):
    """A webhook whose signature cannot be accepted; the receiver should answer 400 and process nothing."""


class MalformedSignatureHeaders(InvalidSignature):
    """A ``webhook-*`` header is missing or unreadable; ``header`` names it."""

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"{header}: {reason}")
        self.header = header
        self.reason = reason


class StaleTimestamp(InvalidSignature):
    """The ``webhook-timestamp`` lies outside the tolerance, which is what stops a captured webhook being replayed."""


class SignatureMismatch(InvalidSignature):
    """Every header is well-formed, but no ``v1`` signature was made with any of the given secrets over this body."""
