"""Security through real HTTP: tokens, confinement to partners, allowlists, rates, headers, the audit trail."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role
from lightsoff.store import tables
from tests.conftest import LiveServer
from tests.factories import order_json

Grant = Callable[..., dict[str, str]]


def register(lightsoff: Lightsoff, *roles: Role, **options: Any) -> tuple[str, str]:
    registration = lightsoff.security.clients.register("http client", roles, **options)
    return registration.client.client_id, registration.secret


class TestTokenEndpoint:
    def test_client_credentials_in_the_form_get_a_bearer_token(
        self, lightsoff: Lightsoff, anonymous: httpx.Client
    ) -> None:
        client_id, secret = register(lightsoff, Role.ORCHESTRATOR)
        response = anonymous.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
        assert "orders:write" in body["scope"].split()
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert anonymous.post("/v1/orders", json=order_json(), headers=headers).status_code == 202

    def test_basic_authentication_and_a_narrower_scope(self, lightsoff: Lightsoff, anonymous: httpx.Client) -> None:
        client_id, secret = register(lightsoff, Role.ORCHESTRATOR)
        response = anonymous.post(
            "/oauth/token", data={"grant_type": "client_credentials", "scope": "orders:read"}, auth=(client_id, secret)
        )
        assert response.json()["scope"] == "orders:read"
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        refused = anonymous.post("/v1/orders", json=order_json(), headers=headers)
        assert refused.status_code == 403
        assert "orders:write" in refused.json()["detail"]

    @pytest.mark.parametrize(
        ("form", "status", "error"),
        [
            ({"grant_type": "password"}, 400, "unsupported_grant_type"),
            ({"grant_type": "client_credentials"}, 401, "invalid_client"),
            (
                {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x" * 20},
                401,
                "invalid_client",
            ),
            ({"grant_type": "client_credentials", "scope": "clients:admin"}, 400, "invalid_scope"),
        ],
    )
    def test_errors_follow_rfc_6749(
        self, lightsoff: Lightsoff, anonymous: httpx.Client, form: dict[str, str], status: int, error: str
    ) -> None:
        client_id, secret = register(lightsoff, Role.VIEWER)
        if "scope" in form:
            form = form | {"client_id": client_id, "client_secret": secret}
        response = anonymous.post("/oauth/token", data=form)
        assert (response.status_code, response.json()["error"]) == (status, error)
        assert response.json()["error_description"]
        if status == 401:
            assert response.headers["www-authenticate"] == 'Basic realm="lightsoff"'

    def test_repeated_failures_from_one_address_are_slowed_down(
        self, lightsoff: Lightsoff, anonymous: httpx.Client
    ) -> None:
        client_id, secret = register(lightsoff, Role.VIEWER)
        wrong = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "w" * 20}
        statuses = [anonymous.post("/oauth/token", data=wrong).status_code for _ in range(35)]
        assert statuses[:30] == [401] * 30
        assert set(statuses[30:]) == {429}
        limited = anonymous.post("/oauth/token", data=wrong)
        assert int(limited.headers["retry-after"]) >= 1
        right = anonymous.post("/oauth/token", data=wrong | {"client_secret": secret})
        assert right.status_code == 200, "a right secret still works: failures are what get limited"

    def test_the_jwks_verifies_issued_tokens(self, lightsoff: Lightsoff, anonymous: httpx.Client) -> None:
        client_id, secret = register(lightsoff, Role.VIEWER)
        token = anonymous.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        keys = jwt.PyJWKSet.from_dict(anonymous.get("/.well-known/jwks.json").json())
        kid = jwt.get_unverified_header(token.json()["access_token"])["kid"]
        [key] = [key for key in keys.keys if key.key_id == kid]
        options = {"verify_exp": False}  # the server runs on the tests' fake clock
        claims = jwt.decode(
            token.json()["access_token"], key.key, algorithms=["EdDSA"], audience="lightsoff", options=options
        )
        assert (claims["sub"], claims["iss"], claims["exp"] - claims["iat"]) == (client_id, "urn:lightsoff", 900)


class TestCredentials:
    @pytest.mark.parametrize(
        ("headers", "says"),
        [
            ({}, "no credentials"),
            ({"Authorization": "Basic dXNlcjpwYXNz"}, "must be `Bearer"),
            ({"Authorization": "Bearer not.a.token"}, "neither an access token nor an API key"),
            ({"X-API-Key": "lsk_0000000000000000_nope"}, "API key is not valid"),
        ],
    )
    def test_bad_credentials_are_401_problems_saying_why(
        self, anonymous: httpx.Client, headers: dict[str, str], says: str
    ) -> None:
        response = anonymous.get("/v1/orders", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith('Bearer realm="lightsoff"')
        assert says in response.json()["detail"]

    def test_an_api_key_works_in_either_header(self, lightsoff: Lightsoff, anonymous: httpx.Client) -> None:
        client_id, _ = register(lightsoff, Role.ORCHESTRATOR, rate_per_second=1000)
        key = lightsoff.security.clients.new_api_key(client_id).key
        assert anonymous.post("/v1/orders", json=order_json(), headers={"X-API-Key": key}).status_code == 202
        assert anonymous.get("/v1/orders", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    def test_a_disabled_client_is_refused_at_once(
        self, lightsoff: Lightsoff, anonymous: httpx.Client, grant: Grant
    ) -> None:
        client_id, _ = register(lightsoff, Role.VIEWER)
        key = lightsoff.security.clients.new_api_key(client_id).key
        assert anonymous.get("/v1/orders", headers={"X-API-Key": key}).status_code == 200
        lightsoff.security.clients.disable(client_id)
        refused = anonymous.get("/v1/orders", headers={"X-API-Key": key})
        assert (refused.status_code, "disabled" in refused.json()["detail"]) == (401, True)


class TestPartnerConfinement:
    @pytest.fixture
    def acme_order(self, api: httpx.Client) -> dict[str, Any]:
        response = api.post("/v1/orders", json=order_json())
        return {"order_id": response.json()["order_id"], "message_id": response.json()["message_id"]}

    def test_another_partners_order_is_not_found_never_forbidden(
        self, live_server: LiveServer, grant: Grant, acme_order: dict[str, Any]
    ) -> None:
        with httpx.Client(base_url=live_server.url, headers=grant(Role.VIEWER, partners=["BOLT"])) as bolt:
            for path in (
                f"/v1/orders/{acme_order['order_id']}",
                f"/v1/orders/{acme_order['order_id']}/events",
                f"/v1/messages/{acme_order['message_id']}",
                f"/v1/messages/{acme_order['message_id']}/raw",
            ):
                response = bolt.get(path)
                assert response.status_code == 404, path
                assert "ACME" not in response.text
            assert bolt.get("/v1/orders").json()["items"] == []
            assert bolt.get("/v1/orders", params={"partner": "ACME"}).json()["items"] == []
            assert bolt.get("/v1/events").json()["items"] == []
        with httpx.Client(base_url=live_server.url, headers=grant(Role.VIEWER, partners=["ACME"])) as acme:
            assert acme.get(f"/v1/orders/{acme_order['order_id']}").status_code == 200
            assert {e["partner"] for e in acme.get("/v1/events").json()["items"]} == {"ACME"}

    def test_a_confined_orchestrator_cannot_submit_for_another_partner(
        self, live_server: LiveServer, grant: Grant, acme_order: dict[str, Any]
    ) -> None:
        with httpx.Client(base_url=live_server.url, headers=grant(Role.ORCHESTRATOR, partners=["BOLT"])) as bolt:
            response = bolt.post("/v1/orders", json=order_json(partner="ACME", po_number="PO-000001"))
        assert response.status_code == 422
        [error] = [e for e in response.json()["errors"] if e["code"] == "partner_not_allowed"]
        assert (error["path"], "BOLT only" in error["message"]) == ("$.partner", True)
        assert acme_order["order_id"] not in response.text


def test_an_address_outside_the_allowlist_is_403(live_server: LiveServer, grant: Grant) -> None:
    outside = grant(Role.VIEWER, allow=("10.0.0.0/8",))
    inside = grant(Role.VIEWER, allow=("127.0.0.0/8", "::1/128"))
    with httpx.Client(base_url=live_server.url) as client:
        refused = client.get("/v1/orders", headers=outside)
        assert (refused.status_code, "allowlist" in refused.json()["detail"]) == (403, True)
        assert client.get("/v1/orders", headers=inside).status_code == 200


def test_rate_limits_hold_under_concurrent_load(live_server: LiveServer, grant: Grant) -> None:
    headers = grant(Role.VIEWER, rate=5.0)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.url, headers=headers) as client:
            return await asyncio.gather(*(client.get("/v1/orders") for _ in range(60)))

    responses = asyncio.run(burst())
    statuses = [response.status_code for response in responses]
    assert 10 <= statuses.count(200) <= 13, "a burst of 2 s at 5/s, plus what refills while it runs"
    limited = [response for response in responses if response.status_code == 429]
    assert len(limited) == 60 - statuses.count(200)
    assert all(int(response.headers["retry-after"]) >= 1 for response in limited)
    assert limited[0].json()["type"] == "/problems/too-many-requests"
    other = grant(Role.VIEWER, rate=5.0)
    with httpx.Client(base_url=live_server.url, headers=other) as client:
        assert client.get("/v1/orders").status_code == 200, "one client's limit is not another's"


def test_security_headers_on_every_response(api: httpx.Client, anonymous: httpx.Client, grant: Grant) -> None:
    limited = grant(Role.VIEWER, rate=0.5)
    responses = {
        "200": api.get("/v1/orders"),
        "202": api.post("/v1/orders", json=order_json()),
        "401": anonymous.get("/v1/orders"),
        "403": anonymous.get("/v1/audit", headers=grant(Role.VIEWER)),
        "404": api.get("/v1/nothing-here"),
        "405": api.put("/v1/orders"),
        "413": api.post("/v1/orders", content=b"x" * 2_000_000, headers={"content-type": "application/json"}),
        "422": api.post("/v1/orders", json={"po_number": 1}),
        "429": [anonymous.get("/v1/orders", headers=limited) for _ in range(3)][-1],
        "token": anonymous.post("/oauth/token", data={"grant_type": "password"}),
        "jwks": anonymous.get("/.well-known/jwks.json"),
        "healthz": anonymous.get("/healthz"),
        "openapi": anonymous.get("/openapi.json"),
    }
    assert [str(responses[status].status_code) for status in responses if status.isdigit()] == [
        status for status in responses if status.isdigit()
    ]
    for what, response in responses.items():
        assert response.headers["x-content-type-options"] == "nosniff", what
        assert response.headers["x-frame-options"] == "DENY", what
        assert response.headers["referrer-policy"] == "no-referrer", what
        assert response.headers["content-security-policy"].startswith("default-src 'none'"), what
        assert response.headers["cache-control"] == "no-store", what
        assert "x-correlation-id" in response.headers, what
    assert "cdn.jsdelivr.net" in anonymous.get("/docs").headers["content-security-policy"]


def test_state_changing_requests_are_audited_even_when_refused(
    lightsoff: Lightsoff, api: httpx.Client, anonymous: httpx.Client
) -> None:
    accepted = api.post("/v1/orders", json=order_json(), headers={"X-Correlation-ID": "audit-1"})
    anonymous.post("/v1/orders", json=order_json(), headers={"X-Correlation-ID": "audit-2"})
    api.get("/v1/orders")
    entries = api.get("/v1/audit").json()["items"]
    by_correlation = {entry["correlation_id"]: entry for entry in entries}
    first, refused = by_correlation["audit-1"], by_correlation["audit-2"]
    assert (first["action"], first["outcome"], first["resource"]) == (
        "POST /v1/orders",
        "202",
        accepted.json()["order_id"],
    )
    assert first["actor"].startswith("client:test-client-")
    assert first["source"] == "127.0.0.1"
    assert (refused["actor"], refused["outcome"]) == ("anonymous", "401")
    assert all(entry["action"] != "GET /v1/orders" for entry in entries), "reads are not state changes"
    assert lightsoff.security.audit.verify().intact


def test_the_audit_log_is_for_administrators(live_server: LiveServer, grant: Grant) -> None:
    with httpx.Client(base_url=live_server.url, headers=grant(Role.OPERATOR)) as operator:
        assert operator.get("/v1/audit").status_code == 403


def test_secrets_never_appear_in_logs_or_answers(
    lightsoff: Lightsoff, anonymous: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    client_id, secret = register(lightsoff, Role.VIEWER)
    key = lightsoff.security.clients.new_api_key(client_id).key
    key_id, key_secret = key.removeprefix("lsk_").split("_", 1)
    answers = [
        anonymous.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong-but-long-secret"},
        ),
        anonymous.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "basic-wrong-9")),
    ]
    token = anonymous.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    token_value = token.json()["access_token"]
    answers += [
        anonymous.get("/v1/orders", headers={"Authorization": f"Bearer {token_value}x"}),
        anonymous.get("/v1/orders", headers={"X-API-Key": key}),
        anonymous.get("/v1/orders", headers={"X-API-Key": f"lsk_{key_id}_key-secret-wrong"}),
        anonymous.post("/v1/orders", headers={"X-API-Key": key}, json={"po_number": 1}),
        anonymous.get("/v1/audit", headers={"Authorization": f"Bearer {token_value}"}),
    ]
    captured = capsys.readouterr()
    with lightsoff.database.engine.connect() as connection:
        stored = str(connection.execute(select(tables.audit_log)).fetchall())
    everything = captured.out + captured.err + stored + "".join(answer.text for answer in answers)
    assert "request" in captured.out + captured.err, "the server's log is captured here"
    for secret_value in (secret, "wrong-but-long-secret", "basic-wrong-9", token_value, key_secret, "key-secret-wrong"):
        assert secret_value not in everything


def test_clients_bursting_at_the_same_time_each_get_their_own_rate(
    lightsoff: Lightsoff, live_server: LiveServer
) -> None:
    headers: dict[str, dict[str, str]] = {}
    for name, rate in (("slow", 1.0), ("fast", 4.0)):
        client_id, secret = register(lightsoff, Role.VIEWER, rate_per_second=rate)
        token = lightsoff.security.tokens.issue(client_id, secret, None).access_token
        headers[name] = {"Authorization": f"Bearer {token}"}
        headers[f"{name} by key"] = {"X-API-Key": lightsoff.security.clients.new_api_key(client_id).key}
    callers = [name for _ in range(30) for name in headers]

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(callers))
        async with httpx.AsyncClient(base_url=live_server.url, limits=limits, timeout=60) as client:
            return await asyncio.gather(*(client.get("/v1/orders", headers=headers[name]) for name in callers))

    started = time.monotonic()
    responses = asyncio.run(burst())
    elapsed = time.monotonic() - started
    allowed = Counter(name.split()[0] for name, response in zip(callers, responses, strict=True) if response.is_success)
    assert set(Counter(response.status_code for response in responses)) == {200, 429}
    for name, rate in (("slow", 1.0), ("fast", 4.0)):
        burst_size = rate * 2  # LIGHTSOFF_RATE_BURST_SECONDS
        assert burst_size <= allowed[name] <= burst_size + rate * elapsed + 1, f"{name}: token and key share one rate"


def test_each_route_has_its_own_body_limit(api: httpx.Client) -> None:
    body = b'{"url": "https://erp.example/hook", "padding": "' + b"x" * 200_000 + b'"}'
    order_sized = api.post("/v1/orders", content=body, headers={"content-type": "application/json"})
    assert order_sized.status_code == 422, "orders take up to 1 MiB: this one is read, and refused for its content"
    for content in (body, iter([body[:100_000], body[100_000:]])):  # declared, then streamed without a length
        refused = api.post("/v1/subscriptions", content=content, headers={"content-type": "application/json"})
        assert refused.status_code == 413
        assert "65536 bytes" in refused.json()["detail"]
