"""Circuit breakers, one per endpoint: stop sending to an endpoint that keeps failing, probe it now and then.

    CLOSED ──(failure_threshold consecutive failures)──► OPEN ──(cool-down passes)──► HALF_OPEN
      ▲                                                   ▲                               │
      └──────────────── the probe succeeds ───────────────┼───────────────────────────────┤
                                                          └── the probe fails (or is lost) ┘
                                                              cool-down × growth, up to the cap

In HALF_OPEN exactly one caller gets a probe permit; everyone else is refused until it reports. Results
carry the permit they were given, and a result from an older generation (a request that started before
the breaker last changed state) is ignored, so a slow straggler cannot close a breaker that has since
opened, nor hold one open. A probe that never reports within ``probe_timeout`` counts as failed.

Thread-safe: every method takes a lock for a few microseconds and never blocks or awaits while holding
it, so it is also safe to call from asyncio tasks (on one loop or several) without an asyncio lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lightsoff.services.ports import Clock


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to send one request; hand it back with the result."""

    generation: int
    probe: bool


@dataclass(frozen=True, slots=True)
class CircuitSettings:
    failure_threshold: int = 5
    cool_down: timedelta = timedelta(seconds=30)
    max_cool_down: timedelta = timedelta(minutes=30)
    growth: float = 2.0
    probe_timeout: timedelta = timedelta(minutes=2)

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.growth < 1.0:
            raise ValueError("a circuit needs failure_threshold >= 1 and growth >= 1")
        if not timedelta(0) < self.cool_down <= self.max_cool_down or self.probe_timeout <= timedelta(0):
            raise ValueError("a circuit needs 0 < cool_down <= max_cool_down and a positive probe_timeout")


@dataclass(frozen=True, slots=True)
class CircuitSnapshot:
    """The breaker as metrics and the subscription monitor see it, at ``at``."""

    state: CircuitState
    consecutive_failures: int
    failing_since: datetime | None
    """the first failure of the current unbroken run of failures; ``None`` after a success"""
    opened_at: datetime | None
    retry_at: datetime | None
    """when OPEN: the earliest time a probe will be allowed"""
    cool_down: timedelta
    at: datetime

    @property
    def failing_for(self) -> timedelta:
        return self.at - self.failing_since if self.failing_since is not None else timedelta(0)


class CircuitBreaker:
    def __init__(self, clock: Clock, settings: CircuitSettings | None = None) -> None:
        self._clock = clock
        self._settings = settings or CircuitSettings()
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._generation = 0
        self._failures = 0
        self._failing_since: datetime | None = None
        self._opened_at: datetime | None = None
        self._cool_down = self._settings.cool_down
        self._probe_started: datetime | None = None

    def acquire(self) -> Permit | None:
        """A permit to send now, or ``None``: the circuit is open, or half-open with its probe out."""
        with self._lock:
            now = self._clock.now()
            self._expire_lost_probe(now)
            if self._state is CircuitState.CLOSED:
                return Permit(self._generation, probe=False)
            if self._state is CircuitState.OPEN and now >= self._retry_at():
                self._move(CircuitState.HALF_OPEN)
            if self._state is CircuitState.HALF_OPEN and self._probe_started is None:
                self._probe_started = now
                return Permit(self._generation, probe=True)
            return None

    def record_success(self, permit: Permit) -> None:
        with self._lock:
            if permit.generation != self._generation:
                return
            self._failures = 0
            self._failing_since = None
            if self._state is CircuitState.HALF_OPEN:
                self._cool_down = self._settings.cool_down
                self._opened_at = None
                self._move(CircuitState.CLOSED)

    def record_failure(self, permit: Permit) -> None:
        with self._lock:
            if permit.generation != self._generation:
                return
            self._count_failure(self._clock.now())

    def record(self, permit: Permit, success: bool) -> None:
        if success:
            self.record_success(permit)
        else:
            self.record_failure(permit)

    @property
    def state(self) -> CircuitState:
        return self.snapshot().state

    def snapshot(self) -> CircuitSnapshot:
        """OPEN past its cool-down reads HALF_OPEN: a probe would be allowed now."""
        with self._lock:
            now = self._clock.now()
            self._expire_lost_probe(now)
            state = self._state
            if state is CircuitState.OPEN and now >= self._retry_at():
                state = CircuitState.HALF_OPEN
            return CircuitSnapshot(
                state=state,
                consecutive_failures=self._failures,
                failing_since=self._failing_since,
                opened_at=self._opened_at,
                retry_at=self._retry_at() if self._state is CircuitState.OPEN else None,
                cool_down=self._cool_down,
                at=now,
            )

    def failing_for(self) -> timedelta:
        """How long the endpoint has failed without a single success in between: for "disable after X"."""
        return self.snapshot().failing_for

    def _count_failure(self, now: datetime) -> None:
        self._failures += 1
        if self._failing_since is None:
            self._failing_since = now
        if self._state is CircuitState.HALF_OPEN:
            self._cool_down = min(self._cool_down * self._settings.growth, self._settings.max_cool_down)
            self._open(now)
        elif self._state is CircuitState.CLOSED and self._failures >= self._settings.failure_threshold:
            self._open(now)

    def _open(self, now: datetime) -> None:
        self._opened_at = now
        self._move(CircuitState.OPEN)

    def _move(self, state: CircuitState) -> None:
        self._state = state
        self._generation += 1
        self._probe_started = None

    def _retry_at(self) -> datetime:
        assert self._opened_at is not None
        return self._opened_at + self._cool_down

    def _expire_lost_probe(self, now: datetime) -> None:
        started = self._probe_started
        if started is not None and now - started >= self._settings.probe_timeout:
            self._count_failure(now)


class CircuitBreakers:
    """One breaker per endpoint key (a subscription id or a URL), made on first use, all with one setting."""

    def __init__(self, clock: Clock, settings: CircuitSettings | None = None) -> None:
        self._clock = clock
        self._settings = settings
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def for_endpoint(self, key: str) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(key)
            if breaker is None:
                breaker = self._breakers[key] = CircuitBreaker(self._clock, self._settings)
            return breaker

    def forget(self, key: str) -> None:
        """Drop the breaker of a deleted or disabled subscription."""
        with self._lock:
            self._breakers.pop(key, None)

    def snapshots(self) -> dict[str, CircuitSnapshot]:
        with self._lock:
            breakers = dict(self._breakers)
        return {key: breaker.snapshot() for key, breaker in breakers.items()}
