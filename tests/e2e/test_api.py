"""The API through real HTTP (uvicorn on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from tests.factories import line, order_json

CLOUDEVENTS_SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "cloudevents-1.0.schema.json").read_text())


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert (problem["type"], problem["status"]) == (f"/problems/{slug}", status)
    assert problem["title"]
    assert problem["detail"]
    return problem


class TestSubmitOrder:
    def test_a_valid_order_is_accepted_with_its_canonical_id(self, api: httpx.Client) -> None:
        response = api.post("/v1/orders", json=order_json(po_number="PO-1"))
        assert response.status_code == 202
        body = response.json()
        assert body == {
            "order_id": "SO-2026-000001",
            "status": "validated",
            "corrections": [],
            "exceptions": [],
            "message_id": body["message_id"],
            "amended": False,
            "merged_into": None,
        }
        assert response.headers["location"] == "/v1/orders/SO-2026-000001"

    def test_the_same_document_again_answers_200_with_the_same_id(self, api: httpx.Client) -> None:
        document = order_json()
        first = api.post("/v1/orders", json=document)
        again = api.post("/v1/orders", json=document)
        assert (first.status_code, again.status_code) == (202, 200)
        assert again.json()["order_id"] == first.json()["order_id"]
        assert again.json()["message_id"] != first.json()["message_id"]
        events = api.get(f"/v1/orders/{first.json()['order_id']}/events").json()["items"]
        assert len(events) == 2

    def test_an_order_with_unknown_references_is_held_with_cases(self, api: httpx.Client) -> None:
        response = api.post("/v1/orders", json=order_json(lines=[line(1, customer_sku="ZZ-1")]))
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "held"
        [case] = body["exceptions"]
        assert (case["category"], case["team"], case["line_no"], case["status"]) == (
            "unknown_product",
            "master_data",
            1,
            "open",
        )
        assert "ZZ-1" in case["message"]
        assert "reject_line" in [action["name"] for action in case["actions"]]

    def test_an_invalid_order_is_422_problem_json_listing_every_error(self, api: httpx.Client) -> None:
        document = order_json(order_date="yesterday", lines=[line(1, sku="A", quantity=-1), line(1)])
        response = api.post("/v1/orders", json=document)
        problem = assert_problem(response, 422, "invalid-order")
        assert {(e["path"], e["code"]) for e in problem["errors"]} == {
            ("$.order_date", "invalid_date"),
            ("$.lines[0].quantity", "too_small"),
            ("$.lines[1]", "missing_item"),
            ("$.lines[1].line_no", "duplicate_line_no"),
        }
        assert all(error["message"] for error in problem["errors"])
        message = api.get(f"/v1/messages/{problem['message_id']}").json()
        assert (message["outcome"], message["detail"]["errors"]) == ("rejected", problem["errors"])
        rejected = api.get("/v1/events", params={"type": "order.rejected"}).json()["items"]
        assert [event["subject"] for event in rejected] == [problem["message_id"]]

    def test_an_idempotency_key_reused_with_another_body_is_409(self, api: httpx.Client) -> None:
        first = api.post("/v1/orders", json=order_json(), headers={"Idempotency-Key": "abc"})
        retry = api.post("/v1/orders", content=first.request.content, headers={"Idempotency-Key": "abc"})
        other = api.post("/v1/orders", json=order_json(), headers={"Idempotency-Key": "abc"})
        assert (first.status_code, retry.status_code) == (202, 200)
        assert retry.json()["order_id"] == first.json()["order_id"]
        problem = assert_problem(other, 409, "idempotency-key-reused")
        assert "abc" in problem["detail"]
        assert api.get(f"/v1/messages/{problem['message_id']}").json()["outcome"] == "conflict"

    def test_the_same_po_with_changed_content_amends_the_open_order(self, api: httpx.Client) -> None:
        first = api.post("/v1/orders", json=order_json(po_number="PO-X")).json()
        amended = api.post("/v1/orders", json=order_json(po_number="PO-X", notes="new"))
        assert amended.status_code == 202, amended.text
        assert amended.json()["order_id"] == first["order_id"]
        assert api.get(f"/v1/orders/{first['order_id']}").json()["notes"] == "new"
        types = [event["type"] for event in api.get(f"/v1/orders/{first['order_id']}/events").json()["items"]]
        assert types[-2:] == ["lightsoff.order.amended.v1", "lightsoff.order.validated.v1"]

    def test_a_body_over_the_limit_is_413(self, api: httpx.Client) -> None:
        body = b'{"notes": "' + b"x" * (1024 * 1024) + b'"}'
        problem = assert_problem(api.post("/v1/orders", content=body), 413, "payload-too-large")
        assert "1048576 bytes" in problem["detail"]

    def test_a_chunked_body_over_the_limit_is_413_too(self, api: httpx.Client) -> None:
        chunks = (b"x" * 65536 for _ in range(20))
        assert_problem(api.post("/v1/orders", content=chunks), 413, "payload-too-large")

    def test_a_body_that_is_not_json_is_422_and_archived_byte_for_byte(self, api: httpx.Client) -> None:
        body = b"PO;ACME;\xff\xfe\x00 123\r\n"
        response = api.post("/v1/orders", content=body, headers={"Content-Type": "text/csv"})
        problem = assert_problem(response, 422, "invalid-order")
        assert [error["code"] for error in problem["errors"]] == ["invalid_json"]
        raw = api.get(f"/v1/messages/{problem['message_id']}/raw")
        assert raw.content == body
        assert raw.headers["content-type"].startswith("text/csv")
        assert raw.headers["repr-digest"].startswith("sha-256=:")


class TestCorrelationId:
    def test_a_given_correlation_id_is_echoed_and_lands_in_the_events(self, api: httpx.Client) -> None:
        response = api.post("/v1/orders", json=order_json(), headers={"X-Correlation-ID": "orch-run-42"})
        assert response.headers["x-correlation-id"] == "orch-run-42"
        events = api.get(f"/v1/orders/{response.json()['order_id']}/events").json()["items"]
        assert {event["correlationid"] for event in events} == {"orch-run-42"}
        message = api.get(f"/v1/messages/{response.json()['message_id']}").json()
        assert message["correlation_id"] == "orch-run-42"

    @pytest.mark.parametrize("given", [None, "has spaces and ünicode", "x" * 200])
    def test_a_missing_or_unusable_correlation_id_is_minted(self, api: httpx.Client, given: str | None) -> None:
        headers = {"X-Correlation-ID": given.encode()} if given else {}
        response = api.get("/healthz", headers=headers)
        minted = response.headers["x-correlation-id"]
        assert len(minted) == 32
        assert minted != given

    def test_errors_carry_it_too(self, api: httpx.Client) -> None:
        assert api.get("/v1/orders/SO-0", headers={"X-Correlation-ID": "c-1"}).headers["x-correlation-id"] == "c-1"


class TestReadOrders:
    def test_an_order_shows_lines_references_and_cases(self, api: httpx.Client) -> None:
        document = order_json(
            po_number="PO-R", lines=[line(1, customer_sku="A-7788", quantity=150), line(2, sku="NOPE")]
        )
        order_id = api.post("/v1/orders", json=document).json()["order_id"]
        order = api.get(f"/v1/orders/{order_id}").json()
        assert (order["status"], order["partner"], order["po_number"], order["version"]) == ("held", "ACME", "PO-R", 2)
        assert order["lines"][0] == {
            "line_no": 1,
            "sku": "WID-200",
            "ordered_as": {"sku": None, "customer_sku": "A-7788", "gtin": None, "quantity": 150, "uom": "EA"},
            "quantity": 150,
            "uom": "EA",
            "rejected": None,
        }
        assert order["lines"][1]["sku"] is None
        assert order["cross_references"] == [{"system": "ACME", "kind": "purchase_order", "external_id": "PO-R"}]
        assert [case["category"] for case in order["exceptions"]] == ["unknown_product"]
        assert order["ship_to"]["code"] == "ACME-DC-NORTH"
        assert len(order["message_ids"]) == 1

    def test_an_unknown_order_is_404_problem_json(self, api: httpx.Client) -> None:
        problem = assert_problem(api.get("/v1/orders/SO-1999-000001"), 404, "not-found")
        assert "SO-1999-000001" in problem["detail"]
        assert_problem(api.get("/v1/orders/SO-1999-000001/events"), 404, "not-found")

    def test_find_by_the_customers_reference(self, api: httpx.Client) -> None:
        acme = api.post("/v1/orders", json=order_json(po_number="PO-F")).json()["order_id"]
        api.post("/v1/orders", json=order_json(partner="BOLT", po_number="PO-F", ship_to={"code": "0042"}))
        found = api.get("/v1/orders", params={"partner": "ACME", "po_number": "PO-F"}).json()
        assert [order["order_id"] for order in found["items"]] == [acme]
        assert found["next_after"] is None
        assert len(api.get("/v1/orders", params={"po_number": "PO-F"}).json()["items"]) == 2
        assert api.get("/v1/orders", params={"partner": "NOBODY"}).json()["items"] == []

    def test_find_pages_with_a_cursor(self, api: httpx.Client) -> None:
        for _ in range(3):
            api.post("/v1/orders", json=order_json())
        first = api.get("/v1/orders", params={"limit": 2}).json()
        second = api.get("/v1/orders", params={"limit": 2, "after": first["next_after"]}).json()
        assert [o["order_id"] for o in first["items"] + second["items"]] == [f"SO-2026-00000{n}" for n in (1, 2, 3)]

    def test_bad_query_parameters_are_422_problem_json(self, api: httpx.Client) -> None:
        problem = assert_problem(api.get("/v1/orders", params={"limit": 0, "status": "lost"}), 422, "invalid-request")
        assert {error["path"] for error in problem["errors"]} == {"query.limit", "query.status"}


class TestEvents:
    def test_events_are_cloudevents_oldest_first(self, api: httpx.Client) -> None:
        order_id = api.post("/v1/orders", json=order_json(), headers={"X-Correlation-ID": "c-9"}).json()["order_id"]
        events = api.get(f"/v1/orders/{order_id}/events").json()["items"]
        assert [(e["type"], e["streamversion"]) for e in events] == [
            ("lightsoff.order.received.v1", 1),
            ("lightsoff.order.validated.v1", 2),
        ]
        for event in events:
            jsonschema.validate(event, CLOUDEVENTS_SCHEMA)
            assert (event["specversion"], event["subject"], event["source"]) == ("1.0", order_id, "urn:lightsoff")
            assert event["time"].endswith("Z")
        assert events[0]["data"]["customer_order"]["po_number"]

    def test_the_feed_pages_with_a_cursor_and_filters_by_type(self, api: httpx.Client) -> None:
        for _ in range(3):
            api.post("/v1/orders", json=order_json())
        api.post("/v1/orders", json=order_json(lines=[line(1, sku="NOPE")]))
        page = api.get("/v1/events", params={"limit": 4}).json()
        rest = api.get("/v1/events", params={"after": page["next_after"]}).json()
        positions = [e["position"] for e in page["items"] + rest["items"]]
        assert positions == sorted(positions)
        assert len(positions) == 9
        assert api.get("/v1/events", params={"after": positions[-1]}).json() == {
            "items": [],
            "next_after": positions[-1],
        }
        held = api.get("/v1/events", params={"type": "lightsoff.order.held.v1"}).json()["items"]
        both = api.get("/v1/events", params=[("type", "order.held"), ("type", "exception.raised")]).json()["items"]
        comma = api.get("/v1/events", params={"type": "order.held,exception.raised"}).json()["items"]
        assert [e["type"] for e in held] == ["lightsoff.order.held.v1"]
        assert {e["type"] for e in both} == {"lightsoff.order.held.v1", "lightsoff.exception.raised.v1"}
        assert comma == both


class TestHealthAndDocs:
    def test_healthz_and_readyz(self, api: httpx.Client) -> None:
        assert api.get("/healthz").json() == {"status": "ok", "checks": {}}
        ready = api.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "migrations": "current"}

    def test_the_openapi_document_describes_the_order_body(self, api: httpx.Client) -> None:
        document = api.get("/openapi.json").json()
        body = document["paths"]["/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/OrderCreate"}
        schemas = document["components"]["schemas"]
        assert {"OrderCreate", "OrderLineIn", "ShipToIn", "AddressIn", "IntakeResponse", "OrderRead"} <= set(schemas)
        assert schemas["OrderCreate"]["properties"]["lines"]["items"] == {"$ref": "#/components/schemas/OrderLineIn"}
        assert api.get("/docs").status_code == 200

    def test_problem_types_are_described(self, api: httpx.Client) -> None:
        described = api.get("/problems/invalid-order").json()
        assert (described["type"], described["status"]) == ("/problems/invalid-order", 422)
        assert_problem(api.get("/problems/nonsense"), 404, "not-found")

    def test_unknown_routes_and_methods_are_problem_json(self, api: httpx.Client) -> None:
        assert_problem(api.get("/v1/nothing"), 404, "not-found")
        assert_problem(api.delete("/v1/orders"), 405, "method-not-allowed")
