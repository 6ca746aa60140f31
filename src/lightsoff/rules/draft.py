"""The working copy the rules read and change: an order's lines, what they resolved to, what was found.

Rules are plain functions over a ``Draft``. A rule that knows a fix calls ``propose``, and the partner's
policy decides what happens to it (apply and record it, ask a person with the fix as the suggestion,
reject the order, or let it pass); a rule that knows no fix calls ``find``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from lightsoff.domain.corrections import Correction
from lightsoff.domain.customer_order import CustomerOrder, OrderLine
from lightsoff.domain.policy import DEFAULT_POLICY, PartnerPolicy, RuleOutcome
from lightsoff.domain.reference_data import Partner, ReferenceData
from lightsoff.rules.catalog import RULES
from lightsoff.rules.findings import Finding, Say


@dataclass(frozen=True, slots=True)
class OrderRef:
    """Another order a history rule compares with."""

    order_id: str
    po_number: str


@dataclass(frozen=True, slots=True)
class RuleContext:
    reference_data: ReferenceData
    today: date
    duplicate_of: OrderRef | None = None
    """The partner's order, under another PO, with the same ship-to and lines within the window."""
    open_order: OrderRef | None = None
    """The partner's open order for the same ship-to and ship date (a repeat order's merge target)."""
    waivers: frozenset[tuple[str, int | None]] = frozenset()
    """(rule, line) pairs a person released: the rule lets them pass."""
    first_pass: bool = True
    """False when the rules run again on an order that exists (repeat orders merge only on arrival)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    order: CustomerOrder
    """The order after every applied correction."""
    resolved_skus: dict[int, str]
    corrections: tuple[Correction, ...] = ()
    reviews: tuple[Finding, ...] = ()
    rejections: tuple[Finding, ...] = ()
    merge_into: OrderRef | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.reviews + self.rejections


@dataclass(slots=True)
class Draft:
    order: CustomerOrder
    partner: Partner | None
    context: RuleContext
    lines: dict[int, OrderLine] = field(default_factory=dict)
    skus: dict[int, str] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    merge_into: OrderRef | None = None
    _index: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, order: CustomerOrder, partner: Partner | None, context: RuleContext) -> Draft:
        draft = cls(order, partner, context)
        for index, line in enumerate(order.lines):
            draft.lines[line.line_no] = line
            draft._index[line.line_no] = index
        return draft

    @property
    def policy(self) -> PartnerPolicy:
        return self.partner.policy if self.partner is not None else DEFAULT_POLICY

    def outcome(self, rule: str) -> RuleOutcome:
        return self.policy.outcome(rule, RULES[rule].default)

    def waived(self, rule: str, line_no: int | None = None) -> bool:
        return (rule, line_no) in self.context.waivers

    def path(self, line_no: int | None, name: str) -> str:
        return f"$.{name}" if line_no is None else f"$.lines[{self._index[line_no]}].{name}"

    def propose(
        self,
        rule: str,
        change: Callable[[], list[Correction]],
        *,
        message: Say,
        actions: tuple[str, ...],
        suggestion: dict[str, Any],
        line_no: int | None = None,
        field_name: str = "$",
        default: RuleOutcome | None = None,
    ) -> bool:
        """A fix the rule knows; the policy decides. True when the fix was applied."""
        outcome = self.policy.outcome(rule, default or RULES[rule].default)
        if outcome is RuleOutcome.ACCEPT or self.waived(rule, line_no):
            return False
        if outcome is RuleOutcome.CORRECT:
            self.corrections.extend(change())
            return True
        self.findings.append(
            Finding(
                rule,
                message.to(outcome),
                actions,
                line_no,
                field_name,
                outcome,
                suggestion if outcome is RuleOutcome.REVIEW else None,
            )
        )
        return False

    def find(
        self, rule: str, message: Say, actions: tuple[str, ...], *, line_no: int | None = None, field_name: str = "$"
    ) -> None:
        """Something the rule cannot fix: reviewed, unless the policy rejects (or accepts) it."""
        outcome = self.outcome(rule)
        if outcome is RuleOutcome.ACCEPT or self.waived(rule, line_no):
            return
        decided = RuleOutcome.REJECT if outcome is RuleOutcome.REJECT else RuleOutcome.REVIEW
        self.findings.append(Finding(rule, message.to(decided), actions, line_no, field_name, decided))

    def set_line(self, rule: str, line_no: int, reason: str, **changes: Any) -> list[Correction]:
        """Change fields of a line, one correction per field that changes."""
        line = self.lines[line_no]
        made = []
        for name, after in changes.items():
            before = getattr(line, name)
            if before != after:
                made.append(
                    Correction(rule, self.path(line_no, name), _text(before), _text(after), reason, line_no=line_no)
                )
        self.lines[line_no] = replace(line, **changes)
        return made

    def set_header(self, rule: str, name: str, after: Any, before: Any, reason: str) -> list[Correction]:
        return [Correction(rule, f"$.{name}", _text(before), _text(after), reason)]

    def result(self) -> Evaluation:
        order = replace(self.order, lines=tuple(self.lines.values()))
        return Evaluation(
            order=order,
            resolved_skus=dict(self.skus),
            corrections=tuple(self.corrections),
            reviews=tuple(f for f in self.findings if f.outcome is RuleOutcome.REVIEW),
            rejections=tuple(f for f in self.findings if f.outcome is RuleOutcome.REJECT),
            merge_into=self.merge_into,
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
