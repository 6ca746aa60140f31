"""Rules and exception cases: order look-ups for duplicates and repeat orders, case partners, consumer checkpoints.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("ship_to", sa.String(35)))
        orders.add_column(sa.Column("ship_date", sa.String(10)))
        orders.add_column(sa.Column("signature", sa.String(32)))
        orders.create_index("ix_orders_partner_signature", ["partner", "signature", "received_at"])
        orders.create_index("ix_orders_partner_ship_to_date", ["partner", "ship_to", "ship_date"])
    with op.batch_alter_table("exception_cases") as cases:
        cases.add_column(sa.Column("partner", sa.String(35)))
        cases.add_column(sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()))
        cases.create_index("ix_exception_cases_partner", ["partner"])
    op.create_table(
        "consumer_checkpoints",
        sa.Column("consumer", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("consumer", name="pk_consumer_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("consumer_checkpoints")
    with op.batch_alter_table("exception_cases") as cases:
        cases.drop_index("ix_exception_cases_partner")
        cases.drop_column("escalated")
        cases.drop_column("partner")
    with op.batch_alter_table("orders") as orders:
        orders.drop_index("ix_orders_partner_ship_to_date")
        orders.drop_index("ix_orders_partner_signature")
        orders.drop_column("signature")
        orders.drop_column("ship_date")
        orders.drop_column("ship_to")
