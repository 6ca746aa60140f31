"""The one command-line entry point: ``lightsoff serve | db upgrade | replay | orders submit | config check``…

More commands register from ``cli_*.py`` (delivery, notifications, documents, ``watch`` and ``inbound rerun``).

Errors are one readable line and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from lightsoff.api.app import create_app
from lightsoff.background import BackgroundThread, stop_on_ctrl_c
from lightsoff.bootstrap import Lightsoff, SystemClock, bootstrap, ensure_demo_client
from lightsoff.config.loader import load_reference_data
from lightsoff.connectors.folder import FolderWatcher
from lightsoff.delivery_runtime import RelayThread
from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from lightsoff.documents_runtime import DocumentThread
from lightsoff.domain.audit import AuditEntry
from lightsoff.domain.errors import ConfigurationError, LightsoffError
from lightsoff.domain.messages import MessageOutcome
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.domain.security import Role
from lightsoff.notify_runtime import NotificationThread
from lightsoff.observability.logging import configure_logging
from lightsoff.services.intake import Submission
from lightsoff.services.replay import rebuild_read_models
from lightsoff.settings import Settings
from lightsoff.store import migrate
from lightsoff.watch_runtime import WatchThread, build_watcher

app = typer.Typer(
    help="lightsoff: the integration layer between customer orders and the shop floor.", no_args_is_help=True
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
orders_app = typer.Typer(help="Customer orders.", no_args_is_help=True)
config_app = typer.Typer(help="Partner profiles, product master, routing.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(orders_app, name="orders")
app.add_typer(config_app, name="config")
clients_app = typer.Typer(help="Clients (callers of the API) and their API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
app.add_typer(audit_app, name="audit")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


class CliError(Exception):
    """A failure to report as one line."""


def fail(message: str) -> None:
    raise CliError(message)


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = [f"LIGHTSOFF_{'_'.join(map(str, e['loc'])).upper() or 'SETTINGS'}: {e['msg']}" for e in exc.errors()]
        raise CliError("invalid settings: " + "; ".join(problems)) from exc


def checked_configuration(folder: Path | None) -> ReferenceData:
    """The configuration in ``folder``; else every problem on a line of its own, then one error line.

    ``config check`` and every command that starts lightsoff (``serve`` among them) report a broken
    configuration this one way.
    """
    if folder is None:
        return ReferenceData()
    try:
        return load_reference_data(folder)
    except ConfigurationError as exc:
        for problem in exc.problems:
            err.print(problem, highlight=False, markup=False, soft_wrap=True)
        raise CliError(f"{len(exc.problems)} problem(s) in {folder}") from exc


def assemble(settings: Settings) -> Lightsoff:
    return bootstrap(settings, reference_data=checked_configuration(settings.config_dir))


@contextmanager
def running(settings: Settings) -> Iterator[Lightsoff]:
    lightsoff = assemble(settings)
    try:
        yield lightsoff
    finally:
        lightsoff.close()


def require_current_schema(lightsoff: Lightsoff) -> None:
    current = migrate.current_revision(lightsoff.database)
    if current != migrate.head_revision():
        fail(
            f"the database schema is at {current or 'nothing'} but this lightsoff needs {migrate.head_revision()}: "
            "run `lightsoff db upgrade` first"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="listen address [env LIGHTSOFF_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="listen port [env LIGHTSOFF_PORT]")] = None,
    demo: Annotated[bool, typer.Option(help="load the demo configuration unless LIGHTSOFF_CONFIG_DIR is set")] = False,
) -> None:
    """Serve the API (and, in the embedded default, everything else in the same process)."""
    stop_on_ctrl_c()
    settings = load_settings(host=host, port=port)
    if demo and settings.config_dir is None:
        settings = settings.model_copy(update={"config_dir": DEMO_CONFIG_DIR})
    configure_logging(settings.log_level, settings.log_format)
    lightsoff = assemble(settings)
    require_current_schema(lightsoff)
    watcher = configured_watcher(lightsoff)
    watching = WatchThread(prepared(watcher, strict=False)) if watcher.folders else None
    credentials = demo_client(lightsoff) if demo and lightsoff.security.enabled else None
    print_banner(lightsoff, credentials)
    background: list[RelayThread | BackgroundThread] = []
    try:  # Ctrl-C may come while these start: whatever started is stopped
        if settings.relay_embedded:
            background.append(RelayThread(lightsoff))
            background[-1].start()
        for loop in (NotificationThread(lightsoff.notifications), watching, DocumentThread(lightsoff.outbound)):
            if loop is not None:
                background.append(loop)
                loop.start()
        uvicorn.run(
            create_app(lightsoff),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            access_log=False,
            server_header=False,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    except KeyboardInterrupt:  # before uvicorn took Ctrl-C over (after, it stops by itself): a clean stop
        return
    finally:
        for started in reversed(background):
            started.stop()


def configured_watcher(lightsoff: Lightsoff) -> FolderWatcher:
    """The drop-folder watcher of the partners' profiles; partners sharing a folder: one error line."""
    try:
        return build_watcher(lightsoff)
    except ConfigurationError as exc:
        raise CliError("; ".join(exc.problems)) from exc


def prepared(watcher: FolderWatcher, *, strict: bool = True) -> FolderWatcher:
    """The watcher, its folders created where missing. A folder that cannot be used: one error line
    (``strict``, ``lightsoff watch``), or a warning, the folder watched until it can be (``serve``, whose
    API should not stay down for an unmounted share)."""
    problems = watcher.prepare()
    if problems and strict:
        raise CliError("cannot use " + "; ".join(problems))
    for problem in problems:
        err.print(f"lightsoff: warning: cannot use {problem} now; it is watched until it can be", markup=False)
    return watcher


def demo_client(lightsoff: Lightsoff) -> tuple[str, str]:
    """The demo admin client's credentials; creating it is audited like ``clients add``."""
    client_id = lightsoff.settings.demo_client_id
    if lightsoff.security.clients.has(client_id):
        return ensure_demo_client(lightsoff)
    with audited(lightsoff, "clients.add", client_id, via="serve --demo"):
        return ensure_demo_client(lightsoff)


def print_banner(lightsoff: Lightsoff, credentials: tuple[str, str] | None) -> None:
    settings = lightsoff.settings
    base = f"http://{settings.host}:{settings.port}"
    partners = lightsoff.reference_data.partners()
    out.print(f"[bold]lightsoff[/] on {base}  (database: {_safe_url(settings.effective_database_url)})")
    out.print(f"  API docs:  {base}/docs   OpenAPI: {base}/openapi.json")
    out.print(f"  partners:  {', '.join(p.code for p in partners) or 'none (set LIGHTSOFF_CONFIG_DIR)'}")
    notifier = lightsoff.notifications.notifier
    mail = f"e-mail via {notifier.mailer.describe()}" if notifier else "off (no LIGHTSOFF_SMTP_HOST)"
    out.print(f"  exception notifications: {mail}", highlight=False, markup=False)
    folders = [p for p in partners if p.documents.inbound_folder]
    if folders:
        watched = ", ".join(f"{p.code} {settings.data_dir / str(p.documents.inbound_folder)}" for p in folders)
        out.print(f"  drop folders watched: {watched}", highlight=False, markup=False)
    outbound = outbound_summary(lightsoff)
    if outbound:
        out.print(f"  documents to partners: {outbound}", highlight=False, markup=False, soft_wrap=True)
    if not lightsoff.security.enabled:
        out.print("  [bold red]authentication and audit are OFF (LIGHTSOFF_INSECURE_NO_AUTH)[/]")
    if credentials is not None:
        client_id, secret = credentials
        out.print(f"  demo client (admin): id {client_id}  secret {secret}", highlight=False, markup=False)
    if any(p.code == "ACME" for p in partners):
        out.print("  try it (bash):", style="bold")
        for line in demo_commands(base, credentials):
            out.print(line, soft_wrap=True, highlight=False, markup=False)


def outbound_summary(lightsoff: Lightsoff) -> str:
    """Who gets which documents, and where they are written: ``ACME x12 855/856 → data/outbound/ACME``."""
    parts = []
    for partner in lightsoff.reference_data.partners():
        profile = partner.documents
        kinds = [
            kind
            for kind, wanted in (("order responses", profile.order_response), ("ship notices", profile.ship_notice))
            if wanted
        ]
        if profile.outbound_format is None or not kinds:
            continue
        folder = lightsoff.outbound.delivery.folder(partner.code)
        where = f" → {folder}" if folder is not None else ""
        parts.append(f"{partner.code} {profile.outbound_format} {' and '.join(kinds)}{where}")
    return "; ".join(parts)


def demo_commands(base: str, credentials: tuple[str, str] | None) -> list[str]:
    """Commands that work as printed: get a token with the demo client, then submit a demo order."""
    if credentials is None:
        return [demo_curl(base, "")]
    client_id, secret = credentials
    token = (
        f"TOKEN=$(curl -sS -u {client_id}:{secret} -d grant_type=client_credentials {base}/oauth/token"
        " | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )
    return [token, demo_curl(base, ' -H "Authorization: Bearer $TOKEN"')]


def demo_curl(base: str, auth: str) -> str:
    today = SystemClock().now().date()
    order = {
        "partner": "ACME",
        "po_number": f"DEMO-{today:%Y%m%d}",
        "order_date": today.isoformat(),
        "requested_ship_date": (today + timedelta(days=14)).isoformat(),
        "ship_to": {"code": "ACME-DC-NORTH"},
        "lines": [
            {"line_no": 1, "sku": "WID-100", "quantity": 120, "uom": "EA"},
            {"line_no": 2, "customer_sku": "A-7788", "quantity": 500, "uom": "EA"},
        ],
    }
    return (
        f"curl -sS -X POST {base}/v1/orders -H 'Content-Type: application/json'{auth} "
        f"-d '{json.dumps(order, separators=(',', ':'))}'"
    )


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the version this lightsoff needs."""
    settings = load_settings()
    with running(settings) as lightsoff:
        before = migrate.current_revision(lightsoff.database)
        migrate.upgrade(lightsoff.database)
        after = migrate.current_revision(lightsoff.database)
    where = _safe_url(settings.effective_database_url)
    change = "up to date at" if before == after else f"migrated from {before or 'empty'} to"
    out.print(f"database {where}: {change} {after}")


@app.command()
def replay(
    subscription: Annotated[str | None, typer.Option(help="re-send events to this subscription instead")] = None,
    from_position: Annotated[int, typer.Option(min=1, help="with --subscription: the first event position")] = 1,
    from_time: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
            help="with --subscription: the events recorded from this time on (ISO 8601; UTC unless an offset is given)",
        ),
    ] = None,
) -> None:
    """Rebuild the read models from the event log; or, with --subscription, send events to it again."""
    if from_time is not None and subscription is None:
        raise typer.BadParameter("--from-time re-sends events to a subscription: give --subscription too")
    if subscription is not None:
        from lightsoff.cli_delivery import resend_to_subscription  # noqa: PLC0415 - it imports this module

        at = from_time.replace(tzinfo=from_time.tzinfo or UTC) if from_time is not None else None
        resend_to_subscription(subscription, from_position, at)
        return
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        with Progress(
            TextColumn("replaying events"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task("replay", total=None)

            def advance(position: int, last: int) -> None:
                progress.update(task, completed=position, total=last)

            report = rebuild_read_models(lightsoff.uow, advance)
    out.print(
        f"replayed {report.events} events: {report.orders} orders, {report.exception_cases} exception cases rebuilt"
    )


@orders_app.command("submit")
def orders_submit(
    file: Annotated[Path, typer.Argument(help="a canonical JSON order", exists=True, dir_okay=False, readable=True)],
    idempotency_key: Annotated[str | None, typer.Option(help="makes a retry safe")] = None,
) -> None:
    """Submit an order file through the same intake as POST /v1/orders; print what it became."""
    settings = load_settings()
    if settings.config_dir is None:
        settings = settings.model_copy(update={"config_dir": DEMO_CONFIG_DIR})
    with running(settings) as lightsoff:
        require_current_schema(lightsoff)
        result = lightsoff.intake.submit(
            Submission(
                body=file.read_bytes(),
                content_type="application/json",
                channel="cli",
                idempotency_key=idempotency_key,
            )
        )
    summary: dict[str, Any] = {"outcome": result.outcome.value, "message_id": result.message_id}
    if result.order is not None:
        summary |= {"order_id": result.order.order_id, "status": result.order.status.value}
    summary["exceptions"] = [case.to_data() for case in result.exceptions]
    summary["errors"] = [problem.to_data() for problem in result.problems]
    if result.conflict_reason:
        summary["conflict"] = result.conflict_reason
    out.print_json(data=summary)
    if result.outcome in (MessageOutcome.REJECTED, MessageOutcome.CONFLICT):
        raise typer.Exit(1)


@config_app.command("check")
def config_check(
    config_dir: Annotated[Path | None, typer.Argument(help="default: LIGHTSOFF_CONFIG_DIR, else the demo")] = None,
) -> None:
    """Validate partner profiles, the product master and routing; print every problem."""
    folder = config_dir or load_settings().config_dir or DEMO_CONFIG_DIR
    data = checked_configuration(folder)
    counts = f"{len(data.partners())} partners, {len(data.products())} products, {len(data.teams())} teams"
    out.print(f"{folder}: {counts}: all valid", highlight=False)


@clients_app.command("add")
def clients_add(
    name: Annotated[str, typer.Argument(help="who the client is, e.g. 'Lobster orchestrator'")],
    role: Annotated[list[Role], typer.Option(help="repeat for several")],
    partner: Annotated[list[str] | None, typer.Option(help="confine to these partners (repeat); default: all")] = None,
    allow: Annotated[list[str] | None, typer.Option(help="allowed source network, CIDR (repeat); default: any")] = None,
    rate: Annotated[
        float | None, typer.Option(help="requests per second; default: LIGHTSOFF_DEFAULT_RATE_PER_SECOND")
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="default: derived from the name")] = None,
) -> None:
    """Register a client; its secret is printed once and stored only as a hash."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        with audited(lightsoff, "clients.add", client_id or name) as action:
            registration = lightsoff.security.clients.register(
                name,
                role,
                client_id=client_id,
                partners=partner or None,
                ip_allowlist=allow or (),
                rate_per_second=rate,
            )
            action.resource = registration.client.client_id
    out.print(f"client_id:     {registration.client.client_id}", highlight=False)
    out.print(f"client_secret: {registration.secret}", highlight=False)
    out.print("The secret is shown this once; store it now.", style="bold")


@clients_app.command("list")
def clients_list() -> None:
    """List clients, their roles, partners and allowlists (never secrets)."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        clients = lightsoff.security.clients.clients()
    table = Table("client_id", "name", "roles", "partners", "allowlist", "rate/s", "status")
    for client in clients:
        table.add_row(
            client.client_id,
            client.name,
            ", ".join(client.roles),
            ", ".join(client.partners) if client.partners is not None else "all",
            ", ".join(client.ip_allowlist) or "any",
            f"{client.rate_per_second:g}" if client.rate_per_second else "default",
            "enabled" if client.enabled else "disabled",
        )
    out.print(table)


@clients_app.command("disable")
def clients_disable(client_id: str) -> None:
    """Disable a client: its tokens and keys stop working within seconds."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        with audited(lightsoff, "clients.disable", client_id):
            lightsoff.security.clients.disable(client_id)
    out.print(f"client {client_id} disabled")


@clients_app.command("new-key")
def clients_new_key(client_id: str) -> None:
    """Create an API key for a client (the same scopes as the client); printed once."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        with audited(lightsoff, "clients.new_key", client_id) as action:
            issued = lightsoff.security.clients.new_api_key(client_id)
            action.resource = f"{client_id}/{issued.key_id}"
    out.print(f"api_key: {issued.key}", highlight=False)
    out.print("The key is shown this once; store it now.", style="bold")


@clients_app.command("revoke-key")
def clients_revoke_key(key_id: str) -> None:
    """Revoke an API key by its id (the part after lsk_ and before the next _)."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        with audited(lightsoff, "clients.revoke_key", key_id):
            lightsoff.security.clients.revoke_api_key(key_id)
    out.print(f"API key {key_id} revoked")


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[str | None, typer.Option(help="a head hash printed by an earlier verify")] = None,
) -> None:
    """Check the audit trail's hash chain; print its length and head hash.

    When it does not hold: every break on stdout, one line on stderr naming the first, exit 2.
    """
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        columns = (TextColumn("verifying audit trail"), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("verify", total=None)
            report = lightsoff.security.audit.verify(lambda count: progress.update(task, completed=count), expect_head)
    if report.intact:
        out.print(f"{report.entries} entries; head {report.head_hash}", highlight=False)
        return
    for chain_break in report.breaks:
        out.print(f"entry {chain_break.sequence}: {chain_break.reason}", highlight=False)
    first, more = report.breaks[0], len(report.breaks) - 1
    others = f" (and {more} more break{'s' if more > 1 else ''}, listed above)" if more else ""
    fail(f"the audit trail does not hold: entry {first.sequence}: {first.reason}{others}")


@dataclass
class CliAction:
    resource: str


@contextmanager
def audited(lightsoff: Lightsoff, action: str, resource: str, **detail: str) -> Iterator[CliAction]:
    """Record an administration action in the audit trail: ``ok``, or ``failed`` with the error's kind."""
    done = CliAction(resource)
    try:
        yield done
    except Exception as exc:
        _audit_cli(lightsoff, action, done.resource, "failed", detail | {"error": type(exc).__name__})
        raise
    _audit_cli(lightsoff, action, done.resource, "ok", detail)


def _audit_cli(
    lightsoff: Lightsoff, action: str, resource: str, outcome: str = "ok", detail: dict[str, str] | None = None
) -> None:
    actor = f"cli:{getpass.getuser()}"
    entry = AuditEntry(lightsoff.clock.now(), actor, "cli", action, resource, outcome, detail=detail or None)
    lightsoff.security.audit.record(entry)


def main() -> None:
    guarded(app)


def guarded(command: Callable[[], T]) -> None:
    try:
        command()
    except (CliError, LightsoffError) as exc:
        err.print(f"lightsoff: error: {exc}", highlight=False, markup=False)
        sys.exit(2)


from lightsoff import cli_delivery, cli_documents, cli_notify, cli_watch  # noqa: E402, F401 - they register their commands on ``app``

if __name__ == "__main__":
    # Run as ``python -m lightsoff.cli``, this file is ``__main__``; the delivery commands register on the
    # ``lightsoff.cli`` module's app, so run that one.
    from lightsoff.cli import main as registered_main

    registered_main()
