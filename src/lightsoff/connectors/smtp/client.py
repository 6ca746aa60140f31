"""The SMTP wire protocol through ``smtplib``: connect, secure (STARTTLS or TLS), log in, send, quit.

Whatever ``smtplib`` or the socket raises becomes one of ours, with ``raise … from exc``:
``MailUnavailable`` when the server cannot be used (down, timed out, TLS or login failing, our sender
refused: every message would fare the same) and ``MailRefused`` when it refused one message (its
recipients or its content). The password serves LOGIN only: it is in no repr, message or log
(``smtplib``'s debug output, which would show the exchange, stays off).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path

from lightsoff.domain.errors import MailRefused, MailUnavailable

Refused = dict[str, tuple[int, bytes]]


class Security(StrEnum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security = Security.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: Path | None = None
    """CA certificates to trust instead of the system's (a plant's own CA)."""

    def describe(self) -> str:
        login = f", login {self.username}" if self.username else ""
        return f"{self.host}:{self.port} ({self.security.value}{login})"


class SmtpClient:
    """One SMTP connection, opened on the first message and reused until ``close``."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> Refused:
        """Send ``message`` to the addresses in its headers; return the recipients refused while others accepted."""
        smtp = self._smtp or self._open()
        try:
            return smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{address}: {_text(code, text)}" for address, (code, text) in exc.recipients.items())
            raise MailRefused(f"every recipient refused: {detail}", transient=all(c < 500 for c in codes)) from exc
        except smtplib.SMTPDataError as exc:
            said = _text(exc.smtp_code, exc.smtp_error)
            raise MailRefused(f"message refused: {said}", transient=exc.smtp_code < 500) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailUnavailable(f"{self._where()}: sender {exc.sender} refused: {_reply(exc)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailUnavailable(f"{self._where()}: {_reply(exc)}") from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the server went away first: nothing more to say to it

    def _open(self) -> smtplib.SMTP:
        settings = self._settings
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise MailUnavailable(f"{self._where()}: login of {settings.username!r} refused: {_reply(exc)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailUnavailable(f"{self._where()}: {_reply(exc)}") from exc
        self._smtp = smtp
        return smtp

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        if settings.security is Security.SSL:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=self._tls()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            smtp.ehlo()
            if settings.security is Security.STARTTLS:
                smtp.starttls(context=self._tls())
                smtp.ehlo()
            if settings.username is not None:
                smtp.login(settings.username, settings.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        ca_file = self._settings.ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def _where(self) -> str:
        return f"mail server {self._settings.host}:{self._settings.port}"


def _reply(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _text(exc.smtp_code, exc.smtp_error)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    return f"{code} {said}".strip()
