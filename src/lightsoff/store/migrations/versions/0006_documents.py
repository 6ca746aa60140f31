"""Outbound documents: every document lightsoff writes for a partner, as sent.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "outbound_documents",
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("partner", sa.String(35), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("control_number", sa.String(14), nullable=False),
        sa.Column("reference", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP),
        sa.Column("detail", JSON, nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="pk_outbound_documents"),
        sa.UniqueConstraint("partner", "format", "control_number", name="uq_outbound_documents_partner_control"),
    )
    op.create_index("ix_outbound_documents_reference", "outbound_documents", ["reference"])
    op.create_index("ix_outbound_documents_partner_kind", "outbound_documents", ["partner", "kind", "document_id"])


def downgrade() -> None:
    op.drop_index("ix_outbound_documents_partner_kind", "outbound_documents")
    op.drop_index("ix_outbound_documents_reference", "outbound_documents")
    op.drop_table("outbound_documents")
