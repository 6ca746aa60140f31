"""``lightsoff watch`` (partners' drop folders) and ``lightsoff inbound rerun`` (an archived document again).

Errors are one readable line and a non-zero exit code, like every command (see cli.py).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from lightsoff.background import stop_on_ctrl_c
from lightsoff.bootstrap import Lightsoff
from lightsoff.cli import (
    app,
    audited,
    configured_watcher,
    err,
    fail,
    load_settings,
    out,
    prepared,
    require_current_schema,
    running,
)
from lightsoff.connectors.folder import FileHandled, FolderWatcher, WatchEvent
from lightsoff.observability.logging import configure_logging
from lightsoff.services.rerun import OrderSide, RerunReport
from lightsoff.settings import Settings
from lightsoff.watch_runtime import describe

inbound_app = typer.Typer(help="Inbound documents (EDI, spreadsheets, e-mail) in the archive.", no_args_is_help=True)
app.add_typer(inbound_app, name="inbound")


@app.command()
def watch(
    once: Annotated[bool, typer.Option(help="take in what is whole now, then stop (for cron)")] = False,
) -> None:
    """Watch every partner's drop folder (documents.inbound_folder) and take in the files that appear."""
    stop_on_ctrl_c()
    with running(logged(load_settings())) as lightsoff:
        require_current_schema(lightsoff)
        watcher = _watcher(lightsoff)
        settings = lightsoff.settings
        names = ", ".join(f"{folder.partner} {folder.path}" for folder in watcher.folders)
        out.print(f"watching {len(watcher.folders)} drop folder(s): {names}", highlight=False, markup=False)
        if once:
            events = watcher.scan()
            time.sleep(settings.watch_settle_seconds + settings.watch_poll_seconds)
            for event in events + watcher.scan():
                _print(event)
            return
        try:
            with err.status("watching for files (Ctrl-C stops)", spinner="dots"):
                watcher.run(_pause, _print)
        except KeyboardInterrupt:
            out.print("stopped")


def logged(settings: Settings) -> Settings:
    """Log lines (the intake's among them) go to stderr, as in ``serve``: stdout is the command's answer.

    The command prints a line per file itself, so the intake's info lines are left out unless
    LIGHTSOFF_LOG_LEVEL asks for them.
    """
    level = settings.log_level if "log_level" in settings.model_fields_set else "warning"
    configure_logging(level, settings.log_format)
    return settings


def _watcher(lightsoff: Lightsoff) -> FolderWatcher:
    watcher = configured_watcher(lightsoff)
    if not watcher.folders:
        fail(
            "no partner has a drop folder: give one a documents.inbound_folder in its profile "
            "(docs/configuration.md), and set LIGHTSOFF_CONFIG_DIR"
        )
    prepared(watcher)
    return watcher


def _pause(seconds: float) -> bool:
    time.sleep(seconds)
    return False


def _print(event: WatchEvent) -> None:
    style = "green" if isinstance(event, FileHandled) and not event.failed else "yellow"
    stamp = datetime.now().strftime("%H:%M:%S")
    out.print(f"[dim]{stamp}[/] [{style}]{_escape(describe(event))}[/]", highlight=False)


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


@inbound_app.command("rerun")
def inbound_rerun(
    message_id: Annotated[str, typer.Argument(help="the archived document's message id (GET /v1/messages/{id})")],
    dry_run: Annotated[bool, typer.Option(help="change nothing; show what it would become now")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Run an archived inbound document again through today's mappings and rules; then and now side by side."""
    with running(logged(load_settings())) as lightsoff:
        require_current_schema(lightsoff)
        with audited(lightsoff, "inbound.rerun", message_id, dry_run=str(dry_run).lower()):
            report = lightsoff.rerun.rerun(message_id, dry_run=dry_run)
    if as_json:
        out.print_json(data=report.to_data())
        return
    _print_report(report)


def _print_report(report: RerunReport) -> None:
    if report.dry_run:
        kept = "dry run: nothing was kept"
    else:
        kept = f"taken in again as message {report.rerun_message_id}"
        if report.acknowledgement:
            kept += f", acknowledgement {report.acknowledgement}"
    out.print(f"message {report.message_id} ({kept})", highlight=False, markup=False)
    out.print(f"outcome then: {report.then_outcome}   now: {report.now_outcome}", highlight=False, markup=False)
    for label, problems in (("then", report.then_problems), ("now", report.now_problems)):
        for problem in problems:
            where, what = problem.get("location", "?"), problem.get("message", "")
            out.print(f"  problem {label}: {where}: {what}", highlight=False, markup=False)
    if not report.orders:
        out.print("no orders in the document, then or now")
        return
    table = Table("order", "then", "now", "changes", show_lines=True)
    for order in report.orders:
        table.add_row(
            f"{order.reference}\n[dim]{_escape(order.location)}[/]",
            _side(order.then),
            _side(order.now),
            _escape("\n".join(order.changes) or "none"),
        )
    out.print(table)


def _side(side: OrderSide | None) -> str:
    if side is None:
        return "(not in the document)"
    lines = [f"[bold]{side.status}[/] {side.order_id or ''}".rstrip()]
    for line in side.lines:
        item = line["sku"] or "?"
        if line["customer_sku"]:
            item = f"{line['customer_sku']} → {item}"
        rejected = f" rejected: {line['rejected']}" if line["rejected"] else ""
        lines.append(_escape(f"{line['line_no']}: {item} {line['quantity']} {line['uom']}{rejected}"))
    lines += [_escape(f"case {case['exception_id']} {case['category']}") for case in side.exceptions]
    for problem in side.problems:
        lines.append(_escape(f"{problem.get('code')}: {problem.get('path') or problem.get('location', '')}"))
    return "\n".join(lines)
