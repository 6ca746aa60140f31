"""POST /v1/inbound over real HTTP: documents as partners' systems write them, what each order became, the
acknowledgement back, located errors for bad input, and every sample of the shared corpus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock
from tests.conftest import LiveServer
from tests.inbound_support import (
    CORPUS,
    csv_orders,
    edifact,
    edifact_message,
    email,
    issue,
    x12,
    x12_850,
    x12_ack,
    x12_lines,
    x12_set,
)
from tests.unit.formats.sheets import xlsx

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
LIMIT = 2_000_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_document_bytes": LIMIT})


def post(
    api: httpx.Client, data: bytes, content_type: str = "application/octet-stream", **params: str
) -> httpx.Response:
    return api.post("/v1/inbound", content=data, params=params, headers={"Content-Type": content_type})


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


def test_an_x12_file_answers_what_each_order_became_and_the_997(api: httpx.Client) -> None:
    response = post(api, x12_850("PO-API-1", "PO-API-2"), "application/edi-x12", filename="po.edi")
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["format"], body["partner"], body["problems"]) == ("x12", "ACME", [])
    assert [(o["reference"], o["status"]) for o in body["orders"]] == [
        ("000000905/1/0001", "accepted"),
        ("000000905/1/0002", "accepted"),
    ]
    order = api.get(f"/v1/orders/{body['orders'][0]['order_id']}").json()
    assert order["po_number"] == "PO-API-1"
    ack = api.get(f"/v1/documents/{body['acknowledgement']}").json()
    assert (ack["kind"], ack["reference"]) == ("997", body["message_id"])
    raw = api.get(f"/v1/messages/{body['message_id']}").json()
    assert raw["outcome"] == "accepted"
    again = post(api, x12_850("PO-API-1", control=906), "application/edi-x12")
    assert again.status_code == 202  # a changed PO 1 (another quantity): amended, not a duplicate
    assert [o["status"] for o in again.json()["orders"]] == ["accepted"]


def test_the_same_document_again_answers_200_with_the_same_orders(api: httpx.Client) -> None:
    data = edifact(edifact_message("PO-API-E1"))
    first = post(api, data)
    second = post(api, data)
    assert (first.status_code, second.status_code) == (202, 200)
    assert [o["status"] for o in second.json()["orders"]] == ["duplicate"]
    assert second.json()["orders"][0]["order_id"] == first.json()["orders"][0]["order_id"]


def test_spreadsheets_take_the_partner_from_the_query(api: httpx.Client) -> None:
    header = "PO Number,Order Date,Ship Date,Ship To,Item,Qty,Unit"
    data = csv_orders("PO-API-C1,2026-11-23,2026-12-07,ACME-DC-NORTH,A-7788,100,EA", header=header)
    response = post(api, data, "text/csv", partner="ACME")
    assert response.status_code == 202, response.text
    assert response.json()["orders"][0]["location"] == "row 2"
    missing = problem(post(api, data, "text/csv"), 422, "invalid-document")
    assert [e["code"] for e in missing["errors"]] == ["partner_required"]
    assert missing["message_id"]


def test_a_document_nothing_can_be_taken_from_is_422_with_located_problems_and_archived(api: httpx.Client) -> None:
    truncated = x12(x12_set("PO-API-T1", lines=x12_lines()), trailer=False)
    body = problem(post(api, truncated), 422, "invalid-document")
    assert {e["code"] for e in body["errors"]} == {"missing_trailer"}
    assert all("interchange 000000905" in e["location"] for e in body["errors"])
    raw = api.get(f"/v1/messages/{body['message_id']}").json()
    assert (raw["outcome"], raw["size_bytes"]) == ("rejected", len(truncated))


def test_bad_input_gets_a_located_error_and_other_orders_go_through(api: httpx.Client) -> None:
    mixed = x12(
        x12_set("PO-API-B1", "0001", lines=x12_lines()),
        x12_set("PO-API-B2", "0002", lines=("PO1*1*1\x07*EA*1.5**VP*WID-100",)),
        x12_set("PO-API-B3", "0003", lines=x12_lines(), count=3),
    )
    response = post(api, mixed)
    assert response.status_code == 202, response.text
    orders = response.json()["orders"]
    assert [o["status"] for o in orders] == ["accepted", "rejected", "rejected"]
    assert orders[1]["problems"][0]["code"] == "invalid_character"
    assert "PO1" in orders[1]["problems"][0]["location"]
    assert orders[2]["problems"][0]["code"] == "count_mismatch"
    assert "(SE)" in orders[2]["problems"][0]["location"]
    assert api.get("/v1/orders", params={"po_number": "PO-API-B2"}).json()["items"] == []


@pytest.mark.parametrize(
    ("data", "code", "where"),
    [
        (b"ISA*00*short~", "unreadable_x12", "ISA"),
        (edifact(edifact_message("PO-BAD-1")).replace(b"UNA:+.? '", b"UNA:+.?"), "", "UN"),
        (edifact(edifact_message("PO-BAD-2")).replace(b"UNZ+1+IC1", b"UNZ+1+IC9"), "reference_mismatch", "UNZ"),
        (edifact(edifact_message("PO-BAD-3").replace("ORDERS:D:96A", "INVOIC:D:96A")), "not_an_order", "UNH"),
        (b"\x00\x01\x02 not a document at all", "unknown_format", "the document"),
    ],
    ids=["x12 broken ISA", "EDIFACT wrong UNA", "EDIFACT UNZ mismatch", "unknown message type", "binary junk"],
)
def test_each_kind_of_broken_document_says_what_and_where(
    api: httpx.Client, data: bytes, code: str, where: str
) -> None:
    response = post(api, data)
    assert response.status_code in {202, 422}, response.text
    body = response.json()
    located = body.get("errors", body.get("problems", [])) + [p for o in body["orders"] for p in o["problems"]]
    assert located, body
    assert all(p["location"] and p["code"] and p["message"] for p in located)
    if code:
        assert code in {p["code"] for p in located}, located
    assert any(where in p["location"] for p in located), located


def test_spreadsheet_defects_are_located_by_sheet_row_and_column(api: httpx.Client) -> None:
    def hide_and_merge(workbook: Any, sheet: Any) -> None:
        sheet.merge_cells("A3:A4")
        hidden = workbook.create_sheet("Secret")
        hidden.sheet_state = "hidden"

    header = ["PO Number", "Order Date", "Ship Date", "Ship To", "Item", "Qty", "Unit"]
    rows = [
        header,
        ["PO-S-1", "2026-11-23", "2026-12-07", "ACME-DC-NORTH", "A-7788", 100, "EA"],
        ["PO-S-2", "2026-11-23", "2026-12-07", "ACME-DC-NORTH", "A-7788", "=B2*2", "EA"],
        ["PO-S-2", "2026-11-23", "2026-12-07", "ACME-DC-NORTH", "A-7788", 50, "EA"],
    ]
    response = post(api, xlsx(rows, extra=hide_and_merge), partner="ACME")
    assert response.status_code in {202, 422}, response.text
    body = response.json()
    located = body.get("errors", body.get("problems", [])) + [p for o in body["orders"] for p in o["problems"]]
    assert any("sheet Orders" in p["location"] and "row" in p["location"] for p in located), located
    no_header = problem(post(api, xlsx([["a", "b"], [1, 2]]), partner="ACME"), 422, "invalid-document")
    assert any(e["code"] == "missing_header" for e in no_header["errors"]), no_header


def test_an_email_without_a_usable_attachment_is_422(api: httpx.Client) -> None:
    body = problem(post(api, email(("notes.txt", "text/plain", b"call me"))), 422, "invalid-document")
    assert [e["code"] for e in body["errors"]] == ["no_usable_attachment"]


def test_an_email_from_nordpipe_is_read_with_its_mapping(api: httpx.Client) -> None:
    sheet = b"Ordernummer;Orderdatum;Leveransdatum;Artikel;Antal\nNP-77;2026-11-23;2026-12-10;NP-ELB25;48\n"
    response = post(api, email(("order.csv", "text/csv", sheet), sender="inkop@nordpipe.example"), "message/rfc822")
    assert response.status_code == 202, response.text
    assert response.json()["partner"] == "NORDPIPE"
    assert response.json()["orders"][0]["status"] in {"accepted", "held"}


def test_a_too_large_document_is_413_and_a_large_one_fits(api: httpx.Client) -> None:
    too_large = post(api, b"ISA" + b"x" * LIMIT)
    problem(too_large, 413, "payload-too-large")
    bigger_than_other_routes = x12_850("PO-API-L1") + b"\n" * 100_000
    assert post(api, bigger_than_other_routes).status_code == 202


def test_partners_the_caller_may_not_send_for_are_404(
    live_server: LiveServer, grant: Callable[..., dict[str, str]], lightsoff: Lightsoff
) -> None:
    headers = grant(Role.ORCHESTRATOR, partners=["BOLT"])
    with httpx.Client(base_url=live_server.url, headers=headers) as bolt:
        named = problem(post(bolt, x12_850("PO-API-P1"), partner="ACME"), 404, "not-found")
        unknown = problem(post(bolt, x12_850("PO-API-P1"), partner="NOBODY"), 404, "not-found")
        assert named["detail"].replace("ACME", "X") == unknown["detail"].replace("NOBODY", "X")
        landed = problem(post(bolt, x12_850("PO-API-P2")), 422, "invalid-document")
        assert [p["code"] for o in landed["orders"] for p in o["problems"]] == ["unknown_sender"]
        assert "ACME" not in str(landed)
    assert lightsoff.queries.find_orders(partner="ACME") == []
    with httpx.Client(base_url=live_server.url, headers=grant(Role.SHOP_FLOOR)) as shop_floor:
        problem(post(shop_floor, x12_850("PO-API-P3")), 403, "forbidden")


def test_an_acknowledgement_received_is_matched_to_the_document_sent(api: httpx.Client, lightsoff: Lightsoff) -> None:
    sent = issue(lightsoff)
    response = post(api, x12_ack(int(sent.control_number)))
    assert response.status_code == 202, response.text
    assert response.json()["acknowledged"][0]["document_id"] == sent.document_id
    detail = api.get(f"/v1/documents/{sent.document_id}").json()
    assert detail["status"] == "accepted"
    assert detail["acknowledged_at"] is not None
    events = api.get("/v1/events", params={"type": "document.acknowledged"}).json()["items"]
    assert [e["subject"] for e in events] == [sent.document_id]
    unmatched = problem(post(api, x12_ack(999_999)), 422, "invalid-document")
    assert [e["code"] for e in unmatched["errors"]] == ["unmatched_acknowledgement"]


def test_a_document_nobody_acknowledged_is_a_case_people_can_read(
    live_server: LiveServer, lightsoff: Lightsoff, clock: FakeClock, grant: Callable[..., dict[str, str]]
) -> None:
    sent = issue(lightsoff)
    clock.advance(timedelta(days=2))
    watch = lightsoff.notifications.acknowledgements
    assert watch is not None
    (overdue,) = watch.check()
    with httpx.Client(base_url=live_server.url, headers=grant(Role.ADMIN)) as api:  # a token of the new day
        case = api.get(f"/v1/exceptions/{overdue.exception_id}")
        assert case.status_code == 200, case.text
        assert case.json()["category"] == "document_unacknowledged"
        assert case.json()["subject"] == {"kind": "document", "id": sent.document_id}
        assert (case.json()["document_id"], case.json()["order_id"]) == (sent.document_id, None)
        listed = api.get("/v1/exceptions", params={"category": "document_unacknowledged"})
        assert [c["exception_id"] for c in listed.json()["items"]] == [overdue.exception_id]
        assert api.get(f"/v1/documents/{sent.document_id}").json()["unacknowledged_case"] == overdue.exception_id
        refused = api.post(f"/v1/exceptions/{overdue.exception_id}/resolve", json={"action": "release"})
        assert refused.status_code == 422, refused.text  # there is no order to release
        closed = api.post(f"/v1/exceptions/{overdue.exception_id}/resolve", json={"action": "close"})
        assert closed.status_code == 200, closed.text
        assert (closed.json()["document_id"], closed.json()["order_id"], closed.json()["order_status"]) == (
            sent.document_id,
            None,
            None,
        )
        assert closed.json()["exception"]["status"] == "resolved"
        assert closed.json()["events"] == ["exception.resolved"]


CORPUS_FILES = sorted(path for path in CORPUS.rglob("*") if path.is_file() and path.name != "README.md")


def test_every_corpus_sample_yields_orders_or_a_located_error(api: httpx.Client) -> None:
    assert len(CORPUS_FILES) >= 50
    failures: list[str] = []
    took = 0
    for path in CORPUS_FILES:
        data = path.read_bytes()
        response = post(api, data, filename=path.name)
        body = response.json()
        if response.status_code not in {200, 202, 422}:
            failures.append(f"{path.name}: {response.status_code} {response.text[:200]}")
            continue
        orders = body["orders"]
        located = body.get("errors", body.get("problems", [])) + [p for o in orders for p in o["problems"]]
        taken = [o for o in orders if o["status"] in {"accepted", "held", "duplicate"}]
        took += len(taken)
        if not taken and not located:
            failures.append(f"{path.name}: neither an order nor a located problem: {body}")
        if any(not (p.get("location") or p.get("path")) or not p["code"] or not p["message"] for p in located):
            failures.append(f"{path.name}: a problem without its place: {located}")
        raw = api.get(f"/v1/messages/{body['message_id']}").json()
        if raw["size_bytes"] != len(data):
            failures.append(f"{path.name}: archived {raw['size_bytes']} bytes of {len(data)}")
    assert not failures, "\n".join(failures)
    assert took >= 3, "the corpus's readable orders of known partners (ACME, BOLT, KUEHL) are taken"
