"""Loading a configuration folder into reference data, or into the list of everything wrong with it.

Layout::

    <config dir>/
      partners/<CODE>.yaml   one partner profile per file
      products.yaml          the product master
      routing.yaml           exception category → owning team (optional)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from lightsoff.config.schema import PartnerConfig, ProductConfig, ProductsConfig, RoutingConfig
from lightsoff.config.yaml_files import YamlDocument, YamlError, read_yaml
from lightsoff.domain.customer_order import Address
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.reference_data import (
    Location,
    PalletPack,
    Partner,
    Product,
    ReferenceData,
    Route,
)

Model = TypeVar("Model", bound=BaseModel)


def load_reference_data(config_dir: Path) -> ReferenceData:
    """Everything in ``config_dir``, or ConfigurationError listing every problem found."""
    problems: list[str] = []
    if not config_dir.is_dir():
        raise ConfigurationError([f"{config_dir}: the configuration folder does not exist"])
    partner_files = sorted((config_dir / "partners").glob("*.yaml"))
    partners = [p for p in (_load(path, PartnerConfig, problems) for path in partner_files) if p]
    products_path = config_dir / "products.yaml"
    products = _load(products_path, ProductsConfig, problems) if products_path.exists() else None
    routing_path = config_dir / "routing.yaml"
    routing = _load(routing_path, RoutingConfig, problems) if routing_path.exists() else None
    product_list = products[1].products if products else []
    if products:
        problems.extend(_product_problems(products[0], product_list))
    known_skus = {product.sku for product in product_list} if products or not products_path.exists() else None
    problems.extend(_partner_problems(partners, known_skus))
    if problems:
        raise ConfigurationError(problems)
    return ReferenceData(
        partners=[_partner(config) for _, config in partners],
        products=[_product(config) for config in product_list],
        routes={
            category: Route(route.team, route.severity, route.handle_within)
            for category, route in (routing[1].routes.items() if routing else ())
        },
    )


def _load(path: Path, model: type[Model], problems: list[str]) -> tuple[YamlDocument, Model] | None:
    try:
        document = read_yaml(path)
    except YamlError as exc:
        problems.append(str(exc))
        return None
    try:
        return document, model.model_validate(document.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or "(the file)"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{document.where(loc)}: {field}: {message}")
        return None


def _product_problems(document: YamlDocument, products: list[ProductConfig]) -> Iterable[str]:
    skus = Counter(product.sku for product in products)
    gtins = Counter(product.gtin for product in products if product.gtin)
    for index, product in enumerate(products):
        where = document.where(("products", index))
        if skus[product.sku] > 1:
            yield f"{where}: products[{index}].sku: SKU {product.sku} is listed more than once"
        if product.gtin and gtins[product.gtin] > 1:
            yield f"{where}: products[{index}].gtin: GTIN {product.gtin} belongs to more than one SKU"
        if product.successor is not None and product.successor not in skus:
            yield f"{where}: products[{index}].successor: {product.successor} is not a SKU of the product master"
        if product.min_quantity and product.max_quantity and product.min_quantity > product.max_quantity:
            yield f"{where}: products[{index}]: min_quantity is above max_quantity"


def _partner_problems(partners: list[tuple[YamlDocument, PartnerConfig]], skus: set[str] | None) -> Iterable[str]:
    """Problems within and across partner files; code lists are checked only against a master that loaded."""
    codes = Counter(config.code for _, config in partners)
    for document, config in partners:
        if codes[config.code] > 1:
            yield f"{document.where(('code',))}: code: partner code {config.code} is used by more than one file"
        if document.path.stem != config.code:
            yield f"{document.where(('code',))}: code: {config.code} differs from the file name {document.path.name}"
        locations = Counter(location.code for location in config.ship_to)
        for index, location in enumerate(config.ship_to):
            if locations[location.code] > 1:
                yield f"{document.where(('ship_to', index))}: ship_to[{index}].code: {location.code} is listed twice"
        for customer_sku, sku in config.customer_skus.items():
            if skus is not None and sku not in skus:
                where = document.where(("customer_skus", customer_sku))
                yield f"{where}: customer_skus.{customer_sku}: {sku} is not a SKU of the product master"


def _partner(config: PartnerConfig) -> Partner:
    return Partner(
        code=config.code,
        name=config.name,
        ship_to={
            location.code: Location(
                code=location.code,
                name=location.name,
                address=Address(
                    lines=tuple(location.address.lines),
                    city=location.address.city,
                    postal_code=location.address.postal_code,
                    region=location.address.region,
                    country=location.address.country,
                )
                if location.address
                else None,
            )
            for location in config.ship_to
        },
        customer_skus=dict(config.customer_skus),
    )


def _product(config: ProductConfig) -> Product:
    return Product(
        sku=config.sku,
        description=config.description,
        uom=config.uom,
        case_pack=config.case_pack,
        gtin=config.gtin,
        pallet=PalletPack(config.pallet.cases_per_layer, config.pallet.layers) if config.pallet else None,
        status=config.status,
        successor=config.successor,
        min_quantity=config.min_quantity,
        max_quantity=config.max_quantity,
    )
