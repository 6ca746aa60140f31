"""Recording and checking the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lightsoff.domain.audit import GENESIS, AuditEntry, AuditRecord, ChainBreak, verify_chain
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.services.ports import UnitOfWorkFactory

MAX_ATTEMPTS = 8
BATCH = 1000


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    head_hash: str
    """The hash of the newest entry: keep it elsewhere to detect entries removed from the end later."""
    breaks: tuple[ChainBreak, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


class AuditTrail:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def record(self, entry: AuditEntry) -> AuditRecord:
        return self.record_all([entry])[0]

    def record_all(self, entries: Sequence[AuditEntry]) -> list[AuditRecord]:
        """Chain the entries in their order, in one unit of work: one transaction and one commit for all."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._uow.run(lambda uow: [uow.audit.append(entry) for entry in entries])
            except ConcurrencyConflict:
                if attempt == MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def read(self, after: int = 0, limit: int = 100) -> list[AuditRecord]:
        with self._uow(write=False) as uow:
            return uow.audit.read(after=after, limit=limit)

    def verify(self, progress: Callable[[int], None] | None = None, expect_head: str | None = None) -> ChainReport:
        """Walk the whole chain; with ``expect_head``, also report when that entry is no longer in it."""
        breaks: list[ChainBreak] = []
        previous, expected, count, seen_head = GENESIS, 1, 0, expect_head is None
        while batch := self.read(after=expected - 1, limit=BATCH):
            breaks.extend(verify_chain(batch, previous, expected))
            seen_head = seen_head or any(record.hash == expect_head for record in batch)
            previous, expected, count = batch[-1].hash, batch[-1].sequence + 1, count + len(batch)
            if progress is not None:
                progress(count)
        if not seen_head:
            breaks.append(ChainBreak(expected, f"the recorded head {expect_head} is gone: entries were removed"))
        return ChainReport(count, previous, tuple(breaks))
