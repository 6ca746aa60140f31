"""Migrations: applied to an empty database they give exactly the schema the tables define."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert

from lightsoff.bootstrap import bootstrap
from lightsoff.config.loader import load_reference_data
from lightsoff.services.intake import Submission
from lightsoff.settings import Settings
from lightsoff.store import migrate, tables
from lightsoff.store.engine import Database, connect
from lightsoff.testing import FakeClock
from tests.conftest import BACKENDS, DEMO_CONFIG_DIR, PostgresServer
from tests.factories import order_json


def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Database:
    if backend == "sqlite":
        return connect(f"sqlite:///{tmp_path / 'empty.db'}")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create(migrated=False)
    request.addfinalizer(lambda: server.drop(url))
    return connect(url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_give_the_schema_of_the_tables(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    database = empty_database(backend, tmp_path, request)
    try:
        assert migrate.current_revision(database) is None
        migrate.upgrade(database)
        assert migrate.is_current(database)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, tables.metadata) == []
    finally:
        database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_removes_every_table_and_upgrade_brings_them_back(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = empty_database(backend, tmp_path, request)
    try:
        migrate.upgrade(database)
        migrate.downgrade(database, "base")
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            removed = [diff for diff in compare_metadata(context, tables.metadata) if diff[0] == "add_table"]
        assert len(removed) == len(tables.metadata.tables)
        migrate.upgrade(database)
        assert migrate.is_current(database)
    finally:
        database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrading_a_database_with_decided_orders_does_not_answer_them_all_at_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = empty_database(backend, tmp_path, request)
    try:
        migrate.upgrade(database, "0006")
        app = bootstrap(
            Settings(database_url=str(database.engine.url.render_as_string(hide_password=False)), data_dir=tmp_path),
            reference_data=load_reference_data(DEMO_CONFIG_DIR),
            clock=FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        )
        try:
            with database.engine.begin() as connection:  # an order decided before the upgrade
                connection.execute(insert(tables.events).values(**_event("old", "order.validated")))
            migrate.upgrade(database)
            app.intake.submit(Submission(orjson.dumps(order_json()), "application/json"))
            progress = app.outbound.responder.consumer.run_once()
            assert (progress.handled, progress.failed) == (1, 0)  # the new order only; the old one is not read
            assert app.outbound.responder.consumer.position() > 1
        finally:
            app.close()
    finally:
        database.dispose()


def _event(stream_id: str, name: str) -> dict[str, object]:
    return {
        "event_id": "00000000-0000-0000-0000-000000000001",
        "stream_id": stream_id,
        "stream_version": 2,
        "name": name,
        "version": 1,
        "occurred_at": datetime(2026, 11, 23, tzinfo=UTC),
        "data": {"order_id": stream_id, "lines": []},
        "correlation_id": None,
        "causation_id": None,
        "partner": "ACME",
    }
