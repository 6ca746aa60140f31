"""Logging in at the mail server: the password does its job and appears nowhere else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from aiosmtpd.smtp import AuthResult, LoginPassword

from lightsoff.bootstrap import Lightsoff
from lightsoff.notify_runtime import smtp_settings
from tests.factories import line, order_json
from tests.integration.notifications.conftest import MailServer, notifier, submit

PASSWORD = "s3cret-Pa55-do-not-leak"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"lightsoff", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # unhandled: the server answers 535 itself


@pytest.fixture
def guarded_server() -> Iterator[MailServer]:
    server = MailServer(authenticator=check_login, auth_required=True, auth_require_tls=False)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("password", [PASSWORD, "wrong-" + PASSWORD])
def test_the_password_logs_in_and_leaks_into_no_log_repr_or_error(
    start: Callable[..., Lightsoff],
    guarded_server: MailServer,
    password: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = start(smtp_port=guarded_server.port, smtp_username="lightsoff", smtp_password=password)
    submit(app, order_json(lines=[line(1, sku="WID-100"), line(2, sku="NOPE")]))
    with structlog.testing.capture_logs() as logs:
        done = notifier(app).run_once()
    assert len(guarded_server.received) == (1 if password == PASSWORD else 0)
    if password != PASSWORD:
        assert "login of 'lightsoff' refused: 535" in done.waiting[0]
    seen = " ".join(
        [repr(logs), repr(done), repr(app.settings), repr(smtp_settings(app.settings)), *capsys.readouterr()]
    )
    assert PASSWORD not in seen
