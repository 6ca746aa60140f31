"""E-mail through an SMTP server, with the standard library's smtplib and email packages."""

from lightsoff.connectors.smtp.client import Security, SmtpSettings
from lightsoff.connectors.smtp.connector import SmtpMailer

__all__ = ["Security", "SmtpMailer", "SmtpSettings"]
