"""An e-mail lightsoff sends, as plain values: who to, what it says, and the id that makes a re-send recognisable.

The notifier composes these (pure), a ``Mailer`` (``lightsoff.connectors.smtp``) hands them to a mail server.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    message_id: str
    """``<event-id@domain>``: the same on every re-send of the mail for one event."""
    in_reply_to: str | None = None
    """The Message-ID of the mail this one follows (an escalation follows the case's first mail)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Extra headers for mail filters, such as ``X-Lightsoff-Exception``."""
