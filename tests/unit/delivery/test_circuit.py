"""The circuit breaker's state machine, walked with a fake clock."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from lightsoff.delivery.circuit import CircuitBreaker, CircuitBreakers, CircuitSettings, CircuitState, Permit
from lightsoff.testing import FakeClock

SETTINGS = CircuitSettings(
    failure_threshold=3,
    cool_down=timedelta(seconds=10),
    max_cool_down=timedelta(seconds=35),
    growth=2.0,
    probe_timeout=timedelta(minutes=1),
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(clock, SETTINGS)


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        permit = breaker.acquire()
        assert permit is not None
        breaker.record_failure(permit)


def open_circuit(breaker: CircuitBreaker) -> None:
    fail(breaker, SETTINGS.failure_threshold)
    assert breaker.state is CircuitState.OPEN


def probe(breaker: CircuitBreaker, clock: FakeClock) -> Permit:
    clock.advance(breaker.snapshot().cool_down)
    permit = breaker.acquire()
    assert permit is not None
    assert permit.probe
    return permit


def test_a_new_breaker_is_closed_and_lets_everything_through(breaker: CircuitBreaker) -> None:
    permits = [breaker.acquire() for _ in range(100)]
    assert all(permit is not None and not permit.probe for permit in permits)
    assert breaker.state is CircuitState.CLOSED


def test_it_opens_after_the_threshold_of_consecutive_failures(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED

    fail(breaker)

    snapshot = breaker.snapshot()
    assert snapshot.state is CircuitState.OPEN
    assert snapshot.consecutive_failures == 3
    assert snapshot.opened_at == clock.now()
    assert snapshot.retry_at == clock.now() + timedelta(seconds=10)
    assert breaker.acquire() is None


def test_a_success_resets_the_count_of_consecutive_failures(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    permit = breaker.acquire()
    assert permit is not None
    breaker.record_success(permit)
    fail(breaker, 2)

    assert breaker.state is CircuitState.CLOSED
    assert breaker.snapshot().consecutive_failures == 2


def test_after_the_cool_down_exactly_one_probe_is_allowed(breaker: CircuitBreaker, clock: FakeClock) -> None:
    open_circuit(breaker)
    clock.advance(timedelta(seconds=9))
    assert breaker.acquire() is None
    assert breaker.state is CircuitState.OPEN

    clock.advance(timedelta(seconds=1))
    assert breaker.state is CircuitState.HALF_OPEN
    first = breaker.acquire()

    assert first is not None
    assert first.probe
    assert [breaker.acquire() for _ in range(10)] == [None] * 10
    assert breaker.state is CircuitState.HALF_OPEN


def test_a_successful_probe_closes_the_circuit_and_resets_the_cool_down(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    open_circuit(breaker)
    breaker.record_failure(probe(breaker, clock))  # cool-down now 20 s
    breaker.record_success(probe(breaker, clock))

    snapshot = breaker.snapshot()
    assert snapshot.state is CircuitState.CLOSED
    assert snapshot.consecutive_failures == 0
    assert snapshot.cool_down == SETTINGS.cool_down
    assert snapshot.failing_since is None
    assert snapshot.opened_at is None
    assert breaker.acquire() is not None


def test_a_failed_probe_reopens_with_a_cool_down_growing_to_its_cap(breaker: CircuitBreaker, clock: FakeClock) -> None:
    open_circuit(breaker)
    cool_downs = []
    for _ in range(4):
        breaker.record_failure(probe(breaker, clock))
        snapshot = breaker.snapshot()
        assert snapshot.state is CircuitState.OPEN
        assert snapshot.retry_at == clock.now() + snapshot.cool_down
        cool_downs.append(snapshot.cool_down.total_seconds())

    assert cool_downs == [20, 35, 35, 35]


def test_a_straggler_from_before_the_circuit_opened_cannot_close_it(breaker: CircuitBreaker, clock: FakeClock) -> None:
    slow = breaker.acquire()
    assert slow is not None
    open_circuit(breaker)

    breaker.record_success(slow)
    assert breaker.state is CircuitState.OPEN

    permit = probe(breaker, clock)
    breaker.record_failure(slow)  # nor can its failure count against the probe
    assert breaker.state is CircuitState.HALF_OPEN
    breaker.record_success(permit)
    assert breaker.state is CircuitState.CLOSED


def test_a_probe_that_never_reports_counts_as_failed(breaker: CircuitBreaker, clock: FakeClock) -> None:
    open_circuit(breaker)
    lost = probe(breaker, clock)
    clock.advance(timedelta(seconds=59))
    assert breaker.acquire() is None

    clock.advance(timedelta(seconds=1))
    snapshot = breaker.snapshot()
    assert snapshot.state is CircuitState.OPEN
    assert snapshot.cool_down == timedelta(seconds=20)

    breaker.record_success(lost)  # too late: it belongs to a closed chapter
    assert breaker.state is CircuitState.OPEN
    assert probe(breaker, clock).probe


def test_failing_for_measures_the_unbroken_run_of_failures(breaker: CircuitBreaker, clock: FakeClock) -> None:
    assert breaker.failing_for() == timedelta(0)
    fail(breaker)
    clock.advance(timedelta(minutes=1))
    fail(breaker, 2)
    assert breaker.state is CircuitState.OPEN
    for _ in range(3):
        breaker.record_failure(probe(breaker, clock))
    clock.advance(timedelta(hours=2))

    assert breaker.failing_for() == timedelta(hours=2, minutes=1, seconds=20 + 35 + 10)
    breaker.record_success(probe(breaker, clock))
    assert breaker.failing_for() == timedelta(0)


def test_racing_threads_get_exactly_one_probe(breaker: CircuitBreaker, clock: FakeClock) -> None:
    open_circuit(breaker)
    clock.advance(SETTINGS.cool_down)
    start = threading.Barrier(16)
    permits: list[Permit | None] = []
    lock = threading.Lock()

    def contend() -> None:
        start.wait()
        for _ in range(200):
            permit = breaker.acquire()
            with lock:
                permits.append(permit)

    threads = [threading.Thread(target=contend) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(permits) == 16 * 200
    assert sum(permit is not None for permit in permits) == 1


def test_concurrent_tasks_get_exactly_one_probe(breaker: CircuitBreaker, clock: FakeClock) -> None:
    open_circuit(breaker)
    clock.advance(SETTINGS.cool_down)

    async def contend() -> Permit | None:
        await asyncio.sleep(0)
        return breaker.acquire()

    async def main() -> list[Permit | None]:
        return await asyncio.gather(*(contend() for _ in range(50)))

    assert sum(permit is not None for permit in asyncio.run(main())) == 1


def test_breakers_are_one_per_endpoint(clock: FakeClock) -> None:
    breakers = CircuitBreakers(clock, SETTINGS)
    bad, good = breakers.for_endpoint("sub-bad"), breakers.for_endpoint("sub-good")
    assert breakers.for_endpoint("sub-bad") is bad
    open_circuit(bad)

    snapshots = breakers.snapshots()
    assert snapshots["sub-bad"].state is CircuitState.OPEN
    assert snapshots["sub-good"].state is CircuitState.CLOSED
    assert good.acquire() is not None

    breakers.forget("sub-bad")
    assert set(breakers.snapshots()) == {"sub-good"}
    assert breakers.for_endpoint("sub-bad").state is CircuitState.CLOSED


@pytest.mark.parametrize(
    "changes",
    [
        {"failure_threshold": 0},
        {"growth": 0.5},
        {"cool_down": timedelta(0)},
        {"cool_down": timedelta(minutes=2), "max_cool_down": timedelta(minutes=1)},
        {"probe_timeout": timedelta(0)},
    ],
)
def test_nonsense_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="circuit needs"):
        CircuitSettings(**changes)  # type: ignore[arg-type]
