"""Delivery commands: ``lightsoff worker``, ``subscriptions …``, ``dead-letters …`` and ``replay --subscription``.

Kept apart from ``cli.py`` (which imports this module last, to register the commands) so the delivery
commands read as one piece.
"""

from __future__ import annotations

import asyncio
import getpass
import signal
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lightsoff.cli import _audit_cli, app, err, load_settings, out, require_current_schema, running
from lightsoff.delivery.signing import WebhookSecret
from lightsoff.delivery_runtime import run_relay
from lightsoff.documents_runtime import DocumentThread
from lightsoff.domain.errors import ConfigurationError
from lightsoff.domain.subscriptions import DeadLetterFilter, Delivery, SubscriptionKind
from lightsoff.notify_runtime import NotificationThread
from lightsoff.observability.logging import configure_logging
from lightsoff.services.subscriptions import NewSubscription, SubscriptionChange, event_types_given

subscriptions_app = typer.Typer(help="Webhook and broker subscriptions.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Deliveries that ran out of retries.", no_args_is_help=True)
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(dead_letters_app, name="dead-letters")


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="deliveries in flight [env LIGHTSOFF_RELAY_CONCURRENCY]")
    ] = None,
) -> None:
    """Run the delivery relay, case e-mails, escalation and outbound documents until SIGTERM or Ctrl-C."""
    settings = load_settings(relay_concurrency=concurrency)
    configure_logging(settings.log_level, settings.log_format)
    with running(settings) as lightsoff:
        require_current_schema(lightsoff)

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await run_relay(lightsoff, stop)

        notifications = NotificationThread(lightsoff.notifications)
        notifications.start()
        documents = DocumentThread(lightsoff.outbound)
        documents.start()
        try:
            asyncio.run(main())
        finally:
            documents.stop()
            notifications.stop()


@subscriptions_app.command("add")
def subscriptions_add(
    target: Annotated[str, typer.Argument(help="the webhook URL, or with --broker a subject prefix")],
    event_type: Annotated[list[str] | None, typer.Option(help="only these events (repeat); default all")] = None,
    partner: Annotated[list[str] | None, typer.Option(help="only these partners' events (repeat)")] = None,
    secret: Annotated[str | None, typer.Option(help="a whsec_ secret; default: generated")] = None,
    broker: Annotated[bool, typer.Option(help="publish to NATS JetStream under this subject prefix")] = False,
) -> None:
    """Subscribe a webhook (or a broker subject prefix) to events; the signing secret is printed."""
    if secret is not None:
        try:
            WebhookSecret.parse(secret)
        except ConfigurationError as exc:
            raise typer.BadParameter(str(exc), param_hint="--secret") from exc
    kind = SubscriptionKind.BROKER if broker else SubscriptionKind.WEBHOOK
    new = NewSubscription(
        kind, target, event_types_given(event_type or []), tuple(partner) if partner else None, secret
    )
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        subscription = lightsoff.delivery.subscriptions.create(new)
        _audit_cli(lightsoff, "subscriptions.add", subscription.subscription_id)
    out.print(f"subscription_id: {subscription.subscription_id}", highlight=False)
    out.print(f"secret:          {subscription.secrets[0].secret}", highlight=False)


@subscriptions_app.command("list")
def subscriptions_list() -> None:
    """List subscriptions, what they receive and whether they are enabled."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        subscriptions = lightsoff.delivery.subscriptions.all()
    table = Table("subscription_id", "kind", "target", "events", "partners", "status")
    for s in subscriptions:
        status = "enabled" if s.enabled else f"disabled: {s.disabled_reason}"
        partners = ", ".join(s.partners) if s.partners is not None else "all"
        table.add_row(s.subscription_id, s.kind.value, s.target, ", ".join(s.event_types) or "all", partners, status)
    out.print(table)


def _set_enabled(subscription_id: str, enabled: bool) -> None:
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        by = f"cli:{getpass.getuser()}"
        lightsoff.delivery.subscriptions.change(subscription_id, SubscriptionChange(enabled=enabled), by)
        _audit_cli(lightsoff, "subscriptions.enable" if enabled else "subscriptions.disable", subscription_id)
    out.print(f"subscription {subscription_id} {'enabled' if enabled else 'disabled'}")


@subscriptions_app.command("disable")
def subscriptions_disable(subscription_id: str) -> None:
    """Stop delivering; events keep being queued for it."""
    _set_enabled(subscription_id, False)


@subscriptions_app.command("enable")
def subscriptions_enable(subscription_id: str) -> None:
    """Deliver again, catching up on everything queued meanwhile, in order; resolves its open exception case."""
    _set_enabled(subscription_id, True)


def _filter(subscription: str | None, event_type: str | None, since: datetime | None) -> DeadLetterFilter:
    since_utc = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    return DeadLetterFilter(subscription, event_types_given([event_type])[0] if event_type else None, since_utc)


def _dead_letter_table(deliveries: list[Delivery]) -> Table:
    table = Table("id", "subscription", "event", "order/stream", "attempts", "last attempt", "last error")
    for d in deliveries:
        last = d.last_attempt_at.isoformat(timespec="seconds") if d.last_attempt_at else ""
        table.add_row(
            str(d.delivery_id), d.subscription_id, d.event_type, d.stream_id, str(d.attempts), last, d.last_error or ""
        )
    return table


@dead_letters_app.command("list")
def dead_letters_list(
    subscription: Annotated[str | None, typer.Option(help="only this subscription's")] = None,
    event_type: Annotated[str | None, typer.Option(help="only this event type's")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List dead letters, oldest first."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        found = lightsoff.delivery.subscriptions.dead_letters(_filter(subscription, event_type, None), limit=limit)
    out.print(_dead_letter_table(found))


@dead_letters_app.command("show")
def dead_letters_show(delivery_id: int) -> None:
    """A dead letter with every attempt: time, status, latency, error and the start of the response."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        dead = lightsoff.delivery.subscriptions.dead_letter(delivery_id)
    out.print(_dead_letter_table([dead.delivery]))
    table = Table("attempt", "at", "status", "latency ms", "error", "response")
    for a in dead.attempts:
        error = f"{a.error}: {a.detail}" if a.error else ""
        table.add_row(
            str(a.attempt), a.at.isoformat(), str(a.status_code or ""), f"{a.latency_ms:.1f}", error, a.excerpt[:200]
        )
    out.print(table)


@dead_letters_app.command("replay")
def dead_letters_replay(
    delivery_id: Annotated[int | None, typer.Argument(help="one dead letter; or select with the options")] = None,
    subscription: Annotated[str | None, typer.Option(help="every dead letter of this subscription")] = None,
    event_type: Annotated[str | None, typer.Option(help="every dead letter of this event type")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every dead letter")] = False,
) -> None:
    """Queue dead letters again with fresh attempts (once the receiver is fixed)."""
    if delivery_id is None and not (subscription or event_type or all_):
        raise typer.BadParameter("give a dead letter id, --subscription, --event-type or --all")
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        service = lightsoff.delivery.subscriptions
        if delivery_id is not None:
            count = service.replay_dead_letter(delivery_id)
        else:
            count = service.replay_dead_letters(_filter(subscription, event_type, None))
        _audit_cli(lightsoff, "dead_letters.replay", str(delivery_id or subscription or event_type or "all"))
    out.print(f"{count} dead letter(s) queued again")


def resend_to_subscription(subscription_id: str, from_position: int, from_time: datetime | None = None) -> None:
    """``lightsoff replay --subscription ID --from-position N | --from-time T``: queue events again for one
    subscription, with a progress bar."""
    with running(load_settings()) as lightsoff:
        require_current_schema(lightsoff)
        service = lightsoff.delivery.subscriptions
        service.get(subscription_id)
        if from_time is not None:
            from_position = service.position_at(from_time)
        with lightsoff.uow(write=False) as uow:
            last = uow.events.last_position()
        with Progress(
            TextColumn(f"queueing events for {subscription_id}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task("resend", total=max(last - from_position + 1, 0))

            def advance(position: int) -> None:
                progress.update(task, completed=position - from_position + 1)

            queued = lightsoff.delivery.subscriptions.resend(subscription_id, from_position, last, advance)
        _audit_cli(lightsoff, "subscriptions.resend", f"{subscription_id}@{from_position}")
    out.print(f"queued {queued} events from position {from_position} for {subscription_id}; the relay sends them")
