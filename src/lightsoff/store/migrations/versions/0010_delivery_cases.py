"""Exception cases about subscriptions: a case concerns an order or a subscription.

Revision ID: 0010_delivery_cases
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_delivery_cases"
down_revision = "0009_shipments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exception_cases") as cases:
        cases.alter_column("order_id", existing_type=sa.String(32), nullable=True)
        cases.add_column(sa.Column("subscription_id", sa.String(32)))
        cases.create_index("ix_exception_cases_subscription_id", ["subscription_id"])


def downgrade() -> None:
    op.execute("DELETE FROM exception_cases WHERE order_id IS NULL")
    with op.batch_alter_table("exception_cases") as cases:
        cases.drop_index("ix_exception_cases_subscription_id")
        cases.drop_column("subscription_id")
        cases.alter_column("order_id", existing_type=sa.String(32), nullable=False)
