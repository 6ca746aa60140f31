"""What a rule found that it could not settle alone: a review for people, or a reason to reject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lightsoff.domain.policy import RuleOutcome


@dataclass(frozen=True, slots=True)
class Say:
    """What a rule says about a finding, to the two people who may read it.

    The same problem is an exception case for an operator (the options are the case's actions) or, when
    the partner's policy refuses the order, a 422 for the sender, who cannot approve or release
    anything and needs to know what to send instead.
    """

    problem: str
    """What is wrong and why it matters."""
    options: str
    """For the operator: the ways out of the case."""
    fix: str
    """For the sender: what to send instead."""

    def to(self, outcome: RuleOutcome) -> str:
        return f"{self.problem} {self.fix if outcome is RuleOutcome.REJECT else self.options}"


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
