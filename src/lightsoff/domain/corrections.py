"""A correction: one change lightsoff made to what a partner sent, and why.

Every automatic change is recorded with the field, the value before and after, the rule that made
it and a reason a person understands, so the partner's confirmation, the operator and an auditor all
see the same account of what was ordered and what will be delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Correction:
    rule: str
    """The rule id (``pack_multiple``) or, for a person's decision, ``exception_resolution``."""
    field: str
    """JSONPath into the canonical order: ``$.lines[1].quantity`` is the second line's quantity."""
    before: str | None
    after: str | None
    reason: str
    line_no: int | None = None
    by: str | None = None
    """The exception case whose resolution made the change, when a person decided."""

    def to_data(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "field": self.field,
            "line_no": self.line_no,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "by": self.by,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Correction:
        return cls(
            rule=data["rule"],
            field=data["field"],
            before=data.get("before"),
            after=data.get("after"),
            reason=data["reason"],
            line_no=data.get("line_no"),
            by=data.get("by"),
        )
