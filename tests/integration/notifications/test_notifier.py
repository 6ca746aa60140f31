"""Case e-mails through a real SMTP server, on SQLite and PostgreSQL: who gets what, outages, restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import structlog
from sqlalchemy import select

from lightsoff.bootstrap import Lightsoff
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.store import tables as t
from lightsoff.testing import FakeClock
from tests.factories import line, order_json
from tests.integration.notifications.conftest import PUBLIC_URL, MailServer, notifier, raised_message_ids, submit


def held_order(*, sku: str = "WID-100", ship_to: str = "ACME-DC-NORTH") -> dict[str, object]:
    """An order whose line 2 has ``sku`` and whose ship-to is ``ship_to``: unknown ones raise cases."""
    return order_json(ship_to={"code": ship_to}, lines=[line(1, sku="WID-100"), line(2, sku=sku)])


def checkpoints(app: Lightsoff) -> dict[str, int]:
    with app.database.engine.connect() as connection:
        rows = connection.execute(select(t.consumer_checkpoints.c.consumer, t.consumer_checkpoints.c.position))
        return {row.consumer: row.position for row in rows if row.consumer != "mail.lease"}


def last_case_event(app: Lightsoff) -> int:
    with app.uow(write=False) as uow:
        return uow.events.read_all(0, 1000, ["exception.raised", "exception.escalated"])[-1].position


def test_a_held_orders_cases_are_mailed_each_to_its_own_team_with_a_link(
    app: Lightsoff, mail_server: MailServer
) -> None:
    result = submit(app, held_order(sku="NOPE", ship_to="ACME-DC-EAST"))
    cases = {case.team: case for case in result.exceptions}
    assert set(cases) == {"customer_service", "master_data"}

    done = notifier(app).run_once()

    ids = raised_message_ids(app)
    assert sorted(done.sent) == sorted(ids.values())
    [product] = mail_server.to("md@plant.example")
    assert product.recipients == ("md@plant.example", "md2@plant.example")
    assert product.sender == "lightsoff@plant.example"
    case = cases["master_data"]
    assert product.message_id == ids[case.exception_id]
    assert case.exception_id in str(product.message["Subject"])
    assert case.message in " ".join(product.text.split())
    for expected in (
        f"{PUBLIC_URL}/v1/exceptions/{case.exception_id}",
        f"Order     {case.order_id} line 2",
        f"Partner   ACME, PO {result.order.customer_order.po_number if result.order else ''}",
        "Due       2026-11-23 13:00 UTC",
        "substitute_sku",
    ):
        assert expected in product.text
    [ship_to] = mail_server.to("cs@plant.example")
    assert cases["customer_service"].exception_id in ship_to.text
    assert ship_to.recipients == ("cs@plant.example",)
    assert notifier(app).run_once().sent == [], "each case is mailed once"
    assert len(mail_server.received) == 2


def test_mail_waits_while_the_server_is_down_then_exactly_the_unsent_cases_go(
    app: Lightsoff, mail_server: MailServer, clock: FakeClock
) -> None:
    submit(app, held_order(sku="FIRST"))
    assert len(notifier(app).run_once().sent) == 1
    mail_server.stop()
    submit(app, held_order(sku="SECOND"))
    submit(app, held_order(ship_to="ACME-DC-EAST"))

    down = notifier(app).run_once()
    assert (down.sent, len(down.waiting)) == ([], 1)
    assert "mail server" in down.waiting[0]
    mail_server.start()
    assert notifier(app).run_once().sent == [], "not before the retry time the policy chose"
    clock.advance(timedelta(seconds=11))

    later = notifier(app).run_once()

    ids = list(raised_message_ids(app).values())
    assert later.sent == ids[1:]
    assert mail_server.message_ids() == ids, "every case once, none lost"


def test_a_restart_resumes_from_the_checkpoint(start: Callable[..., Lightsoff], mail_server: MailServer) -> None:
    first = start()
    submit(first, held_order(sku="FIRST"))
    notifier(first).run_once()
    first.close()

    second = start()
    submit(second, held_order(sku="SECOND"))
    done = notifier(second).run_once()

    ids = list(raised_message_ids(second).values())
    assert done.sent == ids[1:]
    assert mail_server.message_ids() == ids
    assert checkpoints(second) == {"mail": last_case_event(second)}


def test_a_team_whose_mail_is_refused_waits_while_other_teams_get_theirs(
    app: Lightsoff, mail_server: MailServer, clock: FakeClock
) -> None:
    mail_server.refuse["md@plant.example"] = "550 5.1.1 no such user"
    mail_server.refuse["md2@plant.example"] = "550 5.1.1 no such user"
    submit(app, held_order(sku="NOPE", ship_to="ACME-DC-EAST"))
    first = notifier(app).run_once()
    assert [mail.recipients for mail in mail_server.received] == [("cs@plant.example",)]
    assert any("master_data" in why and "550" in why for why in first.waiting)
    submit(app, held_order(ship_to="ACME-DC-EAST"))
    submit(app, held_order(sku="AGAIN"))
    assert len(notifier(app).run_once().sent) == 1, "customer service's next case goes; master data's waits"
    assert "mail:master_data" in checkpoints(app)

    mail_server.refuse.clear()
    clock.advance(timedelta(minutes=15))
    caught_up = notifier(app).run_once()

    assert len(caught_up.sent) == 2
    assert len(mail_server.to("md@plant.example")) == 2
    assert sorted(mail_server.message_ids()) == sorted(raised_message_ids(app).values())
    assert set(checkpoints(app)) == {"mail"}, "caught up: the team's own checkpoint is gone"


def test_a_team_without_addresses_gets_nothing_and_is_named_in_the_log_once(
    start: Callable[..., Lightsoff], mail_server: MailServer, demo_reference_data: ReferenceData
) -> None:
    # the demo's routes, with no team configured: their cases go to teams nobody can be reached at
    unreachable = ReferenceData(
        demo_reference_data.partners(), demo_reference_data.products(), demo_reference_data.routes()
    )
    app = start(reference_data=unreachable)
    submit(app, held_order(sku="ONE"))
    submit(app, held_order(sku="TWO"))
    with structlog.testing.capture_logs() as logs:
        notifier(app).run_once()
        submit(app, held_order(sku="THREE"))
        notifier(app).run_once()
    assert mail_server.received == []
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert warnings == [{"event": "team has no e-mail addresses; nothing is sent", "team": "master_data",
                         "log_level": "warning"}]  # fmt: skip
    assert checkpoints(app) == {"mail": last_case_event(app)}


def test_a_case_resolved_before_its_mail_went_out_is_not_mailed(app: Lightsoff, mail_server: MailServer) -> None:
    [case] = submit(app, held_order(sku="NOPE")).exceptions
    app.exceptions.resolve(case.exception_id, "reject_line", {}, "someone@plant.example")
    assert notifier(app).run_once().skipped == 1
    assert mail_server.received == []
