"""/v1/products: the product master in force (statuses, successors, packs, limits).

Needs ``config:read``. The master is nobody's partner data, so confinement to partners does not
narrow it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from lightsoff.api.deps import ConfigReader, LightsoffDep
from lightsoff.api.reference_schemas import ProductList, ProductRead
from lightsoff.api.schemas import ProblemRead
from lightsoff.domain.reference_data import ProductStatus

router = APIRouter(prefix="/v1/products", tags=["configuration"])


@router.get("", summary="The product master, in SKU order, a page at a time")
def list_products(
    lightsoff: LightsoffDep,
    caller: ConfigReader,
    status: Annotated[ProductStatus | None, Query(description="only products with this status")] = None,
    after: Annotated[str | None, Query(max_length=35, description="the next_after of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ProductList:
    products = lightsoff.reference.products(status=status, after=after, limit=limit)
    return ProductList(
        items=[ProductRead.of(product) for product in products],
        next_after=products[-1].sku if len(products) == limit else None,
    )


@router.get(
    "/{sku}",
    summary="A product: status, successor, packs, effective date, limits",
    responses={404: {"model": ProblemRead}},
)
def get_product(
    sku: Annotated[str, Path(max_length=35, description="our SKU")], lightsoff: LightsoffDep, caller: ConfigReader
) -> ProductRead:
    return ProductRead.of(lightsoff.reference.product(sku))
