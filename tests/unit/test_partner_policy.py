"""What each rule does for a partner: the catalogue's default, a named policy setting, or an override."""

from __future__ import annotations

import pytest

from lightsoff.domain.exception_cases import OPERATIONAL_CATEGORIES
from lightsoff.domain.policy import Amendments, PartnerPolicy, RepeatOrders, RuleOutcome
from lightsoff.rules.catalog import (
    AMENDMENT,
    CATALOG,
    DISCONTINUED_PRODUCT,
    EXACT_RETRANSMISSION,
    EXCEPTION_CATEGORIES,
    PACK_MULTIPLE,
    REPEAT_ORDER,
    RULES,
)
from lightsoff.rules.effective import effective_rules


def in_force(policy: PartnerPolicy) -> dict[str, tuple[str, str]]:
    return {rule.rule: (rule.outcome.value, rule.source) for rule in effective_rules(policy)}


def test_every_rule_is_listed_in_the_order_it_runs_with_its_default() -> None:
    rules = effective_rules(PartnerPolicy())
    assert [rule.rule for rule in rules] == [info.id for info in CATALOG]
    assert all(rule.outcome is RULES[rule.rule].default for rule in rules)
    assert {rule.source for rule in rules} == {"default", "amendments", "repeat_orders"}


@pytest.mark.parametrize(
    ("policy", "rule", "expected"),
    [
        (PartnerPolicy(outcomes={PACK_MULTIPLE: RuleOutcome.REVIEW}), PACK_MULTIPLE, ("review", "rules")),
        (PartnerPolicy(substitute_successor=True), DISCONTINUED_PRODUCT, ("correct", "substitute_successor")),
        (PartnerPolicy(repeat_orders=RepeatOrders.MERGE), REPEAT_ORDER, ("correct", "repeat_orders")),
        (PartnerPolicy(repeat_orders=RepeatOrders.REVIEW), REPEAT_ORDER, ("review", "repeat_orders")),
        (PartnerPolicy(repeat_orders=RepeatOrders.KEEP_SEPARATE), REPEAT_ORDER, ("accept", "repeat_orders")),
        (PartnerPolicy(amendments=Amendments.REVIEW), AMENDMENT, ("review", "amendments")),
    ],
)
def test_a_policy_setting_or_an_override_decides_the_outcome_in_force(
    policy: PartnerPolicy, rule: str, expected: tuple[str, str]
) -> None:
    assert in_force(policy)[rule] == expected


def test_a_rule_a_profile_may_set_allows_its_own_default() -> None:
    for info in CATALOG:
        assert not info.outcomes or info.default in info.outcomes, info.id


def test_a_rule_a_profile_may_not_set_says_what_sets_it() -> None:
    for info in CATALOG:
        assert info.outcomes or info.set_by, info.id


def test_every_rule_that_raises_cases_is_a_category_routing_can_name() -> None:
    assert set(RULES) - {EXACT_RETRANSMISSION} == EXCEPTION_CATEGORIES - OPERATIONAL_CATEGORIES


def test_the_cases_lightsoff_raises_about_its_own_operation_are_categories_routing_can_name() -> None:
    assert {"subscription_failing", "document_unacknowledged"} == OPERATIONAL_CATEGORIES
    assert OPERATIONAL_CATEGORIES <= EXCEPTION_CATEGORIES
