"""The edge-condition rules: their ids, what each does by default, and the order they run in.

docs/rules.md documents each with its settings and an example; a test holds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightsoff.domain.policy import RuleOutcome

EXACT_RETRANSMISSION = "exact_retransmission"
AMENDMENT = "amendment"
MALFORMED_DATA = "malformed_data"
UNKNOWN_PARTNER = "unknown_partner"
UNKNOWN_SHIP_TO = "unknown_ship_to"
UNKNOWN_PRODUCT = "unknown_product"
DISCONTINUED_PRODUCT = "discontinued_product"
UNIT_OF_MEASURE = "unit_of_measure"
PACK_MULTIPLE = "pack_multiple"
QUANTITY_LIMITS = "quantity_limits"
SHIP_DATE = "ship_date"
SUSPECTED_DUPLICATE = "suspected_duplicate"
REPEAT_ORDER = "repeat_order"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    default: RuleOutcome
    summary: str


CATALOG: tuple[RuleInfo, ...] = (
    RuleInfo(EXACT_RETRANSMISSION, RuleOutcome.ACCEPT, "The same PO with the same content: answered, not repeated."),
    RuleInfo(AMENDMENT, RuleOutcome.CORRECT, "The same PO with changed content: applied while not allocated."),
    RuleInfo(MALFORMED_DATA, RuleOutcome.CORRECT, "Whitespace, case, leading zeros, unit synonyms, dates, commas."),
    RuleInfo(UNKNOWN_PARTNER, RuleOutcome.REVIEW, "A partner code with no profile."),
    RuleInfo(UNKNOWN_SHIP_TO, RuleOutcome.REVIEW, "A ship-to code that is not one of the partner's locations."),
    RuleInfo(UNKNOWN_PRODUCT, RuleOutcome.REVIEW, "An item no SKU, code list entry or GTIN resolves."),
    RuleInfo(DISCONTINUED_PRODUCT, RuleOutcome.REVIEW, "A discontinued or retired product; the successor if allowed."),
    RuleInfo(UNIT_OF_MEASURE, RuleOutcome.CORRECT, "Cases or pallets ordered for a product sold in eaches."),
    RuleInfo(PACK_MULTIPLE, RuleOutcome.CORRECT, "A quantity that is not a multiple of the case pack."),
    RuleInfo(QUANTITY_LIMITS, RuleOutcome.REVIEW, "Below the product's minimum or above its maximum quantity."),
    RuleInfo(SHIP_DATE, RuleOutcome.REVIEW, "A requested ship date in the past or inside the lead time."),
    RuleInfo(SUSPECTED_DUPLICATE, RuleOutcome.REVIEW, "Another PO with the same lines within the duplicate window."),
    RuleInfo(REPEAT_ORDER, RuleOutcome.ACCEPT, "A further PO for the same ship-to and date as an open order."),
)
RULES = {info.id: info for info in CATALOG}
