"""Many posts at once over HTTP, on SQLite and PostgreSQL: one order per document, ids never repeat."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import httpx

from tests.factories import line, order_json


async def post_all(api: httpx.Client, documents: list[dict[str, Any]], concurrency: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=api.base_url, headers=api.headers, limits=limits, timeout=60) as client:
        return await asyncio.gather(*(client.post("/v1/orders", json=document) for document in documents))


def all_events(api: httpx.Client) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while page := api.get("/v1/events", params={"after": after, "limit": 1000}).json()["items"]:
        events.extend(page)
        after = page[-1]["position"]
    return events


def test_32_concurrent_posts_of_one_document_make_exactly_one_order(api: httpx.Client) -> None:
    document = order_json(po_number="PO-SAME")
    responses = asyncio.run(post_all(api, [document] * 32, concurrency=32))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 31 + [202]
    assert len({response.json()["order_id"] for response in responses}) == 1
    events = all_events(api)
    assert [event["type"] for event in events] == ["lightsoff.order.received.v1", "lightsoff.order.validated.v1"]
    assert len({response.json()["message_id"] for response in responses}) == 32, "every receipt is archived"


def test_500_concurrent_distinct_posts_get_500_ids_and_gap_free_streams(api: httpx.Client) -> None:
    documents = [
        order_json(po_number=f"PO-{n:04d}", lines=[line(1, sku="WID-100", quantity=12 * (n + 1)), line(2, sku="NOPE")])
        if n % 5 == 0
        else order_json(po_number=f"PO-{n:04d}")
        for n in range(500)
    ]
    responses = asyncio.run(post_all(api, documents, concurrency=64))
    assert {response.status_code for response in responses} == {202}
    order_ids = [response.json()["order_id"] for response in responses]
    assert len(set(order_ids)) == 500
    assert sorted(order_ids) == [f"SO-2026-{n:06d}" for n in range(1, 501)]
    events = all_events(api)
    positions = [event["position"] for event in events]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    versions: dict[str, list[int]] = defaultdict(list)
    for event in events:
        versions[event["subject"]].append(event["streamversion"])
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in versions.values())
    assert sum(1 for subject in versions if subject.startswith("SO-")) == 500
    assert sum(1 for subject in versions if subject.startswith("EX-")) == 100
