"""The requested ship date against today and the partner's lead time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from lightsoff.domain.corrections import Correction
from lightsoff.rules.catalog import SHIP_DATE
from lightsoff.rules.draft import Draft
from lightsoff.rules.findings import Say


def check_ship_date(draft: Draft) -> None:
    requested = draft.order.requested_ship_date
    today = draft.context.today
    earliest = today + timedelta(days=draft.policy.lead_time_days)
    if requested >= earliest:
        return
    why = (
        "is in the past"
        if requested < today
        else f"is inside the {draft.policy.lead_time_days}-day lead time (the earliest ship date is {earliest})"
    )

    def change() -> list[Correction]:
        draft.order = replace(draft.order, requested_ship_date=earliest)
        return draft.set_header(
            SHIP_DATE,
            "requested_ship_date",
            earliest.isoformat(),
            requested.isoformat(),
            f"{requested} {why}; moved to the earliest possible date",
        )

    draft.propose(
        SHIP_DATE,
        change,
        message=Say(
            f"The requested ship date {requested} {why}.",
            f"Approve {earliest}, set another ship date, release the order as requested (expediting it), or "
            "reject the order.",
            f"Send a requested ship date on or after {earliest}.",
        ),
        actions=("approve", "set_ship_date", "release", "reject_order"),
        suggestion={"action": "set_ship_date", "parameters": {"ship_date": earliest.isoformat()}},
        field_name="$.requested_ship_date",
    )
