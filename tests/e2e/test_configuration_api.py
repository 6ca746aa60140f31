"""The configuration in force, over HTTP: /v1/partners and /v1/products, as the demo configuration sets them.

These routes read the configuration loaded at start, never the database, so SQLite is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from lightsoff.domain.security import Role
from lightsoff.rules.catalog import CATALOG
from tests.conftest import LiveServer
from tests.e2e.test_api import assert_problem

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
Grant = Callable[..., dict[str, str]]


@pytest.fixture
def bolt_viewer(live_server: LiveServer, grant: Grant) -> Iterator[httpx.Client]:
    """A viewer confined to partner BOLT."""
    with httpx.Client(base_url=live_server.url, headers=grant(Role.VIEWER, partners=["BOLT"])) as client:
        yield client


class TestPartners:
    def test_the_list_names_every_partner_with_its_identifiers(self, api: httpx.Client) -> None:
        items = api.get("/v1/partners").json()["items"]
        assert [item["code"] for item in items] == ["ACME", "BOLT", "KUEHL", "NORDPIPE"]
        kuehl = items[2]
        assert kuehl["identifiers"]["edi"] == [{"id": "4250159300001", "qualifier": "14"}]
        assert kuehl["identifiers"]["other"] == {"erp": "C-10004", "edi_van": "KTN-01"}

    def test_a_profile_has_its_code_lists_contacts_and_policy(self, api: httpx.Client) -> None:
        kuehl = api.get("/v1/partners/KUEHL").json()
        assert kuehl["name"] == "Kühltechnik Nord GmbH"
        [location] = kuehl["ship_to"]
        assert (location["code"], location["gln"], location["address"]["city"]) == (
            "KTN-LAGER",
            "4250159399005",
            "Gelsenkirchen",
        )
        assert kuehl["ship_to_codes"] == {"LAGER-1": "KTN-LAGER"}
        assert kuehl["customer_skus"] == {"6001001": "WID-200", "6001007": "WID-300"}
        assert kuehl["uom_synonyms"] == {"GBND": "CS", "KAR": "CS"}
        assert kuehl["contacts"] == [
            {"name": "Jens Becker", "email": "jens.becker@kuehltechnik-nord.example", "role": "Einkauf"}
        ]
        policy = kuehl["policy"]
        assert (policy["decimal_separator"], policy["date_formats"][0], policy["amendments"]) == (
            ",",
            "%d.%m.%Y",
            "review",
        )
        assert (policy["rounding_tolerance"], policy["lead_time_days"]) == (0.05, 3)
        assert policy["rules"] == {"unit_of_measure": "review"}

    def test_a_profile_says_what_every_rule_does_for_the_partner_and_why(self, api: httpx.Client) -> None:
        rules = {rule["rule"]: rule for rule in api.get("/v1/partners/BOLT").json()["rules"]}
        assert list(rules) == [info.id for info in CATALOG], "every rule, in the order it runs"
        in_force = {rule: (r["outcome"], r["source"]) for rule, r in rules.items()}
        assert in_force["discontinued_product"] == ("correct", "substitute_successor")
        assert in_force["repeat_order"] == ("correct", "repeat_orders")
        assert in_force["ship_date"] == ("correct", "rules")
        assert in_force["pack_multiple"] == ("correct", "default")
        assert in_force["amendment"] == ("correct", "amendments")
        assert rules["pack_multiple"]["summary"]

    def test_a_profile_says_which_documents_the_partner_sends_and_wants(self, api: httpx.Client) -> None:
        documents = api.get("/v1/partners/NORDPIPE").json()["documents"]
        assert set(documents) >= {"outbound_format", "x12", "edifact", "functional_ack", "spreadsheet"}
        assert documents["functional_ack"] in {"auto", "997", "999", "none"}

    def test_an_unknown_partner_is_404_problem_json(self, api: httpx.Client) -> None:
        problem = assert_problem(api.get("/v1/partners/NOBODY"), 404, "not-found")
        assert problem["detail"] == "Partner NOBODY does not exist."

    def test_a_caller_confined_to_a_partner_sees_only_that_one(self, bolt_viewer: httpx.Client) -> None:
        assert [item["code"] for item in bolt_viewer.get("/v1/partners").json()["items"]] == ["BOLT"]
        assert bolt_viewer.get("/v1/partners/BOLT").status_code == 200
        response = bolt_viewer.get("/v1/partners/ACME")
        assert_problem(response, 404, "not-found")
        assert "ACME Retail" not in response.text

    def test_reading_configuration_needs_the_config_read_scope(self, live_server: LiveServer, grant: Grant) -> None:
        with httpx.Client(base_url=live_server.url, headers=grant(Role.ORCHESTRATOR)) as orchestrator:
            problem = assert_problem(orchestrator.get("/v1/partners"), 403, "forbidden")
            assert "config:read" in problem["detail"]
            assert_problem(orchestrator.get("/v1/products/WID-100"), 403, "forbidden")


class TestProducts:
    def test_a_product_shows_status_successor_packs_and_limits(self, api: httpx.Client) -> None:
        fit400 = api.get("/v1/products/FIT-400").json()
        assert fit400 == {
            "sku": "FIT-400",
            "description": "Pipe elbow 90 degrees, DN25, old casting",
            "gtin": "04012345000054",
            "uom": "EA",
            "case_pack": 24,
            "pallet": {"cases_per_layer": 6, "layers": 4, "cases": 24, "units": 576},
            "status": "discontinued",
            "successor": "FIT-410",
            "effective_date": None,
            "min_quantity": None,
            "max_quantity": None,
        }
        kit = api.get("/v1/products/KIT-900").json()
        assert (kit["min_quantity"], kit["max_quantity"]) == (4, 400)
        assert api.get("/v1/products/HOS-600").json()["effective_date"] == "2027-01-01"

    def test_the_master_pages_in_sku_order(self, api: httpx.Client) -> None:
        first = api.get("/v1/products", params={"limit": 4}).json()
        assert [p["sku"] for p in first["items"]] == ["CHN-800", "FIT-400", "FIT-410", "FIT-500"]
        rest = api.get("/v1/products", params={"after": first["next_after"]}).json()
        assert [p["sku"] for p in rest["items"]][:2] == ["HOS-600", "HOS-610"]
        assert len(first["items"]) + len(rest["items"]) == 10
        assert rest["next_after"] is None

    @pytest.mark.parametrize(
        ("status", "skus"),
        [("discontinued", ["FIT-400", "HOS-600"]), ("retired", ["FIT-500"])],
    )
    def test_the_master_filters_by_status(self, api: httpx.Client, status: str, skus: list[str]) -> None:
        assert [p["sku"] for p in api.get("/v1/products", params={"status": status}).json()["items"]] == skus

    def test_bad_parameters_and_unknown_products_are_problem_json(self, api: httpx.Client) -> None:
        problem = assert_problem(api.get("/v1/products", params={"status": "gone", "limit": 0}), 422, "invalid-request")
        assert {error["path"] for error in problem["errors"]} == {"query.status", "query.limit"}
        assert_problem(api.get("/v1/products/NOPE-1"), 404, "not-found")

    def test_a_caller_confined_to_a_partner_still_sees_the_whole_master(self, bolt_viewer: httpx.Client) -> None:
        assert len(bolt_viewer.get("/v1/products").json()["items"]) == 10
        assert bolt_viewer.get("/v1/products/WID-100").status_code == 200
