"""/v1/subscriptions, /v1/dead-letters and the long-polling event feed, over HTTP."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.subscriptions import DeliveryAttempt, DeliveryStatus
from lightsoff.services.delivery_ports import AttemptResult
from lightsoff.services.relay import disabled_only
from tests.delivery_support import append_events

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PROBLEM = "application/problem+json"


def test_a_subscription_is_created_read_changed_and_deleted(api: httpx.Client) -> None:
    created = api.post(
        "/v1/subscriptions",
        json={"url": "https://erp.example/hooks", "event_types": ["lightsoff.order.held.v1"], "partners": ["ACME"]},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["kind"], body["event_types"], body["partners"], body["enabled"]) == (
        "webhook",
        ["order.held"],
        ["ACME"],
        True,
    )
    sub = body["id"]
    assert [s["id"] for s in api.get("/v1/subscriptions").json()] == [sub]
    assert "secret" not in api.get(f"/v1/subscriptions/{sub}").json()
    disabled = api.patch(f"/v1/subscriptions/{sub}", json={"enabled": False}).json()
    assert (disabled["enabled"], disabled["disabled_reason"]) == (False, "disabled by an operator")
    rotated = api.patch(f"/v1/subscriptions/{sub}", json={"enabled": True, "rotate_secret": True}).json()
    assert rotated["enabled"] is True
    assert rotated["secret"] != body["secret"]
    assert rotated["secret"].startswith("whsec_")
    assert api.delete(f"/v1/subscriptions/{sub}").status_code == 204
    gone = api.get(f"/v1/subscriptions/{sub}")
    assert (gone.status_code, gone.headers["content-type"]) == (404, PROBLEM)


def test_a_broker_subscription_and_a_given_secret(api: httpx.Client) -> None:
    created = api.post("/v1/subscriptions", json={"subject": "lightsoff", "secret": SECRET}).json()
    assert (created["kind"], created["subject"], created["url"], created["secret"]) == (
        "broker",
        "lightsoff",
        None,
        SECRET,
    )


def test_bad_subscriptions_are_refused_with_what_is_wrong(api: httpx.Client) -> None:
    for body in (
        {"url": "https://a.example/h", "subject": "lightsoff"},
        {"event_types": ["order.held"]},
        {"url": "ftp://a.example/h"},
        {"url": "https://a.example/h", "secret": "whsec_not base64!"},
        {"url": "https://a.example/h", "secret": "whsec_\u00be"},
        {"url": "https://a.example/h", "secret": "whsec_A"},
        {"url": None, "event_types": ["order.held"]},
        {"url": "https://a.example/h", "max_age_seconds": True},
        {"url": "https://a.example/h", "max_attempts": "5"},
        {"url": "https://a.example/h", "max_attempts": 2.5},
    ):
        response = api.post("/v1/subscriptions", json=body)
        assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM), body
        assert response.json()["errors"], body


def test_a_whole_number_may_be_written_5_0_as_json_schema_allows(api: httpx.Client) -> None:
    created = api.post("/v1/subscriptions", json={"url": "https://a.example/h", "max_attempts": 5.0})
    assert created.status_code == 201, created.text


def test_a_body_that_is_not_utf8_is_a_422_that_says_so(api: httpx.Client) -> None:
    response = api.post("/v1/subscriptions", content=b"\xff\x03\xff", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM)
    assert response.json()["errors"][0]["code"] == "json_invalid"


def test_deliveries_and_dead_letters_are_listed_inspected_and_replayed(api: httpx.Client, lightsoff: Lightsoff) -> None:
    sub = api.post("/v1/subscriptions", json={"url": "https://erp.example/hooks", "max_attempts": 1}).json()["id"]
    now = lightsoff.clock.now()
    append_events(lightsoff.uow, now, ("ORD-1", "order.received", "ACME"), ("ORD-2", "order.received", "ACME"))
    store = lightsoff.delivery.store
    store.fan_out(now, 100)
    pending = api.get(f"/v1/subscriptions/{sub}/deliveries").json()
    assert [(d["subject"], d["status"]) for d in pending["items"]] == [("ORD-1", "pending"), ("ORD-2", "pending")]
    for claim in store.claim("w1", now, timedelta(seconds=30), 10):
        attempt = DeliveryAttempt(claim.delivery.delivery_id, 1, now, 503, "status", "HTTP 503", "busy", 12.5, "w1")
        store.record(
            [AttemptResult(attempt, sub, DeliveryStatus.DEAD, now, True)], now, timedelta(days=1), disabled_only
        )
    dead = api.get("/v1/dead-letters", params={"subscription_id": sub}).json()["items"]
    assert [d["status"] for d in dead] == ["dead", "dead"]
    detail = api.get(f"/v1/dead-letters/{dead[0]['id']}").json()
    assert detail["attempt_log"][0] | {"at": None} == {
        "attempt": 1,
        "at": None,
        "status_code": 503,
        "error": "status",
        "detail": "HTTP 503",
        "response_excerpt": "busy",
        "latency_ms": 12.5,
        "worker": "w1",
    }
    assert api.post(f"/v1/dead-letters/{dead[0]['id']}/replay").json() == {"replayed": 1}
    assert api.get(f"/v1/dead-letters/{dead[0]['id']}").status_code == 404
    for vague in (
        {},
        {"since": "0"},
        {"since": 7414},
        {"all": 1},
        {"since": "2026-11-23T08:00:00"},
        {"subscription_id": ""},
    ):
        refused = api.post("/v1/dead-letters/replay", json=vague)
        assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM), vague
    later = (now + timedelta(hours=1)).isoformat()
    assert api.post("/v1/dead-letters/replay", json={"since": later}).json() == {"replayed": 0}
    assert api.post("/v1/dead-letters/replay", json={"event_type": "order.received"}).json() == {"replayed": 1}
    assert api.get("/v1/dead-letters").json()["items"] == []


def test_the_event_feed_long_polls_until_an_event_is_committed(api: httpx.Client, lightsoff: Lightsoff) -> None:
    last = api.get("/v1/events").json()["next_after"]
    empty = api.get("/v1/events", params={"after": last, "wait": 0.2}).json()
    assert empty == {"items": [], "next_after": last}

    def append_soon() -> None:
        time.sleep(0.3)
        append_events(lightsoff.uow, lightsoff.clock.now(), ("ORD-9", "order.received", "ACME"))

    writer = threading.Thread(target=append_soon)
    writer.start()
    page = api.get("/v1/events", params={"after": last, "wait": 20}).json()
    writer.join()
    assert [event["subject"] for event in page["items"]] == ["ORD-9"]


def test_every_dead_letter_of_every_subscription_is_replayed_with_all(api: httpx.Client, lightsoff: Lightsoff) -> None:
    subs = [api.post("/v1/subscriptions", json={"url": f"https://erp{n}.example/hooks"}).json()["id"] for n in (1, 2)]
    now = lightsoff.clock.now()
    append_events(lightsoff.uow, now, ("ORD-7", "order.received", "ACME"), ("ORD-8", "order.held", "BOLT"))
    store = lightsoff.delivery.store
    store.fan_out(now, 100)
    for claim in store.claim("w1", now, timedelta(seconds=30), 10):
        attempt = DeliveryAttempt(claim.delivery.delivery_id, 1, now, 500, "status", "HTTP 500", "", 3.0, "w1")
        result = AttemptResult(attempt, claim.delivery.subscription_id, DeliveryStatus.DEAD, now, True)
        store.record([result], now, timedelta(days=1), disabled_only)
    assert {d["subscription_id"] for d in api.get("/v1/dead-letters").json()["items"]} == set(subs)
    assert len(api.get("/v1/dead-letters").json()["items"]) == 4

    assert api.post("/v1/dead-letters/replay", json={"all": True}).json() == {"replayed": 4}

    assert api.get("/v1/dead-letters").json()["items"] == []
    pending = {d["status"] for s in subs for d in api.get(f"/v1/subscriptions/{s}/deliveries").json()["items"]}
    assert pending == {"pending"}
