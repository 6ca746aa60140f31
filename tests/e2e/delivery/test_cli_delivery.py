"""The delivery commands, run as a user runs them: subscriptions, dead letters, replay to a subscription."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

from lightsoff.bootstrap import SystemClock, bootstrap
from lightsoff.services.ports import CaseQuery
from lightsoff.settings import Settings
from tests.delivery_support import fail_until_disabled
from tests.e2e.test_cli import env, run  # noqa: F401 - env is a fixture

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_subscriptions_are_added_listed_disabled_and_enabled(env: dict[str, str]) -> None:  # noqa: F811
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


def test_a_bad_secret_is_refused_with_what_is_wrong(env: dict[str, str]) -> None:  # noqa: F811
    run("db", "upgrade", env=env, check=True)
    refused = run("subscriptions", "add", "https://erp.example/h", "--secret", "not base64!", env=env)
    assert refused.returncode == 2
    assert "whsec_" in refused.stderr


def test_enabling_a_disabled_subscription_by_cli_resolves_its_case(env: dict[str, str]) -> None:  # noqa: F811
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
