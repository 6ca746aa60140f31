"""Tokens from an external identity provider, verified against its JWKS served over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lightsoff.bootstrap import bootstrap
from lightsoff.demo import CONFIG_DIR
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.settings import Settings
from tests.conftest import LiveServer
from tests.factories import order_json

ISSUER, AUDIENCE = "https://idp.example.test/realms/plant", "lightsoff-api"


class IdentityProvider:
    """An RSA key, and its JWKS on a loopback HTTP server that counts how often it is fetched."""

    def __init__(self) -> None:
        self.fetches = 0
        provider = self
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key())) | {"kid": "idp-1", "alg": "RS256", "use": "sig"}
        body = json.dumps({"keys": [jwk]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                """Quiet: the test asserts, it does not read server logs."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def token(self, *, kid: str = "idp-1", audience: str = AUDIENCE, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": audience, "sub": "mes-line-3", "iat": now, "exp": now + 300} | claims
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": kid})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    yield provider
    provider.close()


@pytest.fixture
def served(
    idp: IdentityProvider, database_url: str, tmp_path: Path, demo_reference_data: ReferenceData
) -> Iterator[str]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        config_dir=CONFIG_DIR,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=idp.jwks_url,
    )
    lightsoff = bootstrap(settings, reference_data=demo_reference_data)
    with LiveServer(lightsoff) as server:
        yield server.url
    lightsoff.close()


pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def call(url: str, token: str, method: str = "GET", path: str = "/v1/orders", **options: Any) -> httpx.Response:
    return httpx.request(method, url + path, headers={"Authorization": f"Bearer {token}"}, **options)


def test_an_external_token_with_scopes_is_accepted(served: str, idp: IdentityProvider) -> None:
    token = idp.token(scope="orders:read orders:write")
    assert call(served, token, "POST", json=order_json()).status_code == 202
    assert call(served, token).status_code == 200


def test_its_scopes_are_all_it_may_do(served: str, idp: IdentityProvider) -> None:
    refused = call(served, idp.token(scp=["orders:read"]), "POST", json=order_json())
    assert (refused.status_code, "orders:write" in refused.json()["detail"]) == (403, True)


def test_a_partner_claim_confines_it(served: str, idp: IdentityProvider) -> None:
    admin = idp.token(scope="orders:read orders:write")
    order_id = call(served, admin, "POST", json=order_json()).json()["order_id"]
    bolt = idp.token(scope="orders:read", lightsoff_partners=["BOLT"])
    assert call(served, bolt, path=f"/v1/orders/{order_id}").status_code == 404
    assert call(served, bolt).json()["items"] == []


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda idp: idp.token(audience="someone-else", scope="orders:read"), "not valid"),
        (lambda idp: idp.token(kid="idp-unknown", scope="orders:read"), "not valid"),
        (lambda idp: idp.token(exp=int(time.time()) - 10, scope="orders:read"), "expired"),
    ],
    ids=["wrong audience", "unknown key", "expired"],
)
def test_a_token_it_should_not_trust_is_401(
    served: str, idp: IdentityProvider, make: Callable[[IdentityProvider], str], says: str
) -> None:
    response = call(served, make(idp))
    assert response.status_code == 401
    assert says in response.json()["detail"]


def test_made_up_key_ids_do_not_make_lightsoff_hammer_the_provider(served: str, idp: IdentityProvider) -> None:
    assert call(served, idp.token(scope="orders:read")).status_code == 200
    fetched = idp.fetches
    for number in range(20):
        assert call(served, idp.token(kid=f"made-up-{number}", scope="orders:read")).status_code in {401, 429}
    assert idp.fetches - fetched <= 1
