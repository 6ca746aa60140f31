"""What the e-mails about exception cases say, and how they go on the wire: pure, no server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from lightsoff.connectors.smtp.translate import to_email
from lightsoff.domain.events import ExceptionEscalated, ExceptionRaised
from lightsoff.domain.exception_cases import ExceptionCase
from lightsoff.services.notifications.compose import MailContext, escalated_mail, raised_mail

CONTEXT = MailContext("https://lightsoff.plant.example", "plant.example")
RAISED = ExceptionRaised(
    exception_id="EX-2026-000007",
    order_id="SO-2026-000003",
    category="unknown_product",
    severity="medium",
    team="master_data",
    message="Line 2: customer SKU 'X-9' is not in ACME's code list and no GTIN was given.",
    actions=("approve", "substitute_sku", "reject_line"),
    due_at=datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
    line_no=2,
    rule="unknown_product",
    partner="ACME",
    po_number="4500012345",
    suggestion={"action": "substitute_sku", "parameters": {"sku": "WID-100"}},
)


def test_the_raised_mail_says_what_where_by_when_and_how_to_resolve() -> None:
    mail = raised_mail(RAISED, "c1fc5d32-84e2-4028-87a0-04be0bc5b4fd", ["md@plant.example"], CONTEXT)
    assert mail.to == ("md@plant.example",)
    assert mail.subject == (
        "[lightsoff] EX-2026-000007 unknown_product (medium): order SO-2026-000003 line 2 - ACME PO 4500012345"
    )
    assert mail.message_id == "<c1fc5d32-84e2-4028-87a0-04be0bc5b4fd@plant.example>"
    for expected in (
        "Exception case EX-2026-000007 needs team master_data by 2026-11-23 13:00 UTC.",
        "Line 2: customer SKU 'X-9' is not in ACME's code list and no GTIN was\ngiven.",
        "  Link      https://lightsoff.plant.example/v1/exceptions/EX-2026-000007",
        "  Order     SO-2026-000003 line 2",
        "  Partner   ACME, PO 4500012345",
        "  Due       2026-11-23 13:00 UTC",
        '  Suggested substitute_sku with sku=WID-100 (action "approve")',
        "POST https://lightsoff.plant.example/v1/exceptions/EX-2026-000007/resolve",
        "  substitute_sku  Make the line with another of our SKUs.",
        "                  - sku (string): our SKU to make and ship instead",
        "  reject_line     Do not make or ship this line; the rest of the order goes on.",
    ):
        assert expected in mail.text
    assert ("X-Lightsoff-Team", "master_data") in mail.headers


def test_a_po_number_with_a_line_break_cannot_add_a_header() -> None:
    sneaky = replace(RAISED, po_number="PO-1\r\nBcc: everyone@example.com")
    mail = raised_mail(sneaky, "e1", ["md@plant.example"], CONTEXT)
    assert "\n" not in mail.subject
    assert mail.subject.endswith("ACME PO PO-1 Bcc: everyone@example.com")
    assert "  Partner   ACME, PO PO-1 Bcc: everyone@example.com\n" in mail.text
    wire = to_email(mail, "lightsoff@plant.example", datetime(2026, 11, 23, 9, tzinfo=UTC)).as_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)
    assert parsed["Bcc"] is None


def test_the_escalation_mail_replies_to_the_cases_first_mail() -> None:
    case = ExceptionCase.start(RAISED, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    escalated = ExceptionEscalated(case.exception_id, case.order_id, "master_data", ("md-lead@plant.example",))
    mail = escalated_mail(escalated, "e2", case, "e1", CONTEXT)
    assert mail.to == ("md-lead@plant.example",)
    assert mail.subject.startswith("[lightsoff] Overdue: EX-2026-000007 unknown_product (medium)")
    assert (mail.message_id, mail.in_reply_to) == ("<e2@plant.example>", "<e1@plant.example>")
    assert "was due 2026-11-23 13:00 UTC and is still open." in mail.text
    assert "https://lightsoff.plant.example/v1/exceptions/EX-2026-000007" in mail.text


def test_on_the_wire_a_mail_has_its_ids_and_says_it_is_automatic() -> None:
    mail = raised_mail(RAISED, "e1", ["md@plant.example", "md2@plant.example"], CONTEXT)
    wire = to_email(mail, "lightsoff <lightsoff@plant.example>", datetime(2026, 11, 23, 9, tzinfo=UTC)).as_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)
    assert parsed["Message-ID"] == "<e1@plant.example>"
    assert parsed["To"] == "md@plant.example, md2@plant.example"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"] == "Mon, 23 Nov 2026 09:00:00 +0000"
    assert parsed["X-Lightsoff-Exception"] == "EX-2026-000007"
    assert "  Partner   ACME, PO 4500012345\r\n" in parsed.get_content()


SUBSCRIPTION_CASE = ExceptionRaised(
    exception_id="EX-2026-000042",
    order_id=None,
    subscription_id="sub_5f0c2a9e1b7d4c3a",
    category="subscription_failing",
    severity="high",
    team="operations",
    message="The relay disabled subscription sub_5f0c2a9e1b7d4c3a (https://erp.example/hooks): failing too long.",
    actions=("re_enable", "dismiss"),
    due_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    details={
        "kind": "webhook",
        "url": "https://erp.example/hooks",
        "reason": "failing for longer than 1 day, 0:00:00",
        "failing_since": "2026-11-22T08:30:00+00:00",
        "last_error": "status: HTTP 503 Service Unavailable",
    },
)


def test_the_mail_about_a_disabled_subscription_names_it_its_url_since_when_and_the_last_error() -> None:
    mail = raised_mail(SUBSCRIPTION_CASE, "e42", ["ops@plant.example"], CONTEXT)

    assert mail.subject == ("[lightsoff] EX-2026-000042 subscription_failing (high): subscription sub_5f0c2a9e1b7d4c3a")
    for expected in (
        "Exception case EX-2026-000042 needs team operations by 2026-11-23 10:00 UTC.",
        "  Subscr.   sub_5f0c2a9e1b7d4c3a",
        "  URL       https://erp.example/hooks",
        "  Failing   2026-11-22 08:30 UTC (since)",
        "  Error     status: HTTP 503 Service Unavailable",
        "  re_enable       Enable the subscription again (its receiver is fixed): it catches up on every event",
        "  dismiss         Close the case and leave the subscription disabled.",
    ):
        assert expected in mail.text
    assert "Order" not in mail.text
    assert ("X-Lightsoff-Team", "operations") in mail.headers


def test_a_case_names_exactly_one_subject() -> None:
    with pytest.raises(ValueError, match="exactly one order or one subscription"):
        replace(SUBSCRIPTION_CASE, order_id="SO-2026-000003")
    with pytest.raises(ValueError, match="exactly one order or one subscription"):
        replace(SUBSCRIPTION_CASE, subscription_id=None)


def test_the_escalation_of_a_subscriptions_case_names_the_subscription() -> None:
    case = ExceptionCase.start(SUBSCRIPTION_CASE, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    event = ExceptionEscalated(case.exception_id, None, "operations", ("it.lead@plant.example",))

    mail = escalated_mail(event, "e43", case, "e42", CONTEXT)

    assert mail.subject == (
        "[lightsoff] Overdue: EX-2026-000042 subscription_failing (high): subscription sub_5f0c2a9e1b7d4c3a"
    )
    assert "  URL       https://erp.example/hooks" in mail.text
    assert "Order" not in mail.text
    assert mail.in_reply_to == "<e42@plant.example>"
