"""Settings from the environment (``LIGHTSOFF_*``), typed and validated, with documented defaults.

docs/settings.md lists every one; nothing here is read at import time: ``Settings()`` reads the
environment when the composition root asks for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
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

    @model_validator(mode="after")
    def _formats_usable(self) -> Settings:
        problems = id_format_problems("order", self.order_id_format) + id_format_problems(
            "exception", self.exception_id_format
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'lightsoff.db'}"
