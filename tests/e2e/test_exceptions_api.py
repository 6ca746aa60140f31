"""/v1/exceptions over real HTTP: what an operator's tool sees and does, and what it is told when it cannot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from lightsoff.domain.security import Role
from tests.conftest import LiveServer
from tests.factories import line, order_json

PROBLEM = "application/problem+json"


def held_order(api: httpx.Client, *lines: dict[str, Any], **changes: Any) -> dict[str, Any]:
    response = api.post("/v1/orders", json=order_json(lines=list(lines), **changes))
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "held", body
    return body


def test_the_intake_answer_shows_each_case_with_its_actions_and_parameters(api: httpx.Client) -> None:
    body = held_order(api, line(1, sku="NOPE"), line(2, sku="WID-200", quantity=30))
    cases = {case["rule"]: case for case in body["exceptions"]}
    assert set(cases) == {"unknown_product", "pack_multiple"}
    pack = cases["pack_multiple"]
    assert pack["suggestion"] == {"action": "set_quantity", "parameters": {"quantity": "50"}}
    set_quantity = next(action for action in pack["actions"] if action["name"] == "set_quantity")
    assert set_quantity["parameters"] == [
        {"name": "quantity", "type": "number", "description": "the new quantity, a positive number"}
    ]
    assert cases["unknown_product"]["team"] == "master_data"


def test_corrections_are_in_the_intake_answer_and_on_the_order(api: httpx.Client) -> None:
    response = api.post("/v1/orders", json=order_json(lines=[line(1, sku="WID-100", quantity=100)]))
    body = response.json()
    assert (response.status_code, body["status"]) == (202, "validated")
    [correction] = body["corrections"]
    assert (correction["rule"], correction["field"], correction["before"], correction["after"]) == (
        "pack_multiple",
        "$.lines[0].quantity",
        "100",
        "108",
    )
    order = api.get(f"/v1/orders/{body['order_id']}").json()
    assert order["corrections"] == body["corrections"]
    assert (order["lines"][0]["quantity"], order["lines"][0]["ordered_as"]["quantity"]) == (108, 100)


def test_cases_are_found_by_team_category_status_partner_and_overdue(api: httpx.Client) -> None:
    held_order(api, line(1, sku="NOPE"))
    held_order(api, line(1, sku="WID-200", quantity=30))
    by_team = api.get("/v1/exceptions", params={"team": "master_data"}).json()["items"]
    assert [case["category"] for case in by_team] == ["unknown_product"]
    by_category = api.get("/v1/exceptions", params={"category": "pack_multiple"}).json()["items"]
    assert [case["rule"] for case in by_category] == ["pack_multiple"]
    assert len(api.get("/v1/exceptions", params={"partner": "ACME"}).json()["items"]) == 2
    assert api.get("/v1/exceptions", params={"partner": "BOLT"}).json()["items"] == []
    assert api.get("/v1/exceptions", params={"status": "resolved"}).json()["items"] == []
    assert api.get("/v1/exceptions", params={"overdue": "true"}).json()["items"] == []
    bad = api.get("/v1/exceptions", params={"status": "forgotten"})
    assert (bad.status_code, bad.headers["content-type"]) == (422, PROBLEM)


def test_acknowledge_comment_resolve_and_the_order_resumes(api: httpx.Client) -> None:
    body = held_order(api, line(1, sku="WID-200", quantity=30))
    case_id = body["exceptions"][0]["exception_id"]
    acknowledged = api.post(f"/v1/exceptions/{case_id}/acknowledge")
    assert (acknowledged.status_code, acknowledged.json()["status"]) == (200, "acknowledged")
    commented = api.post(f"/v1/exceptions/{case_id}/comments", json={"text": "customer says 50 is fine"})
    assert commented.status_code == 201
    assert commented.json()["history"][-1]["detail"] == "customer says 50 is fine"
    resolved = api.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "approve"})
    assert resolved.status_code == 200, resolved.text
    answer = resolved.json()
    assert (answer["order_status"], answer["exception"]["status"]) == ("validated", "resolved")
    assert answer["events"] == ["exception.resolved", "order.corrected", "order.validated"]
    case = api.get(f"/v1/exceptions/{case_id}").json()
    assert [entry["event"] for entry in case["history"]] == [
        "exception.raised",
        "exception.acknowledged",
        "exception.commented",
        "exception.resolved",
    ]
    assert case["resolution"]["action"] == "approve"
    events = api.get("/v1/events", params={"type": "exception.resolved"}).json()["items"]
    assert [event["subject"] for event in events] == [case_id]


def test_a_closed_case_answers_409_and_a_wrong_action_422(api: httpx.Client) -> None:
    body = held_order(api, line(1, sku="WID-200", quantity=30))
    case_id = body["exceptions"][0]["exception_id"]
    wrong = api.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "merge"})
    assert (wrong.status_code, wrong.json()["type"]) == (422, "/problems/invalid-resolution")
    assert wrong.json()["errors"][0]["path"] == "$.action"
    missing = api.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "set_quantity", "parameters": {}})
    assert missing.json()["errors"][0]["path"] == "$.parameters.quantity"
    assert api.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "release"}).status_code == 200
    again = api.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "release"})
    assert (again.status_code, again.headers["content-type"]) == (409, PROBLEM)
    assert again.json()["type"] == "/problems/exception-closed"
    assert "already resolved (release by" in again.json()["detail"]


def test_a_changed_po_for_a_cancelled_order_is_409(api: httpx.Client) -> None:
    body = held_order(api, line(1, sku="NOPE"), po_number="PO-GONE")
    case_id = body["exceptions"][0]["exception_id"]
    assert api.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "reject_order"}).status_code == 200
    changed = api.post("/v1/orders", json=order_json(po_number="PO-GONE", notes="once more"))
    assert (changed.status_code, changed.json()["type"]) == (409, "/problems/order-conflict")
    assert body["order_id"] in changed.json()["detail"]


def test_two_resolutions_at_once_one_wins_the_other_gets_409(live_server: LiveServer, api: httpx.Client) -> None:
    case_id = held_order(api, line(1, sku="WID-200", quantity=30))["exceptions"][0]["exception_id"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def resolve(action: str) -> None:
        with httpx.Client(base_url=live_server.url, headers=api.headers, timeout=30) as client:
            barrier.wait()
            statuses.append(client.post(f"/v1/exceptions/{case_id}/resolve", json={"action": action}).status_code)

    threads = [threading.Thread(target=resolve, args=(action,)) for action in ("approve", "release")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    resolved = api.get("/v1/events", params={"type": "exception.resolved"}).json()["items"]
    assert len(resolved) == 1


def test_a_client_confined_to_a_partner_sees_only_its_cases(
    live_server: LiveServer, api: httpx.Client, grant: Callable[..., dict[str, str]]
) -> None:
    case_id = held_order(api, line(1, sku="NOPE"))["exceptions"][0]["exception_id"]
    with httpx.Client(base_url=live_server.url, headers=grant(Role.OPERATOR, partners=["BOLT"])) as bolt:
        assert bolt.get(f"/v1/exceptions/{case_id}").status_code == 404
        assert bolt.post(f"/v1/exceptions/{case_id}/resolve", json={"action": "reject_order"}).status_code == 404
        assert bolt.get("/v1/exceptions").json()["items"] == []
    with httpx.Client(base_url=live_server.url, headers=grant(Role.VIEWER)) as viewer:
        assert viewer.get(f"/v1/exceptions/{case_id}").status_code == 200
        assert viewer.post(f"/v1/exceptions/{case_id}/acknowledge").status_code == 403
