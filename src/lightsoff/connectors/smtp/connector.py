"""The ``Mailer`` port over SMTP: a session per notifier pass, one connection for all of its mails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from lightsoff.connectors.smtp.client import SmtpClient, SmtpSettings
from lightsoff.connectors.smtp.translate import to_email
from lightsoff.domain.mail import Mail
from lightsoff.services.ports import Clock

_log = structlog.get_logger("lightsoff.smtp")


class SmtpSession:
    def __init__(self, client: SmtpClient, sender: str, clock: Clock) -> None:
        self._client = client
        self._sender = sender
        self._clock = clock

    def send(self, mail: Mail) -> None:
        refused = self._client.send(to_email(mail, self._sender, self._clock.now()))
        if refused:  # the others have it; sending again would give them a second copy
            _log.warning("some recipients refused the mail", message_id=mail.message_id, refused=sorted(refused))


class SmtpMailer:
    def __init__(self, settings: SmtpSettings, sender: str, clock: Clock) -> None:
        self._settings = settings
        self._sender = sender
        self._clock = clock

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        client = SmtpClient(self._settings)
        try:
            yield SmtpSession(client, self._sender, self._clock)
        finally:
            client.close()

    def describe(self) -> str:
        return f"{self._settings.describe()}, from {self._sender}"
