"""A real SMTP server (aiosmtpd) on a loopback port, teams to route cases to, and lightsoff wired to both."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import orjson
import pytest
from aiosmtpd.controller import Controller

from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.domain.reference_data import ReferenceData, Team
from lightsoff.services.intake import IntakeResult, Submission
from lightsoff.services.notifications.notifier import Notifier
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock

TEAMS = [
    Team("customer_service", ("cs@plant.example",), escalation_emails=("cs-lead@plant.example",)),
    Team("master_data", ("md@plant.example", "md2@plant.example"), escalation_emails=("md-lead@plant.example",)),
]
PUBLIC_URL = "https://lightsoff.plant.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        content: str = self.message.get_content()
        return content


class MailServer:
    """aiosmtpd on 127.0.0.1: keeps what it accepts, refuses chosen recipients, stops and starts on one port."""

    def __init__(self, **smtp: Any) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        """recipient → the reply that refuses it, such as ``550 5.1.1 no such user``"""
        self._smtp = smtp
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **self._smtp)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.received if address in mail.recipients]

    def message_ids(self) -> list[str]:
        return [mail.message_id for mail in self.received]


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def teams_reference_data(demo_reference_data: ReferenceData) -> ReferenceData:
    return ReferenceData(
        partners=demo_reference_data.partners(),
        products=demo_reference_data.products(),
        routes=demo_reference_data.routes(),
        teams=TEAMS,
    )


@pytest.fixture
def mail_settings(settings: Settings, mail_server: MailServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mail_server.port,
            "smtp_security": "none",
            "smtp_from": "lightsoff@plant.example",
            "smtp_timeout_seconds": 5.0,
            "public_url": PUBLIC_URL,
        }
    )


@pytest.fixture
def start(
    mail_settings: Settings, teams_reference_data: ReferenceData, clock: FakeClock
) -> Iterator[Callable[..., Lightsoff]]:
    """A factory: lightsoff on the test's database and mail server (call again for a restart)."""
    started: list[Lightsoff] = []

    def make(reference_data: ReferenceData | None = None, **changes: Any) -> Lightsoff:
        settings = Settings.model_validate({**mail_settings.model_dump(), **changes})  # validated, as at start
        app = bootstrap(settings, reference_data=reference_data or teams_reference_data, clock=clock)
        started.append(app)
        return app

    yield make
    for app in started:
        app.close()


@pytest.fixture
def app(start: Callable[..., Lightsoff]) -> Lightsoff:
    return start()


def notifier(app: Lightsoff) -> Notifier:
    assert app.notifications.notifier is not None
    return app.notifications.notifier


def submit(app: Lightsoff, document: dict[str, Any]) -> IntakeResult:
    return app.intake.submit(Submission(body=orjson.dumps(document), content_type="application/json"))


def raised_message_ids(app: Lightsoff, domain: str = "plant.example") -> dict[str, str]:
    """Exception id → the Message-ID of its exception.raised mail."""
    with app.uow(write=False) as uow:
        events = uow.events.read_all(0, 1000, ["exception.raised"])
    return {event.stream_id: f"<{event.event_id}@{domain}>" for event in events}
