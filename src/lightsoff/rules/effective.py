"""What each rule does for one partner: its default, or what the partner's policy makes of it.

The rules read their outcome from several places (an override in ``rules:``, a named policy setting
such as ``repeat_orders``, the catalogue's default); this says, per rule, which one wins, so that
the API can show what is in force without anyone re-reading the rules' code.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightsoff.domain.policy import Amendments, PartnerPolicy, RepeatOrders, RuleOutcome
from lightsoff.rules.catalog import AMENDMENT, CATALOG, DISCONTINUED_PRODUCT, REPEAT_ORDER, RuleInfo

DEFAULT = "default"
OVERRIDE = "rules"

_REPEAT_OUTCOMES = {
    RepeatOrders.KEEP_SEPARATE: RuleOutcome.ACCEPT,
    RepeatOrders.MERGE: RuleOutcome.CORRECT,
    RepeatOrders.REVIEW: RuleOutcome.REVIEW,
}


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    rule: str
    outcome: RuleOutcome
    source: str
    """``default`` (the catalogue's), ``rules`` (the partner's override) or the policy setting that decides."""
    summary: str


def effective_rules(policy: PartnerPolicy) -> list[EffectiveRule]:
    """Every rule of the catalogue, in the order it runs, with the outcome it has under ``policy``."""
    return [_effective(info, policy) for info in CATALOG]


def _effective(info: RuleInfo, policy: PartnerPolicy) -> EffectiveRule:
    override = policy.outcomes.get(info.id)
    if override is not None:
        return EffectiveRule(info.id, override, OVERRIDE, info.summary)
    if info.id == AMENDMENT:
        applied = policy.amendments is Amendments.APPLY
        return EffectiveRule(
            info.id, RuleOutcome.CORRECT if applied else RuleOutcome.REVIEW, "amendments", info.summary
        )
    if info.id == REPEAT_ORDER:
        return EffectiveRule(info.id, _REPEAT_OUTCOMES[policy.repeat_orders], "repeat_orders", info.summary)
    if info.id == DISCONTINUED_PRODUCT and policy.substitute_successor:
        return EffectiveRule(info.id, RuleOutcome.CORRECT, "substitute_successor", info.summary)
    return EffectiveRule(info.id, info.default, DEFAULT, info.summary)
