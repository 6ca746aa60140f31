"""/v1/shipments over real HTTP: confirm, read, the 856 it issued, and clear 422s for bad shipments."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from lightsoff.domain import gs1
from lightsoff.domain.security import Role
from tests.conftest import LiveServer
from tests.factories import order_json, shipment_json
from tests.outbound_checks import check_856, read_x12

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def validated_order(api: httpx.Client, **changes: object) -> str:
    response = api.post("/v1/orders", json=order_json(**changes))
    assert response.json()["status"] == "validated", response.text
    order_id: str = response.json()["order_id"]
    return order_id


def test_a_shipment_is_confirmed_read_back_and_its_856_downloaded(api: httpx.Client) -> None:
    order_id = validated_order(api)
    body = shipment_json(order_id, shipment_id="SHP-HTTP-1")
    created = api.post("/v1/shipments", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/shipments/SHP-HTTP-1"
    shipment = created.json()
    (pallet,) = shipment["orders"][0]["pallets"]
    assert gs1.is_valid_sscc(pallet["sscc"])
    assert pallet["items"] == [
        {
            "line_no": 1,
            "quantity": 10,
            "uom": "EA",
            "sku": "WID-100",
            "customer_sku": None,
            "gtin": "04012345000016",  # from the product master: the order named the SKU only
            "lot": None,
        }
    ]
    assert shipment["ship_to"]["gln"] == "5400110000016"
    (notice,) = shipment["notices"]
    assert notice["kind"] == "856"
    raw = api.get(f"/v1/documents/{notice['document_id']}/raw")
    assert check_856(read_x12(raw.content)) == [pallet["sscc"]]
    assert api.get("/v1/shipments/SHP-HTTP-1").json() == shipment
    again = api.post("/v1/shipments", json=body)
    assert (again.status_code, again.json()) == (200, shipment)
    changed = api.post("/v1/shipments", json={**body, "carrier_scac": "UPSN"})
    assert (changed.status_code, changed.json()["type"]) == (409, "/problems/shipment-conflict")
    listed = api.get("/v1/shipments", params={"partner": "ACME"}).json()
    assert [s["shipment_id"] for s in listed["items"]] == ["SHP-HTTP-1"]
    confirmed = api.get("/v1/events", params={"type": "shipment.confirmed"}).json()["items"]
    assert [event["subject"] for event in confirmed] == ["SHP-HTTP-1"]


def test_a_bad_shipment_is_a_422_naming_every_problem_and_its_path(api: httpx.Client) -> None:
    order_id = validated_order(api)
    body = shipment_json(order_id)
    body["orders"][0]["pallets"] = [
        {"sscc": "040123450000000055", "items": [{"line_no": 1, "quantity": 100000}]},
        {"items": [{"line_no": 9, "quantity": 1}]},
    ]
    body["orders"].append({"order_id": "SO-2099-000001", "pallets": [{"items": [{"line_no": 1, "quantity": 1}]}]})
    refused = api.post("/v1/shipments", json=body)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-shipment"
    assert [(e["path"], e["code"]) for e in problem["errors"]] == [
        ("$.orders[0].pallets[0].sscc", "invalid_sscc"),
        ("$.orders[0].pallets[1].items[0].line_no", "unknown_line"),
        ("$.orders[0].pallets[0].items[0].quantity", "quantity_over_ordered"),
        ("$.orders[1].order_id", "unknown_order"),
    ]
    assert "check digit" in problem["errors"][0]["message"]
    assert "ordered" in problem["errors"][2]["message"]
    assert api.get("/v1/shipments").json()["items"] == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"shipped_at": "2026-12-07 14:30"}, "body.shipped_at"),
        ({"carrier_scac": "dhl"}, "body.carrier_scac"),
        ({"ship_from": {"name": "Werk*1"}}, "body.ship_from.name"),
        ({"ship_from": {"name": "Werk 1", "gln": "4012345000008"}}, "body.ship_from.gln"),
        ({"orders": []}, "body.orders"),
    ],
)
def test_a_malformed_shipment_is_a_422_with_the_field(api: httpx.Client, change: dict[str, object], path: str) -> None:
    refused = api.post("/v1/shipments", json=shipment_json("SO-2026-000001", **change))
    assert refused.status_code == 422
    assert path in [error["path"] for error in refused.json()["errors"]]


def test_a_client_confined_to_another_partner_neither_sees_nor_ships_acmes(
    api: httpx.Client, live_server: LiveServer, grant: Callable[..., dict[str, str]]
) -> None:
    order_id = validated_order(api)
    assert api.post("/v1/shipments", json=shipment_json(order_id, shipment_id="SHP-ACME")).status_code == 201
    with httpx.Client(base_url=live_server.url, headers=grant(Role.ORCHESTRATOR, partners=["BOLT"])) as bolt:
        assert bolt.get("/v1/shipments/SHP-ACME").status_code == 404
        assert bolt.get("/v1/shipments").json()["items"] == []
        refused = bolt.post("/v1/shipments", json=shipment_json(order_id))
        assert (refused.status_code, refused.json()["errors"][0]["code"]) == (422, "unknown_partner")
        as_bolt = bolt.post("/v1/shipments", json=shipment_json(order_id, partner="BOLT"))
        assert [e["code"] for e in as_bolt.json()["errors"]] == ["unknown_order"]
