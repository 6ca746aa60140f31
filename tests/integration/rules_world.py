"""A small world for rule scenarios: its own products and one partner whose policy each scenario sets.

Independent of the demo configuration, so a scenario says everything it depends on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import orjson

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.domain.events import OrderAllocated
from lightsoff.domain.exception_cases import Severity
from lightsoff.domain.policy import Amendments, PartnerPolicy, RepeatOrders, Rounding, RuleOutcome
from lightsoff.domain.reference_data import (
    Identifiers,
    Location,
    PalletPack,
    Partner,
    Product,
    ProductStatus,
    ReferenceData,
    Route,
    Team,
)
from lightsoff.services.intake import IntakeResult, Submission
from lightsoff.services.recording import Cause, record
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock

TODAY = date(2026, 11, 23)
SHIP = "2026-12-07"
PARTNER = "SHOP"

PRODUCTS = (
    Product("BOLT-12", "Bolt, 12 to a case", "EA", 12, gtin="04012345000016", pallet=PalletPack(8, 5)),
    Product("NUT-50", "Nut, 50 to a case", "EA", 50, gtin="04012345000023"),
    Product("KIT-4", "Kit, 4 to a case, 8 to 400", "EA", 4, min_quantity=Decimal(8), max_quantity=Decimal(400)),
    Product("NEW-1", "Elbow, new casting", "EA", 1),
    Product("OLD-1", "Elbow, old casting", "EA", 1, status=ProductStatus.DISCONTINUED, successor="NEW-1"),
    Product("GONE-1", "Tee, no longer made", "EA", 1, status=ProductStatus.RETIRED),
    Product(
        "SOON-1",
        "Elbow, discontinued from 2027",
        "EA",
        1,
        status=ProductStatus.DISCONTINUED,
        successor="NEW-1",
        effective_date=date(2027, 1, 1),
    ),
)
ROUTES = {
    "unknown_product": Route("master_data", Severity.MEDIUM, timedelta(hours=4)),
    "suspected_duplicate": Route("customer_service", Severity.HIGH, timedelta(hours=2)),
}
TEAMS = (Team("master_data", ("md@example.com",)), Team("customer_service", ("cs@example.com",)))


def partner(policy: PartnerPolicy) -> Partner:
    return Partner(
        code=PARTNER,
        name="Shop Supplies",
        ship_to={"DC-1": Location("DC-1", "Shop DC 1"), "DC-2": Location("DC-2", "Shop DC 2")},
        customer_skus={"C-100": "BOLT-12", "C-OLD": "OLD-1"},
        uom_synonyms={"STK": "EA", "KRT": "CS"},
        identifiers=Identifiers(edi=("SHOPEDI",)),
        policy=policy,
    )


def reference_data(policy: PartnerPolicy) -> ReferenceData:
    return ReferenceData(partners=[partner(policy)], products=PRODUCTS, routes=ROUTES, teams=TEAMS)


_numbers = itertools.count(1)


def order(*lines: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An order of the world's partner; each call gets its own PO number."""
    return {
        "partner": PARTNER,
        "po_number": f"SP-{next(_numbers):05d}",
        "order_date": "2026-11-23",
        "requested_ship_date": SHIP,
        "ship_to": {"code": "DC-1"},
        "lines": list(lines) or [item(1, sku="BOLT-12", quantity=120)],
    } | changes


def item(line_no: int, **fields: Any) -> dict[str, Any]:
    return {"line_no": line_no, "uom": "EA"} | fields


@dataclass
class World:
    lightsoff: Lightsoff
    clock: FakeClock

    def submit(self, document: Any, **options: Any) -> IntakeResult:
        body = document if isinstance(document, bytes) else orjson.dumps(document)
        return self.lightsoff.intake.submit(Submission(body=body, content_type="application/json", **options))

    def event_names(self, order_id: str) -> list[str]:
        return [event.name for event in self.lightsoff.queries.order_events(order_id)]

    def all_events(self) -> list[tuple[str, str]]:
        return [(e.stream_id, e.name) for e in self.lightsoff.queries.event_feed(limit=1000).events]

    def allocate(self, order_id: str) -> None:
        """What the ERP connector will report: stock committed to the order."""

        def work(uow: Any) -> None:
            current = uow.orders.get(order_id)
            record(
                uow,
                [OrderAllocated(order_id, "ERP-1")],
                versions={order_id: current.version},
                cause=Cause(None, None, current.partner),
                now=self.clock.now(),
                new_id=lambda: f"alloc-{order_id}",
            )

        self.lightsoff.uow.run(work)


WorldFactory = Callable[..., World]
_ENUMS = {"rounding": Rounding, "repeat_orders": RepeatOrders, "amendments": Amendments}


def policy_of(settings: dict[str, Any]) -> PartnerPolicy:
    """A policy from profile-like settings (strings for the enums, as a YAML profile has them)."""
    typed = {name: _ENUMS[name](value) if name in _ENUMS else value for name, value in settings.items()}
    if "outcomes" in typed:
        typed["outcomes"] = {rule: RuleOutcome(outcome) for rule, outcome in typed["outcomes"].items()}
    return replace(PartnerPolicy(), **typed)


def world_factory(settings: Settings, clock: FakeClock) -> Iterator[WorldFactory]:
    made: list[Lightsoff] = []

    def make(**policy: Any) -> World:
        app = bootstrap(settings, reference_data=reference_data(policy_of(policy)), clock=clock)
        made.append(app)
        return World(app, clock)

    yield make
    for app in made:
        app.close()
