"""The worked example of docs/documents.md is true: the same requests give, byte for byte, the 855 and 856 shown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.security import Role
from lightsoff.testing import FakeClock
from tests.conftest import LiveServer

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DOC = (Path(__file__).parents[2] / "docs" / "documents.md").read_text()


def requests() -> list[dict[str, object]]:
    """The JSON bodies of the example's curl commands."""
    bodies = re.findall(r"-d '(\{.*?\})'", DOC, re.DOTALL)
    return [json.loads(body) for body in bodies]


def interchanges() -> list[bytes]:
    return [block.encode() for block in re.findall(r"```\n(ISA.*?)```", DOC, re.DOTALL)]


def test_the_example_gives_the_documents_shown(
    live_server: LiveServer, grant: Callable[..., dict[str, str]], lightsoff: Lightsoff, clock: FakeClock
) -> None:
    clock.advance(datetime(2026, 12, 7, 20, 15, tzinfo=UTC) - clock.now())  # when the example ran
    with httpx.Client(base_url=live_server.url, headers=grant(Role.ADMIN)) as api:
        check(api, lightsoff, clock)


def check(api: httpx.Client, lightsoff: Lightsoff, clock: FakeClock) -> None:
    order, shipment = requests()
    placed = api.post("/v1/orders", json=order).json()
    assert (placed["order_id"], placed["status"]) == ("SO-2026-000001", "validated")
    lightsoff.outbound.run_once()
    clock.advance(timedelta(minutes=1))
    shipped = api.post("/v1/shipments", json=shipment)
    assert shipped.status_code == 201
    assert [p["sscc"] for p in shipped.json()["orders"][0]["pallets"]] == ["040123450000000016", "040123450000000023"]
    lightsoff.outbound.run_once()
    expected_855, expected_856 = interchanges()
    folder = lightsoff.settings.data_dir / "outbound" / "ACME"
    assert (folder / "DOC-2026-000001-1.edi").read_bytes() == expected_855
    assert (folder / "DOC-2026-000002-2.edi").read_bytes() == expected_856
    assert api.get("/v1/documents/DOC-2026-000002/raw").content == expected_856
    listed = api.get("/v1/documents", params={"partner": "ACME"}).json()["items"]
    assert [d["status"] for d in listed] == ["delivered", "delivered"]
