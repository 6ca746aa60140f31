"""``lightsoff documents check-acknowledgements`` as a user runs it: a real process on a real database."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lightsoff.bootstrap import bootstrap
from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from lightsoff.services.documents import Issue
from lightsoff.settings import Settings
from lightsoff.testing import FakeClock
from tests.e2e.test_cli import run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("LIGHTSOFF_")}
    data = str(tmp_path / "data")
    return clean | {"LIGHTSOFF_DATA_DIR": data, "LIGHTSOFF_CONFIG_DIR": str(DEMO_CONFIG_DIR), "COLUMNS": "200"}


def test_check_acknowledgements_raises_one_case_per_late_document_once(env: dict[str, str]) -> None:
    run("db", "upgrade", env=env, check=True)
    two_days_ago = FakeClock(datetime.now(UTC) - timedelta(days=2))
    app = bootstrap(Settings(data_dir=Path(env["LIGHTSOFF_DATA_DIR"]), config_dir=DEMO_CONFIG_DIR), clock=two_days_ago)
    try:
        late = app.uow.run(lambda uow: app.documents.issue(uow, Issue("ACME", "855", "x12", lambda n: b"855")))
        app.uow.run(lambda uow: app.documents.issue(uow, Issue("BOLT", "855", "x12", lambda n: b"855")))
    finally:
        app.close()

    first = run("documents", "check-acknowledgements", env=env, check=True)
    second = run("documents", "check-acknowledgements", env=env, check=True)

    assert "1 document(s) not acknowledged in time" in first.stdout
    assert late.document_id in first.stdout
    assert "EX-" in first.stdout
    assert "BOLT" not in first.stdout, "BOLT has no acknowledgement window"
    assert "every document sent is acknowledged or still within its partner's window" in second.stdout
