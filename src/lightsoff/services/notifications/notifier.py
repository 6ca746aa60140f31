"""The notifier: a consumer of the event log that mails every exception case to its team, at least once.

It reads ``exception.raised`` (mailed to the owning team) and ``exception.escalated`` (mailed to the
contacts the event names) in log order and keeps its place in ``consumer_checkpoints``:

- ``mail``, the head: every event up to it has been mailed, or needed no mail, except for teams behind.
- ``mail:<team>``: a team whose mail the server refused (``550 no such user``). Its mails from that
  position wait for their retry while the head moves on for every other team; once the team has caught
  up with the head, the checkpoint goes and the head carries the team again.
- ``mail.lease``: which process is the notifier now (one at a time; a killed one's lease lapses).

A checkpoint moves only after the server accepted the mail, so a crash in between sends that mail
again, with the same Message-ID. When the server itself cannot be used (down, login refused), nothing
moves and the whole pass waits for the retry ``MailRetryPolicy`` chose. Retry times are kept in
memory: a restarted notifier tries at once. A case resolved or dismissed before its mail went out is
not mailed any more: the mail asks people to act, and there is nothing left to do.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from lightsoff.domain.errors import ConcurrencyConflict, DeliveryError, MailRefused, MailUnavailable
from lightsoff.domain.events import ExceptionEscalated, ExceptionRaised, RecordedEvent
from lightsoff.domain.mail import Mail
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.services.notifications.compose import MailContext, escalated_mail, raised_mail
from lightsoff.services.notifications.ports import Checkpoints, Mailer, MailSession
from lightsoff.services.notifications.retry import Backlog, MailRetryPolicy
from lightsoff.services.ports import Clock, UnitOfWorkFactory

HEAD = "mail"
TEAM_PREFIX = "mail:"
LEASE = "mail.lease"
MAIL_EVENTS = ("exception.raised", "exception.escalated")

_log = structlog.get_logger("lightsoff.notify")


def team_checkpoint(team: str) -> str:
    return TEAM_PREFIX + team


@dataclass(frozen=True, slots=True)
class NotifierSettings:
    context: MailContext
    batch: int = 100
    lease: timedelta = timedelta(minutes=5)
    send_timeout: timedelta = timedelta(seconds=30)
    """A pass stops starting mails this long before its lease ends."""
    retry: MailRetryPolicy = field(default_factory=MailRetryPolicy)


@dataclass(slots=True)
class Pass:
    """What one pass did: the Message-IDs sent, the events that needed no mail, and what waits, and why."""

    sent: list[str] = field(default_factory=list)
    skipped: int = 0
    waiting: list[str] = field(default_factory=list)
    leased: bool = True


class Notifier:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checkpoints: Checkpoints,
        mailer: Mailer,
        reference_data: ReferenceData,
        clock: Clock,
        settings: NotifierSettings,
        rng: random.Random | None = None,
    ) -> None:
        self._uow = uow
        self._checkpoints = checkpoints
        self.mailer = mailer
        self._reference_data = reference_data
        self._clock = clock
        self._settings = settings
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._holder = secrets.randbits(62)
        self._server: Backlog | None = None
        self._teams: dict[str, Backlog] = {}
        self._unreachable: set[tuple[str, str]] = set()

    def run_once(self) -> Pass:
        """Mail what is new, and what waited and is due again; return what was done."""
        now = self._clock.now()
        done = Pass()
        if self._server is not None and not self._server.is_due(now):
            done.waiting.append(f"mail server, until {self._server.retry_at:%H:%M:%S}: {self._server.error}")
            return done
        until = now + self._settings.lease
        if not self._checkpoints.acquire_lease(LEASE, self._holder, now, until):
            done.leased = False
            return done
        try:
            with self.mailer.session() as session:
                _Run(self, session, done, until).run()
            self._server = None
        except MailUnavailable as exc:
            self._server = self._next(self._server, exc)
            done.waiting.append(f"mail server: {exc}")
            _log.warning("mail server unavailable; mail waits", error=str(exc), retry_at=self._server.retry_at)
        except ConcurrencyConflict as exc:
            _log.warning("another notifier moved a checkpoint; this pass stops", error=str(exc))
        finally:
            self._checkpoints.release_lease(LEASE, self._holder, self._clock.now())
        return done

    def _next(self, backlog: Backlog | None, error: DeliveryError) -> Backlog:
        decision = self._settings.retry.decide(backlog.attempt if backlog else 1, error, self._clock.now(), self._rng)
        return Backlog(decision.attempt, decision.retry_at, str(error))

    def _read(self, after: int) -> list[RecordedEvent]:
        with self._uow(write=False) as uow:
            return uow.events.read_all(after, self._settings.batch, MAIL_EVENTS)

    def compose(self, event: RecordedEvent) -> Mail | None:
        """The mail for ``event``, or ``None`` when there is nobody to tell or nothing left to do."""
        exception_id = event.stream_id
        with self._uow(write=False) as uow:
            case = uow.exception_cases.get(exception_id)
            stream = uow.events.read_stream(exception_id) if event.name == ExceptionEscalated.name else []
        if case is None or not case.is_active:
            _log.info("case no longer open; not mailed", exception_id=exception_id, event_id=event.event_id)
            return None
        decoded = event.decode()
        context = self._settings.context
        if isinstance(decoded, ExceptionRaised):
            to = self._reference_data.team(decoded.team).emails
            if self._reachable(decoded.team, to, "emails"):
                return raised_mail(decoded, event.event_id, to, context)
        elif isinstance(decoded, ExceptionEscalated) and self._reachable(decoded.team, decoded.notified, "escalation"):
            return escalated_mail(decoded, event.event_id, case, stream[0].event_id if stream else None, context)
        return None

    def _reachable(self, team: str, to: tuple[str, ...], kind: str) -> bool:
        if not to and (team, kind) not in self._unreachable:
            self._unreachable.add((team, kind))
            what = "e-mail addresses" if kind == "emails" else "escalation contacts"
            _log.warning(f"team has no {what}; nothing is sent", team=team)
        return bool(to)


class _Run:
    """One pass under the lease: first the teams that are behind and due again, then the head."""

    def __init__(self, notifier: Notifier, session: MailSession, done: Pass, until: datetime) -> None:
        self._n = notifier
        self._session = session
        self._done = done
        self._until = until
        marks = notifier._checkpoints.positions(HEAD)
        self._head: int | None = marks.get(HEAD)
        self._behind = {name: position for name, position in marks.items() if name.startswith(TEAM_PREFIX)}

    def run(self) -> None:
        for name, position in sorted(self._behind.items()):
            self._catch_up(name, position)
        self._advance_head()

    def _time_left(self) -> bool:
        n = self._n
        return n._clock.now() + n._settings.send_timeout < self._until

    def _mail(self, event: RecordedEvent) -> None:
        mail = self._n.compose(event)
        if mail is None:
            self._done.skipped += 1
            return
        self._session.send(mail)
        self._done.sent.append(mail.message_id)
        _log.info(
            "case mailed", event_type=event.name, exception_id=event.stream_id, team=event.data["team"], to=len(mail.to)
        )

    def _catch_up(self, name: str, position: int) -> None:
        """Mail the team's events up to the head, from where it stopped; then its checkpoint goes."""
        n, head = self._n, self._head or 0
        backlog = n._teams.get(name)
        if backlog is not None and not backlog.is_due(n._clock.now()):
            self._done.waiting.append(f"team {name.removeprefix(TEAM_PREFIX)}: {backlog.error}")
            return
        saved = cursor = position
        while cursor < head:
            events = [event for event in n._read(cursor) if event.position <= head]
            for event in events:
                if team_checkpoint(event.data["team"]) == name:
                    if not self._time_left() or not self._team_mail(name, backlog, event):
                        return
                    n._checkpoints.advance(name, saved, event.position, n._clock.now())
                    saved = event.position
                cursor = event.position
            if not events:
                break
        n._checkpoints.remove(name, saved)
        del self._behind[name]
        if n._teams.pop(name, None) is not None:
            _log.info("team's mail caught up", team=name.removeprefix(TEAM_PREFIX))

    def _team_mail(self, name: str, backlog: Backlog | None, event: RecordedEvent) -> bool:
        try:
            self._mail(event)
        except MailRefused as exc:
            self._refused(name, backlog, exc)
            return False
        return True

    def _refused(self, name: str, backlog: Backlog | None, error: MailRefused) -> None:
        n, team = self._n, name.removeprefix(TEAM_PREFIX)
        n._teams[name] = retry = n._next(backlog, error)
        self._done.waiting.append(f"team {team}: {error}")
        _log.warning("mail refused; the team's mail waits", team=team, error=str(error), retry_at=retry.retry_at)

    def _advance_head(self) -> None:
        n, saved = self._n, self._head
        position = saved or 0
        while self._time_left():
            events = n._read(position)
            for event in events:
                if not self._time_left():
                    break
                name = team_checkpoint(event.data["team"])
                if name not in self._behind and self._head_mail(name, event):
                    n._checkpoints.advance(HEAD, saved, event.position, n._clock.now())
                    saved = event.position
                position = event.position
            if len(events) < n._settings.batch:
                break
        if position != (saved or 0):
            n._checkpoints.advance(HEAD, saved, position, n._clock.now())

    def _head_mail(self, name: str, event: RecordedEvent) -> bool:
        """Mail ``event``; True if it was sent. A refusal puts the team behind, from this event on."""
        sent = len(self._done.sent)
        try:
            self._mail(event)
        except MailRefused as exc:
            self._n._checkpoints.advance(name, None, event.position - 1, self._n._clock.now())
            self._behind[name] = event.position - 1
            self._refused(name, None, exc)
            return False
        return len(self._done.sent) > sent
