"""Fixtures of the tests that run lightsoff as a user does: its commands, in processes of their own."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cli import LIGHTSOFF, free_port, healthy, read_until, run, stop


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command: no LIGHTSOFF_ setting of the machine's, its own data folder."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("LIGHTSOFF_")}
    return clean | {"LIGHTSOFF_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


@pytest.fixture
def served(env: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """``lightsoff serve --demo`` on a free port, healthy: its base URL and the banner it printed."""
    port = free_port()
    env = env | {"LIGHTSOFF_PORT": str(port)}
    run("db", "upgrade", env=env, check=True)
    command = [*LIGHTSOFF, "serve", "--demo"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        banner = read_until(process.stdout, "curl -sS -X POST", timeout=30)
        deadline = time.monotonic() + 30
        while not healthy(base):
            assert process.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve did not become healthy"
            time.sleep(0.1)
        yield base, banner
    finally:
        stop(process)
