"""The operations team's exception case about a subscription the relay disabled, on SQLite and PostgreSQL.

The relay's store disables the subscription, records ``subscription.disabled`` and raises the case in one
transaction; enabling the subscription (by the subscription API, or the case's ``re_enable``) resolves it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.errors import CaseClosed, InvalidResolution, NotFound, ResolutionUnfit
from lightsoff.domain.exception_cases import ACTIVE_STATUSES, CaseStatus, ExceptionCase, SubjectKind
from lightsoff.domain.subscriptions import SubscriptionKind
from lightsoff.services.delivery_ports import Disablement
from lightsoff.services.ports import CaseQuery, UnitOfWork
from lightsoff.services.replay import rebuild_read_models
from lightsoff.services.subscriptions import NewSubscription, SubscriptionChange
from lightsoff.testing import FakeClock
from tests.delivery_support import fail_until_disabled

URL = "http://127.0.0.1:9/hooks/erp"


def subscribe(app: Lightsoff) -> str:
    new = NewSubscription(SubscriptionKind.WEBHOOK, URL, event_types=("order.received",))
    return app.delivery.subscriptions.create(new).subscription_id


def cases_of(app: Lightsoff, subscription_id: str, active: bool = False) -> list[ExceptionCase]:
    query = CaseQuery(subscription_id=subscription_id, statuses=ACTIVE_STATUSES if active else None)
    return app.queries.find_exception_cases(query)


def test_a_disabled_subscription_raises_one_case_for_operations_naming_what_they_need(
    lightsoff: Lightsoff, clock: FakeClock
) -> None:
    subscription_id = subscribe(lightsoff)
    disabled_at = fail_until_disabled(lightsoff, subscription_id, clock.now(), error="HTTP 503 Service Unavailable")

    query = CaseQuery(category="subscription_failing", team="operations", statuses=ACTIVE_STATUSES)
    (case,) = lightsoff.queries.find_exception_cases(query)
    assert (case.subject.kind, case.subject.id) == (SubjectKind.SUBSCRIPTION, subscription_id)
    assert (case.order_id, case.subscription_id, case.partner) == (None, subscription_id, None)
    assert (case.severity.value, case.status, case.due_at) == (
        "high",
        CaseStatus.OPEN,
        disabled_at + timedelta(hours=1),
    )
    assert case.actions == ("re_enable", "dismiss")
    assert case.details == {
        "kind": "webhook",
        "url": URL,
        "reason": "failing for longer than 1:00:00",
        "failing_since": clock.now().isoformat(),
        "last_error": "status: HTTP 503 Service Unavailable",
    }
    assert subscription_id in case.message
    assert URL in case.message
    assert "HTTP 503" in case.message
    with lightsoff.uow(write=False) as uow:
        assert [e.name for e in uow.events.read_stream(subscription_id)] == ["subscription.disabled"]
        assert [e.name for e in uow.events.read_stream(case.exception_id)] == ["exception.raised"]


def test_one_disablement_raises_one_case_and_a_new_disablement_after_the_fix_another(
    lightsoff: Lightsoff, clock: FakeClock
) -> None:
    subscription_id = subscribe(lightsoff)
    store = lightsoff.delivery.store
    later = fail_until_disabled(lightsoff, subscription_id, clock.now())
    (first,) = cases_of(lightsoff, subscription_id)
    # Enabled behind the case's back (the store alone, no case closed) and disabled again: still one open case.
    current = store.subscription(subscription_id)
    assert current is not None
    store.update_subscription(replace(current, enabled=True, disabled_reason=None, failing_since=None))
    later = fail_until_disabled(lightsoff, subscription_id, later)
    assert [c.exception_id for c in cases_of(lightsoff, subscription_id)] == [first.exception_id]
    with lightsoff.uow(write=False) as uow:
        assert [e.name for e in uow.events.read_stream(subscription_id)] == ["subscription.disabled"] * 2
    # Enabled properly (the case resolved), failing again: a new case for a new disablement.
    lightsoff.delivery.subscriptions.change(subscription_id, SubscriptionChange(enabled=True), "ops@plant.example")
    fail_until_disabled(lightsoff, subscription_id, later)
    statuses = [c.status for c in cases_of(lightsoff, subscription_id)]
    assert statuses == [CaseStatus.RESOLVED, CaseStatus.OPEN]


def test_enabling_the_subscription_resolves_its_case_in_the_same_transaction(
    lightsoff: Lightsoff, clock: FakeClock
) -> None:
    subscription_id = subscribe(lightsoff)
    fail_until_disabled(lightsoff, subscription_id, clock.now())

    enabled = lightsoff.delivery.subscriptions.change(
        subscription_id, SubscriptionChange(enabled=True), "ops@plant.example"
    )

    assert enabled.enabled
    (case,) = cases_of(lightsoff, subscription_id)
    assert case.status is CaseStatus.RESOLVED
    assert case.resolution is not None
    assert (case.resolution.action, case.resolution.by) == ("re_enable", "ops@plant.example")
    assert [entry.event for entry in case.history] == ["exception.raised", "exception.resolved"]


def test_the_cases_re_enable_enables_the_subscription_and_its_deliveries_resume(
    lightsoff: Lightsoff, clock: FakeClock
) -> None:
    subscription_id = subscribe(lightsoff)
    later = fail_until_disabled(lightsoff, subscription_id, clock.now())
    (case,) = cases_of(lightsoff, subscription_id)
    store = lightsoff.delivery.store
    assert store.claim("w2", later, timedelta(minutes=1), 100) == []  # disabled: nothing goes out

    resolved = lightsoff.exceptions.resolve(case.exception_id, "re_enable", {}, "ops@plant.example")

    assert (resolved.order, resolved.events) == (None, ("exception.resolved",))
    assert resolved.case.status is CaseStatus.RESOLVED
    assert lightsoff.delivery.subscriptions.get(subscription_id).enabled
    (claim,) = store.claim("w2", later, timedelta(minutes=1), 100)  # the missed delivery goes out again
    assert claim.delivery.subscription_id == subscription_id
    with pytest.raises(CaseClosed, match="already resolved"):
        lightsoff.exceptions.resolve(case.exception_id, "re_enable", {}, "someone.else@plant.example")


def test_dismissing_the_case_leaves_the_subscription_disabled(lightsoff: Lightsoff, clock: FakeClock) -> None:
    subscription_id = subscribe(lightsoff)
    fail_until_disabled(lightsoff, subscription_id, clock.now())
    (case,) = cases_of(lightsoff, subscription_id)

    resolved = lightsoff.exceptions.resolve(case.exception_id, "dismiss", {}, "ops@plant.example")

    assert resolved.case.status is CaseStatus.DISMISSED
    assert resolved.events == ("exception.dismissed",)
    assert "dismissed by ops@plant.example" in (resolved.case.history[-1].detail or "")
    assert not lightsoff.delivery.subscriptions.get(subscription_id).enabled


def test_an_orders_action_is_refused_on_a_subscriptions_case_and_a_deleted_subscription_cannot_come_back(
    lightsoff: Lightsoff, clock: FakeClock
) -> None:
    subscription_id = subscribe(lightsoff)
    fail_until_disabled(lightsoff, subscription_id, clock.now())
    (case,) = cases_of(lightsoff, subscription_id)

    with pytest.raises(InvalidResolution, match="choose one of: re_enable, dismiss"):
        lightsoff.exceptions.resolve(case.exception_id, "release", {}, "ops@plant.example")
    lightsoff.delivery.subscriptions.delete(subscription_id)
    with pytest.raises(ResolutionUnfit, match="was deleted"):
        lightsoff.exceptions.resolve(case.exception_id, "re_enable", {}, "ops@plant.example")
    assert lightsoff.exceptions.resolve(case.exception_id, "dismiss", {}, "ops").case.status is CaseStatus.DISMISSED


def test_a_client_confined_to_partners_does_not_see_the_case(lightsoff: Lightsoff, clock: FakeClock) -> None:
    subscription_id = subscribe(lightsoff)
    fail_until_disabled(lightsoff, subscription_id, clock.now())
    (case,) = cases_of(lightsoff, subscription_id)

    with pytest.raises(NotFound):
        lightsoff.queries.exception_case(case.exception_id, partners={"ACME"})
    assert lightsoff.queries.find_exception_cases(CaseQuery(partners={"ACME"})) == []


def test_when_the_case_cannot_be_recorded_the_subscription_is_not_disabled_either(
    lightsoff: Lightsoff, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscription_id = subscribe(lightsoff)
    cases = lightsoff.delivery.cases
    disabled = cases.disabled

    def broken(uow: UnitOfWork, disablement: Disablement) -> None:
        disabled(uow, disablement)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(cases, "disabled", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        fail_until_disabled(lightsoff, subscription_id, clock.now())
    assert lightsoff.delivery.subscriptions.get(subscription_id).enabled
    assert cases_of(lightsoff, subscription_id) == []
    with lightsoff.uow(write=False) as uow:
        assert uow.events.read_stream(subscription_id) == []


def test_replay_rebuilds_the_case_as_it_was(lightsoff: Lightsoff, clock: FakeClock) -> None:
    subscription_id = subscribe(lightsoff)
    disabled = replace(lightsoff.delivery.subscriptions.get(subscription_id), enabled=False, failing_since=clock.now())
    with lightsoff.uow() as uow:  # as the relay's store does it, without the test's own (unreplayable) events
        lightsoff.delivery.cases.disabled(uow, Disablement(disabled, "timeout: no response", clock.now()))
        uow.commit()
    lightsoff.delivery.subscriptions.change(subscription_id, SubscriptionChange(enabled=True), "ops")
    (before,) = cases_of(lightsoff, subscription_id)
    assert before.status is CaseStatus.RESOLVED

    rebuild_read_models(lightsoff.uow)

    assert cases_of(lightsoff, subscription_id) == [before]
