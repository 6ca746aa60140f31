"""The embedded default: ``lightsoff serve`` delivers webhooks itself, with no worker process beside it."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import httpx

from tests.e2e.delivery.inbox import Inbox

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_lightsoff_serve_delivers_an_orders_events_signed_and_in_order(
    served: tuple[str, list[str]],
    inboxes: Callable[..., Inbox],
) -> None:
    base, banner = served
    token_line, order_line = banner[-2].strip(), banner[-1].strip()
    token = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{token_line}\necho $TOKEN"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    inbox = inboxes([SECRET])
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        created = api.post("/v1/subscriptions", json={"url": inbox.url, "secret": SECRET})
        assert created.status_code == 201, created.text

        subprocess.run(["bash", "-c", f"set -euo pipefail\n{token_line}\n{order_line}"], check=True, timeout=30)

        deadline = time.monotonic() + 30
        while len(inbox.delivered()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    names = [arrival.event["type"] for arrival in inbox.delivered()]
    assert names == ["lightsoff.order.received.v1", "lightsoff.order.validated.v1"]
    assert inbox.all_verified()
    assert len({arrival.event["subject"] for arrival in inbox.delivered()}) == 1
