"""What a rule found that it could not settle alone: a review for people, or a reason to reject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lightsoff.domain.policy import RuleOutcome


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    """The rule's id, which is also the exception category it routes by."""
    message: str
    """What is wrong, why it matters and what the options are."""
    actions: tuple[str, ...]
    line_no: int | None = None
    field: str = "$"
    """Where, as a JSONPath into the canonical order."""
    outcome: RuleOutcome = RuleOutcome.REVIEW
    """``review`` (an exception case) or ``reject`` (the order is refused)."""
    suggestion: dict[str, Any] | None = None
    """The action the rule proposes: ``{"action": "set_quantity", "parameters": {"quantity": "48"}}``."""

    @property
    def category(self) -> str:
        return self.rule
