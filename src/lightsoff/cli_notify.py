"""``lightsoff exceptions escalate``: escalate overdue exception cases now, and send the e-mails that follow.

``serve`` and ``worker`` do the same every ``LIGHTSOFF_ESCALATION_POLL_SECONDS``; this is for doing it
on demand (or from cron, where neither runs).
"""

from __future__ import annotations

import typer
from rich.table import Table

from lightsoff.cli import app, fail, load_settings, out, require_current_schema, running
from lightsoff.services.notifications.escalation import Escalation

exceptions_app = typer.Typer(help="Exception cases.", no_args_is_help=True)
app.add_typer(exceptions_app, name="exceptions")


@exceptions_app.command("escalate")
def exceptions_escalate() -> None:
    """Escalate every case past its due time (once), then e-mail the escalation contacts."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        escalated = lightsoff.notifications.escalator.escalate_overdue()
        _print(escalated)
        notifier = lightsoff.notifications.notifier
        if notifier is None:
            out.print("e-mail: off (no LIGHTSOFF_SMTP_HOST); the escalations are recorded as events")
            return
        done = notifier.run_once()
    if not done.leased:
        out.print("e-mail: another lightsoff process is sending it now")
    elif done.waiting:
        fail(f"{len(done.sent)} e-mail(s) sent, but some wait for a retry: {'; '.join(done.waiting)}")
    else:
        out.print(f"e-mail: {len(done.sent)} sent")


def _print(escalated: list[Escalation]) -> None:
    if not escalated:
        out.print("no overdue case to escalate")
        return
    table = Table("case", "order", "team", "due", "escalation contacts")
    for case in escalated:
        due = case.due_at.isoformat(timespec="minutes")
        table.add_row(case.exception_id, case.order_id, case.team, due, ", ".join(case.notified) or "(none)")
    out.print(f"escalated {len(escalated)} case(s)")
    out.print(table)
