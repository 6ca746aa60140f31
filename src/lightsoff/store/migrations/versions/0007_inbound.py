"""Inbound documents: when a partner acknowledged what lightsoff sent, and finding what is still unacknowledged.

Revision ID: 0007_inbound
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_inbound"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbound_documents") as batch:
        batch.add_column(sa.Column("acknowledged_at", TIMESTAMP))
        batch.add_column(sa.Column("unacknowledged_case", sa.String(32)))
    op.create_index("ix_outbound_documents_status_created", "outbound_documents", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_documents_status_created", "outbound_documents")
    with op.batch_alter_table("outbound_documents") as batch:
        batch.drop_column("unacknowledged_case")
        batch.drop_column("acknowledged_at")
