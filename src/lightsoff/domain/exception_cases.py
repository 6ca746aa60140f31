"""Exception cases: what a rule could not decide, as a record people can act on.

A case has its own stream (its canonical id, ``EX-…``), so that acknowledging or resolving it
never races with events of the order it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from lightsoff.domain.events import ExceptionRaised


class CaseStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class ExceptionCase:
    exception_id: str
    order_id: str
    line_no: int | None
    category: str
    severity: Severity
    team: str
    message: str
    actions: tuple[str, ...]
    status: CaseStatus
    due_at: datetime
    raised_at: datetime
    version: int

    @classmethod
    def start(cls, event: ExceptionRaised, occurred_at: datetime) -> ExceptionCase:
        return cls(
            exception_id=event.exception_id,
            order_id=event.order_id,
            line_no=event.line_no,
            category=event.category,
            severity=Severity(event.severity),
            team=event.team,
            message=event.message,
            actions=event.actions,
            status=CaseStatus.OPEN,
            due_at=event.due_at,
            raised_at=occurred_at,
            version=1,
        )

    def is_overdue(self, now: datetime) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED) and now > self.due_at

    def to_data(self) -> dict[str, Any]:
        return {
            "exception_id": self.exception_id,
            "order_id": self.order_id,
            "line_no": self.line_no,
            "category": self.category,
            "severity": self.severity.value,
            "team": self.team,
            "message": self.message,
            "actions": list(self.actions),
            "status": self.status.value,
            "due_at": self.due_at.isoformat(),
            "raised_at": self.raised_at.isoformat(),
            "version": self.version,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionCase:
        return cls(
            exception_id=data["exception_id"],
            order_id=data["order_id"],
            line_no=data["line_no"],
            category=data["category"],
            severity=Severity(data["severity"]),
            team=data["team"],
            message=data["message"],
            actions=tuple(data["actions"]),
            status=CaseStatus(data["status"]),
            due_at=datetime.fromisoformat(data["due_at"]),
            raised_at=datetime.fromisoformat(data["raised_at"]),
            version=data["version"],
        )
