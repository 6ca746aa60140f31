"""POST /v1/inbound/{message_id}/rerun: the re-run over HTTP, dry and real, confined to the caller's partners."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role
from lightsoff.services.inbound import InboundDocument
from tests.conftest import LiveServer
from tests.integration.test_rerun import counts, x12_850

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def message_id(lightsoff: Lightsoff) -> str:
    """An ACME 850 whose second line names a product nobody knows: held for review."""
    document = x12_850("PO-API-RERUN", ["VP*WID-100", "VP*WID-900"])
    return lightsoff.inbound.receive(InboundDocument(document, partner="ACME", channel="folder")).message_id


def test_a_dry_run_answers_then_and_now_and_keeps_nothing(
    lightsoff: Lightsoff, api: httpx.Client, message_id: str
) -> None:
    before = counts(lightsoff)
    response = api.post(f"/v1/inbound/{message_id}/rerun", params={"dry_run": "true"})
    assert response.status_code == 200, response.text
    after = counts(lightsoff)
    assert after.pop("audit_log") == before.pop("audit_log") + 1, "the request itself is audited"
    assert after == before
    body = response.json()
    assert (body["message_id"], body["dry_run"], body["rerun_message_id"]) == (message_id, True, None)
    [order] = body["orders"]
    assert order["then"]["status"] == "held"
    assert order["now"]["status"] == "duplicate"
    assert order["now"]["order_id"] == order["then"]["order_id"]
    assert order["changes"] == []
    assert [case["category"] for case in order["then"]["exceptions"]] == ["unknown_product"]


def test_a_real_rerun_archives_a_message_of_its_own(lightsoff: Lightsoff, api: httpx.Client, message_id: str) -> None:
    response = api.post(f"/v1/inbound/{message_id}/rerun")
    assert response.status_code == 200, response.text
    rerun_id = response.json()["rerun_message_id"]
    assert rerun_id not in (None, message_id)
    archived = api.get(f"/v1/messages/{rerun_id}").json()
    assert (archived["channel"], archived["outcome"]) == ("rerun", "duplicate")
    assert api.get(f"/v1/messages/{message_id}").json()["correlation_id"] is None
    assert archived["correlation_id"] == message_id, "the re-run is correlated with the document it re-runs"
    assert archived["client_id"].startswith("test-client")


def test_another_partners_client_finds_nothing_and_a_reader_may_not(
    live_server: LiveServer, grant: Callable[..., dict[str, str]], message_id: str
) -> None:
    url = f"{live_server.url}/v1/inbound/{message_id}/rerun"
    confined = httpx.post(url, params={"dry_run": "true"}, headers=grant(Role.ORCHESTRATOR, partners=["BOLT"]))
    assert confined.status_code == 404
    assert confined.headers["content-type"] == "application/problem+json"
    assert "PO-API-RERUN" not in confined.text
    reader = httpx.post(url, params={"dry_run": "true"}, headers=grant(Role.VIEWER))
    assert reader.status_code == 403
    own = httpx.post(url, params={"dry_run": "true"}, headers=grant(Role.ORCHESTRATOR, partners=["ACME"]))
    assert own.status_code == 200
    missing = httpx.post(
        f"{live_server.url}/v1/inbound/nope/rerun", params={"dry_run": "true"}, headers=grant(Role.ADMIN)
    )
    assert missing.status_code == 404
