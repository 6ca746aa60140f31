"""Order documents for tests: valid by default, changed with keyword arguments."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

_numbers = itertools.count(1)


def order_json(**changes: Any) -> dict[str, Any]:
    """A valid canonical order for demo partner ACME; each call gets its own PO number."""
    number = next(_numbers)
    order: dict[str, Any] = {
        "partner": "ACME",
        "po_number": f"PO-{number:06d}",
        "order_date": "2026-11-23",
        # weeks ahead of the real date too: tests that run a real process use the system clock, and a
        # ship date inside the lead time would be held by the ship_date rule
        "requested_ship_date": max(date(2026, 12, 7), date.today() + timedelta(days=30)).isoformat(),
        "ship_to": {"code": "ACME-DC-NORTH", "name": "ACME DC North"},
        "lines": [
            # a quantity of its own, so two orders are never suspected duplicates of each other
            {"line_no": 1, "sku": "WID-100", "quantity": 12 * number, "uom": "EA"},
            {"line_no": 2, "customer_sku": "A-7788", "quantity": 500, "uom": "EA"},
            {"line_no": 3, "gtin": "4012345000030", "quantity": 1200, "uom": "EA"},
        ],
        "notes": "deliver to gate 4",
    }
    order.update(changes)
    return order


def line(line_no: int, **item: Any) -> dict[str, Any]:
    """A line whose default quantity fits every demo product's case pack and limits."""
    return {"line_no": line_no, "quantity": item.pop("quantity", 600), "uom": item.pop("uom", "EA"), **item}


def shipment_json(order_id: str, **changes: Any) -> dict[str, Any]:
    """A shipment of line 1 of ``order_id`` (10 each) on one pallet whose SSCC lightsoff mints."""
    shipment: dict[str, Any] = {
        "shipment_id": f"SHP-{next(_numbers):06d}",
        "partner": "ACME",
        "shipped_at": "2026-12-07T14:30:00Z",
        "ship_from": {"name": "Lightsoff Werk 1", "gln": "4012345000009"},
        "carrier_scac": "DHLX",
        "orders": [{"order_id": order_id, "pallets": [{"items": [{"line_no": 1, "quantity": 10}]}]}],
    }
    shipment.update(changes)
    return shipment
