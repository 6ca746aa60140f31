"""Cross-references: every other system's id for a thing lightsoff has one canonical id for.

Customer ids are metadata, never keys: a partner's PO number points at an order id, not the other
way round, and the same PO number from two partners is two different references.
"""

from __future__ import annotations

from dataclasses import dataclass

PURCHASE_ORDER = "purchase_order"


@dataclass(frozen=True, slots=True)
class CrossReference:
    system: str
    """Whose id it is: a partner code, or a connected system such as ``tryton``."""
    kind: str
    external_id: str
    canonical_id: str
