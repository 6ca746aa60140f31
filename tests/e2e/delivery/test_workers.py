"""``lightsoff worker`` processes: killed with SIGKILL mid-batch and restarted; two and four on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import distinct, func, select

from lightsoff.bootstrap import Lightsoff
from lightsoff.store import tables as t
from tests.e2e.delivery.conftest import FAST, wait_for
from tests.e2e.delivery.inbox import Inbox, assert_in_order_per_stream
from tests.e2e.delivery.test_relay import SECRET, orders, subscribe

MakeLightsoff = Callable[..., Lightsoff]
MakeInbox = Callable[..., Inbox]


class Workers:
    """``lightsoff worker`` subprocesses on one database; output goes to files, never to a full pipe."""

    def __init__(self, app: Lightsoff, folder: Path) -> None:
        self._env = {
            **os.environ,
            "LIGHTSOFF_DATABASE_URL": app.settings.effective_database_url,
            "LIGHTSOFF_DATA_DIR": str(folder),
            **{f"LIGHTSOFF_{name.upper()}": str(value) for name, value in FAST.items()},
            "LIGHTSOFF_RELAY_LEASE_SECONDS": "2",
            "LIGHTSOFF_RELAY_CONCURRENCY": "16",
        }
        self._folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []
        self._logs: list[BinaryIO] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self._folder / f"worker-{len(self.processes)}.log").open("wb")
        self._logs.append(log)
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "lightsoff"), "worker"],
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def wait_running(self) -> None:
        """Until every worker has said so: events appended before could all be delivered by the first to start."""
        for index in range(len(self.processes)):
            log = self._folder / f"worker-{index}.log"
            wait_for(lambda log=log: b"relay started" in log.read_bytes(), timeout=60, what=f"worker {index} running")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self._logs:
            log.close()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[Lightsoff], Workers]]:
    made: list[Workers] = []

    def make(app: Lightsoff) -> Workers:
        group = Workers(app, tmp_path)
        made.append(group)
        return group

    yield make
    for group in made:
        group.stop_all()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_are_bounded(
    backend: str, make_lightsoff: MakeLightsoff, inboxes: MakeInbox, workers: Callable[[Lightsoff], Workers]
) -> None:
    app = make_lightsoff(backend)
    inbox = inboxes([SECRET], mode="slow")  # every request takes 0.3 s: a batch is always in flight
    subscribe(app, inbox.url)
    sent = orders(app, streams=16, versions=6)
    group = workers(app)
    first = group.start()
    wait_for(lambda: len(inbox.delivered()) >= 20, timeout=90, what="the first worker delivering")
    first.send_signal(signal.SIGKILL)
    first.wait()
    in_flight_at_kill = 16  # LIGHTSOFF_RELAY_CONCURRENCY: at most this many were sent but not recorded
    before = len(inbox.arrivals)
    group.start()
    wait_for(lambda: len(inbox.delivered()) == len(sent), timeout=120, what="every event delivered after restart")
    assert {arrival.msg_id for arrival in inbox.delivered()} == sent
    assert_in_order_per_stream(inbox.delivered())
    assert inbox.all_verified()
    assert before >= 20
    assert inbox.duplicates() <= in_flight_at_kill


@pytest.mark.postgresql
@pytest.mark.parametrize("count", [2, 4])
def test_several_workers_on_postgresql_share_the_work_without_doubles_and_keep_order(
    count: int, make_lightsoff: MakeLightsoff, inboxes: MakeInbox, workers: Callable[[Lightsoff], Workers]
) -> None:
    app = make_lightsoff("postgresql")
    inbox = inboxes([SECRET], mode="flap")
    subscribe(app, inbox.url)
    group = workers(app)
    for _ in range(count):
        group.start()
    group.wait_running()
    sent = orders(app, streams=24, versions=5)
    wait_for(lambda: len(inbox.delivered()) == len(sent), timeout=120, what="every event delivered")
    assert {arrival.msg_id for arrival in inbox.delivered()} == sent
    assert inbox.duplicates() == 0  # no event was delivered twice, concurrently or not
    assert_in_order_per_stream(inbox.delivered())
    with app.database.engine.connect() as connection:
        busy = connection.execute(select(func.count(distinct(t.delivery_attempts.c.worker)))).scalar()
    assert busy == count
