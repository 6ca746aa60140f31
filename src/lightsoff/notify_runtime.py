"""Assembling notifications from settings, and running them on a timer inside ``serve`` and ``worker``.

Sending mail is blocking I/O (``smtplib``), so the notifier and the escalator run in a thread of their
own, beside the API's loop and the relay's. The thread only keeps time: what to send, and when to try
a failed mail again, the services decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

import structlog

from lightsoff.background import BackgroundThread
from lightsoff.connectors.smtp import Security, SmtpMailer, SmtpSettings
from lightsoff.domain.errors import LightsoffError
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.acknowledgements import AcknowledgementWatch
from lightsoff.services.notifications.compose import MailContext
from lightsoff.services.notifications.escalation import Escalator
from lightsoff.services.notifications.notifier import Notifier, NotifierSettings
from lightsoff.services.ports import Clock, UnitOfWorkFactory
from lightsoff.settings import Settings
from lightsoff.store.checkpoints import SqlCheckpoints
from lightsoff.store.engine import Database

_log = structlog.get_logger("lightsoff.notify")


@dataclass(frozen=True, slots=True)
class Notifications:
    escalator: Escalator
    notifier: Notifier | None
    """``None`` when no mail server is set (``LIGHTSOFF_SMTP_HOST``): cases are still escalated, not mailed."""
    notify_every: float = 5.0
    escalate_every: float = 60.0
    acknowledgements: AcknowledgementWatch | None = None
    """Raises cases for documents partners did not acknowledge in time; run on the escalator's thread."""
    check_every: float = 300.0


def smtp_settings(settings: Settings) -> SmtpSettings:
    assert settings.smtp_host is not None, "no mail server is set"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.effective_smtp_port,
        security=Security(settings.smtp_security),
        username=settings.smtp_username,
        password=password,
        timeout=settings.smtp_timeout_seconds,
        ca_file=settings.smtp_ca_file,
    )


def build_notifications(
    settings: Settings,
    database: Database,
    uow: UnitOfWorkFactory,
    reference_data: ReferenceData,
    clock: Clock,
    new_id: Callable[[], str],
) -> Notifications:
    escalator = Escalator(uow, reference_data, clock, new_id)
    every = settings.notify_poll_seconds, settings.escalation_poll_seconds
    if settings.smtp_host is None:
        return Notifications(escalator, None, *every)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2]
    notifier = Notifier(
        uow,
        SqlCheckpoints(database),
        SmtpMailer(smtp_settings(settings), settings.smtp_from, clock),
        reference_data,
        clock,
        NotifierSettings(
            MailContext(settings.effective_public_url, domain),
            send_timeout=timedelta(seconds=settings.smtp_timeout_seconds),
        ),
    )
    return Notifications(escalator, notifier, *every)


class NotificationThread(BackgroundThread):
    """Raises cases for unacknowledged documents, escalates overdue cases and mails new ones, each on its
    interval, until stopped."""

    def __init__(self, notifications: Notifications) -> None:
        super().__init__("lightsoff-notify")
        self._notifications = notifications

    def _main(self) -> None:
        n = self._notifications
        escalate_at = notify_at = check_at = time.monotonic()
        while not self._stop.wait(max(0.0, min(escalate_at, notify_at, check_at) - time.monotonic())):
            if time.monotonic() >= check_at:
                if n.acknowledgements is not None:
                    _guarded("acknowledgement check", n.acknowledgements.check)
                check_at = time.monotonic() + n.check_every
            if time.monotonic() >= escalate_at:
                _guarded("escalation", n.escalator.escalate_overdue)
                escalate_at = time.monotonic() + n.escalate_every
            if time.monotonic() >= notify_at:
                if n.notifier is not None:
                    _guarded("notification", n.notifier.run_once)
                notify_at = time.monotonic() + n.notify_every


def _guarded(what: str, work: Callable[[], object]) -> None:
    try:
        work()
    except LightsoffError as exc:  # the database is busy or down: the next round tries again
        _log.warning(f"{what} round failed", error=str(exc))
    except Exception:  # a bug of ours must not stop notifications for good
        _log.exception(f"{what} round crashed")
