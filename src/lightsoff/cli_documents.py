"""``lightsoff documents check-acknowledgements``: raise a case for each document not acknowledged in time.

``serve`` and ``worker`` do the same every ``LIGHTSOFF_ACKNOWLEDGEMENT_POLL_SECONDS``; this is for doing it
on demand (or from cron, where neither runs).
"""

from __future__ import annotations

import typer
from rich.table import Table

from lightsoff.cli import app, load_settings, out, require_current_schema, running

documents_app = typer.Typer(help="Documents exchanged with partners.", no_args_is_help=True)
app.add_typer(documents_app, name="documents")


@documents_app.command("check-acknowledgements")
def check_acknowledgements() -> None:
    """Raise a document_unacknowledged case for each document past its partner's acknowledgement window."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        watch = lightsoff.notifications.acknowledgements
        assert watch is not None, "bootstrap always sets the acknowledgement watch"
        overdue = watch.check()
    if not overdue:
        out.print("every document sent is acknowledged or still within its partner's window")
        return
    table = Table("document", "partner", "kind", "control number", "sent", "case")
    for item in overdue:
        sent = item.created_at.isoformat(timespec="minutes")
        table.add_row(item.document_id, item.partner, item.kind, item.control_number, sent, item.exception_id)
    out.print(f"{len(overdue)} document(s) not acknowledged in time; a case was raised for each")
    out.print(table)
