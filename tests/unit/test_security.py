"""Roles and scopes, IP allowlists, token buckets, and the audit hash chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lightsoff.domain.audit import GENESIS, AuditEntry, AuditRecord, chain_hash, verify_chain
from lightsoff.domain.security import (
    Principal,
    Role,
    Scope,
    TokenBucket,
    cidr_problem,
    ip_allowed,
    parse_scopes,
    scopes_for,
)


def test_admin_has_every_scope_and_a_viewer_writes_nothing() -> None:
    assert scopes_for([Role.ADMIN]) == frozenset(Scope)
    assert not {scope for scope in scopes_for([Role.VIEWER]) if scope.endswith((":write", ":admin"))}


@pytest.mark.parametrize(
    ("roles", "has", "lacks"),
    [
        ([Role.ORCHESTRATOR], {Scope.ORDERS_WRITE, Scope.DOCUMENTS_WRITE, Scope.ORDERS_READ}, {Scope.EXCEPTIONS_WRITE}),
        ([Role.OPERATOR], {Scope.EXCEPTIONS_WRITE, Scope.EXCEPTIONS_READ}, {Scope.ORDERS_WRITE, Scope.CLIENTS_ADMIN}),
        ([Role.SHOP_FLOOR], {Scope.SHOP_FLOOR_WRITE}, {Scope.ORDERS_WRITE, Scope.AUDIT_READ}),
        ([Role.VIEWER, Role.SHOP_FLOOR], {Scope.EVENTS_READ, Scope.SHOP_FLOOR_WRITE}, {Scope.ORDERS_WRITE}),
    ],
)
def test_roles_grant_what_their_job_needs(roles: list[Role], has: set[Scope], lacks: set[Scope]) -> None:
    granted = scopes_for(roles)
    assert has <= granted
    assert not lacks & granted


def test_unknown_scopes_in_a_claim_are_ignored() -> None:
    assert parse_scopes("orders:read  root:all orders:write") == {Scope.ORDERS_READ, Scope.ORDERS_WRITE}
    assert parse_scopes(None) == frozenset()


@pytest.mark.parametrize(
    ("address", "allowlist", "allowed"),
    [
        ("10.1.2.3", [], True),
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("192.168.1.9", ["10.0.0.0/8", "192.168.1.0/24"], True),
        ("192.168.2.9", ["10.0.0.0/8", "192.168.1.0/24"], False),
        ("127.0.0.1", ["127.0.0.1/32"], True),
        ("::1", ["127.0.0.0/8"], False),
        ("2001:db8::5", ["2001:db8::/32"], True),
        ("not-an-ip", ["0.0.0.0/0"], False),
        ("", ["0.0.0.0/0"], False),
    ],
)
def test_ip_allowlists(address: str, allowlist: list[str], allowed: bool) -> None:
    assert ip_allowed(address, allowlist) is allowed


def test_a_bad_cidr_is_named() -> None:
    assert cidr_problem("10.0.0.0/8") is None
    problem = cidr_problem("10.0.0/33")
    assert problem is not None
    assert "10.0.0/33" in problem


def test_a_principal_confined_to_partners_sees_only_theirs() -> None:
    confined = Principal("c", "c", frozenset(), partners=frozenset({"ACME"}))
    assert confined.may_see("ACME")
    assert not confined.may_see("BOLT")
    assert not confined.may_see(None)
    assert Principal("c", "c", frozenset()).may_see("BOLT")


def test_a_token_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=4.0)
    now = 1000.0
    assert [bucket.take(now) for _ in range(4)] == [0.0] * 4
    assert bucket.take(now) == pytest.approx(0.5)
    assert bucket.take(now + 0.5) == 0.0
    assert bucket.take(now + 0.5) > 0
    assert bucket.take(now + 10) == 0.0, "an idle bucket refills, but never beyond its burst"
    assert [bucket.take(now + 10) for _ in range(3)] == [0.0] * 3
    assert bucket.take(now + 10) > 0


T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def chain(count: int) -> list[AuditRecord]:
    records, previous = [], GENESIS
    for sequence in range(1, count + 1):
        entry = AuditEntry(T0 + timedelta(seconds=sequence), "client:a", "10.0.0.1", "POST /v1/orders", None, "202")
        record = AuditRecord(sequence, entry, previous, chain_hash(previous, sequence, entry))
        records.append(record)
        previous = record.hash
    return records


def test_an_intact_chain_verifies() -> None:
    assert verify_chain(chain(5)) == []


def test_an_edited_entry_is_found() -> None:
    records = chain(5)
    records[2] = replace(records[2], entry=replace(records[2].entry, outcome="200"))
    assert [(b.sequence, "edited" in b.reason) for b in verify_chain(records)] == [(3, True)]


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link() -> None:
    records = chain(5)
    edited = replace(records[2].entry, actor="client:someone-else")
    records[2] = replace(records[2], entry=edited, hash=chain_hash(records[2].previous_hash, 3, edited))
    assert [b.sequence for b in verify_chain(records)] == [4]


def test_a_removed_entry_is_found() -> None:
    records = chain(5)
    del records[1]
    reasons = [b.reason for b in verify_chain(records)]
    assert "entry 2 before it is missing" in reasons


def test_the_hash_does_not_depend_on_the_timezone_the_time_was_given_in() -> None:
    entry = AuditEntry(T0, "a", "s", "x", None, "200")
    elsewhere = replace(entry, at=T0.astimezone(ZoneInfo("Europe/Berlin")))
    assert chain_hash(GENESIS, 1, entry) == chain_hash(GENESIS, 1, elsewhere)


def test_several_removed_entries_are_named_as_a_range() -> None:
    records = chain(6)
    del records[1:4]
    assert next((b.sequence, b.reason) for b in verify_chain(records)) == (5, "entries 2..4 before it are missing")
