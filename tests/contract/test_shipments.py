"""The shipment store on every implementation of the unit of work: kept whole, found by order, each SSCC once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lightsoff.domain import gs1
from lightsoff.domain.customer_order import Address
from lightsoff.domain.documents_out import Party, ShipmentNotice, ShippedItem, ShippedOrder, ShippedPallet
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.shipments import Shipment
from lightsoff.services.ports import UnitOfWorkFactory

NOW = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


def shipment(shipment_id: str, *serials: int, partner: str = "ACME", order_id: str = "SO-1") -> Shipment:
    pallets = tuple(
        ShippedPallet(
            gs1.build_sscc(0, "4012345", serial),
            (ShippedItem(1, Decimal("12.5"), "EA", "WID-100", "A-1", "04012345000016", "L1"),),
            Decimal("400.5"),
        )
        for serial in serials
    )
    notice = ShipmentNotice(
        shipment_id=shipment_id,
        shipped_at=NOW,
        ship_from=Party("Werk 1", gln="4012345000009"),
        ship_to=Party("DC North", None, "DC-N", Address(("Hafenstrasse 12",), "Hamburg", "20457", None, "DE")),
        orders=(ShippedOrder(order_id, "PO-1", date(2026, 11, 23), pallets),),
        estimated_delivery=date(2026, 12, 9),
        carrier_scac="DHLX",
        bill_of_lading="BOL-1",
    )
    return Shipment(partner, notice, "sha256:x", NOW)


def test_a_shipment_is_kept_whole_and_found_by_id_order_and_partner(uow_factory: UnitOfWorkFactory) -> None:
    first, second = shipment("SHP-1", 1, 2), shipment("SHP-2", 3, partner="BOLT", order_id="SO-2")
    uow_factory.run(lambda uow: uow.shipments.add(first))
    uow_factory.run(lambda uow: uow.shipments.add(second))
    with uow_factory(write=False) as uow:
        assert uow.shipments.get("SHP-1") == first
        assert uow.shipments.get("SHP-9") is None
        assert uow.shipments.for_order("SO-1") == [first]
        assert uow.shipments.shipped_ssccs([gs1.build_sscc(0, "4012345", n) for n in (1, 3, 4)]) == {
            gs1.build_sscc(0, "4012345", 1): "SHP-1",
            gs1.build_sscc(0, "4012345", 3): "SHP-2",
        }
        assert uow.shipments.find() == [first, second]
        assert uow.shipments.find(partner="BOLT") == [second]
        assert uow.shipments.find(partners={"ACME"}) == [first]
        assert uow.shipments.find(after="SHP-1", limit=5) == [second]
        assert uow.shipments.find(limit=1) == [first]


def test_a_shipment_id_and_an_sscc_are_recorded_once(uow_factory: UnitOfWorkFactory) -> None:
    uow_factory.run(lambda uow: uow.shipments.add(shipment("SHP-1", 1)))
    with pytest.raises(ConcurrencyConflict):
        uow_factory.run(lambda uow: uow.shipments.add(shipment("SHP-1", 2)))
    with pytest.raises(ConcurrencyConflict):
        uow_factory.run(lambda uow: uow.shipments.add(shipment("SHP-2", 1)))
    with uow_factory(write=False) as uow:
        assert [s.shipment_id for s in uow.shipments.find()] == ["SHP-1"]
        assert uow.shipments.shipped_ssccs([gs1.build_sscc(0, "4012345", 2)]) == {}


def test_a_shipment_reads_back_with_its_empty_fields(uow_factory: UnitOfWorkFactory) -> None:
    bare = shipment("SHP-3", 7)
    bare = replace(bare, notice=replace(bare.notice, estimated_delivery=None, carrier_scac=None, bill_of_lading=None))
    uow_factory.run(lambda uow: uow.shipments.add(bare))
    with uow_factory(write=False) as uow:
        assert uow.shipments.get("SHP-3") == bare
