"""Orders per second through the rule set alone: a 20-line order, a 10,000-product master, 50 partners.

The rules must never be the bottleneck of intake, so the target is over 5,000 orders/s on one core.
Measures ``rules.engine.evaluate`` (every rule, in order, on one order) in one process, best of
several rounds, with the order's lines resolved in the three ways partners send them (our SKU, their
code list, a GTIN) and some lines that make rules work (rounding, a discontinued product with a
substitute, a unit to convert). Also the first half of ``malformed_data`` (``OrderRules.prepare``),
which runs before the order is parsed. Writes the table into bench/RESULTS.md between the rules markers.

    python bench/rules.py [--seconds 3] [--no-write]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lightsoff.domain import gs1
from lightsoff.domain.customer_order import CustomerOrder, OrderLine, ShipTo
from lightsoff.domain.policy import PartnerPolicy
from lightsoff.domain.reference_data import Location, PalletPack, Partner, Product, ProductStatus, ReferenceData
from lightsoff.rules.draft import RuleContext
from lightsoff.rules.engine import evaluate
from lightsoff.rules.malformed import normalize

sys.path.insert(0, str(Path(__file__).parent))
from results import RESULTS, how_it_ran, record

PRODUCTS, PARTNERS, LINES = 10_000, 50, 20
console = Console()


def gtin(number: int) -> str:
    body = f"4012345{number:06d}"
    return body + str(gs1.check_digit(body))


def product_master() -> list[Product]:
    products = []
    for n in range(PRODUCTS):
        discontinued = n % 50 == 49
        products.append(
            Product(
                sku=f"SKU-{n:05d}",
                description=f"Product {n}",
                uom="EA",
                case_pack=(6, 12, 24, 50)[n % 4],
                gtin=gs1.normalize_gtin(gtin(n)),
                pallet=PalletPack(8, 5),
                status=ProductStatus.DISCONTINUED if discontinued else ProductStatus.ACTIVE,
                successor=f"SKU-{n - 1:05d}" if discontinued else None,
                min_quantity=Decimal(1),
                max_quantity=Decimal(100_000),
            )
        )
    return products


def partners() -> list[Partner]:
    return [
        Partner(
            code=f"P{p:02d}",
            name=f"Partner {p}",
            ship_to={f"DC-{d}": Location(f"DC-{d}", f"DC {d}") for d in range(5)},
            customer_skus={f"C{p:02d}-{n:05d}": f"SKU-{n:05d}" for n in range(0, PRODUCTS, 5)},
            uom_synonyms={"STK": "EA"},
            policy=PartnerPolicy(substitute_successor=p % 2 == 0),
        )
        for p in range(PARTNERS)
    ]


def order(partner: str) -> CustomerOrder:
    """20 lines: by SKU, by the partner's code, by GTIN; 5 rounded, 1 substituted, 1 in cases."""
    lines = []
    for i in range(LINES):
        n = 1000 + i * 5 * 17
        quantity = Decimal(600 if i % 4 else 601)
        if i % 3 == 0:
            line = OrderLine(i + 1, quantity, "EA", sku=f"SKU-{n:05d}")
        elif i % 3 == 1:
            line = OrderLine(i + 1, quantity, "EA", customer_sku=f"C{partner[1:]}-{n:05d}")
        else:
            line = OrderLine(i + 1, quantity, "EA", gtin=gtin(n))
        lines.append(line)
    lines[5] = replace(lines[5], sku="SKU-00049", customer_sku=None, gtin=None)  # discontinued
    lines[7] = replace(lines[7], quantity=Decimal(2), uom="CS")
    return CustomerOrder(
        partner=partner,
        po_number="PO-BENCH-1",
        order_date=date(2026, 11, 23),
        requested_ship_date=date(2026, 12, 7),
        ship_to=ShipTo("DC-1"),
        lines=tuple(lines),
    )


def as_sent(order: CustomerOrder) -> dict[str, Any]:
    """The order as a partner's JSON has it: numbers as numbers, no empty fields."""
    data = order.to_data()
    data["lines"] = [
        {key: int(Decimal(value)) if key == "quantity" else value for key, value in line.items() if value is not None}
        for line in data["lines"]
    ]
    return data


def best_rate(work: Callable[[], Any], seconds: float) -> float:
    """Best-of-rounds calls per second; a round is 200 calls."""
    best = float("inf")
    deadline = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < deadline or rounds < 5:
        start = time.perf_counter()
        for _ in range(200):
            work()
        best = min(best, (time.perf_counter() - start) / 200)
        rounds += 1
    return 1 / best


def main(
    seconds: Annotated[float, typer.Option(help="measured seconds per case")] = 3,
    write: Annotated[bool, typer.Option(help="write the table into bench/RESULTS.md")] = True,
) -> None:
    started = time.perf_counter()
    data = ReferenceData(partners=partners(), products=product_master())
    console.print(f"reference data built in {time.perf_counter() - started:.1f} s")
    context = RuleContext(reference_data=data, today=date(2026, 11, 23))
    sample = order("P08")
    evaluation = evaluate(sample, context)
    assert not evaluation.findings, [f.message for f in evaluation.findings]
    assert len(evaluation.corrections) >= 7, "the order must make rules correct things"
    raw = as_sent(sample)
    policy = PartnerPolicy()
    cases = [
        ("rule set (`evaluate`), 20 lines", lambda: evaluate(sample, context)),
        ("malformed_data before parsing (`normalize`), 20 lines", lambda: normalize(raw, policy)),
    ]
    table = Table(title="Rules, orders per second on one core")
    for column in ("case", "orders/s", "µs/order"):
        table.add_column(column, justify="left" if column == "case" else "right")
    rows = []
    for name, work in cases:
        rate = best_rate(work, seconds)
        rows.append((name, f"{rate:,.0f}", f"{1e6 / rate:,.0f}"))
        table.add_row(*rows[-1])
    console.print(table)
    if write:
        lines = ["| case | orders/s | µs per order |", "|---|---|---|", *(f"| {' | '.join(row)} |" for row in rows)]
        what = f"one process, in memory; {PRODUCTS:,} products, {PARTNERS} partners, a {LINES}-line order; best round"
        record("rules", "Rules", how_it_ran(what) + "\n".join(lines) + "\n")
        console.print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    typer.run(main)
