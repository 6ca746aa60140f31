"""Inbound messages: the raw bytes a partner or orchestrator sent, archived before anything else.

The archive is the proof of what arrived and the input of every re-run; what a message became (an
order, a duplicate, a rejection) is recorded on it once it has been handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class MessageOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    HELD = "held"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    message_id: str
    received_at: datetime
    channel: str
    content_type: str
    body: bytes
    sha256: str
    correlation_id: str | None = None
    idempotency_key: str | None = None
    client_id: str | None = None
    partner: str | None = None
    outcome: MessageOutcome = MessageOutcome.PENDING
    order_ids: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    processed_at: datetime | None = None
