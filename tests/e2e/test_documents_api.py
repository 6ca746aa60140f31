"""/v1/documents over real HTTP: what went out to partners, as it went out."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.documents import OutboundDocument
from lightsoff.domain.security import Role
from lightsoff.services.documents import Issue
from lightsoff.services.ports import UnitOfWork
from tests.conftest import LiveServer


def issue(lightsoff: Lightsoff, partner: str, kind: str = "997", reference: str | None = None) -> OutboundDocument:
    def work(uow: UnitOfWork) -> OutboundDocument:
        return lightsoff.documents.issue(
            uow, Issue(partner, kind, "x12", lambda n: f"ISA*{n:09d}*{partner}~".encode(), reference=reference)
        )

    return lightsoff.uow.run(work)


def test_documents_are_listed_read_and_downloaded_as_sent(api: httpx.Client, lightsoff: Lightsoff) -> None:
    first = issue(lightsoff, "ACME", reference="msg-1")
    issue(lightsoff, "ACME", "855", reference="SO-2026-000001")
    issue(lightsoff, "BOLT")
    listed = api.get("/v1/documents", params={"partner": "ACME"}).json()
    assert [(d["kind"], d["control_number"]) for d in listed["items"]] == [("855", "2"), ("997", "1")]
    assert listed["items"][0]["size_bytes"] is None
    by_reference = api.get("/v1/documents", params={"reference": "SO-2026-000001"}).json()["items"]
    assert [d["kind"] for d in by_reference] == ["855"]
    detail = api.get(f"/v1/documents/{first.document_id}").json()
    assert (detail["partner"], detail["status"], detail["size_bytes"]) == ("ACME", "issued", len(first.body))
    raw = api.get(f"/v1/documents/{first.document_id}/raw")
    assert (raw.content, raw.headers["content-type"]) == (b"ISA*000000001*ACME~", "application/edi-x12")
    assert f"{first.document_id}.edi" in raw.headers["content-disposition"]
    issued = api.get("/v1/events", params={"type": "document.issued"}).json()["items"]
    assert [event["subject"] for event in issued][:1] == [first.document_id]


def test_a_client_confined_to_a_partner_sees_only_its_documents(
    live_server: LiveServer, lightsoff: Lightsoff, grant: Callable[..., dict[str, str]]
) -> None:
    acme = issue(lightsoff, "ACME")
    bolt = issue(lightsoff, "BOLT")
    with httpx.Client(base_url=live_server.url, headers=grant(Role.ORCHESTRATOR, partners=["BOLT"])) as client:
        assert client.get(f"/v1/documents/{acme.document_id}").status_code == 404
        assert client.get(f"/v1/documents/{acme.document_id}/raw").status_code == 404
        assert client.get(f"/v1/documents/{bolt.document_id}/raw").content == bolt.body
        assert [d["partner"] for d in client.get("/v1/documents").json()["items"]] == ["BOLT"]
        assert client.get("/v1/documents", params={"partner": "ACME"}).json()["items"] == []
    with httpx.Client(base_url=live_server.url, headers=grant(Role.SHOP_FLOOR)) as shop_floor:
        assert shop_floor.get(f"/v1/documents/{bolt.document_id}").status_code == 403
