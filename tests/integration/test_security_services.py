"""Clients, tokens, API keys and the audit trail through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import orjson
import pytest
from sqlalchemy import delete, update

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.audit import AuditEntry
from lightsoff.domain.errors import ConfigurationError, Unauthenticated
from lightsoff.domain.security import Role, Scope, scopes_for
from lightsoff.services.intake import IntakeResult, Submission
from lightsoff.services.ports import UnitOfWork
from lightsoff.services.tokens import OAuthError
from lightsoff.store import tables
from lightsoff.testing import FakeClock
from tests.factories import order_json


def test_registration_refuses_what_cannot_work(lightsoff: Lightsoff) -> None:
    with pytest.raises(ConfigurationError) as caught:
        lightsoff.security.clients.register(
            "x", [], client_id="Bad Id!", ip_allowlist=["10.0.0.0/33"], rate_per_second=0, secret="short"
        )
    problems = " | ".join(caught.value.problems)
    for expected in ("Bad Id!", "at least one role", "10.0.0.0/33", "above 0", "16 characters"):
        assert expected in problems


def test_a_secret_is_stored_only_as_a_hash(lightsoff: Lightsoff) -> None:
    registration = lightsoff.security.clients.register("Lobster", [Role.ORCHESTRATOR])
    with lightsoff.database.engine.connect() as connection:
        stored = connection.execute(tables.clients.select()).mappings().one()
    assert registration.secret not in json.dumps(dict(stored), default=str)
    assert registration.client.client_id.startswith("lobster-")


def test_an_issued_token_proves_the_client_and_its_scopes(lightsoff: Lightsoff) -> None:
    registration = lightsoff.security.clients.register("MES", [Role.SHOP_FLOOR], partners=["ACME"])
    issued = lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, None)
    principal = lightsoff.security.authenticator.authenticate(issued.access_token)
    assert principal.subject == registration.client.client_id
    assert principal.scopes == {Scope.SHOP_FLOOR_WRITE, Scope.ORDERS_READ}
    assert principal.partners == {"ACME"}
    assert lightsoff.security.authenticator.cached(issued.access_token) == principal


def test_a_token_may_ask_for_fewer_scopes_never_more(lightsoff: Lightsoff) -> None:
    registration = lightsoff.security.clients.register("viewer", [Role.VIEWER])
    fewer = lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, "orders:read")
    assert lightsoff.security.authenticator.authenticate(fewer.access_token).scopes == {Scope.ORDERS_READ}
    with pytest.raises(OAuthError) as caught:
        lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, "orders:write")
    assert caught.value.error == "invalid_scope"


@pytest.mark.parametrize("secret", ["wrong-secret-000000", ""])
def test_a_wrong_secret_gets_no_token(lightsoff: Lightsoff, secret: str) -> None:
    registration = lightsoff.security.clients.register("x client", [Role.VIEWER])
    with pytest.raises(OAuthError) as caught:
        lightsoff.security.tokens.issue(registration.client.client_id, secret, None)
    assert (caught.value.error, caught.value.status) == ("invalid_client", 401)


def test_an_expired_token_is_refused(lightsoff: Lightsoff, clock: FakeClock) -> None:
    registration = lightsoff.security.clients.register("x client", [Role.VIEWER])
    issued = lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, None)
    lightsoff.security.authenticator.authenticate(issued.access_token)
    clock.advance(timedelta(seconds=issued.expires_in + 1))
    with pytest.raises(Unauthenticated, match="expired"):
        lightsoff.security.authenticator.cached(issued.access_token)
    with pytest.raises(Unauthenticated, match="expired"):
        lightsoff.security.authenticator.authenticate(issued.access_token)


def test_a_token_with_a_changed_payload_or_a_foreign_signature_is_refused(lightsoff: Lightsoff) -> None:
    registration = lightsoff.security.clients.register("x client", [Role.VIEWER])
    token = lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, None).access_token
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "clients:admin orders:write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated, match="not valid"):
        lightsoff.security.authenticator.authenticate(f"{header}.{forged}.{signature}")
    foreign = jwt.encode(claims | {"exp": claims["exp"]}, "a-guess-at-the-key-0123456789abcdef", algorithm="HS256")
    with pytest.raises(Unauthenticated):
        lightsoff.security.authenticator.authenticate(foreign)
    other_issuer = jwt.encode(claims | {"iss": "https://evil.example"}, "k" * 32, algorithm="HS256")
    with pytest.raises(Unauthenticated, match="not accepted"):
        lightsoff.security.authenticator.authenticate(other_issuer)


def test_disabling_a_client_stops_its_tokens_and_keys(lightsoff: Lightsoff) -> None:
    security = lightsoff.security
    registration = security.clients.register("to go", [Role.ORCHESTRATOR])
    client_id = registration.client.client_id
    token = security.tokens.issue(client_id, registration.secret, None).access_token
    key = security.clients.new_api_key(client_id).key
    assert security.authenticator.authenticate(token).subject == client_id
    assert security.authenticator.authenticate(key).via == "api_key"
    security.clients.disable(client_id)
    for credential in (token, key):
        with pytest.raises(Unauthenticated, match="disabled"):
            security.authenticator.authenticate(credential)
    with pytest.raises(OAuthError, match="disabled"):
        security.tokens.issue(client_id, registration.secret, None)


def test_api_keys_work_until_revoked(lightsoff: Lightsoff) -> None:
    security = lightsoff.security
    client_id = security.clients.register("keyed", [Role.VIEWER]).client.client_id
    issued = security.clients.new_api_key(client_id)
    assert issued.key.startswith(f"lsk_{issued.key_id}_")
    assert security.authenticator.authenticate(issued.key).scopes == scopes_for([Role.VIEWER])
    with pytest.raises(Unauthenticated, match="not valid"):
        security.authenticator.authenticate(issued.key[:-2] + "xx")
    security.clients.revoke_api_key(issued.key_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        security.authenticator.authenticate(issued.key)


def test_the_keyring_publishes_the_key_that_verifies_tokens(lightsoff: Lightsoff) -> None:
    registration = lightsoff.security.clients.register("x client", [Role.VIEWER])
    token = lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, None).access_token
    [jwk] = lightsoff.security.keyring.jwks()["keys"]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["kid"]) == (
        "OKP",
        "Ed25519",
        "EdDSA",
        jwt.get_unverified_header(token)["kid"],
    )
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["EdDSA"], audience="lightsoff", options={"verify_exp": False})
    assert claims["sub"] == registration.client.client_id


def entry(number: int) -> AuditEntry:
    return AuditEntry(FakeClock().now(), "client:a", "10.0.0.1", f"POST /v1/orders/{number}", None, "202")


def test_the_audit_trail_chains_and_verifies(lightsoff: Lightsoff) -> None:
    audit = lightsoff.security.audit
    records = [audit.record(entry(n)) for n in range(1, 6)]
    assert [record.sequence for record in records] == [1, 2, 3, 4, 5]
    assert [record.previous_hash for record in records[1:]] == [record.hash for record in records[:-1]]
    report = audit.verify()
    assert (report.intact, report.entries, report.head_hash) == (True, 5, records[-1].hash)


def test_tampering_with_the_audit_trail_is_detected(lightsoff: Lightsoff) -> None:
    audit = lightsoff.security.audit
    records = [audit.record(entry(n)) for n in range(1, 8)]
    with lightsoff.database.engine.begin() as connection:
        connection.execute(update(tables.audit_log).where(tables.audit_log.c.sequence == 3).values(outcome="200"))
        connection.execute(delete(tables.audit_log).where(tables.audit_log.c.sequence == 5))
    report = audit.verify()
    assert not report.intact
    assert [(b.sequence, b.reason.split(" (")[0]) for b in report.breaks] == [
        (3, "its content does not match its hash"),
        (6, "entry 5 before it is missing"),
        (6, "it does not follow the entry before it"),
    ]
    with lightsoff.database.engine.begin() as connection:
        connection.execute(delete(tables.audit_log).where(tables.audit_log.c.sequence >= 6))
    truncated = audit.verify(expect_head=records[-1].hash)
    assert any("gone: entries were removed" in b.reason for b in truncated.breaks)


def test_concurrent_audit_records_form_one_chain(lightsoff: Lightsoff) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: lightsoff.security.audit.record(entry(n)), range(80)))
    report = lightsoff.security.audit.verify()
    assert (report.intact, report.entries) == (True, 80)


def test_an_entry_written_alongside_an_order_commits_with_it_or_not_at_all(lightsoff: Lightsoff) -> None:
    def audit(uow: UnitOfWork, result: IntakeResult) -> None:
        uow.audit.append(entry(1))

    def refused(uow: UnitOfWork, result: IntakeResult) -> None:
        uow.audit.append(entry(2))
        raise RuntimeError("the audit trail refused the entry")

    kept = order_json()
    lightsoff.intake.submit(Submission(orjson.dumps(kept), "application/json", alongside=audit))
    lost = order_json()
    with pytest.raises(RuntimeError):
        lightsoff.intake.submit(Submission(orjson.dumps(lost), "application/json", alongside=refused))
    assert [record.entry.action for record in lightsoff.security.audit.read()] == ["POST /v1/orders/1"]
    assert lightsoff.queries.find_orders(po_number=kept["po_number"])
    assert not lightsoff.queries.find_orders(po_number=lost["po_number"]), "no order without its entry"
