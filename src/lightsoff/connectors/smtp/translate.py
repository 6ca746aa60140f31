"""A ``Mail`` as an RFC 5322 message: pure, so what goes on the wire is tested without a server."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from lightsoff.domain.mail import Mail


def to_email(mail: Mail, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    return message
