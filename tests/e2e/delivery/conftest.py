"""Fixtures for relay tests: lightsoff on a real clock with short retry timings, a relay thread, inboxes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lightsoff.bootstrap import Lightsoff, SystemClock, bootstrap
from lightsoff.delivery_runtime import RelayThread
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.settings import Settings
from tests.e2e.delivery.inbox import Inbox

FAST = {
    "delivery_retry_base_seconds": 0.05,
    "delivery_retry_cap_seconds": 0.4,
    "circuit_failure_threshold": 3,
    "circuit_cool_down_seconds": 0.2,
    "webhook_timeout_seconds": 1.0,
    "relay_poll_seconds": 0.02,
    "relay_lease_seconds": 5.0,
}
"""Timings short enough for tests; the behaviour is the same at production values."""


def fast_settings(database_url: str, data_dir: Path, **changes: Any) -> Settings:
    return Settings(database_url=database_url, data_dir=data_dir, **{**FAST, **changes})


@pytest.fixture
def make_lightsoff(
    fresh_database: Callable[[str], str], tmp_path: Path, demo_reference_data: ReferenceData
) -> Iterator[Callable[..., Lightsoff]]:
    made: list[Lightsoff] = []

    def make(backend: str = "sqlite", **changes: Any) -> Lightsoff:
        settings = fast_settings(fresh_database(backend), tmp_path, **changes)
        app = bootstrap(settings, reference_data=demo_reference_data, clock=SystemClock())
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def relay_thread() -> Iterator[Callable[[Lightsoff], RelayThread]]:
    threads: list[RelayThread] = []

    def start(app: Lightsoff) -> RelayThread:
        thread = RelayThread(app)
        thread.start()
        threads.append(thread)
        return thread

    yield start
    for thread in threads:
        thread.stop()


@pytest.fixture
def inboxes() -> Iterator[Callable[..., Inbox]]:
    made: list[Inbox] = []

    def make(secrets: list[str], mode: str = "ok") -> Inbox:
        inbox = Inbox(secrets, mode)
        made.append(inbox)
        return inbox

    yield make
    for inbox in made:
        inbox.close()


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "the condition") -> None:
    """Poll until ``condition`` holds; a real relay delivers in its own time, so tests wait for outcomes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)
