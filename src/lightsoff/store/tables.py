"""The schema, as SQLAlchemy Core tables. Alembic migrations must produce exactly this (a test checks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: lightsoff stores timezone-aware times only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json: Any = JSON().with_variant(JSONB(), "postgresql")
Position: Any = BigInteger().with_variant(Integer(), "sqlite")
"""SQLite only autoincrements an ``INTEGER PRIMARY KEY``."""

messages = Table(
    "messages",
    metadata,
    Column("message_id", String(36), primary_key=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("correlation_id", String(128)),
    Column("idempotency_key", String(255)),
    Column("client_id", String(64)),
    Column("partner", String(35)),
    Column("outcome", String(16), nullable=False),
    Column("order_ids", Json, nullable=False),
    Column("detail", Json, nullable=False),
    Column("processed_at", UtcDateTime),
    Index("ix_messages_received_at", "received_at"),
)

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_id", String(64), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("name", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Column("correlation_id", String(128)),
    Column("causation_id", String(64)),
    Column("partner", String(35)),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    Index("ix_events_name_position", "name", "position"),
    Index("ix_events_partner_position", "partner", "position"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("outbox_id", Position, primary_key=True, autoincrement=True),
    Column("event_position", BigInteger, ForeignKey("events.position"), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("dispatched_at", UtcDateTime),
    Index("ix_outbox_pending", "dispatched_at", "outbox_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(32), primary_key=True),
    Column("partner", String(35), nullable=False),
    Column("po_number", String(35), nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Column("ship_to", String(35)),
    Column("ship_date", String(10)),
    Column("signature", String(32)),
    Index("ix_orders_partner_po_number", "partner", "po_number"),
    Index("ix_orders_status", "status"),
    Index("ix_orders_partner_signature", "partner", "signature", "received_at"),
    Index("ix_orders_partner_ship_to_date", "partner", "ship_to", "ship_date"),
)

cross_references = Table(
    "cross_references",
    metadata,
    Column("system", String(64), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("external_id", String(64), primary_key=True),
    Column("canonical_id", String(32), nullable=False),
    Index("ix_cross_references_canonical_id", "canonical_id"),
)

exception_cases = Table(
    "exception_cases",
    metadata,
    Column("exception_id", String(32), primary_key=True),
    Column("order_id", String(32)),
    Column("status", String(16), nullable=False),
    Column("category", String(64), nullable=False),
    Column("team", String(64), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Column("partner", String(35)),
    Column("escalated", Boolean, nullable=False, server_default=false()),
    Column("subscription_id", String(32)),
    Index("ix_exception_cases_order_id", "order_id"),
    Index("ix_exception_cases_subscription_id", "subscription_id"),
    Index("ix_exception_cases_partner", "partner"),
    Index("ix_exception_cases_status_due_at", "status", "due_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(80), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

sequences = Table(
    "sequences",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("roles", Json, nullable=False),
    Column("partners", Json),
    Column("ip_allowlist", Json, nullable=False),
    Column("rate_per_second", Float),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("client_id", String(64), ForeignKey("clients.client_id"), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Index("ix_api_keys_client_id", "client_id"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    Column("private_key", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("retired_at", UtcDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("source", String(64), nullable=False),
    Column("action", String(200), nullable=False),
    Column("resource", String(200)),
    Column("outcome", String(32), nullable=False),
    Column("correlation_id", String(128)),
    Column("detail", Json, nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("target", String(2048), nullable=False),
    Column("event_types", Json, nullable=False),
    Column("partners", Json),
    Column("secrets", Json, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text),
    Column("max_attempts", Integer, nullable=False),
    Column("max_age_seconds", Integer, nullable=False),
    Column("failing_since", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

PENDING = "status = 'pending'"
READY = "status = 'pending' AND NOT waiting"
"""The partial indexes' conditions: literal, so that the relay's statements (store.sql) match them exactly."""

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", Position, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        String(32),
        ForeignKey("subscriptions.subscription_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_position", BigInteger, ForeignKey("events.position"), nullable=False),
    Column("stream_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("first_attempt_at", UtcDateTime),
    Column("last_attempt_at", UtcDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("claimed_by", String(128)),
    Column("claimed_until", UtcDateTime),
    Column("waiting", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("subscription_id", "event_position", name="uq_deliveries_subscription_event"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index(
        "ix_deliveries_ready",
        "next_attempt_at",
        "delivery_id",
        sqlite_where=text(READY),
        postgresql_where=text(READY),
    ),
    Index(
        "ix_deliveries_pending_stream",
        "stream_id",
        "subscription_id",
        "event_position",
        sqlite_where=text(PENDING),
        postgresql_where=text(PENDING),
    ),
)
"""``waiting``: an earlier delivery of the same stream to the same subscription is pending, so this one cannot be
claimed yet. The relay keeps it (store.delivery_store), so that a claim reads only the deliveries that can go
(``ix_deliveries_ready``) rather than every one queued behind them."""

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("attempt_id", Position, primary_key=True, autoincrement=True),
    Column("delivery_id", BigInteger, ForeignKey("deliveries.delivery_id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer),
    Column("error", String(32)),
    Column("detail", Text, nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("worker", String(128), nullable=False),
    Index("ix_delivery_attempts_delivery_id", "delivery_id"),
)

relay_checkpoints = Table(
    "relay_checkpoints",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


consumer_checkpoints = Table(
    "consumer_checkpoints",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
"""How far each in-process event consumer (e-mail notifications…) has read the event log."""

PROJECTION_TABLES = (orders, cross_references, exception_cases)
"""Read models rebuilt from the event log by ``lightsoff replay``."""

outbound_documents = Table(
    "outbound_documents",
    metadata,
    Column("document_id", String(32), primary_key=True),
    Column("partner", String(35), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("format", String(16), nullable=False),
    Column("control_number", String(14), nullable=False),
    Column("reference", String(64)),
    Column("status", String(16), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime),
    Column("detail", Json, nullable=False),
    Column("acknowledged_at", UtcDateTime),
    Column("unacknowledged_case", String(32)),
    UniqueConstraint("partner", "format", "control_number", name="uq_outbound_documents_partner_control"),
    Index("ix_outbound_documents_reference", "reference"),
    Index("ix_outbound_documents_partner_kind", "partner", "kind", "document_id"),
    Index("ix_outbound_documents_status_created", "status", "created_at"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("shipment_id", String(35), primary_key=True),
    Column("partner", String(35), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("content_hash", String(80), nullable=False),
    Column("body", Json, nullable=False),
    Index("ix_shipments_partner", "partner", "shipment_id"),
)

shipment_orders = Table(
    "shipment_orders",
    metadata,
    Column("shipment_id", String(35), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Index("ix_shipment_orders_order", "order_id"),
)

shipment_pallets = Table(
    "shipment_pallets",
    metadata,
    Column("sscc", String(18), primary_key=True),
    Column("shipment_id", String(35), nullable=False),
)
