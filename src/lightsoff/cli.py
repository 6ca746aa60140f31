"""The one command-line entry point: ``lightsoff serve | db upgrade | replay | orders submit | config check``.

Errors are one readable line and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from lightsoff.api.app import create_app
from lightsoff.bootstrap import Lightsoff, SystemClock, bootstrap
from lightsoff.config.loader import load_reference_data
from lightsoff.demo import CONFIG_DIR as DEMO_CONFIG_DIR
from lightsoff.domain.errors import ConfigurationError, LightsoffError
from lightsoff.domain.messages import MessageOutcome
from lightsoff.observability.logging import configure_logging
from lightsoff.services.intake import Submission
from lightsoff.services.replay import rebuild_read_models
from lightsoff.settings import Settings
from lightsoff.store import migrate

app = typer.Typer(
    help="lightsoff: the integration layer between customer orders and the shop floor.", no_args_is_help=True
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
orders_app = typer.Typer(help="Customer orders.", no_args_is_help=True)
config_app = typer.Typer(help="Partner profiles, product master, routing.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(orders_app, name="orders")
app.add_typer(config_app, name="config")

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


@contextmanager
def running(settings: Settings) -> Iterator[Lightsoff]:
    lightsoff = bootstrap(settings)
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
    settings = load_settings(host=host, port=port)
    if demo and settings.config_dir is None:
        settings = settings.model_copy(update={"config_dir": DEMO_CONFIG_DIR})
    configure_logging(settings.log_level, settings.log_format)
    lightsoff = bootstrap(settings)
    require_current_schema(lightsoff)
    print_banner(lightsoff)
    uvicorn.run(
        create_app(lightsoff),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
    )


def print_banner(lightsoff: Lightsoff) -> None:
    settings = lightsoff.settings
    base = f"http://{settings.host}:{settings.port}"
    partners = lightsoff.reference_data.partners()
    out.print(f"[bold]lightsoff[/] on {base}  (database: {_safe_url(settings.effective_database_url)})")
    out.print(f"  API docs:  {base}/docs   OpenAPI: {base}/openapi.json")
    out.print(f"  partners:  {', '.join(p.code for p in partners) or 'none (set LIGHTSOFF_CONFIG_DIR)'}")
    if any(p.code == "ACME" for p in partners):
        out.print("  try it:", style="bold")
        out.print(demo_curl(base, lightsoff), soft_wrap=True, highlight=False, markup=False)


def demo_curl(base: str, lightsoff: Lightsoff) -> str:
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
        f"curl -sS -X POST {base}/v1/orders -H 'Content-Type: application/json' "
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
def replay() -> None:
    """Rebuild the read models (orders, cross-references, exception cases) from the event log."""
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
    try:
        data = load_reference_data(folder)
    except ConfigurationError as exc:
        for problem in exc.problems:
            err.print(problem, highlight=False, markup=False)
        fail(f"{len(exc.problems)} problem(s) in {folder}")
    else:
        out.print(f"{folder}: {len(data.partners())} partners, {len(data.products())} products: all valid")


def main() -> None:
    guarded(app)


def guarded(command: Callable[[], T]) -> None:
    try:
        command()
    except (CliError, LightsoffError) as exc:
        err.print(f"lightsoff: error: {exc}", highlight=False, markup=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
