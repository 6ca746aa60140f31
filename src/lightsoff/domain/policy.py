"""A partner's policy: how the edge-condition rules treat that partner's orders.

The defaults are what most manufacturers do; a partner profile overrides what differs for that
customer (one allows substitutes, another wants every rounding confirmed, a third sends repeat orders
that belong together). Each rule also has an outcome a profile may override (``rules:``): accept it
silently, correct it, send it to review, or reject the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class RuleOutcome(StrEnum):
    ACCEPT = "accept"
    """Let the order through as it is; nothing is recorded."""
    CORRECT = "correct"
    """Change the order (where the rule knows how) and record the correction."""
    REVIEW = "review"
    """Hold the order and raise an exception case for the owning team."""
    REJECT = "reject"
    """Refuse the order (422, ``order.rejected``), listing every reason."""


class Rounding(StrEnum):
    UP = "up"
    """To the next full case: never ship less than ordered."""
    NEAREST = "nearest"
    """To the closest full case (halves up), never to zero."""


class RepeatOrders(StrEnum):
    KEEP_SEPARATE = "keep_separate"
    MERGE = "merge"
    """Into the open order for the same ship-to and ship date."""
    REVIEW = "review"


class Amendments(StrEnum):
    APPLY = "apply"
    """A changed PO replaces the order while it is not yet allocated."""
    REVIEW = "review"
    """Every change waits for a person."""


class ShortShipment(StrEnum):
    """What to do with what cannot ship in full; read by the shipment flow."""

    BACKORDER = "backorder"
    CANCEL_REMAINDER = "cancel_remainder"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class PartnerPolicy:
    substitute_successor: bool = False
    """A discontinued item is replaced by its successor without asking."""
    rounding: Rounding = Rounding.UP
    rounding_tolerance: Decimal = Decimal("0.10")
    """The largest change rounding may make without asking, as a share of the ordered quantity."""
    duplicate_window_days: int = 14
    """How far back another PO with the same lines counts as a suspected duplicate."""
    lead_time_days: int = 2
    """The earliest ship date is today plus this many days."""
    repeat_orders: RepeatOrders = RepeatOrders.KEEP_SEPARATE
    amendments: Amendments = Amendments.APPLY
    short_shipment: ShortShipment = ShortShipment.BACKORDER
    date_formats: tuple[str, ...] = ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%d/%m/%Y")
    """Formats a date written otherwise than ISO 8601 is read with, in order."""
    decimal_separator: str = "."
    """How the partner writes decimals in text (``,`` in much of Europe): ``1.200`` is 1200 when it is ``,``."""
    outcomes: Mapping[str, RuleOutcome] = field(default_factory=dict)
    """Rule id → outcome, for the rules whose default this partner overrides."""

    def outcome(self, rule: str, default: RuleOutcome) -> RuleOutcome:
        return self.outcomes.get(rule, default)


DEFAULT_POLICY = PartnerPolicy()
