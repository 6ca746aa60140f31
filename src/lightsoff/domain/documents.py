"""Outbound documents: every byte lightsoff sends a partner (acknowledgements, order responses, ship notices).

Each is kept as sent, under its own canonical id (``DOC-…``), with the partner, its kind, its format,
the interchange control number it carries and what it answers or announces (an order, a shipment, an
inbound message), so the partner's acknowledgement of it can be matched and anyone can read exactly
what went out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DocumentStatus(StrEnum):
    ISSUED = "issued"
    """Written and stored; on its way through the partner's channel."""
    DELIVERED = "delivered"
    """Handed to the partner's channel (written to its folder, accepted by its endpoint)."""
    ACCEPTED = "accepted"
    """The partner's functional acknowledgement accepted it."""
    REJECTED = "rejected"
    """The partner's functional acknowledgement rejected it (or parts of it): see ``detail``."""


KINDS = ("997", "999", "855", "856", "CONTRL", "ORDRSP", "DESADV")
ACKNOWLEDGEMENT_KINDS = frozenset({"997", "999", "CONTRL"})
"""Functional acknowledgements: nobody acknowledges them in turn."""
AWAITING_ACKNOWLEDGEMENT = frozenset({DocumentStatus.ISSUED, DocumentStatus.DELIVERED})
"""Statuses of a document the partner has not acknowledged yet."""
"""What lightsoff writes: X12 functional acks and 855/856; EDIFACT CONTRL, ORDRSP, DESADV."""


@dataclass(frozen=True, slots=True)
class OutboundDocument:
    document_id: str
    partner: str
    kind: str
    format: str
    """``x12`` or ``edifact``."""
    control_number: str
    """The interchange control number it carries (ISA13, UNB 0020), unique per partner and format."""
    created_at: datetime
    body: bytes = field(repr=False)
    content_type: str
    reference: str | None = None
    """What it answers or announces: an order id, a shipment id, an inbound message id."""
    status: DocumentStatus = DocumentStatus.ISSUED
    updated_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    """Delivery and acknowledgement facts, JSON-ready (``delivered_to``, ``acknowledged_by``…)."""
    acknowledged_at: datetime | None = None
    """When the partner's functional acknowledgement of it arrived (accepted or rejected)."""
    unacknowledged_case: str | None = None
    """The exception case raised because no acknowledgement came within the partner's window."""

    @property
    def size_bytes(self) -> int:
        return len(self.body)
