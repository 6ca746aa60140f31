"""/readyz says not ready, and why, when the schema is behind the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from lightsoff.bootstrap import bootstrap
from lightsoff.settings import Settings
from tests.conftest import BACKENDS, LiveServer


@pytest.mark.parametrize("backend", BACKENDS)
def test_readyz_is_503_on_an_unmigrated_database(
    backend: str, fresh_database: Callable[[str], str], tmp_path: Path
) -> None:
    url = fresh_database(backend)
    lightsoff = bootstrap(Settings(database_url=url, data_dir=tmp_path))
    with lightsoff.database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
    with LiveServer(lightsoff) as server:
        response = httpx.get(f"{server.url}/readyz")
    lightsoff.close()
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "behind: run `lightsoff db upgrade`"
