"""The audit batcher: entries of concurrent requests written together, each request waiting for its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from lightsoff.api.audit import AuditBatcher
from lightsoff.domain.audit import LONGEST, AuditEntry


def entry(number: int) -> AuditEntry:
    return AuditEntry(datetime(2026, 11, 23, tzinfo=UTC), "client:c", "127.0.0.1", f"POST /v1/{number}", None, "202")


class SlowWriter:
    """Takes a while per batch, like a commit; refuses a batch holding the entry it is told to."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def __call__(self, entries: Sequence[AuditEntry]) -> None:
        threading.Event().wait(0.01)
        if any(e.action == self.refuse for e in entries):
            raise RuntimeError("refused")
        with self._lock:
            self.batches.append([e.action for e in entries])


def test_concurrent_entries_share_batches_and_each_caller_waits_for_its_own() -> None:
    writer = SlowWriter()
    batcher = AuditBatcher(writer)

    async def main() -> None:
        await asyncio.gather(*(batcher.record(entry(n)) for n in range(40)))

    asyncio.run(main())
    written = [action for batch in writer.batches for action in batch]
    assert sorted(written) == sorted(f"POST /v1/{n}" for n in range(40)), "every entry, once"
    assert len(writer.batches) < 10, "entries arriving during a write go out together"


def test_an_entry_the_database_refuses_does_not_lose_the_others() -> None:
    writer = SlowWriter(refuse="POST /v1/13")
    batcher = AuditBatcher(writer)

    async def main() -> list[BaseException | None]:
        return await asyncio.gather(*(batcher.record(entry(n)) for n in range(20)), return_exceptions=True)

    outcomes = asyncio.run(main())
    assert [type(outcome) for outcome in outcomes].count(RuntimeError) == 1
    assert isinstance(outcomes[13], RuntimeError)
    written = {action for batch in writer.batches for action in batch}
    assert written == {f"POST /v1/{n}" for n in range(20)} - {"POST /v1/13"}


@pytest.mark.parametrize("field", sorted(LONGEST))
def test_caller_supplied_text_is_cut_to_what_its_column_holds(field: str) -> None:
    long = "x" * 5000
    values = {"actor": "a", "source": "s", "action": "POST /", "resource": None, "outcome": "200"} | {field: long}
    cut = AuditEntry(at=datetime(2026, 11, 23, tzinfo=UTC), **values)
    value = getattr(cut, field)
    assert len(value) == LONGEST[field]
    assert value.endswith("…")
