"""The operations team's exception cases about subscriptions: raised when the relay disables one, closed when it
is enabled again.

When the relay disables a subscription (failing for longer than ``disable_after``, or its endpoint gone) it
records, in the same transaction, ``subscription.disabled`` and an ``exception.raised`` of category
``subscription_failing``, routed like every category (``routing.yaml``; the demo gives it to ``operations``).
The case names the subscription, where it points, since when it fails and the last error, and offers two
actions: ``re_enable`` (the subscription catches up on everything it missed, in order) and ``dismiss``.
Enabling the subscription any other way (``PATCH /v1/subscriptions/{id}``, ``lightsoff subscriptions
enable``) resolves the case too, in the transaction that enables it. One disablement raises one case: while
a case about the subscription is open, another is not raised.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lightsoff.domain.events import Event, ExceptionRaised, ExceptionResolved, SubscriptionDisabled
from lightsoff.domain.exception_cases import ACTIVE_STATUSES, SUBSCRIPTION_FAILING, ExceptionCase
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.domain.subscriptions import Subscription
from lightsoff.services.delivery_ports import Disablement
from lightsoff.services.identifiers import IdentifierService
from lightsoff.services.ports import CaseQuery, UnitOfWork
from lightsoff.services.recording import Cause, record

RE_ENABLE = "re_enable"
DISMISS = "dismiss"
ACTIONS = (RE_ENABLE, DISMISS)
_NO_CAUSE = Cause(None, None, None)


def record_disabled(uow: UnitOfWork, disablement: Disablement, new_id: Callable[[], str]) -> None:
    """Only the operational event, with no case (a relay built without routing, as in some tests)."""
    _record(
        uow,
        [_disabled_event(disablement.subscription)],
        disablement.subscription.subscription_id,
        disablement.at,
        new_id,
    )


class SubscriptionCases:
    def __init__(
        self, reference_data: ReferenceData, identifiers: IdentifierService, new_id: Callable[[], str]
    ) -> None:
        self._reference_data = reference_data
        self._identifiers = identifiers
        self._new_id = new_id

    def disabled(self, uow: UnitOfWork, disablement: Disablement) -> None:
        """Record ``subscription.disabled`` and, unless a case about it is open, raise one for its owning team."""
        subscription, now = disablement.subscription, disablement.at
        events: list[Event] = [_disabled_event(subscription)]
        if not open_cases(uow, subscription.subscription_id):
            events.append(self._case(uow, disablement))
        _record(uow, events, subscription.subscription_id, now, self._new_id)

    def enabled(self, uow: UnitOfWork, subscription_id: str, by: str, now: datetime) -> list[str]:
        """Resolve the open cases about a subscription just enabled again; their ids."""
        cases = open_cases(uow, subscription_id)
        if cases:
            record(
                uow,
                [ExceptionResolved(case.exception_id, None, RE_ENABLE, {}, by) for case in cases],
                versions={case.exception_id: case.version for case in cases},
                cause=_NO_CAUSE,
                now=now,
                new_id=self._new_id,
            )
        return [case.exception_id for case in cases]

    def _case(self, uow: UnitOfWork, disablement: Disablement) -> ExceptionRaised:
        subscription, now = disablement.subscription, disablement.at
        route = self._reference_data.route(SUBSCRIPTION_FAILING)
        since = subscription.failing_since
        return ExceptionRaised(
            exception_id=self._identifiers.next_exception_id(uow.sequences, now.date()),
            order_id=None,
            subscription_id=subscription.subscription_id,
            category=SUBSCRIPTION_FAILING,
            severity=route.severity.value,
            team=route.team,
            message=_message(subscription, disablement.last_error),
            actions=ACTIONS,
            due_at=now + route.handle_within,
            details=_details(subscription, disablement.last_error, since),
        )


def open_cases(uow: UnitOfWork, subscription_id: str) -> list[ExceptionCase]:
    return uow.exception_cases.find(CaseQuery(subscription_id=subscription_id, statuses=ACTIVE_STATUSES))


def _disabled_event(subscription: Subscription) -> SubscriptionDisabled:
    return SubscriptionDisabled(
        subscription.subscription_id,
        subscription.target,
        subscription.disabled_reason or "disabled",
        subscription.failing_since,
    )


def _record(uow: UnitOfWork, events: list[Event], stream_id: str, now: datetime, new_id: Callable[[], str]) -> None:
    versions = {stream_id: len(uow.events.read_stream(stream_id))}
    record(uow, events, versions=versions, cause=_NO_CAUSE, now=now, new_id=new_id)


def _details(subscription: Subscription, last_error: str | None, since: datetime | None) -> dict[str, Any]:
    return {
        "kind": subscription.kind.value,
        "url": subscription.target,
        "reason": subscription.disabled_reason,
        "failing_since": since.astimezone(UTC).isoformat() if since else None,
        "last_error": last_error,
    }


def _message(subscription: Subscription, last_error: str | None) -> str:
    since = subscription.failing_since
    failing = f" It has failed since {since.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if since else ""
    error = f"; the last error was: {last_error}" if last_error else ""
    return (
        f"The relay disabled subscription {subscription.subscription_id} ({subscription.target}): "
        f"{subscription.disabled_reason or 'disabled'}.{failing}{error}{'.' if failing or error else ''} "
        "Nothing is lost: its events wait. Fix the receiver, then re-enable the subscription and it catches "
        "up on everything it missed, in order; or dismiss the case to leave it disabled."
    )
