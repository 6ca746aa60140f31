"""The operations team's case about a disabled subscription, over HTTP: found, read, re-enabled or dismissed."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role
from tests.conftest import LiveServer
from tests.delivery_support import fail_until_disabled

URL = "https://erp.example/hooks/lightsoff"


def disabled_subscription(api: httpx.Client, lightsoff: Lightsoff) -> tuple[str, dict[str, object]]:
    """A subscription the relay disabled, and its open case as GET /v1/exceptions lists it."""
    sub = api.post("/v1/subscriptions", json={"url": URL}).json()["id"]
    fail_until_disabled(lightsoff, sub, lightsoff.clock.now(), error="HTTP 503 Service Unavailable")
    listed = api.get("/v1/exceptions", params={"category": "subscription_failing", "team": "operations"})
    assert listed.status_code == 200, listed.text
    (case,) = [item for item in listed.json()["items"] if item["subscription_id"] == sub]
    return sub, case


def test_a_disabled_subscriptions_case_is_listed_for_operations_with_what_to_look_at(
    api: httpx.Client, lightsoff: Lightsoff
) -> None:
    sub, case = disabled_subscription(api, lightsoff)

    assert case["subject"] == {"kind": "subscription", "id": sub}
    assert (case["order_id"], case["line_no"], case["partner"]) == (None, None, None)
    assert (case["severity"], case["status"]) == ("high", "open")
    assert case["details"] == {
        "kind": "webhook",
        "url": URL,
        "reason": "failing for longer than 1:00:00",
        "failing_since": lightsoff.clock.now().isoformat(),
        "last_error": "status: HTTP 503 Service Unavailable",
    }
    assert [action["name"] for action in case["actions"]] == ["re_enable", "dismiss"]
    by_subscription = api.get("/v1/exceptions", params={"subscription_id": sub}).json()["items"]
    assert [c["exception_id"] for c in by_subscription] == [case["exception_id"]]
    assert api.get("/v1/exceptions", params={"category": "unknown_product"}).json()["items"] == []
    detail = api.get(f"/v1/exceptions/{case['exception_id']}").json()
    assert [entry["event"] for entry in detail["history"]] == ["exception.raised"]
    assert api.get(f"/v1/subscriptions/{sub}").json()["enabled"] is False
    feed = api.get("/v1/events", params={"type": "subscription.disabled"}).json()["items"]
    assert [event["subject"] for event in feed] == [sub]


def test_re_enable_on_the_case_enables_the_subscription_and_resolves_the_case(
    api: httpx.Client, lightsoff: Lightsoff
) -> None:
    sub, case = disabled_subscription(api, lightsoff)

    answer = api.post(f"/v1/exceptions/{case['exception_id']}/resolve", json={"action": "re_enable"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["order_id"], body["order_status"], body["subscription_id"]) == (None, None, sub)
    assert body["events"] == ["exception.resolved"]
    assert (body["exception"]["status"], body["exception"]["resolution"]["action"]) == ("resolved", "re_enable")
    assert api.get(f"/v1/subscriptions/{sub}").json()["enabled"] is True
    again = api.post(f"/v1/exceptions/{case['exception_id']}/resolve", json={"action": "re_enable"})
    assert again.status_code == 409


def test_enabling_the_subscription_by_patch_resolves_its_case(api: httpx.Client, lightsoff: Lightsoff) -> None:
    sub, case = disabled_subscription(api, lightsoff)

    assert api.patch(f"/v1/subscriptions/{sub}", json={"enabled": True}).json()["enabled"] is True

    closed = api.get(f"/v1/exceptions/{case['exception_id']}").json()
    assert closed["status"] == "resolved"
    assert closed["resolution"]["action"] == "re_enable"
    caller = api.get("/v1/audit").json()["items"][-1]["actor"]  # who PATCHed: the audit trail names them
    assert f"client:{closed['resolution']['by']}" == caller
    assert api.get("/v1/exceptions", params={"subscription_id": sub}).json()["items"] == []


def test_dismiss_closes_the_case_and_leaves_the_subscription_disabled(api: httpx.Client, lightsoff: Lightsoff) -> None:
    sub, case = disabled_subscription(api, lightsoff)

    wrong = api.post(f"/v1/exceptions/{case['exception_id']}/resolve", json={"action": "release"})
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (422, "action_not_allowed")
    answer = api.post(f"/v1/exceptions/{case['exception_id']}/resolve", json={"action": "dismiss"})

    assert answer.status_code == 200, answer.text
    assert (answer.json()["exception"]["status"], answer.json()["events"]) == ("dismissed", ["exception.dismissed"])
    assert api.get(f"/v1/subscriptions/{sub}").json()["enabled"] is False


def test_a_client_confined_to_a_partner_does_not_see_the_case(
    api: httpx.Client, lightsoff: Lightsoff, live_server: LiveServer, grant: Callable[..., dict[str, str]]
) -> None:
    _, case = disabled_subscription(api, lightsoff)

    with httpx.Client(base_url=live_server.url, headers=grant(Role.OPERATOR, partners=["ACME"])) as confined:
        assert confined.get(f"/v1/exceptions/{case['exception_id']}").status_code == 404
        assert confined.get("/v1/exceptions", params={"category": "subscription_failing"}).json()["items"] == []
        refused = confined.post(f"/v1/exceptions/{case['exception_id']}/resolve", json={"action": "re_enable"})
        assert refused.status_code == 404
