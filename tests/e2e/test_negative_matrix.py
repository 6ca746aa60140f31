"""The negative matrix, generated from the route table: every protected operation refuses every bad caller.

Operations come from the OpenAPI document (so a new route joins the matrix by existing), and every
route must either declare the scope it needs or be on the explicit public list below: a route added
without protection fails here. Each bad caller (no credentials, an expired token, a wrong signature, a
revoked API key, a missing scope, an address outside the allowlist) is refused on every operation,
without a trace of another partner's data and without changing anything; a caller confined to
another partner finds nothing (404) wherever the path names something.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from lightsoff.api.app import create_app
from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role, Scope
from lightsoff.settings import Settings
from lightsoff.store import tables
from lightsoff.testing import FakeClock
from tests.conftest import LiveServer
from tests.e2e.test_documents_api import issue
from tests.factories import line, order_json, shipment_json

PUBLIC_OPERATIONS = {
    ("POST", "/oauth/token"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/problems/{slug}"),
}
PUBLIC_PAGES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every route is tried with bad credentials from one address: more than the failed-login limit allows."""
    return settings.model_copy(update={"failed_auth_per_minute": 100_000})


def protected_operations(lightsoff: Lightsoff) -> list[tuple[str, str, list[str]]]:
    document = create_app(lightsoff).openapi()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) in PUBLIC_OPERATIONS:
                assert not operation.get("security"), f"{method} {path} is public but declares security"
                continue
            requirements = operation.get("security") or []
            scopes = sorted({scope for requirement in requirements for scope in requirement.get("oauth2", [])})
            assert scopes, f"{method.upper()} {path} declares no scope: protect it, or list it as public"
            found.append((method.upper(), path, scopes))
    return found


def every_route(routes: list[Any]) -> Iterator[Any]:
    """The routes of the app, through the routers it includes."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from every_route(included.routes)
        else:
            yield route


def test_every_route_is_protected_or_explicitly_public(lightsoff: Lightsoff) -> None:
    app = create_app(lightsoff)
    documented = set(app.openapi()["paths"])
    for route in every_route(app.routes):
        path = getattr(route, "path", None)
        if isinstance(route, APIRoute):
            assert path in documented, f"{path} is hidden from the OpenAPI document, so from the matrix"
        else:
            assert path in PUBLIC_PAGES, f"{type(route).__name__} {path} is neither an API route nor a known page"
    operations = protected_operations(lightsoff)
    assert {(method, path) for method, path, _ in operations} >= {
        ("POST", "/v1/orders"),
        ("GET", "/v1/orders/{order_id}"),
        ("GET", "/v1/partners/{code}"),
        ("GET", "/v1/products/{sku}"),
    }


class Callers:
    """Headers for each kind of bad (and one good) caller."""

    def __init__(self, lightsoff: Lightsoff, clock: FakeClock) -> None:
        self._lightsoff = lightsoff
        admin = self._token(Role.ADMIN)
        self.expired = admin["Authorization"]
        clock.advance(timedelta(seconds=lightsoff.settings.token_ttl_seconds + 1))
        self.admin = self._token(Role.ADMIN)
        header, payload, _ = self.admin["Authorization"].removeprefix("Bearer ").split(".")
        other_signature = base64.urlsafe_b64encode(b"\x00" * 64).rstrip(b"=").decode()
        self.wrong_signature = {"Authorization": f"Bearer {header}.{payload}.{other_signature}"}
        self.other_partner = self._token(Role.ADMIN, partners=["BOLT"])
        self.outside_allowlist = self._token(Role.ADMIN, allow=("10.0.0.0/8",))
        self.revoked_key = self._revoked_api_key()

    def _token(
        self, role: Role, *, partners: list[str] | None = None, allow: tuple[str, ...] = (), scope: str | None = None
    ) -> dict[str, str]:
        security = self._lightsoff.security
        registration = security.clients.register(
            "matrix", [role], partners=partners, ip_allowlist=allow, rate_per_second=1e6
        )
        token = security.tokens.issue(registration.client.client_id, registration.secret, scope)
        return {"Authorization": f"Bearer {token.access_token}"}

    def _revoked_api_key(self) -> dict[str, str]:
        clients = self._lightsoff.security.clients
        registration = clients.register("matrix", [Role.ADMIN], rate_per_second=1e6)
        issued = clients.new_api_key(registration.client.client_id)
        clients.revoke_api_key(issued.key_id)
        return {"X-API-Key": issued.key}

    def lacking(self, scopes: list[str]) -> dict[str, str]:
        return self._token(Role.ADMIN, scope=" ".join(sorted(set(Scope) - set(scopes))))


@pytest.fixture
def callers(lightsoff: Lightsoff, clock: FakeClock) -> Callers:
    return Callers(lightsoff, clock)


@pytest.fixture
def acme(live_server: LiveServer, callers: Callers, lightsoff: Lightsoff) -> dict[str, str]:
    """A held ACME order, its message, its exception case, a document, a shipment: what path parameters point at."""
    order = order_json(po_number="PO-ACME-ONLY-4711", lines=[line(1, sku="NOPE")])
    response = httpx.post(f"{live_server.url}/v1/orders", json=order, headers=callers.admin)
    assert response.status_code == 202
    subscription = httpx.post(
        f"{live_server.url}/v1/subscriptions", json={"url": "https://acme.example/hook"}, headers=callers.admin
    )
    shippable = httpx.post(f"{live_server.url}/v1/orders", json=order_json(), headers=callers.admin).json()
    shipment = httpx.post(
        f"{live_server.url}/v1/shipments", json=shipment_json(shippable["order_id"]), headers=callers.admin
    )
    assert shipment.status_code == 201, shipment.text
    return {
        "order_id": response.json()["order_id"],
        "message_id": response.json()["message_id"],
        "exception_id": response.json()["exceptions"][0]["exception_id"],
        "document_id": issue(lightsoff, "ACME").document_id,
        "subscription_id": subscription.json()["id"],
        "delivery_id": "987654321",
        "po_number": order["po_number"],
        "shipment_id": shipment.json()["shipment_id"],
    }


CONFIGURATION = {"code": "ACME", "sku": "WID-100"}
"""Path values from the demo configuration: ACME's profile, and a product (nobody's: every reader may see it)."""


def request_for(method: str, path: str, acme: dict[str, str]) -> tuple[str, dict[str, Any]]:
    values = acme | CONFIGURATION

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the matrix has no value for path parameter {{{name}}}: add one to the acme fixture"
        return values[name]

    url = re.sub(r"\{(\w+)\}", fill, path)
    return url, ({"json": order_json(partner="ACME")} if method in {"POST", "PUT", "PATCH"} else {})


def leaked(response: httpx.Response, acme: dict[str, str]) -> bool:
    """ACME's ids or PO number in an answer other than a 404 (which may echo the id the caller sent)."""
    return response.status_code != 404 and any(value in response.text for value in acme.values())


NOBODYS = {"/v1/products/{sku}"}
"""Paths naming what belongs to no partner (the product master): a confined caller reads them like anyone."""


def confined_expectation(method: str, path: str) -> set[int]:
    """What a caller confined to another partner may get: nothing where the path names something of ACME's."""
    if "{" in path and path not in NOBODYS:
        return {404, 422} if method in {"POST", "PUT", "PATCH"} else {404}  # 422: the matrix's body is not valid
    return {200, 404, 422}


def state(lightsoff: Lightsoff) -> dict[str, int]:
    """Row counts of what a request could change."""
    watched = (tables.messages, tables.events, tables.orders, tables.subscriptions, tables.deliveries)
    with lightsoff.database.engine.connect() as connection:
        counts = {table.name: select(func.count()).select_from(table) for table in watched}
        return {name: connection.execute(query).scalar_one() for name, query in counts.items()}


CASES: list[tuple[str, Callable[[Callers, list[str]], dict[str, str]], set[int]]] = [
    ("no credentials", lambda callers, scopes: {}, {401}),
    ("expired token", lambda callers, scopes: {"Authorization": callers.expired}, {401}),
    ("wrong signature", lambda callers, scopes: callers.wrong_signature, {401}),
    ("revoked API key", lambda callers, scopes: callers.revoked_key, {401}),
    ("wrong scope", lambda callers, scopes: callers.lacking(scopes), {403}),
    ("outside the allowlist", lambda callers, scopes: callers.outside_allowlist, {403}),
]


def test_the_matrix(lightsoff: Lightsoff, live_server: LiveServer, callers: Callers, acme: dict[str, str]) -> None:
    failures = []
    before = state(lightsoff)
    operations = protected_operations(lightsoff)
    with httpx.Client(base_url=live_server.url) as client:
        for method, path, scopes in operations:
            url, body = request_for(method, path, acme)
            for case, headers_for, expected in CASES:
                response = client.request(method, url, headers=headers_for(callers, scopes), **body)
                if (
                    response.status_code not in expected
                    or response.headers["content-type"] != "application/problem+json"
                ):
                    failures.append(f"{case}: {method} {path} answered {response.status_code}, expected {expected}")
                if leaked(response, acme):
                    failures.append(f"{case}: {method} {path} leaked the order")
        if (after := state(lightsoff)) != before:
            failures.append(f"refused requests changed something: {before} became {after}")
        for method, path, _ in operations:
            url, body = request_for(method, path, acme)
            response = client.request(method, url, headers=callers.other_partner, **body)
            if response.status_code not in confined_expectation(method, path):
                failures.append(f"wrong partner: {method} {path} answered {response.status_code}")
            if leaked(response, acme):
                failures.append(f"wrong partner: {method} {path} leaked ACME's order")
    assert not failures, "\n".join(failures)
    assert len(operations) * (len(CASES) + 1) >= 100, "the matrix is as wide as the route table"
