"""Settings from the environment (``LIGHTSOFF_*``), typed and validated, with documented defaults.

docs/settings.md lists every one; nothing here is read at import time: ``Settings()`` reads the
environment when the composition root asks for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lightsoff.domain.identifiers import id_format_problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIGHTSOFF_", frozen=True)

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
    gs1_company_prefix: str = Field(
        default="4012345",
        pattern=r"^\d{4,12}$",
        description="your GS1 company prefix, for SSCCs; the default is a demo prefix",
    )
    sscc_extension_digit: int = Field(default=0, ge=0, le=9)
    event_source: str = Field(default="urn:lightsoff", min_length=1, description="CloudEvents source")
    max_order_bytes: int = Field(default=1_048_576, gt=0, description="largest JSON order body accepted")
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

    @model_validator(mode="after")
    def _formats_usable(self) -> Settings:
        problems = id_format_problems("order", self.order_id_format) + id_format_problems(
            "exception", self.exception_id_format
        )
        external = (self.oidc_issuer, self.oidc_audience, self.oidc_jwks_url)
        if any(external) and not all(external):
            problems.append("LIGHTSOFF_OIDC_ISSUER, _AUDIENCE and _JWKS_URL go together: set all three or none")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'lightsoff.db'}"
