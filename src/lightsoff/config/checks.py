"""Checks across values of the product master and of routing: what no single value can tell.

Each yields located problems (``config.problems``); none stops at the first. The partner profiles'
checks, which also look at the product master, are in ``config.partner_checks``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lightsoff.config.problems import Document, Loaded, problem, repeats
from lightsoff.config.schema import ProductConfig, ProductsConfig, RoutingConfig
from lightsoff.domain.reference_data import DEFAULT_ROUTE, ProductStatus
from lightsoff.rules.catalog import EXCEPTION_CATEGORIES


def product_problems(master: Loaded[ProductsConfig]) -> Iterator[str]:
    document, products = master.document, master.config.products
    by_sku = {product.sku: product for product in products}
    skus = repeats(product.sku for product in products)
    gtins = repeats(product.gtin for product in products)
    for index, product in enumerate(products):
        at = ("products", index)
        if index in skus:
            line = document.line_of(("products", skus[index]))
            yield problem(document, (*at, "sku"), f"SKU {product.sku} is listed before, on line {line}: keep one")
        if index in gtins:
            first = products[gtins[index]].sku
            yield problem(document, (*at, "gtin"), f"GTIN {product.gtin} is {first}'s already: a GTIN names one SKU")
        yield from _status_problems(document, at, product)
        if product.successor is not None:
            yield from _successor_problems(document, at, product, by_sku)
        if product.min_quantity and product.max_quantity and product.min_quantity > product.max_quantity:
            yield problem(
                document,
                (*at, "min_quantity"),
                f"{product.min_quantity} is above max_quantity {product.max_quantity}: no order could fit",
            )


def _status_problems(document: Document, at: tuple[str, int], product: ProductConfig) -> Iterator[str]:
    """Status, successor and effective date must tell one story (see ProductStatus)."""
    if product.status is ProductStatus.ACTIVE and product.successor is not None:
        yield problem(
            document,
            (*at, "successor"),
            "an active product is not replaced: set status: discontinued (with effective_date if not yet), "
            "or remove successor",
        )
    if product.status is ProductStatus.ACTIVE and product.effective_date is not None:
        yield problem(
            document,
            (*at, "effective_date"),
            "the day a discontinued or retired status takes effect; an active product has none: remove it",
        )
    if product.status is ProductStatus.RETIRED and product.successor is not None:
        yield problem(
            document,
            (*at, "successor"),
            f"a retired product has no replacement: make it discontinued to have {product.successor} "
            "replace it, or remove successor",
        )


def _successor_problems(
    document: Document, at: tuple[str, int], product: ProductConfig, by_sku: dict[str, ProductConfig]
) -> Iterator[str]:
    successor = by_sku.get(product.successor or "")
    where = (*at, "successor")
    if successor is None:
        yield problem(document, where, f"{product.successor} is not a SKU of the product master")
        return
    loop = _loop(product, by_sku)
    if loop:
        yield problem(document, where, f"the successors go round in a circle ({' → '.join(loop)}): break it")
    elif successor.status is ProductStatus.RETIRED:
        yield problem(document, where, f"{successor.sku} is retired, so it replaces nothing: name an active product")
    elif successor.status is ProductStatus.DISCONTINUED and successor.effective_date is None:
        yield problem(
            document,
            where,
            f"{successor.sku} is discontinued itself (with no effective_date, so always): name the product that "
            "replaces it",
        )
    if successor.uom != product.uom:
        yield problem(
            document,
            where,
            f"{successor.sku} is sold in {successor.uom}, {product.sku} in {product.uom}: a substitute keeps the "
            "ordered quantity, so it must be sold in the same unit",
        )


def _loop(product: ProductConfig, by_sku: dict[str, ProductConfig]) -> list[str]:
    """The chain of successors from ``product`` back to itself, or [] when it ends."""
    chain = [product.sku]
    current = by_sku.get(product.successor or "")
    while current is not None and current.sku not in chain:
        chain.append(current.sku)
        current = by_sku.get(current.successor or "")
    return [*chain, product.sku] if current is not None and current.sku == product.sku else []


def routing_problems(routing: Loaded[RoutingConfig]) -> Iterator[str]:
    document, teams, routes = routing.document, routing.config.teams, routing.config.routes
    categories = ", ".join(sorted(EXCEPTION_CATEGORIES))
    for category, route in routes.items():
        if category not in EXCEPTION_CATEGORIES:
            yield problem(
                document, ("routes", category), f"not an exception category; the categories are: {categories}"
            )
        if route.team not in teams:
            defined = ", ".join(teams) or "none yet"
            yield problem(
                document,
                ("routes", category, "team"),
                f"team {route.team} is not defined under teams (defined: {defined}): add it with its e-mail addresses",
            )
    unrouted = sorted(EXCEPTION_CATEGORIES - set(routes))
    if teams and unrouted and DEFAULT_ROUTE.team not in teams:
        yield problem(
            document,
            ("teams",),
            f"{', '.join(unrouted)} have no route, so their cases go to team {DEFAULT_ROUTE.team}, which is not "
            "defined: define it, or route them",
        )
