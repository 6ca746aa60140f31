"""Logging in at the mail server, over STARTTLS or not: the password does its job and appears nowhere else."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key: the mail server's, and the CA the client is told to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test mail server")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_starttls_with_the_plants_own_ca_then_login(start: Callable[..., Lightsoff], tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server = MailServer(tls_context=context, require_starttls=True, authenticator=check_login, auth_required=True)
    server.start()
    try:
        app = start(
            smtp_port=server.port,
            smtp_security="starttls",
            smtp_ca_file=cert_file,
            smtp_username="lightsoff",
            smtp_password=PASSWORD,
        )
        submit(app, order_json(lines=[line(1, sku="WID-100"), line(2, sku="NOPE")]))
        assert len(notifier(app).run_once().sent) == 1
        untrusted = start(
            smtp_port=server.port, smtp_security="starttls", smtp_username="lightsoff", smtp_password=PASSWORD
        )
        submit(untrusted, order_json(lines=[line(1, sku="WID-100"), line(2, sku="ALSO-NOPE")]))
        assert "CERTIFICATE_VERIFY_FAILED" in notifier(untrusted).run_once().waiting[0]
    finally:
        server.stop()
    assert len(server.received) == 1
