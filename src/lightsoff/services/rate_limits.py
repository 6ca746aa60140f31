"""Per-client request rates, as token buckets in the process (one bucket per client and process)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lightsoff.domain.errors import RateLimited
from lightsoff.domain.security import TokenBucket


class RateLimiter:
    def __init__(
        self, default_rate: float, burst_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._default_rate = default_rate
        self._burst_seconds = burst_seconds
        self._monotonic = monotonic
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str, rate: float | None = None) -> None:
        """Count one request of ``key``; RateLimited (with the wait) when it is over its rate."""
        rate = rate or self._default_rate
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.rate != rate:
                bucket = self._buckets[key] = TokenBucket(rate, max(1.0, rate * self._burst_seconds))
            wait = bucket.take(self._monotonic())
        if wait > 0:
            raise RateLimited(wait)
