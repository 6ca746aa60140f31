"""What a rule found: a category that routes to a team, a message a person can act on, the ways out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    category: str
    message: str
    actions: tuple[str, ...]
    line_no: int | None = None
