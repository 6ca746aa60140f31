"""docs/rules.md and the rule catalogue say the same: every rule documented, with its default outcome."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lightsoff.domain.exception_cases import ACTIONS
from lightsoff.rules.catalog import CATALOG, RuleInfo

DOC = (Path(__file__).parents[2] / "docs" / "rules.md").read_text()


def section(rule: str) -> str:
    match = re.search(rf"^## `{rule}`\n(.*?)(?=^## )", DOC, flags=re.M | re.S)
    assert match, f"docs/rules.md has no section '## `{rule}`'"
    return match.group(1)


@pytest.mark.parametrize("rule", CATALOG, ids=[info.id for info in CATALOG])
def test_every_rule_is_documented_with_its_default(rule: RuleInfo) -> None:
    text = section(rule.id)
    assert f"**Default: {rule.default.value}**" in text or f"**{rule.default.value}**" in text


def test_no_section_documents_a_rule_that_does_not_exist() -> None:
    documented = set(re.findall(r"^## `(\w+)`", DOC, flags=re.M))
    assert documented == {info.id for info in CATALOG}


def test_every_resolution_action_is_in_the_table() -> None:
    for name in ACTIONS:
        assert f"`{name}`" in DOC, name
