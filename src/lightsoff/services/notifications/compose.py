"""What the e-mails about exception cases say: pure functions of the event, the case and where the API is.

A mail must let the reader act without opening anything else: what is wrong (the rule's message), which
order, line, partner and PO, by when, and what each allowed action does, with a link to the case. Its
Message-ID is derived from the event id, so a mail sent again after a lost acknowledgement is the same
message to every mail client and filter.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lightsoff.domain.events import ExceptionEscalated, ExceptionRaised
from lightsoff.domain.exception_cases import ACTIONS, ExceptionCase
from lightsoff.domain.mail import Mail

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
SUBJECT_PREFIX = "[lightsoff]"
FOOTER = "-- \nlightsoff sends one mail per event; a copy with the same Message-ID is a re-send."


@dataclass(frozen=True, slots=True)
class MailContext:
    public_url: str
    """The API's address as people reach it, without a trailing slash."""
    domain: str
    """The right-hand side of Message-IDs: the domain of the From address."""

    def case_url(self, exception_id: str) -> str:
        return f"{self.public_url}/v1/exceptions/{quote(exception_id, safe='')}"

    def message_id(self, event_id: str) -> str:
        return f"<{event_id}@{self.domain}>"


def raised_mail(event: ExceptionRaised, event_id: str, to: Sequence[str], context: MailContext) -> Mail:
    """The owning team's mail about a new case."""
    link = context.case_url(event.exception_id)
    where = _where(event.order_id, event.line_no, event.subscription_id)
    subject = f"{SUBJECT_PREFIX} {event.exception_id} {event.category} ({event.severity}): {where}"
    if event.partner:
        subject += f" - {event.partner} PO {event.po_number or '?'}"
    lines = [
        f"Exception case {event.exception_id} needs team {event.team} by {_time(event.due_at)}.",
        "",
        *_wrapped(event.message),
        "",
        *_facts(
            ("Case", event.exception_id),
            ("Link", link),
            ("Category", _category(event.category, event.rule)),
            ("Severity", event.severity),
            ("Order", where.removeprefix("order ") if event.order_id else None),
            ("Partner", f"{event.partner}, PO {event.po_number or '?'}" if event.partner else None),
            *_subscription_facts(event.subscription_id, event.details),
            ("Due", _time(event.due_at)),
            ("Suggested", _suggestion(event.suggestion)),
        ),
        "",
        f"Actions: POST {link}/resolve",
        '  with {"action": "<name>", "parameters": {...}}, one of:',
        *_actions(event.actions),
        "",
        FOOTER,
    ]
    return Mail(
        to=tuple(to),
        subject=_header(subject),
        text="\n".join(lines) + "\n",
        message_id=context.message_id(event_id),
        headers=_headers(event.exception_id, event.team, "exception.raised"),
    )


def escalated_mail(
    event: ExceptionEscalated, event_id: str, case: ExceptionCase, raised_event_id: str | None, context: MailContext
) -> Mail:
    """The escalation contacts' mail about a case nobody handled in time; it replies to the case's first mail."""
    link = context.case_url(case.exception_id)
    where = _where(case.order_id, case.line_no, case.subscription_id)
    subject = f"{SUBJECT_PREFIX} Overdue: {case.exception_id} {case.category} ({case.severity.value}): {where}"
    lines = [
        f"Exception case {case.exception_id} of team {event.team} was due {_time(case.due_at)} and is still "
        f"{case.status.value}.",
        "",
        *_wrapped(case.message),
        "",
        *_facts(
            ("Case", case.exception_id),
            ("Link", link),
            ("Category", case.category),
            ("Severity", case.severity.value),
            ("Order", where.removeprefix("order ") if case.order_id else None),
            ("Partner", f"{case.partner}, PO {case.po_number or '?'}" if case.partner else None),
            *_subscription_facts(case.subscription_id, case.details),
            ("Raised", _time(case.raised_at)),
            ("Due", _time(case.due_at)),
            ("Status", case.status.value + (f" (by {case.acknowledged_by})" if case.acknowledged_by else "")),
        ),
        "",
        FOOTER,
    ]
    return Mail(
        to=tuple(event.notified),
        subject=_header(subject),
        text="\n".join(lines) + "\n",
        message_id=context.message_id(event_id),
        in_reply_to=context.message_id(raised_event_id) if raised_event_id else None,
        headers=_headers(case.exception_id, event.team, "exception.escalated"),
    )


def _category(category: str, rule: str | None) -> str:
    return category + (f" (rule {rule})" if rule not in (None, category) else "")


def _wrapped(text: str) -> list[str]:
    """The rule's message in lines a plain-text mail reader shows as they are (72 columns)."""
    return textwrap.wrap(text, width=72, break_long_words=False, break_on_hyphens=False) or [""]


def _where(order_id: str | None, line_no: int | None, subscription_id: str | None = None) -> str:
    if order_id is None:
        return f"subscription {subscription_id}"
    return f"order {order_id}" + (f" line {line_no}" if line_no is not None else "")


def _subscription_facts(subscription_id: str | None, details: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    """A subscription's case: which one, where it points, since when it fails, and the last error."""
    if subscription_id is None:
        return []
    details = details or {}
    since = details.get("failing_since")
    return [
        ("Subscr.", subscription_id),
        ("URL", details.get("url")),
        ("Failing", _time(datetime.fromisoformat(since)) + " (since)" if since else None),
        ("Error", details.get("last_error")),
    ]


def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _facts(*pairs: tuple[str, str | None]) -> list[str]:
    return [f"  {name:<10}{_header(value)}" for name, value in pairs if value]


def _suggestion(suggestion: dict[str, object] | None) -> str | None:
    if not suggestion:
        return None
    parameters = suggestion.get("parameters") or {}
    assert isinstance(parameters, dict)
    given = ", ".join(f"{key}={value}" for key, value in sorted(parameters.items()))
    return f"{suggestion.get('action')}" + (f" with {given}" if given else "") + ' (action "approve")'


def _actions(names: Sequence[str]) -> list[str]:
    lines = []
    for name in names:
        spec = ACTIONS.get(name)
        if spec is None:
            lines.append(f"  {name}")
            continue
        lines.append(f"  {name:<16}{spec.description}")
        lines += [f"  {'':<16}- {p.name} ({p.type}): {p.description}" for p in spec.parameters]
    return lines


def _headers(exception_id: str, team: str, event: str) -> tuple[tuple[str, str], ...]:
    return (
        ("X-Lightsoff-Exception", _header(exception_id)),
        ("X-Lightsoff-Team", _header(team)),
        ("X-Lightsoff-Event", event),
    )


def _header(text: str) -> str:
    """One line: a partner's PO number with a line break in it must not become a header of its own."""
    return _CONTROL.sub(" ", text).strip()
