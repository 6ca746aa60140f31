"""Per-client rates under concurrent callers: the limiter counts every request exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lightsoff.domain.errors import RateLimited
from lightsoff.services.rate_limits import RateLimiter


class FrozenTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hammer(limiter: RateLimiter, key: str, calls: int, threads: int) -> tuple[int, list[float]]:
    """``calls`` requests of ``key`` from ``threads`` threads released at once: (allowed, waits of refused)."""
    start = threading.Barrier(threads)
    lock = threading.Lock()
    allowed, waits = 0, []

    def one_thread(_: int) -> None:
        nonlocal allowed
        start.wait()
        for _ in range(calls // threads):
            try:
                limiter.check(key, rate=10)
            except RateLimited as limited:
                with lock:
                    waits.append(limited.retry_after)
            else:
                with lock:
                    allowed += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one_thread, range(threads)))
    return allowed, waits


@pytest.mark.parametrize("threads", [1, 8, 32])
def test_a_burst_from_many_threads_gets_exactly_the_burst_then_refusals_with_a_wait(threads: int) -> None:
    clock = FrozenTime()
    limiter = RateLimiter(default_rate=100, burst_seconds=2, monotonic=clock)
    allowed, waits = hammer(limiter, "client-a", calls=320, threads=threads)
    assert allowed == 20, "10/s with 2 s of burst, however the calls interleave"
    assert len(waits) == 300
    assert all(0 < wait <= 0.1 for wait in waits)
    clock.now += 1.0
    assert hammer(limiter, "client-a", calls=32, threads=min(threads, 32))[0] == 10, "a second refills 10"


def test_clients_do_not_share_a_bucket_under_load() -> None:
    limiter = RateLimiter(default_rate=100, burst_seconds=2, monotonic=FrozenTime())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda key: hammer(limiter, key, calls=64, threads=4)[0], ["a", "b", "c", "d"]))
    assert results == [20, 20, 20, 20]
