"""The audit trail through real HTTP: every state-changing request, refused and failed ones too, once each."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from lightsoff.bootstrap import Lightsoff
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
