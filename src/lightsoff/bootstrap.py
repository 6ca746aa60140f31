"""The composition root: the one place that builds lightsoff from settings.

Nothing in lightsoff creates an engine, a client or reads settings at import time; ``bootstrap``
does it, once, for the server, the CLI and the tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lightsoff.config.loader import load_reference_data
from lightsoff.delivery_runtime import DeliveryServices, build_delivery
from lightsoff.documents_runtime import OutboundDocuments, build_outbound
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.identifiers import IdFormat
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.domain.security import Role
from lightsoff.notify_runtime import Notifications, build_notifications
from lightsoff.services.acknowledgements import AcknowledgementWatch
from lightsoff.services.audit_trail import AuditTrail
from lightsoff.services.clients import ClientAdministration, new_secret
from lightsoff.services.documents import DocumentIssuer
from lightsoff.services.exception_desk import ExceptionDesk
from lightsoff.services.identifiers import IdentifierService, SsccSettings
from lightsoff.services.inbound import DocumentIntake
from lightsoff.services.intake import OrderIntake, new_uuid
from lightsoff.services.keyring import Keyring
from lightsoff.services.order_rules import OrderRules
from lightsoff.services.ports import Clock, UnitOfWorkFactory
from lightsoff.services.queries import Queries
from lightsoff.services.rate_limits import RateLimiter
from lightsoff.services.reference_queries import ReferenceQueries
from lightsoff.services.rerun import DocumentRerun
from lightsoff.services.shipments import ShipmentDesk
from lightsoff.services.subscription_cases import SubscriptionCases
from lightsoff.services.tokens import Authenticator, ClientRegistry, TokenIssuer, TokenSettings
from lightsoff.settings import Settings
from lightsoff.store import migrate
from lightsoff.store.dry_run import RolledBackUnitsOfWork
from lightsoff.store.engine import Database, connect
from lightsoff.store.factory import SqlUnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Security:
    """Who is calling and what they may do: clients, tokens, rates, the audit trail."""

    clients: ClientAdministration
    registry: ClientRegistry
    keyring: Keyring
    tokens: TokenIssuer
    authenticator: Authenticator
    rates: RateLimiter
    failed_logins: RateLimiter
    audit: AuditTrail
    enabled: bool


@dataclass(frozen=True, slots=True)
class Lightsoff:
    """Everything a running lightsoff is made of, assembled."""

    settings: Settings
    database: Database
    uow: SqlUnitOfWorkFactory
    reference_data: ReferenceData
    identifiers: IdentifierService
    intake: OrderIntake
    exceptions: ExceptionDesk
    documents: DocumentIssuer
    shipments: ShipmentDesk
    outbound: OutboundDocuments
    """Order responses for decided orders, and delivery of issued documents to partners' folders."""
    inbound: DocumentIntake
    rerun: DocumentRerun
    """Archived inbound documents run again through today's configuration, for real or dry."""
    """Documents partners send (X12, EDIFACT, CSV, XLSX, e-mail): orders in, acknowledgements back."""
    queries: Queries
    reference: ReferenceQueries
    """The configuration in force: partner profiles and the product master."""
    security: Security
    clock: Clock
    delivery: DeliveryServices
    notifications: Notifications

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
        document_format=IdFormat("document", settings.document_id_format),
        sscc=SsccSettings(settings.gs1_company_prefix, settings.sscc_extension_digit),
    )
    rules = OrderRules(reference_data, identifiers, clock)
    delivery = build_delivery(settings, database, clock, SubscriptionCases(reference_data, identifiers, new_uuid))
    intake = OrderIntake(uow, rules, clock)
    documents = DocumentIssuer(identifiers, clock, new_uuid)

    def inbound_on(units: UnitOfWorkFactory) -> DocumentIntake:
        order_intake = intake if units is uow else OrderIntake(units, rules, clock)
        return DocumentIntake(
            units, order_intake, documents, reference_data, clock, new_uuid, max_bytes=settings.max_document_bytes
        )

    inbound = inbound_on(uow)
    watch = AcknowledgementWatch(uow, reference_data, identifiers, clock, new_uuid)
    notifications = replace(
        build_notifications(settings, database, uow, reference_data, clock, new_uuid),
        acknowledgements=watch,
        check_every=settings.acknowledgement_poll_seconds,
    )
    return Lightsoff(
        settings=settings,
        database=database,
        uow=uow,
        reference_data=reference_data,
        identifiers=identifiers,
        intake=intake,
        exceptions=ExceptionDesk(
            uow, rules, clock, new_uuid, prepare=rules.prepare, subscriptions=delivery.subscriptions
        ),
        documents=documents,
        inbound=inbound,
        rerun=DocumentRerun(uow, inbound, inbound_on, lambda: RolledBackUnitsOfWork(database)),
        shipments=ShipmentDesk(uow, reference_data, identifiers, documents, clock, new_uuid),
        outbound=build_outbound(settings, database, uow, reference_data, documents, clock, new_uuid),
        queries=Queries(uow),
        reference=ReferenceQueries(reference_data),
        security=_security(settings, uow, clock),
        clock=clock,
        delivery=delivery,
        notifications=notifications,
    )


def _security(settings: Settings, uow: SqlUnitOfWorkFactory, clock: Clock) -> Security:
    tokens = TokenSettings(
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.token_ttl_seconds,
        external_issuer=settings.oidc_issuer,
        external_audience=settings.oidc_audience,
        external_jwks_url=settings.oidc_jwks_url,
        external_partners_claim=settings.oidc_partners_claim,
    )
    keyring = Keyring(uow, clock)
    registry = ClientRegistry(uow, settings.client_refresh_seconds)
    return Security(
        clients=ClientAdministration(uow, clock, on_change=registry.invalidate),
        registry=registry,
        keyring=keyring,
        tokens=TokenIssuer(uow, keyring, clock, tokens),
        authenticator=Authenticator(registry, keyring, clock, tokens),
        rates=RateLimiter(settings.default_rate_per_second, settings.rate_burst_seconds),
        failed_logins=RateLimiter(settings.failed_auth_per_minute / 60, burst_seconds=60),
        audit=AuditTrail(uow),
        enabled=not settings.insecure_no_auth,
    )


def ensure_demo_client(lightsoff: Lightsoff) -> tuple[str, str]:
    """The demo admin client's id and secret: from settings, or generated once and kept in the data folder."""
    settings = lightsoff.settings
    path = settings.data_dir / "demo-client.secret"
    secret = settings.demo_client_secret.get_secret_value() if settings.demo_client_secret else None
    if secret is None:
        if not path.exists():
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(new_secret())
        secret = path.read_text().strip()
    clients = lightsoff.security.clients
    if clients.has(settings.demo_client_id) and not clients.has_secret(settings.demo_client_id, secret):
        given = "LIGHTSOFF_DEMO_CLIENT_SECRET" if settings.demo_client_secret else str(path)
        raise ConfigurationError(
            [
                f"the demo client {settings.demo_client_id!r} exists with a secret other than {given}: set "
                "LIGHTSOFF_DEMO_CLIENT_SECRET to the secret it was created with, or choose another "
                "LIGHTSOFF_DEMO_CLIENT_ID"
            ]
        )
    clients.ensure(settings.demo_client_id, secret, "Demo administrator", [Role.ADMIN])
    return settings.demo_client_id, secret
