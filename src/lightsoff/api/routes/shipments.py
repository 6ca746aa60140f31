"""/v1/shipments: confirm a shipment (its orders, pallets and items), read shipments.

Confirming needs ``orders:write`` (whoever may place a partner's orders may report them shipped: the
ERP or warehouse behind the orchestrator); reading needs ``orders:read``. A client confined to
partners ships and sees only theirs: another partner's shipment answers 404.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, WrapValidator
from starlette.concurrency import run_in_threadpool

from lightsoff.api.deps import CorrelationIdDep, LightsoffDep, OrdersReader, OrdersWriter
from lightsoff.api.schemas import JSON_INTEGER, AddressRead, InvalidRequestRead, ProblemRead, Quantity, Timestamp
from lightsoff.domain import gs1
from lightsoff.domain.customer_order import Address
from lightsoff.domain.documents import OutboundDocument
from lightsoff.domain.documents_out import Party, ShippedItem, ShippedOrder, ShippedPallet
from lightsoff.domain.shipments import ProposedItem, ProposedOrder, ProposedPallet, ProposedShipment, Shipment
from lightsoff.formats.canonical_json import AddressIn, number_only
from lightsoff.formats.canonical_json import Quantity as QuantityIn
from lightsoff.services.shipments import ConfirmedShipment

router = APIRouter(prefix="/v1/shipments", tags=["shipments"])

EDI_TEXT = "^[ -)+-=?-\\]_-}\u00a0-\u00ff]*$"
"""Printable Latin-1 without X12's delimiters (* > ^ ~): what both X12 and EDIFACT UNOC carry as is."""
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
SHIPMENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]+$"
"""Two or more characters (X12 BSN02 is 2 to 30), none of which would end a URL path segment."""
ShipmentId = Annotated[
    str, Path(max_length=30, description="the shipment's id, as the warehouse or ERP gave it when confirming")
]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ProblemRead}}


def _gln(value: str | None) -> str | None:
    problem = gs1.gln_problem(value) if value is not None else None
    if problem is not None:
        raise ValueError(f"GLN {value} is not valid: {problem}")
    return value


Weight = Annotated[
    Decimal,
    Field(gt=0, le=100_000, decimal_places=3),
    WrapValidator(number_only),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100_000}),
]
"""Kilograms, a JSON number (a string is refused, as for quantities)."""
Text = Annotated[str, Field(min_length=1, max_length=35, pattern=EDI_TEXT)]
Gln = Annotated[str, Field(pattern=r"^\d{13}$"), AfterValidator(_gln)]


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(description="the place's or company's name")
    gln: Gln | None = Field(default=None, description="its GS1 GLN (13 digits, check digit valid)")
    code: Annotated[str, Field(min_length=1, max_length=35, pattern=IDENTIFIER)] | None = Field(
        default=None, description="the partner's code for the place"
    )
    address: AddressIn | None = None

    def to_domain(self) -> Party:
        address = self.address
        return Party(
            self.name,
            self.gln,
            self.code,
            Address(tuple(address.lines), address.city, address.postal_code, address.region, address.country)
            if address
            else None,
        )


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: Annotated[int, Field(gt=0, le=999_999), JSON_INTEGER] = Field(description="the order line shipped")
    quantity: QuantityIn = Field(gt=0, le=1_000_000_000, decimal_places=6, description="in the line's unit")
    lot: Annotated[str, Field(min_length=1, max_length=20, pattern=IDENTIFIER)] | None = Field(
        default=None, description="the batch or lot number"
    )


class PalletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sscc: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None, description="18 digits with a valid GS1 check digit; leave out and lightsoff mints one"
    )
    gross_weight_kg: Weight | None = None
    items: list[ItemIn] = Field(min_length=1, max_length=500, description="what is on the pallet")


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(description="lightsoff's order id")
    pallets: list[PalletIn] = Field(min_length=1, max_length=500)


class ShipmentCreate(BaseModel):
    """A shipment leaving for one partner: its orders, each order's pallets, what is on each pallet."""

    model_config = ConfigDict(extra="forbid")

    shipment_id: Annotated[str, Field(min_length=2, max_length=30, pattern=SHIPMENT_ID)] = Field(
        description="the warehouse's or ERP's id for the shipment (X12 BSN02, EDIFACT BGM)"
    )
    partner: Annotated[str, Field(min_length=1, max_length=35)]
    shipped_at: Timestamp = Field(description="when it left, RFC 3339 with offset")
    ship_from: PartyIn
    ship_to: PartyIn | None = Field(default=None, description="default: the orders' ship-to location")
    estimated_delivery: date | None = None
    carrier_scac: Annotated[str, Field(pattern=r"^[A-Z]{2,4}$")] | None = Field(
        default=None, description="the carrier's SCAC"
    )
    bill_of_lading: Annotated[str, Field(min_length=1, max_length=30, pattern=IDENTIFIER)] | None = None
    orders: list[OrderIn] = Field(min_length=1, max_length=100)

    def to_domain(self) -> ProposedShipment:
        return ProposedShipment(
            shipment_id=self.shipment_id,
            partner=self.partner,
            shipped_at=self.shipped_at,
            ship_from=self.ship_from.to_domain(),
            ship_to=self.ship_to.to_domain() if self.ship_to else None,
            estimated_delivery=self.estimated_delivery,
            carrier_scac=self.carrier_scac,
            bill_of_lading=self.bill_of_lading,
            orders=tuple(
                ProposedOrder(
                    order.order_id,
                    tuple(
                        ProposedPallet(
                            tuple(ProposedItem(i.line_no, i.quantity, i.lot) for i in pallet.items),
                            pallet.sscc,
                            pallet.gross_weight_kg,
                        )
                        for pallet in order.pallets
                    ),
                )
                for order in self.orders
            ),
        )


class PartyRead(BaseModel):
    name: str
    gln: str | None
    code: str | None
    address: AddressRead | None

    @classmethod
    def of(cls, party: Party) -> PartyRead:
        return cls(name=party.name, gln=party.gln, code=party.code, address=AddressRead.of(party.address))


class ItemRead(BaseModel):
    line_no: int
    quantity: Quantity
    uom: str
    sku: str | None
    customer_sku: str | None
    gtin: str | None
    lot: str | None

    @classmethod
    def of(cls, item: ShippedItem) -> ItemRead:
        return cls(
            line_no=item.line_no,
            quantity=item.quantity,
            uom=item.uom,
            sku=item.sku,
            customer_sku=item.customer_sku,
            gtin=item.gtin,
            lot=item.lot,
        )


class PalletRead(BaseModel):
    sscc: str = Field(description="given, or minted by lightsoff")
    gross_weight_kg: Quantity | None
    items: list[ItemRead]

    @classmethod
    def of(cls, pallet: ShippedPallet) -> PalletRead:
        return cls(
            sscc=pallet.sscc, gross_weight_kg=pallet.gross_weight_kg, items=[ItemRead.of(i) for i in pallet.items]
        )


class ShippedOrderRead(BaseModel):
    order_id: str
    po_number: str
    po_date: date
    pallets: list[PalletRead]

    @classmethod
    def of(cls, order: ShippedOrder) -> ShippedOrderRead:
        return cls(
            order_id=order.order_id,
            po_number=order.po_number,
            po_date=order.po_date,
            pallets=[PalletRead.of(p) for p in order.pallets],
        )


class NoticeRead(BaseModel):
    document_id: str = Field(description="GET /v1/documents/{id}/raw has the bytes as sent")
    kind: str = Field(description="856 or DESADV")
    control_number: str


class ShipmentRead(BaseModel):
    shipment_id: str
    partner: str
    shipped_at: datetime
    ship_from: PartyRead
    ship_to: PartyRead
    estimated_delivery: date | None
    carrier_scac: str | None
    bill_of_lading: str | None
    orders: list[ShippedOrderRead]
    created_at: datetime
    notices: list[NoticeRead] = Field(description="the ship notices issued for it; empty if the partner wants none")

    @classmethod
    def of(cls, shipment: Shipment, notices: tuple[OutboundDocument, ...] = ()) -> ShipmentRead:
        notice = shipment.notice
        return cls(
            shipment_id=shipment.shipment_id,
            partner=shipment.partner,
            shipped_at=notice.shipped_at,
            ship_from=PartyRead.of(notice.ship_from),
            ship_to=PartyRead.of(notice.ship_to),
            estimated_delivery=notice.estimated_delivery,
            carrier_scac=notice.carrier_scac,
            bill_of_lading=notice.bill_of_lading,
            orders=[ShippedOrderRead.of(o) for o in notice.orders],
            created_at=shipment.created_at,
            notices=[
                NoticeRead(document_id=d.document_id, kind=d.kind, control_number=d.control_number) for d in notices
            ],
        )


class ShipmentList(BaseModel):
    items: list[ShipmentRead] = Field(description="without their notices (see GET /v1/shipments/{id})")
    next_after: str | None = Field(description="pass as `after` for the next page; null on the last page")


@router.post(
    "",
    status_code=201,
    summary="Confirm a shipment: checked against its orders, recorded, announced with an 856 or DESADV",
    responses={
        200: {"model": ShipmentRead, "description": "The same shipment was confirmed before: as recorded then"},
        201: {"model": ShipmentRead, "description": "Recorded; the ship notice issued if the partner wants one"},
        409: {"model": ProblemRead, "description": "The shipment id was used for a shipment with other content"},
        413: {"model": ProblemRead, "description": "Body too large"},
        422: {
            "model": InvalidRequestRead,
            "description": "Every problem with the shipment (unknown order or line, quantity over ordered, bad SSCC…)",
        },
    },
)
async def confirm_shipment(
    body: ShipmentCreate,
    request: Request,
    response: Response,
    lightsoff: LightsoffDep,
    correlation_id: CorrelationIdDep,
    caller: OrdersWriter,
) -> ShipmentRead:
    confirmed: ConfirmedShipment = await run_in_threadpool(
        lightsoff.shipments.confirm, body.to_domain(), caller.partners, correlation_id
    )
    request.state.audit_resource = confirmed.shipment.shipment_id
    response.status_code = 201 if confirmed.created else 200
    response.headers["Location"] = f"/v1/shipments/{confirmed.shipment.shipment_id}"
    return ShipmentRead.of(confirmed.shipment, confirmed.documents)


@router.get("/{shipment_id}", summary="A shipment, with the ship notices issued for it", responses=_NOT_FOUND)
def get_shipment(shipment_id: ShipmentId, lightsoff: LightsoffDep, caller: OrdersReader) -> ShipmentRead:
    confirmed = lightsoff.shipments.get(shipment_id, caller.partners)
    return ShipmentRead.of(confirmed.shipment, confirmed.documents)


@router.get("", summary="Find shipments, in shipment id order")
def find_shipments(
    lightsoff: LightsoffDep,
    caller: OrdersReader,
    partner: Annotated[str | None, Query(max_length=35)] = None,
    after: Annotated[str | None, Query(max_length=30, description="the next_after of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ShipmentList:
    shipments = lightsoff.shipments.find(partner=partner, partners=caller.partners, after=after, limit=limit)
    return ShipmentList(
        items=[ShipmentRead.of(s) for s in shipments],
        next_after=shipments[-1].shipment_id if len(shipments) == limit else None,
    )
