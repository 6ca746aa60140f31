"""The audit trail through real HTTP: every state-changing request, refused and failed ones too, once each."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role
from tests.conftest import LiveServer
from tests.factories import order_json

Grant = Callable[..., dict[str, str]]


def audit_entries(api: httpx.Client) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    while page := api.get("/v1/audit", params={"after": entries[-1]["sequence"] if entries else 0}).json()["items"]:
        entries += page
    return entries


def test_concurrent_orders_are_audited_once_each_in_one_unbroken_chain(
    lightsoff: Lightsoff, live_server: LiveServer, api: httpx.Client
) -> None:
    headers = dict(api.headers)

    async def post_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.url, headers=headers, timeout=60) as client:
            posts = [
                client.post(
                    "/v1/orders",
                    json=order_json(po_number=f"BURST-{n % 30}"),  # 10 repeats: 200s beside the 202s
                    headers={"X-Correlation-ID": f"burst-{n}"},
                )
                for n in range(40)
            ]
            return await asyncio.gather(*posts)

    responses = asyncio.run(post_all())
    statuses = {f"burst-{n}": str(response.status_code) for n, response in enumerate(responses)}
    entries = [entry for entry in audit_entries(api) if (entry["correlation_id"] or "").startswith("burst-")]
    assert Counter(entry["correlation_id"] for entry in entries) == Counter(set(statuses)), "one entry per request"
    assert {entry["correlation_id"]: entry["outcome"] for entry in entries} == statuses
    assert {entry["resource"] for entry in entries} == {response.json()["order_id"] for response in responses}
    assert [entry["sequence"] for entry in audit_entries(api)] == list(range(1, len(audit_entries(api)) + 1))
    assert lightsoff.security.audit.verify().intact


def test_a_refused_login_with_an_absurdly_long_client_id_is_still_audited(
    anonymous: httpx.Client, api: httpx.Client
) -> None:
    form = {"grant_type": "client_credentials", "client_id": "c" * 5000, "client_secret": "s" * 40}
    refused = anonymous.post("/oauth/token", data=form, headers={"X-Correlation-ID": "long-id"})
    assert refused.status_code == 401
    [entry] = [entry for entry in audit_entries(api) if entry["correlation_id"] == "long-id"]
    assert (entry["action"], entry["outcome"]) == ("POST /oauth/token", "401")
    assert (entry["actor"][:10], entry["actor"][-1], len(entry["actor"])) == ("client:ccc", "…", 128)


def test_a_request_that_fails_unexpectedly_is_audited_and_answered_like_any_other(
    lightsoff: Lightsoff, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(lightsoff.intake, "submit", broken)
    failed = api.post("/v1/orders", json=order_json(), headers={"X-Correlation-ID": "fails-1"})
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.headers["x-correlation-id"] == "fails-1"
    assert failed.headers["x-content-type-options"] == "nosniff"
    assert "disk" not in failed.text, "the cause goes to the log, not to the caller"
    [entry] = [entry for entry in audit_entries(api) if entry["correlation_id"] == "fails-1"]
    assert (entry["action"], entry["outcome"], entry["actor"][:7]) == ("POST /v1/orders", "500", "client:")


def test_each_entry_says_who_from_where_what_on_which_resource_with_what_outcome(
    live_server: LiveServer, api: httpx.Client, grant: Grant
) -> None:
    created = api.post("/v1/subscriptions", json={"url": "https://erp.example/hook"}).json()["id"]
    api.patch(f"/v1/subscriptions/{created}", json={"enabled": False})
    api.delete(f"/v1/subscriptions/{created}")
    api.delete("/v1/subscriptions/no-such-subscription")
    with httpx.Client(base_url=live_server.url, headers=grant(Role.VIEWER)) as viewer:
        viewer.post("/v1/subscriptions", json={"url": "https://erp.example/hook"})
    entries = audit_entries(api)
    assert [(e["action"].split(" ")[0], e["resource"], e["outcome"]) for e in entries] == [
        ("POST", f"subscription_id={created}", "201"),
        ("PATCH", f"subscription_id={created}", "200"),
        ("DELETE", f"subscription_id={created}", "204"),
        ("DELETE", "subscription_id=no-such-subscription", "404"),
        ("POST", None, "403"),
    ]
    assert len({e["actor"] for e in entries}) == 2
    assert all(e["source"] == "127.0.0.1" and e["correlation_id"] and e["at"] for e in entries)


def test_the_audit_log_is_read_by_administrators_page_by_page(live_server: LiveServer, grant: Grant) -> None:
    admin = grant(Role.ADMIN)
    with httpx.Client(base_url=live_server.url, headers=admin) as client:
        for n in range(5):
            client.post("/v1/subscriptions", json={"url": f"https://erp.example/{n}"})
        first = client.get("/v1/audit", params={"limit": 2}).json()
        second = client.get("/v1/audit", params={"after": first["next_after"], "limit": 2}).json()
        assert [e["sequence"] for e in first["items"] + second["items"]] == [1, 2, 3, 4]
        assert second["items"][0]["previous_hash"] == first["items"][1]["hash"]
    for refused, status in ((grant(Role.OPERATOR), 403), (grant(Role.ADMIN, partners=["ACME"]), 404)):
        with httpx.Client(base_url=live_server.url, headers=refused) as client:
            assert client.get("/v1/audit").status_code == status
