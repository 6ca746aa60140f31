"""Shipments in SQL: the shipment as confirmed, which orders it carries, and each pallet's SSCC (shipped once)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.shipments import Shipment
from lightsoff.store import tables as t

_S, _O, _P = t.shipments, t.shipment_orders, t.shipment_pallets


class SqlShipments:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, shipment: Shipment) -> None:
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(_S).values(**_row(shipment)))
                self._connection.execute(
                    insert(_O), [{"shipment_id": shipment.shipment_id, "order_id": o} for o in shipment.order_ids]
                )
                self._connection.execute(
                    insert(_P), [{"shipment_id": shipment.shipment_id, "sscc": s} for s in shipment.ssccs]
                )
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                f"shipment {shipment.shipment_id} or one of its SSCCs was recorded meanwhile"
            ) from exc

    def get(self, shipment_id: str) -> Shipment | None:
        row = self._connection.execute(select(_S.c.body).where(_S.c.shipment_id == shipment_id)).one_or_none()
        return Shipment.from_data(row.body) if row is not None else None

    def for_order(self, order_id: str) -> list[Shipment]:
        query = (
            select(_S.c.body)
            .join(_O, _O.c.shipment_id == _S.c.shipment_id)
            .where(_O.c.order_id == order_id)
            .order_by(_S.c.shipment_id)
        )
        return [Shipment.from_data(row.body) for row in self._connection.execute(query)]

    def shipped_ssccs(self, ssccs: Collection[str]) -> dict[str, str]:
        if not ssccs:
            return {}
        query = select(_P.c.sscc, _P.c.shipment_id).where(_P.c.sscc.in_(sorted(ssccs)))
        return {row.sscc: row.shipment_id for row in self._connection.execute(query)}

    def find(
        self,
        *,
        partner: str | None = None,
        partners: Collection[str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Shipment]:
        query = select(_S.c.body)
        if partner is not None:
            query = query.where(_S.c.partner == partner)
        if partners is not None:
            query = query.where(_S.c.partner.in_(sorted(partners)))
        if after is not None:
            query = query.where(_S.c.shipment_id > after)
        query = query.order_by(_S.c.shipment_id).limit(limit)
        return [Shipment.from_data(row.body) for row in self._connection.execute(query)]


def _row(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipment_id": shipment.shipment_id,
        "partner": shipment.partner,
        "shipped_at": shipment.notice.shipped_at,
        "created_at": shipment.created_at,
        "content_hash": shipment.content_hash,
        "body": shipment.to_data(),
    }
