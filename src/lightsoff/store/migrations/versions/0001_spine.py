"""The spine: messages, events, outbox, orders, cross-references, exception cases, idempotency, sequences.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("correlation_id", sa.String(128)),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("client_id", sa.String(64)),
        sa.Column("partner", sa.String(35)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("order_ids", JSON, nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("processed_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("message_id", name="pk_messages"),
    )
    op.create_index("ix_messages_received_at", "messages", ["received_at"])

    op.create_table(
        "events",
        sa.Column("position", POSITION, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("stream_id", sa.String(64), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("correlation_id", sa.String(128)),
        sa.Column("causation_id", sa.String(64)),
        sa.PrimaryKeyConstraint("position", name="pk_events"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    )
    op.create_index("ix_events_name_position", "events", ["name", "position"])

    op.create_table(
        "outbox",
        sa.Column("outbox_id", POSITION, autoincrement=True, nullable=False),
        sa.Column("event_position", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("dispatched_at", TIMESTAMP),
        sa.ForeignKeyConstraint(["event_position"], ["events.position"], name="fk_outbox_event_position_events"),
        sa.PrimaryKeyConstraint("outbox_id", name="pk_outbox"),
        sa.UniqueConstraint("event_position", name="uq_outbox_event_position"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["dispatched_at", "outbox_id"])

    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("partner", sa.String(35), nullable=False),
        sa.Column("po_number", sa.String(35), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_orders"),
    )
    op.create_index("ix_orders_partner_po_number", "orders", ["partner", "po_number"])
    op.create_index("ix_orders_status", "orders", ["status"])

    op.create_table(
        "cross_references",
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("canonical_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("system", "kind", "external_id", name="pk_cross_references"),
    )
    op.create_index("ix_cross_references_canonical_id", "cross_references", ["canonical_id"])

    op.create_table(
        "exception_cases",
        sa.Column("exception_id", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("exception_id", name="pk_exception_cases"),
    )
    op.create_index("ix_exception_cases_order_id", "exception_cases", ["order_id"])
    op.create_index("ix_exception_cases_status_due_at", "exception_cases", ["status", "due_at"])

    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(80), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )

    op.create_table(
        "sequences",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sequences"),
    )


def downgrade() -> None:
    for table in (
        "sequences",
        "idempotency_keys",
        "exception_cases",
        "cross_references",
        "orders",
        "outbox",
        "events",
        "messages",
    ):
        op.drop_table(table)
