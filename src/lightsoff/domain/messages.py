"""Inbound messages: the raw bytes a partner or orchestrator sent, archived with what they became.

The archive is the proof of what arrived and the input of every re-run. A message is archived with
its outcome (an order, a duplicate, a rejection) in the transaction that decided it, or as ``failed``
with the reason when deciding went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class MessageOutcome(StrEnum):
    PENDING = "pending"
    FAILED = "failed"
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
