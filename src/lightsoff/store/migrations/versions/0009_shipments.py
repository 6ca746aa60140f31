"""Shipments: what left for a partner, its orders and its pallets' SSCCs (each SSCC ships once).

Revision ID: 0009_shipments
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009_shipments"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.String(35), nullable=False),
        sa.Column("partner", sa.String(35), nullable=False),
        sa.Column("shipped_at", TIMESTAMP, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", name="pk_shipments"),
    )
    op.create_index("ix_shipments_partner", "shipments", ["partner", "shipment_id"])
    op.create_table(
        "shipment_orders",
        sa.Column("shipment_id", sa.String(35), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", "order_id", name="pk_shipment_orders"),
    )
    op.create_index("ix_shipment_orders_order", "shipment_orders", ["order_id"])
    op.create_table(
        "shipment_pallets",
        sa.Column("sscc", sa.String(18), nullable=False),
        sa.Column("shipment_id", sa.String(35), nullable=False),
        sa.PrimaryKeyConstraint("sscc", name="pk_shipment_pallets"),
    )


def downgrade() -> None:
    op.drop_table("shipment_pallets")
    op.drop_index("ix_shipment_orders_order", "shipment_orders")
    op.drop_table("shipment_orders")
    op.drop_index("ix_shipments_partner", "shipments")
    op.drop_table("shipments")
