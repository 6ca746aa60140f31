"""Exception cases: what a rule could not decide, as a record people can act on.

A case has its own stream (its canonical id, ``EX-…``), so that acknowledging or resolving it
never races with events of what it concerns. Its history is its events, in order.

What a case concerns, its subject, is an order (a rule could not decide; ``order_id``) or, for the
operations team, a subscription (the relay disabled it; ``subscription_id``, with ``details``
saying where it points, since when it fails and the last error). Exactly one of the two is set.
A case about a document lightsoff sent (``document_unacknowledged``) keeps the document's id where an
order's case keeps the order's, in ``order_id``: its subject says which it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from lightsoff.domain.events import (
    Event,
    ExceptionAcknowledged,
    ExceptionCommented,
    ExceptionDismissed,
    ExceptionEscalated,
    ExceptionRaised,
    ExceptionResolved,
)


class CaseStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


ACTIVE_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED})


class SubjectKind(StrEnum):
    ORDER = "order"
    SUBSCRIPTION = "subscription"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class CaseSubject:
    """What a case concerns: an order, a subscription, or a document lightsoff sent."""

    kind: SubjectKind
    id: str

    def describe(self) -> str:
        return f"{self.kind.value} {self.id}"


SUBSCRIPTION_FAILING = "subscription_failing"
"""The category of a case the relay raises when it disables a subscription (failing too long, or gone)."""
DOCUMENT_UNACKNOWLEDGED = "document_unacknowledged"
"""The category of a case about a document lightsoff sent that the partner has not acknowledged in time."""
OPERATIONAL_CATEGORIES = frozenset({SUBSCRIPTION_FAILING, DOCUMENT_UNACKNOWLEDGED})
"""Categories raised by lightsoff's own operation rather than by a rule on an order."""


def subject_of(order_id: str | None, subscription_id: str | None) -> CaseSubject:
    """The one subject a case names; ValueError when it names none or both."""
    if (order_id is None) == (subscription_id is None):
        raise ValueError("an exception case concerns exactly one order or one subscription")
    if order_id is not None:
        return CaseSubject(SubjectKind.ORDER, order_id)
    assert subscription_id is not None
    return CaseSubject(SubjectKind.SUBSCRIPTION, subscription_id)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    """``string``, ``number`` or ``date`` (ISO 8601)."""
    description: str


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A way out of a case, and what a person must say to take it."""

    name: str
    description: str
    parameters: tuple[Parameter, ...] = ()


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("approve", "Apply the suggested correction (see the case's suggestion)."),
        ActionSpec(
            "substitute_sku",
            "Make the line with another of our SKUs.",
            (Parameter("sku", "string", "our SKU to make and ship instead"),),
        ),
        ActionSpec(
            "set_quantity",
            "Change the line's quantity (in the product's unit).",
            (Parameter("quantity", "number", "the new quantity, a positive number"),),
        ),
        ActionSpec(
            "set_uom",
            "Change the line's unit of measure (the quantity stays).",
            (Parameter("uom", "string", "our unit code, such as EA"),),
        ),
        ActionSpec(
            "set_ship_date",
            "Change the order's requested ship date.",
            (Parameter("ship_date", "date", "the new ship date, YYYY-MM-DD"),),
        ),
        ActionSpec(
            "set_ship_to",
            "Ship to another of the partner's locations.",
            (Parameter("code", "string", "the partner's code of the location"),),
        ),
        ActionSpec("release", "Accept the order or line as it is: the rule will not stop it again."),
        ActionSpec("revalidate", "Run the rules again (after the master data or profile was fixed)."),
        ActionSpec("reject_line", "Do not make or ship this line; the rest of the order goes on."),
        ActionSpec("reject_order", "Cancel the whole order."),
        ActionSpec("merge", "Merge this repeat order into the open order the case names."),
        ActionSpec("keep_separate", "Keep this order apart from the open order the case names."),
        ActionSpec("apply_amendment", "Replace the order with the partner's changed PO."),
        ActionSpec("keep_original", "Refuse the partner's change; the order stays as it was."),
        ActionSpec(
            "re_enable",
            "Enable the subscription again (its receiver is fixed): it catches up on every event it missed, in order.",
        ),
        ActionSpec("dismiss", "Close the case and leave the subscription disabled."),
        ActionSpec(
            "close",
            "Close a case about a document, not an order (one the partner did not acknowledge): the partner "
            "confirmed it otherwise, or it was sent again. Nothing else changes.",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    event: str
    """The event's name: ``exception.acknowledged``…"""
    by: str | None = None
    detail: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "event": self.event, "by": self.by, "detail": self.detail}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> HistoryEntry:
        return cls(datetime.fromisoformat(data["at"]), data["event"], data.get("by"), data.get("detail"))


@dataclass(frozen=True, slots=True)
class Resolution:
    action: str
    parameters: dict[str, Any]
    by: str
    at: datetime

    def to_data(self) -> dict[str, Any]:
        return {"action": self.action, "parameters": self.parameters, "by": self.by, "at": self.at.isoformat()}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Resolution:
        return cls(data["action"], data["parameters"], data["by"], datetime.fromisoformat(data["at"]))


@dataclass(frozen=True, slots=True)
class ExceptionCase:
    exception_id: str
    order_id: str | None
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
    rule: str | None = None
    partner: str | None = None
    po_number: str | None = None
    suggestion: dict[str, Any] | None = None
    content_hash: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    resolution: Resolution | None = None
    escalated_at: datetime | None = None
    acknowledged_by: str | None = None
    updated_at: datetime | None = None
    subscription_id: str | None = None
    details: dict[str, Any] | None = None
    """Facts about the subject a person needs to act (a subscription's ``url``, ``failing_since``, ``last_error``)."""

    @property
    def subject(self) -> CaseSubject:
        if self.category == DOCUMENT_UNACKNOWLEDGED and self.order_id is not None:
            return CaseSubject(SubjectKind.DOCUMENT, self.order_id)
        return subject_of(self.order_id, self.subscription_id)

    def concerns(self, kind: SubjectKind) -> str | None:
        """The id of the subject when it is of this kind, else None (for the API's per-kind fields)."""
        subject = self.subject
        return subject.id if subject.kind is kind else None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

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
            rule=event.rule,
            partner=event.partner,
            po_number=event.po_number,
            suggestion=event.suggestion,
            content_hash=event.content_hash,
            history=(HistoryEntry(occurred_at, event.name, None, event.message),),
            updated_at=occurred_at,
            subscription_id=event.subscription_id,
            details=event.details,
        )

    def apply(self, event: Event, occurred_at: datetime) -> ExceptionCase:
        entry = HistoryEntry(occurred_at, event.name)
        bumped = replace(self, version=self.version + 1, updated_at=occurred_at)
        match event:
            case ExceptionAcknowledged():
                entry = replace(entry, by=event.by)
                return replace(
                    bumped, status=CaseStatus.ACKNOWLEDGED, acknowledged_by=event.by, history=(*self.history, entry)
                )
            case ExceptionCommented():
                return replace(bumped, history=(*self.history, replace(entry, by=event.by, detail=event.text)))
            case ExceptionResolved():
                resolution = Resolution(event.action, dict(event.parameters), event.by, occurred_at)
                entry = replace(entry, by=event.by, detail=_describe(event.action, event.parameters))
                return replace(
                    bumped, status=CaseStatus.RESOLVED, resolution=resolution, history=(*self.history, entry)
                )
            case ExceptionDismissed():
                entry = replace(entry, detail=event.reason)
                return replace(bumped, status=CaseStatus.DISMISSED, history=(*self.history, entry))
            case ExceptionEscalated():
                entry = replace(entry, detail="notified " + ", ".join(event.notified) if event.notified else None)
                return replace(bumped, escalated_at=occurred_at, history=(*self.history, entry))
        raise TypeError(f"{type(event).__name__} does not apply to an exception case")

    def is_overdue(self, now: datetime) -> bool:
        return self.is_active and now > self.due_at

    def to_data(self) -> dict[str, Any]:
        return {
            "exception_id": self.exception_id,
            "order_id": self.order_id,
            "line_no": self.line_no,
            "category": self.category,
            "rule": self.rule,
            "severity": self.severity.value,
            "team": self.team,
            "message": self.message,
            "actions": list(self.actions),
            "suggestion": self.suggestion,
            "status": self.status.value,
            "due_at": self.due_at.isoformat(),
            "raised_at": self.raised_at.isoformat(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "version": self.version,
            "partner": self.partner,
            "po_number": self.po_number,
            "content_hash": self.content_hash,
            "history": [entry.to_data() for entry in self.history],
            "resolution": self.resolution.to_data() if self.resolution else None,
            "escalated_at": self.escalated_at.isoformat() if self.escalated_at else None,
            "acknowledged_by": self.acknowledged_by,
            "subscription_id": self.subscription_id,
            "details": self.details,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ExceptionCase:
        return cls(
            exception_id=data["exception_id"],
            order_id=data.get("order_id"),
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
            rule=data.get("rule"),
            partner=data.get("partner"),
            po_number=data.get("po_number"),
            suggestion=data.get("suggestion"),
            content_hash=data.get("content_hash"),
            history=tuple(HistoryEntry.from_data(item) for item in data.get("history", ())),
            resolution=Resolution.from_data(data["resolution"]) if data.get("resolution") else None,
            escalated_at=datetime.fromisoformat(data["escalated_at"]) if data.get("escalated_at") else None,
            acknowledged_by=data.get("acknowledged_by"),
            updated_at=datetime.fromisoformat(data["updated_at"]) if data.get("updated_at") else None,
            subscription_id=data.get("subscription_id"),
            details=data.get("details"),
        )


def _describe(action: str, parameters: dict[str, Any]) -> str:
    if not parameters:
        return action
    return action + " " + ", ".join(f"{key}={value}" for key, value in sorted(parameters.items()))
