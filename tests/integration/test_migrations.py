"""Migrations: applied to an empty database they give exactly the schema the tables define."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lightsoff.store import migrate, tables
from lightsoff.store.engine import Database, connect
from tests.conftest import BACKENDS, PostgresServer


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
