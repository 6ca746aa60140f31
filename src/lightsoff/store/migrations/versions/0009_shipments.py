"""Shipments: what left for a partner, its orders and its pallets' SSCCs (each SSCC ships once).

On a database that already has events, the new consumers (order responses, folder delivery) start at
the end of the log: upgrading does not answer every order decided before, all at once.

Revision ID: 0009_shipments
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009_shipments"
down_revision = "0007_inbound"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
CONSUMERS = ("order_responses", "document_delivery")
_FIND = sa.text("SELECT 1 FROM consumer_checkpoints WHERE consumer = :consumer")
_START = sa.text(
    "INSERT INTO consumer_checkpoints (consumer, position, updated_at) VALUES (:consumer, :position, :now)"
)


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
    _start_new_consumers_at_the_end()


def _start_new_consumers_at_the_end() -> None:
    bind = op.get_bind()
    last = bind.execute(sa.text("SELECT MAX(position) FROM events")).scalar()
    if not last:
        return
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # SQLite keeps UTC without an offset (store.tables.UtcDateTime)
    for consumer in CONSUMERS:
        if bind.execute(_FIND, {"consumer": consumer}).first() is None:
            bind.execute(_START, {"consumer": consumer, "position": last, "now": now})


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("DELETE FROM consumer_checkpoints WHERE consumer IN ('order_responses', 'document_delivery')")
    )
    op.drop_table("shipment_pallets")
    op.drop_index("ix_shipment_orders_order", "shipment_orders")
    op.drop_table("shipment_orders")
    op.drop_index("ix_shipments_partner", "shipments")
    op.drop_table("shipments")
