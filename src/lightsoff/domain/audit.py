"""The audit trail: who did what, from where, with what outcome; each entry chained to the one before.

An entry's hash covers its own fields and the previous entry's hash, so editing an entry, or removing
one from the middle, breaks every hash after it. Removing entries from the end leaves a valid shorter
chain: keep a recent head hash elsewhere (``lightsoff audit verify`` prints it) to detect that too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
LONGEST = {"actor": 128, "source": 64, "action": 200, "resource": 200, "outcome": 32, "correlation_id": 128}
"""The longest each text field may be (the audit_log columns); longer values are cut, ending in "…".

Most of these come from the caller (a path, a client id sent to /oauth/token): cutting them keeps
every request recordable, where a value too long for its column would lose the entry.
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    """``client:<id>``, ``cli:<os user>``, or ``anonymous``."""
    source: str
    """The caller's IP address, or ``cli``."""
    action: str
    """``POST /v1/orders``, ``clients.add``…"""
    resource: str | None
    outcome: str
    """The HTTP status, or ``ok``/``failed`` for CLI actions."""
    correlation_id: str | None = None
    detail: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        for name, longest in LONGEST.items():
            value = getattr(self, name)
            if value is not None and len(value) > longest:
                object.__setattr__(self, name, value[: longest - 1] + "…")

    def content(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor,
            "source": self.source,
            "action": self.action,
            "resource": self.resource,
            "outcome": self.outcome,
            "correlation_id": self.correlation_id,
            "detail": self.detail or {},
        }


@dataclass(frozen=True, slots=True)
class AuditRecord:
    sequence: int
    entry: AuditEntry
    previous_hash: str
    hash: str


def chain_hash(previous_hash: str, sequence: int, entry: AuditEntry) -> str:
    payload = orjson.dumps(
        {"previous": previous_hash, "sequence": sequence, **entry.content()}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    sequence: int
    reason: str


def verify_chain(
    records: list[AuditRecord], previous_hash: str = GENESIS, expect_sequence: int = 1
) -> list[ChainBreak]:
    """Every place the chain does not hold, from ``expect_sequence`` on (given in sequence order)."""
    breaks = []
    for record in records:
        if record.sequence != expect_sequence:
            breaks.append(ChainBreak(record.sequence, _missing(expect_sequence, record.sequence - 1)))
        if record.previous_hash != previous_hash:
            breaks.append(ChainBreak(record.sequence, "it does not follow the entry before it"))
        if chain_hash(record.previous_hash, record.sequence, record.entry) != record.hash:
            breaks.append(ChainBreak(record.sequence, "its content does not match its hash (edited)"))
        previous_hash, expect_sequence = record.hash, record.sequence + 1
    return breaks


def _missing(first: int, last: int) -> str:
    return f"entry {first} before it is missing" if first == last else f"entries {first}..{last} before it are missing"
