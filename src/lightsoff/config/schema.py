"""The shape of each configuration file, as pydantic models (validated, with every error located)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lightsoff.domain import gs1
from lightsoff.domain.exception_cases import Severity
from lightsoff.domain.reference_data import ProductStatus

Code = Annotated[str, Field(min_length=1, max_length=35, pattern=r"^\S(.*\S)?$")]


def _gtin(value: str) -> str:
    problem = gs1.gtin_problem(value)
    if problem:
        raise ValueError(f"GTIN {value}: {problem}")
    return gs1.normalize_gtin(value)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddressConfig(Strict):
    lines: list[str] = Field(default_factory=list)
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$")


class LocationConfig(Strict):
    code: Code
    name: str
    address: AddressConfig | None = None


class PartnerConfig(Strict):
    """One partner profile: ``partners/<CODE>.yaml``."""

    code: Code
    name: str = Field(min_length=1)
    ship_to: list[LocationConfig] = Field(default_factory=list)
    customer_skus: dict[str, str] = Field(default_factory=dict, description="the partner's item code → our SKU")


class PalletConfig(Strict):
    cases_per_layer: int = Field(gt=0)
    layers: int = Field(gt=0)


class ProductConfig(Strict):
    sku: Code
    description: str = Field(min_length=1)
    uom: str = Field(min_length=1, max_length=10)
    case_pack: int = Field(gt=0)
    gtin: Annotated[str, AfterValidator(_gtin)] | None = None
    pallet: PalletConfig | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    successor: str | None = None
    min_quantity: Decimal | None = Field(default=None, gt=0)
    max_quantity: Decimal | None = Field(default=None, gt=0)


class ProductsConfig(Strict):
    """The product master: ``products.yaml``."""

    products: list[ProductConfig]


class RouteConfig(Strict):
    team: Code
    severity: Severity = Severity.MEDIUM
    handle_within: timedelta = Field(description="ISO 8601 duration, such as PT4H")


class RoutingConfig(Strict):
    """Who owns which exception category: ``routing.yaml``."""

    routes: dict[str, RouteConfig]
