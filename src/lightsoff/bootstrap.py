"""The composition root: the one place that builds lightsoff from settings.

Nothing in lightsoff creates an engine, a client or reads settings at import time; ``bootstrap``
does it, once, for the server, the CLI and the tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lightsoff.config.loader import load_reference_data
from lightsoff.domain.identifiers import IdFormat
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.identifiers import IdentifierService, SsccSettings
from lightsoff.services.intake import OrderIntake
from lightsoff.services.ports import Clock
from lightsoff.services.queries import Queries
from lightsoff.settings import Settings
from lightsoff.store import migrate
from lightsoff.store.engine import Database, connect
from lightsoff.store.factory import SqlUnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Lightsoff:
    """Everything a running lightsoff is made of, assembled."""

    settings: Settings
    database: Database
    uow: SqlUnitOfWorkFactory
    reference_data: ReferenceData
    identifiers: IdentifierService
    intake: OrderIntake
    queries: Queries
    clock: Clock

    def is_ready(self) -> bool:
        """The database answers and its schema is the one this code expects."""
        return migrate.is_current(self.database)

    def close(self) -> None:
        self.uow.close()
        self.database.dispose()


def bootstrap(
    settings: Settings,
    *,
    reference_data: ReferenceData | None = None,
    clock: Clock | None = None,
) -> Lightsoff:
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = connect(settings.effective_database_url, pool_size=settings.db_pool_size)
    if reference_data is None:
        reference_data = load_reference_data(settings.config_dir) if settings.config_dir else ReferenceData()
    clock = clock or SystemClock()
    uow = SqlUnitOfWorkFactory(database)
    identifiers = IdentifierService(
        order_format=IdFormat("order", settings.order_id_format),
        exception_format=IdFormat("exception", settings.exception_id_format),
        sscc=SsccSettings(settings.gs1_company_prefix, settings.sscc_extension_digit),
    )
    return Lightsoff(
        settings=settings,
        database=database,
        uow=uow,
        reference_data=reference_data,
        identifiers=identifiers,
        intake=OrderIntake(uow, reference_data, identifiers, clock),
        queries=Queries(uow),
        clock=clock,
    )
