"""Deliveries: ``waiting`` (held back behind an earlier one of the same stream), and partial indexes for claims.

A claim used to read every pending delivery, and for each walk its stream's history, to find the few that
could go; with thousands queued that cost tens of milliseconds a claim. Now a claim reads
``ix_deliveries_ready`` (pending and not waiting) and checks order on ``ix_deliveries_pending_stream``.
Existing rows start not waiting: always safe, since claims still check order; the relay marks new ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"
READY = "status = 'pending' AND NOT waiting"


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.add_column(sa.Column("waiting", sa.Boolean(), nullable=False, server_default=sa.false()))
        deliveries.drop_index("ix_deliveries_stream_order")
    op.create_index(
        "ix_deliveries_ready",
        "deliveries",
        ["next_attempt_at", "delivery_id"],
        sqlite_where=sa.text(READY),
        postgresql_where=sa.text(READY),
    )
    op.create_index(
        "ix_deliveries_pending_stream",
        "deliveries",
        ["stream_id", "subscription_id", "event_position"],
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_pending_stream", "deliveries")
    op.drop_index("ix_deliveries_ready", "deliveries")
    with op.batch_alter_table("deliveries") as deliveries:
        deliveries.create_index("ix_deliveries_stream_order", ["subscription_id", "stream_id", "event_position"])
        deliveries.drop_column("waiting")
