"""Fixtures shared by every test: fresh databases (SQLite and PostgreSQL), lightsoff, a live HTTP server.

Each test gets its own database: a copy of a template migrated once per session, so no test sees
another's data or anything an earlier run left behind. PostgreSQL databases get unique names and
are dropped afterwards. With CI=true a missing PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from lightsoff.api.app import create_app
from lightsoff.bootstrap import Lightsoff, bootstrap
from lightsoff.config.loader import load_reference_data
from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.domain.security import Role
from lightsoff.settings import Settings
from lightsoff.store import migrate
from lightsoff.store.engine import connect
from lightsoff.testing import FakeClock

POSTGRES_ADMIN_URL = os.environ.get("LIGHTSOFF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresServer:
    """Creates uniquely named databases from a migrated template, and drops them all at the end."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self._admin = psycopg.connect(_libpq(admin_url), autocommit=True)
        self._created: list[str] = []
        self.template = self._fresh_name("tmpl")
        self._admin.execute(f'CREATE DATABASE "{self.template}"')
        self._created.append(self.template)
        database = connect(self.url(self.template))
        migrate.upgrade(database)
        database.dispose()

    def _fresh_name(self, kind: str) -> str:
        return f"lightsoff_{kind}_{uuid.uuid4().hex[:12]}"

    def url(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool = True) -> str:
        name = self._fresh_name("test")
        template = f' TEMPLATE "{self.template}"' if migrated else ""
        self._admin.execute(f'CREATE DATABASE "{name}"{template}')
        self._created.append(name)
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.remove(name)

    def close(self) -> None:
        for name in reversed(self._created):
            self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer(POSTGRES_ADMIN_URL)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {make_url(POSTGRES_ADMIN_URL).render_as_string()} is not reachable: {exc}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = connect(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Callable[[str], str]:
    """A factory: the URL of a new, migrated, empty database of a backend, removed after the test."""
    counter = itertools.count()

    def create(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path / f"lightsoff-{next(counter)}.db"
            shutil.copyfile(sqlite_template, path)
            return f"sqlite:///{path}"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create()
        request.addfinalizer(lambda: server.drop(url))
        return url

    return create


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> str:
    """A migrated, empty database of each backend."""
    backend: str = request.param
    return fresh_database(backend)


@pytest.fixture(scope="session")
def demo_reference_data() -> ReferenceData:
    return load_reference_data(DEMO_CONFIG_DIR)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path, config_dir=DEMO_CONFIG_DIR)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def lightsoff(settings: Settings, demo_reference_data: ReferenceData, clock: FakeClock) -> Iterator[Lightsoff]:
    app = bootstrap(settings, reference_data=demo_reference_data, clock=clock)
    yield app
    app.close()


class LiveServer:
    """lightsoff's API served by uvicorn on a free loopback port, in a thread of the test process."""

    def __init__(self, lightsoff: Lightsoff) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        # The client shares the process (and the GIL) with the server: under load a pooled connection can sit
        # idle past uvicorn's 5 s keep-alive and be closed just as the client reuses it.
        config = uvicorn.Config(
            create_app(lightsoff), log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=120
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture
def live_server(lightsoff: Lightsoff) -> Iterator[LiveServer]:
    with LiveServer(lightsoff) as server:
        yield server


UNLIMITED = 1e6
"""Requests per second for test clients that must never be rate limited."""


@pytest.fixture
def grant(lightsoff: Lightsoff) -> Callable[..., dict[str, str]]:
    """A factory: register a client with these roles (and confinement), return its Authorization header."""
    numbers = itertools.count(1)

    def make(
        *roles: Role,
        partners: list[str] | None = None,
        allow: tuple[str, ...] = (),
        rate: float | None = UNLIMITED,
        scope: str | None = None,
    ) -> dict[str, str]:
        registration = lightsoff.security.clients.register(
            f"test client {next(numbers)}",
            roles or (Role.ADMIN,),
            partners=partners,
            ip_allowlist=allow,
            rate_per_second=rate,
        )
        token = lightsoff.security.tokens.issue(registration.client.client_id, registration.secret, scope)
        return {"Authorization": f"Bearer {token.access_token}"}

    return make


@pytest.fixture
def api(live_server: LiveServer, grant: Callable[..., dict[str, str]]) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, authenticated as an administrator."""
    with httpx.Client(base_url=live_server.url, timeout=30, headers=grant(Role.ADMIN)) as client:
        yield client


@pytest.fixture
def anonymous(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client of the live server with no credentials."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client
