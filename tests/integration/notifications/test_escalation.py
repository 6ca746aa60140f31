"""Escalation of overdue cases, on SQLite and PostgreSQL: once, whoever runs it and however often."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from lightsoff.bootstrap import Lightsoff
from lightsoff.services.notifications.escalation import Escalation
from lightsoff.testing import FakeClock
from tests.factories import line, order_json
from tests.integration.notifications.conftest import MailServer, notifier, raised_message_ids, submit


def order_with_unknown_sku(sku: str = "NOPE") -> dict[str, object]:
    return order_json(lines=[line(1, sku="WID-100"), line(2, sku=sku)])


def stream(app: Lightsoff, exception_id: str) -> list[str]:
    with app.uow(write=False) as uow:
        return [event.name for event in uow.events.read_stream(exception_id)]


def test_an_overdue_case_is_escalated_once_with_a_mail_to_the_escalation_contact(
    app: Lightsoff, mail_server: MailServer, clock: FakeClock
) -> None:
    [case] = submit(app, order_with_unknown_sku()).exceptions
    notifier(app).run_once()
    clock.advance(timedelta(hours=4))
    assert app.notifications.escalator.escalate_overdue() == [], "due, not yet overdue"
    clock.advance(timedelta(seconds=1))

    escalated = app.notifications.escalator.escalate_overdue()
    again = app.notifications.escalator.escalate_overdue()

    assert escalated == [
        Escalation(case.exception_id, case.order_id, "master_data", case.due_at, ("md-lead@plant.example",))
    ]
    assert again == []
    assert stream(app, case.exception_id) == ["exception.raised", "exception.escalated"]
    assert len(notifier(app).run_once().sent) == 1
    assert notifier(app).run_once().sent == []
    [mail] = mail_server.to("md-lead@plant.example")
    assert mail.recipients == ("md-lead@plant.example",)
    assert str(mail.message["Subject"]).startswith(f"[lightsoff] Overdue: {case.exception_id}")
    assert mail.message["In-Reply-To"] == raised_message_ids(app)[case.exception_id]
    assert "is still open" in mail.text


def test_escalations_running_at_once_in_two_processes_escalate_a_case_once(
    start: Callable[..., Lightsoff], clock: FakeClock
) -> None:
    apps = [start(), start()]  # two engines and pools, as two processes have
    cases = [submit(apps[0], order_with_unknown_sku(sku)).exceptions[0] for sku in ("A", "B", "C")]
    clock.advance(timedelta(hours=5))
    barrier = threading.Barrier(4)
    results: list[list[Escalation]] = []

    def escalate(app: Lightsoff) -> None:
        barrier.wait()
        results.append(app.notifications.escalator.escalate_overdue())

    threads = [threading.Thread(target=escalate, args=(app,)) for app in apps * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    escalated = sorted(escalation.exception_id for result in results for escalation in result)
    assert escalated == [case.exception_id for case in cases]
    for case in cases:
        assert stream(apps[1], case.exception_id) == ["exception.raised", "exception.escalated"]


def test_resolved_cases_are_never_escalated_and_acknowledged_ones_are(app: Lightsoff, clock: FakeClock) -> None:
    [resolved] = submit(app, order_with_unknown_sku("A")).exceptions
    [acknowledged] = submit(app, order_with_unknown_sku("B")).exceptions
    app.exceptions.resolve(resolved.exception_id, "reject_line", {}, "someone@plant.example")
    app.exceptions.acknowledge(acknowledged.exception_id, "someone@plant.example")
    clock.advance(timedelta(days=3))

    escalated = app.notifications.escalator.escalate_overdue()

    assert [escalation.exception_id for escalation in escalated] == [acknowledged.exception_id]
    assert "exception.escalated" not in stream(app, resolved.exception_id)


def test_two_notifiers_at_once_mail_each_case_once(start: Callable[..., Lightsoff], mail_server: MailServer) -> None:
    apps = [start(), start()]
    for sku in ("A", "B", "C"):
        submit(apps[0], order_with_unknown_sku(sku))
    barrier = threading.Barrier(2)

    def run(app: Lightsoff) -> None:
        barrier.wait()
        notifier(app).run_once()

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for app in apps:
        notifier(app).run_once()

    assert sorted(mail_server.message_ids()) == sorted(raised_message_ids(apps[0]).values())
