"""Canonical id formats: how a sequence number becomes ``SO-2026-000123``.

The format is a template with ``{seq}`` (required, with an optional width such as ``{seq:06d}``)
and ``{year}`` (optional). When ``{year}`` is present, numbering starts again each year; either way
an id is never issued twice, because the sequence name carries the year.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date

from lightsoff.domain.errors import ConfigurationError

_FIELDS = frozenset({"seq", "year"})


@dataclass(frozen=True, slots=True)
class IdFormat:
    kind: str
    template: str

    def __post_init__(self) -> None:
        problems = id_format_problems(self.kind, self.template)
        if problems:
            raise ConfigurationError(problems)

    def sequence_name(self, today: date) -> str:
        return f"{self.kind}:{today.year}" if self._has_year else self.kind

    def render(self, seq: int, today: date) -> str:
        return self.template.format(seq=seq, year=today.year)

    @property
    def _has_year(self) -> bool:
        return "year" in _field_names(self.template)


def _field_names(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def id_format_problems(kind: str, template: str) -> list[str]:
    """Every reason ``template`` cannot number ``kind`` ids; empty when it can."""
    try:
        names = _field_names(template)
    except ValueError as exc:
        return [f"{kind} id format {template!r} is not a valid template: {exc}"]
    problems = [
        f"{kind} id format {template!r} uses {{{name}}}; only {{seq}} and {{year}} are known"
        for name in names
        if name not in _FIELDS
    ]
    if "seq" not in names:
        problems.append(f"{kind} id format {template!r} has no {{seq}}, so ids would repeat")
    if not problems:
        try:
            template.format(seq=1, year=2026)
        except (ValueError, KeyError, IndexError) as exc:
            problems.append(f"{kind} id format {template!r} cannot be rendered: {exc}")
    return problems
