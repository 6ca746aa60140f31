"""The ports notifications need: a mail server session, and checkpoints of consumers of the event log.

``lightsoff.connectors.smtp`` implements ``Mailer``; ``lightsoff.store.checkpoints`` and
``lightsoff.testing`` implement ``Checkpoints``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from lightsoff.domain.mail import Mail


class MailSession(Protocol):
    def send(self, mail: Mail) -> None:
        """Hand ``mail`` to the mail server; return once it accepted the message.

        Raises ``MailUnavailable`` when the server cannot be used now (every mail must wait) and
        ``MailRefused`` when it refused this one message.
        """
        ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSession]:
        """A session that connects on its first ``send`` (none at all when nothing is sent)."""
        ...

    def describe(self) -> str:
        """Where mail goes, for the start-up banner (never the password)."""
        ...


class Checkpoints(Protocol):
    """How far named consumers have read the event log, and leases that make one process at a time a consumer."""

    def positions(self, prefix: str) -> dict[str, int]:
        """Every checkpoint whose name starts with ``prefix``, with its position."""
        ...

    def advance(self, consumer: str, expected: int | None, position: int, now: datetime) -> None:
        """Move ``consumer`` from ``expected`` (``None``: no checkpoint yet) to ``position``.

        ConcurrencyConflict if the checkpoint is not at ``expected``: another process moved it.
        """
        ...

    def remove(self, consumer: str, expected: int) -> None:
        """Delete the checkpoint if it is still at ``expected``; ConcurrencyConflict otherwise."""
        ...

    def acquire_lease(self, name: str, holder: int, now: datetime, until: datetime) -> bool:
        """Hold lease ``name`` until ``until`` if it is free, lapsed or already ``holder``'s."""
        ...

    def release_lease(self, name: str, holder: int, now: datetime) -> None:
        """Give the lease up if ``holder`` still has it."""
        ...
