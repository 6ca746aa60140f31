"""The edge-condition rules: their ids, what each does by default, and which outcomes a partner may choose.

docs/rules.md documents each with its settings and an example; a test holds the two together. A
partner profile's ``rules:`` may set only the outcomes a rule supports: ``correct`` where the rule
knows a fix, ``accept`` where letting the order pass leaves nothing inconsistent behind. Some rules
are set by a named policy setting instead, so that one thing is never said in two places.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightsoff.domain.exception_cases import OPERATIONAL_CATEGORIES
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


ALL_OUTCOMES = frozenset(RuleOutcome)
PEOPLE_OR_REFUSAL = frozenset({RuleOutcome.REVIEW, RuleOutcome.REJECT})


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    default: RuleOutcome
    summary: str
    outcomes: frozenset[RuleOutcome] = ALL_OUTCOMES
    """What a partner's ``rules:`` may set it to; empty when nothing or a policy setting decides it."""
    set_by: str | None = None
    """What decides the rule when ``rules:`` may not, in a few words for an error message."""


CATALOG: tuple[RuleInfo, ...] = (
    RuleInfo(
        EXACT_RETRANSMISSION,
        RuleOutcome.ACCEPT,
        "The same PO with the same content: answered, not repeated.",
        frozenset(),
        "nothing: a retransmission always gets the order it created",
    ),
    RuleInfo(
        AMENDMENT,
        RuleOutcome.CORRECT,
        "The same PO with changed content: applied while not allocated.",
        frozenset(),
        "the policy setting amendments (apply or review)",
    ),
    RuleInfo(
        MALFORMED_DATA,
        RuleOutcome.CORRECT,
        "Whitespace, case, leading zeros, unit synonyms, dates, commas.",
        frozenset({RuleOutcome.CORRECT, RuleOutcome.REVIEW, RuleOutcome.REJECT}),
    ),
    RuleInfo(
        UNKNOWN_PARTNER,
        RuleOutcome.REVIEW,
        "A partner code with no profile.",
        frozenset(),
        "routing.yaml: an unknown partner has no profile to set it",
    ),
    RuleInfo(
        UNKNOWN_SHIP_TO,
        RuleOutcome.REVIEW,
        "A ship-to code that is not one of the partner's locations.",
        PEOPLE_OR_REFUSAL,
    ),
    RuleInfo(
        UNKNOWN_PRODUCT, RuleOutcome.REVIEW, "An item no SKU, code list entry or GTIN resolves.", PEOPLE_OR_REFUSAL
    ),
    RuleInfo(
        DISCONTINUED_PRODUCT,
        RuleOutcome.REVIEW,
        "A discontinued or retired product; the successor if allowed.",
        PEOPLE_OR_REFUSAL,
        "the policy setting substitute_successor (true to substitute)",
    ),
    RuleInfo(
        UNIT_OF_MEASURE,
        RuleOutcome.CORRECT,
        "Cases or pallets ordered for a product sold in eaches.",
        frozenset({RuleOutcome.CORRECT, RuleOutcome.REVIEW, RuleOutcome.REJECT}),
    ),
    RuleInfo(PACK_MULTIPLE, RuleOutcome.CORRECT, "A quantity that is not a multiple of the case pack."),
    RuleInfo(QUANTITY_LIMITS, RuleOutcome.REVIEW, "Below the product's minimum or above its maximum quantity."),
    RuleInfo(SHIP_DATE, RuleOutcome.REVIEW, "A requested ship date in the past or inside the lead time."),
    RuleInfo(
        SUSPECTED_DUPLICATE,
        RuleOutcome.REVIEW,
        "Another PO with the same lines within the duplicate window.",
        frozenset({RuleOutcome.ACCEPT, RuleOutcome.REVIEW, RuleOutcome.REJECT}),
    ),
    RuleInfo(
        REPEAT_ORDER,
        RuleOutcome.ACCEPT,
        "A further PO for the same ship-to and date as an open order.",
        frozenset(),
        "the policy setting repeat_orders (keep_separate, merge or review)",
    ),
)
RULES = {info.id: info for info in CATALOG}

EXCEPTION_CATEGORIES = (frozenset(RULES) - {EXACT_RETRANSMISSION}) | OPERATIONAL_CATEGORIES
"""Every category an exception case can have: a finding's category is its rule's id (a retransmission
never raises one). A case raised by anything other than a rule adds its category here, so that
routing.yaml may route it: ``subscription_failing``, the relay's case about a disabled subscription, and
``document_unacknowledged``, a document the partner did not acknowledge in time."""
