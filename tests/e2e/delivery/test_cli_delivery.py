"""The delivery commands, run as a user runs them: subscriptions, dead letters, replay to a subscription."""

from __future__ import annotations

import getpass
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lightsoff.bootstrap import Lightsoff, SystemClock, bootstrap
from lightsoff.domain.subscriptions import DeliveryAttempt, DeliveryStatus
from lightsoff.services.delivery_ports import AttemptResult
from lightsoff.services.ports import CaseQuery
from lightsoff.settings import Settings
from tests.delivery_support import append_events, fail_until_disabled
from tests.e2e.test_cli import run

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_subscriptions_are_added_listed_disabled_and_enabled(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    added = run(
        "subscriptions",
        "add",
        "https://erp.example/h",
        "--event-type",
        "order.held",
        "--secret",
        SECRET,
        env=env,
        check=True,
    )
    match = re.search(r"subscription_id: (sub_[0-9a-f]+)", added.stdout)
    assert match is not None, added.stdout
    assert SECRET in added.stdout
    subscription_id = match.group(1)
    assert run("subscriptions", "disable", subscription_id, env=env, check=True).stdout.strip().endswith("disabled")
    listed = run("subscriptions", "list", env=env, check=True).stdout
    assert subscription_id in listed
    assert "disabled by an operator" in listed
    replayed = run("replay", "--subscription", subscription_id, "--from-position", "1", env=env, check=True)
    assert f"queued 0 events from position 1 for {subscription_id}" in replayed.stdout
    assert "0 dead letter(s) queued again" in run("dead-letters", "replay", "--all", env=env, check=True).stdout


def test_a_bad_secret_is_refused_with_what_is_wrong(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    refused = run("subscriptions", "add", "https://erp.example/h", "--secret", "not base64!", env=env)
    assert refused.returncode == 2
    assert "whsec_" in refused.stderr


def test_enabling_a_disabled_subscription_by_cli_resolves_its_case(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    added = run("subscriptions", "add", "https://erp.example/h", "--secret", SECRET, env=env, check=True)
    match = re.search(r"subscription_id: (sub_[0-9a-f]+)", added.stdout)
    assert match is not None, added.stdout
    subscription_id = match.group(1)
    app = bootstrap(Settings(data_dir=Path(env["LIGHTSOFF_DATA_DIR"])), clock=SystemClock())
    try:
        fail_until_disabled(app, subscription_id, app.clock.now())
        (case,) = app.queries.find_exception_cases(CaseQuery(subscription_id=subscription_id))
        assert "disabled: failing for longer than 1:00:00" in run("subscriptions", "list", env=env).stdout

        assert run("subscriptions", "enable", subscription_id, env=env, check=True).stdout.strip().endswith("enabled")

        closed = app.queries.exception_case(case.exception_id)
        assert closed.resolution is not None
        assert (closed.status.value, closed.resolution.action) == ("resolved", "re_enable")
        assert closed.resolution.by == f"cli:{getpass.getuser()}"
    finally:
        app.close()


def test_dead_letters_are_listed_shown_and_replayed_and_events_resent_from_a_time(
    env: dict[str, str],
) -> None:
    run("db", "upgrade", env=env, check=True)
    added = run("subscriptions", "add", "https://erp.example/h", "--secret", SECRET, env=env, check=True)
    match = re.search(r"subscription_id: (sub_[0-9a-f]+)", added.stdout)
    assert match is not None, added.stdout
    subscription_id = match.group(1)
    app = bootstrap(Settings(data_dir=Path(env["LIGHTSOFF_DATA_DIR"])), clock=SystemClock())
    try:
        t0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
        append_events(app.uow, t0, ("ORD-1", "order.received", "ACME"))
        append_events(app.uow, t0 + timedelta(hours=2), ("ORD-2", "order.received", "ACME"))
        dead = kill_every_delivery(app, t0 + timedelta(hours=3))

        listed = run("dead-letters", "list", "--subscription", subscription_id, env=env, check=True).stdout
        assert all(str(delivery_id) in listed for delivery_id in dead)
        assert listed.count("order.received") == 2
        shown = run("dead-letters", "show", str(dead[0]), env=env, check=True).stdout
        assert "status: HTTP 503" in shown
        assert "busy" in shown
        assert (
            "1 dead letter(s) queued again" in run("dead-letters", "replay", str(dead[0]), env=env, check=True).stdout
        )
        assert run("dead-letters", "list", env=env, check=True).stdout.count("order.received") == 1
        missing = run("dead-letters", "show", str(dead[0]), env=env)
        assert missing.returncode != 0

        resent = run(
            "replay", "--subscription", subscription_id, "--from-time", "2026-11-23T09:00:00", env=env, check=True
        )
        assert f"queued 1 events from position {dead_position(app, 'ORD-2')} for {subscription_id}" in resent.stdout
        assert f"queueing events for {subscription_id}" in resent.stderr  # the progress bar
        lonely = run("replay", "--from-time", "2026-11-23T09:00:00", env=env)
        assert lonely.returncode != 0
        assert "give --subscription too" in lonely.stderr
    finally:
        app.close()


def kill_every_delivery(app: Lightsoff, at: datetime) -> list[int]:
    """Fan out and record every delivery dead after one 503, as a relay with max_attempts=1 would."""
    store = app.delivery.store
    store.fan_out(at, 1000)
    ids = []
    for claim in store.claim("w1", at, timedelta(minutes=1), 1000):
        attempt = DeliveryAttempt(claim.delivery.delivery_id, 1, at, 503, "status", "HTTP 503", "busy", 9.5, "w1")
        result = AttemptResult(attempt, claim.delivery.subscription_id, DeliveryStatus.DEAD, at, True)
        store.record([result], at, timedelta(days=1), app.delivery.cases.disabled)
        ids.append(claim.delivery.delivery_id)
    return ids


def dead_position(app: Lightsoff, stream_id: str) -> int:
    with app.uow(write=False) as uow:
        return uow.events.read_stream(stream_id)[0].position
