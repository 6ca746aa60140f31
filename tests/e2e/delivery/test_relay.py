"""The relay against real receivers on loopback: weather, dead letters, misbehaviour, disabling, order."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from lightsoff.bootstrap import Lightsoff
from lightsoff.delivery.signing import WebhookSecret
from lightsoff.delivery_runtime import RelayThread
from lightsoff.domain.subscriptions import DeadLetterFilter, DeliveryStatus, SubscriptionKind
from lightsoff.services.ports import CaseQuery
from lightsoff.services.subscriptions import NewSubscription, SubscriptionChange
from lightsoff.testing import FakeClock
from tests.delivery_support import append_events
from tests.e2e.delivery.conftest import wait_for
from tests.e2e.delivery.inbox import Inbox, assert_in_order_per_stream
from tests.integration.delivery.receiver import Receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MakeLightsoff = Callable[..., Lightsoff]
StartRelay = Callable[[Lightsoff], RelayThread]
MakeInbox = Callable[..., Inbox]


def subscribe(app: Lightsoff, url: str, **changes: Any) -> str:
    new = replace(NewSubscription(SubscriptionKind.WEBHOOK, url, secret=SECRET), **changes)
    subscription = app.delivery.subscriptions.create(new)
    return subscription.subscription_id


def orders(app: Lightsoff, streams: int, versions: int, prefix: str = "ORD") -> set[str]:
    """Append ``versions`` events to each of ``streams`` orders, interleaved; return their ids."""
    ids: set[str] = set()
    for _ in range(versions):
        batch = [(f"{prefix}-{n}", "order.received", "ACME") for n in range(streams)]
        ids |= {event.event_id for event in append_events(app.uow, app.clock.now(), *batch)}
    return ids


def test_every_event_arrives_once_in_order_and_signed_through_every_kind_of_weather(
    make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox
) -> None:
    app = make_lightsoff()
    inbox = inboxes([SECRET], mode="500")
    subscribe(app, inbox.url)
    relay_thread(app)
    sent = orders(app, streams=5, versions=4)
    for mode in ("500", "429", "down", "hang", "flap", "slow", "ok"):
        if mode == "down":
            inbox.stop()
        else:
            if inbox.mode == "down":
                inbox.start()
            inbox.mode = mode
        time.sleep(0.6)
        if mode == "down":
            inbox.mode = "down"
    wait_for(lambda: len(inbox.delivered()) == len(sent), what="every event delivered")
    delivered = inbox.delivered()
    assert {arrival.msg_id for arrival in delivered} == sent
    assert_in_order_per_stream(delivered)
    assert inbox.all_verified()
    # A request the receiver took but did not answer in time (hang) is sent again: the receiver dedupes it.
    hung = [arrival for arrival in inbox.arrivals if arrival.mode == "hang"]
    assert inbox.duplicates() <= len(hung)


def test_a_dead_letter_keeps_its_attempts_and_replays_once_the_receiver_is_fixed(
    make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox
) -> None:
    app = make_lightsoff()
    inbox = inboxes([SECRET], mode="500")
    subscription_id = subscribe(app, inbox.url, max_attempts=2)
    relay_thread(app)
    sent = orders(app, streams=3, versions=1)
    service = app.delivery.subscriptions
    wait_for(lambda: len(service.dead_letters(DeadLetterFilter())) == 3, what="three dead letters")
    dead = service.dead_letter(service.dead_letters(DeadLetterFilter())[0].delivery_id)
    assert [(a.attempt, a.status_code, a.excerpt) for a in dead.attempts] == [(1, 500, "nope"), (2, 500, "nope")]
    inbox.mode = "ok"
    assert service.replay_dead_letters(DeadLetterFilter(subscription_id=subscription_id)) == 3
    wait_for(lambda: len(inbox.delivered()) == 3, what="replayed dead letters delivered")
    assert {a.msg_id for a in inbox.delivered()} == sent
    assert service.dead_letters(DeadLetterFilter()) == []


def test_misbehaving_receivers_do_not_stall_a_healthy_one(
    make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox
) -> None:
    app = make_lightsoff(webhook_timeout_seconds=8.0)
    bad = Receiver(WebhookSecret.parse(SECRET), FakeClock())
    try:
        misbehaving = {path: subscribe(app, bad.url + path) for path in ("/redirect", "/huge", "/trickle", "/hang")}
        healthy = inboxes([SECRET])
        subscribe(app, healthy.url)
        relay_thread(app)
        sent = orders(app, streams=20, versions=3)
        wait_for(lambda: len(healthy.delivered()) == len(sent), timeout=20, what="the healthy receiver served")
        service = app.delivery.subscriptions
        for path in ("/trickle", "/hang"):  # still on their first attempts (an 8 s deadline) when all else is done
            assert all(d.attempts == 0 for d in service.deliveries(misbehaving[path], limit=1000)), path
        assert_in_order_per_stream(healthy.delivered())
    finally:
        bad.close()


def test_a_subscription_failing_too_long_is_disabled_and_catches_up_in_order_when_enabled(
    make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox
) -> None:
    app = make_lightsoff(subscription_disable_after_seconds=0.5)
    inbox = inboxes([SECRET])
    inbox.stop()
    subscription_id = subscribe(app, inbox.url, event_types=("order.received",))
    relay_thread(app)
    sent = orders(app, streams=4, versions=3)
    service = app.delivery.subscriptions
    wait_for(lambda: not service.get(subscription_id).enabled, what="the subscription disabled")
    assert service.get(subscription_id).disabled_reason == "failing for longer than 0:00:00.500000"
    with app.uow(write=False) as uow:
        (event,) = uow.events.read_stream(subscription_id)
    assert event.name == "subscription.disabled"
    (case,) = app.queries.find_exception_cases(CaseQuery(subscription_id=subscription_id))
    assert (case.category, case.team, case.status.value) == ("subscription_failing", "operations", "open")
    assert case.details is not None
    assert case.details["url"] == inbox.url
    assert "ClientConnectorError" in (case.details["last_error"] or "")  # the receiver was down
    inbox.start()
    sent |= orders(app, streams=4, versions=1)  # more arrive while it is disabled
    time.sleep(0.3)
    assert inbox.delivered() == []
    service.change(subscription_id, SubscriptionChange(enabled=True), "ops@plant.example")
    assert app.queries.exception_case(case.exception_id).status.value == "resolved"
    wait_for(lambda: len(inbox.delivered()) == len(sent), what="caught up")
    assert_in_order_per_stream(inbox.delivered())
    statuses = lambda: {d.status for d in service.deliveries(subscription_id, limit=1000)}  # noqa: E731
    wait_for(lambda: statuses() == {DeliveryStatus.DELIVERED}, what="every delivery recorded delivered")


def test_during_a_secret_rotation_both_secrets_verify(
    make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox
) -> None:
    app = make_lightsoff()
    service = app.delivery.subscriptions
    old_only = inboxes([SECRET])
    subscription_id = subscribe(app, old_only.url)
    rotated = service.change(
        subscription_id, SubscriptionChange(rotate_secret=True, rotation_overlap=timedelta(hours=1))
    )
    new_secret = rotated.secrets[0].secret
    assert new_secret != SECRET
    assert rotated.signing_secrets(app.clock.now()) == [new_secret, SECRET]
    relay_thread(app)
    orders(app, streams=2, versions=1)
    wait_for(lambda: len(old_only.delivered()) == 2, what="delivered")
    assert old_only.all_verified()  # a receiver still on the old secret accepts them
    new_only = inboxes([new_secret])
    service.delete(subscription_id)
    subscribe(app, new_only.url, secret=new_secret)
    orders(app, streams=2, versions=1, prefix="NEW")
    wait_for(lambda: len(new_only.delivered()) == 2, what="delivered")
    assert new_only.all_verified()


@pytest.mark.postgresql
def test_on_postgresql_too(make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox) -> None:
    app = make_lightsoff("postgresql")
    inbox = inboxes([SECRET], mode="flap")
    subscribe(app, inbox.url)
    relay_thread(app)
    sent = orders(app, streams=5, versions=4)
    wait_for(lambda: len(inbox.delivered()) == len(sent), what="every event delivered")
    assert_in_order_per_stream(inbox.delivered())
    assert inbox.all_verified()


def test_a_retry_scheduled_before_a_restart_waits_for_its_time_after_it(
    make_lightsoff: MakeLightsoff, relay_thread: StartRelay, inboxes: MakeInbox
) -> None:
    app = make_lightsoff()
    inbox = inboxes([SECRET], mode="429")  # Retry-After: 1, honoured as "not before"
    subscription_id = subscribe(app, inbox.url)
    service = app.delivery.subscriptions
    first = relay_thread(app)
    orders(app, streams=1, versions=1)
    attempted = lambda: [d.attempts for d in service.deliveries(subscription_id)] == [1]  # noqa: E731
    wait_for(attempted, what="the first attempt recorded")
    first.stop()
    (scheduled,) = service.deliveries(subscription_id)
    assert scheduled.last_attempt_at is not None
    assert scheduled.next_attempt_at >= scheduled.last_attempt_at + timedelta(seconds=1)
    inbox.mode = "ok"

    relay_thread(app)  # a new relay, as after a restart: it knows only what the database says

    wait_for(lambda: len(inbox.delivered()) == 1, what="delivered after the restart")
    (refused, delivered) = inbox.arrivals
    assert refused.answered == 429
    assert delivered.at >= scheduled.next_attempt_at.timestamp() - 0.05  # not before its time
