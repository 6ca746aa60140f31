"""Every implementation of the unit of work: in memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from lightsoff.services.ports import UnitOfWorkFactory
from lightsoff.store.engine import connect
from lightsoff.store.factory import SqlUnitOfWorkFactory
from lightsoff.testing import InMemoryUnitOfWorkFactory


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def uow_factory(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> Iterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield InMemoryUnitOfWorkFactory()
        return
    database = connect(fresh_database(request.param))
    factory = SqlUnitOfWorkFactory(database)
    yield factory
    factory.close()
    database.dispose()
