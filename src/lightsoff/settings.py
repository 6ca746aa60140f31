"""Settings from the environment (``LIGHTSOFF_*``), typed and validated, with documented defaults.

docs/settings.md lists every one; nothing here is read at import time: ``Settings()`` reads the
environment when the composition root asks for it.
"""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lightsoff.domain.identifiers import id_format_problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIGHTSOFF_", frozen=True, hide_input_in_errors=True)
    """Inputs stay out of error messages: they may hold the SMTP password or the demo secret."""

    data_dir: Path = Field(default=Path("data"), description="where the embedded SQLite database lives")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/lightsoff.db. PostgreSQL: "
        "postgresql+psycopg://user@host:5432/dbname",
    )
    db_pool_size: int = Field(default=10, gt=0, description="connections per process (PostgreSQL)")
    host: str = Field(default="127.0.0.1", description="address the API listens on")
    port: int = Field(default=8080, gt=0, lt=65536, description="port the API listens on")
    config_dir: Path | None = Field(
        default=None, description="partner profiles, product master and routing; none means no partners"
    )
    order_id_format: str = Field(default="SO-{year}-{seq:06d}", description="canonical order id template")
    exception_id_format: str = Field(default="EX-{year}-{seq:06d}", description="exception case id template")
    document_id_format: str = Field(default="DOC-{year}-{seq:06d}", description="outbound document id template")
    gs1_company_prefix: str = Field(
        default="4012345",
        pattern=r"^\d{4,12}$",
        description="your GS1 company prefix, for SSCCs; the default is a demo prefix",
    )
    sscc_extension_digit: int = Field(default=0, ge=0, le=9)
    event_source: str = Field(default="urn:lightsoff", min_length=1, description="CloudEvents source")
    max_order_bytes: int = Field(default=1_048_576, gt=0, description="largest JSON order body accepted")
    max_document_bytes: int = Field(
        default=20_971_520, gt=0, description="largest inbound document (POST /v1/inbound, drop folders) accepted"
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["console", "json"] = "console"
    max_request_bytes: int = Field(default=65_536, gt=0, description="largest body of any other route")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="proxies whose X-Forwarded-For is trusted for the client address"
    )

    insecure_no_auth: bool = Field(
        default=False, description="turn authentication and the audit log off (benchmarks only; never in use)"
    )
    token_ttl_seconds: int = Field(default=900, ge=60, le=86_400, description="lifetime of issued access tokens")
    token_issuer: str = Field(default="urn:lightsoff", description="iss of issued tokens")
    token_audience: str = Field(default="lightsoff", description="aud of issued and accepted tokens")
    oidc_issuer: str | None = Field(default=None, description="an external identity provider's issuer")
    oidc_audience: str | None = Field(default=None, description="the audience its tokens must carry")
    oidc_jwks_url: str | None = Field(default=None, description="where its signing keys are published")
    oidc_partners_claim: str = Field(default="lightsoff_partners", description="claim listing a caller's partners")
    default_rate_per_second: float = Field(default=100.0, gt=0, description="per client, unless set on the client")
    rate_burst_seconds: float = Field(default=2.0, gt=0, description="a burst may use this many seconds of rate")
    failed_auth_per_minute: int = Field(default=30, gt=0, description="failed logins per address before 429")
    client_refresh_seconds: float = Field(default=5.0, gt=0, description="how stale the client list may get")
    demo_client_id: str = Field(default="demo-admin", description="the admin client `serve --demo` creates")
    demo_client_secret: SecretStr | None = Field(
        default=None, description="its secret; by default generated once and kept in the data folder"
    )

    broker_url: str | None = Field(default=None, description="NATS with JetStream, e.g. nats://127.0.0.1:4222")
    broker_stream: str = Field(default="LIGHTSOFF", description="the JetStream stream events are published into")
    broker_subject_prefix: str = Field(default="lightsoff", description="subjects are <prefix>.<event>.v<version>")
    relay_embedded: bool = Field(default=True, description="run the delivery relay inside `lightsoff serve`")
    relay_concurrency: int = Field(default=256, gt=0, description="deliveries in flight at once, per process")
    relay_per_endpoint: int = Field(default=32, gt=0, description="deliveries in flight at once to one endpoint")
    relay_lease_seconds: float = Field(default=60.0, gt=0, description="how long a worker's claim holds")
    relay_poll_seconds: float = Field(default=0.05, gt=0, description="pause when the relay found no work")
    delivery_max_attempts: int = Field(default=20, gt=0, description="default attempts per delivery")
    delivery_max_age_seconds: int = Field(default=259_200, gt=0, description="default time to keep retrying")
    delivery_retry_base_seconds: float = Field(default=5.0, gt=0, description="first retry waits up to this")
    delivery_retry_cap_seconds: float = Field(default=21_600.0, gt=0, description="longest wait between retries")
    subscription_disable_after_seconds: float = Field(
        default=86_400.0, gt=0, description="disable a subscription failing without a success for this long"
    )
    webhook_timeout_seconds: float = Field(default=30.0, gt=0, description="total deadline of one webhook attempt")
    circuit_failure_threshold: int = Field(default=5, gt=0, description="failures in a row that open a circuit")
    circuit_cool_down_seconds: float = Field(default=30.0, gt=0, description="first pause of an open circuit")

    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+(/\S*)?$",
        description="where people reach the API, for links in e-mails; default http://<host>:<port>",
    )
    smtp_host: str | None = Field(default=None, description="mail server for exception cases; none: no e-mail")
    smtp_port: int | None = Field(default=None, gt=0, lt=65536, description="default 587, 465 with ssl, 25 with none")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="STARTTLS after connecting, TLS from the start (ssl), or none"
    )
    smtp_username: str | None = Field(default=None, description="login at the mail server, if it wants one")
    smtp_password: SecretStr | None = Field(default=None, description="its password; never shown or logged")
    smtp_from: str = Field(default="lightsoff@localhost", description="the From address of notifications")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, description="for each exchange with the mail server")
    smtp_ca_file: Path | None = Field(default=None, description="CA certificates to trust for the mail server")
    notify_poll_seconds: float = Field(default=5.0, gt=0, description="how often new cases are looked for to mail")
    escalation_poll_seconds: float = Field(default=60.0, gt=0, description="how often overdue cases are looked for")
    watch_poll_seconds: float = Field(default=1.0, gt=0, description="how often partners' drop folders are scanned")
    watch_settle_seconds: float = Field(
        default=2.0, ge=0, description="a dropped file is taken once unchanged for this long (over two scans)"
    )
    documents_poll_seconds: float = Field(
        default=2.0, gt=0, description="how often decided orders are answered and issued documents delivered"
    )
    acknowledgement_poll_seconds: float = Field(
        default=300.0,
        gt=0,
        description="how often documents past their acknowledgement window are looked for",
    )

    @model_validator(mode="after")
    def _formats_usable(self) -> Settings:
        problems = [
            *id_format_problems("order", self.order_id_format),
            *id_format_problems("exception", self.exception_id_format),
            *id_format_problems("document", self.document_id_format),
        ]
        external = (self.oidc_issuer, self.oidc_audience, self.oidc_jwks_url)
        if any(external) and not all(external):
            problems.append("LIGHTSOFF_OIDC_ISSUER, _AUDIENCE and _JWKS_URL go together: set all three or none")
        problems += self._smtp_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _smtp_problems(self) -> list[str]:
        problems = []
        if (self.smtp_username is None) != (self.smtp_password is None):
            problems.append("LIGHTSOFF_SMTP_USERNAME and _PASSWORD go together: set both or neither")
        loopback = self.smtp_host in ("localhost", "127.0.0.1", "::1")
        if self.smtp_username is not None and self.smtp_security == "none" and not loopback:
            problems.append("a mail server login needs LIGHTSOFF_SMTP_SECURITY starttls or ssl (no password in clear)")
        if "@" not in parseaddr(self.smtp_from)[1]:
            problems.append(f"LIGHTSOFF_SMTP_FROM {self.smtp_from!r} is not an e-mail address")
        return problems

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'lightsoff.db'}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def effective_smtp_port(self) -> int:
        return self.smtp_port or {"starttls": 587, "ssl": 465, "none": 25}[self.smtp_security]
