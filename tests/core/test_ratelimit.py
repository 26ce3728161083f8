"""Token buckets: rates proven with a fake clock, and with a real clock under threads."""

from __future__ import annotations

import threading
import time

import pytest
from cloudscope.host.ratelimit import RateLimit, RateLimiter, TokenBucket


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_is_served_without_waiting() -> None:
    """Up to `burst` tokens are available at once."""
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10, burst=5), clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits == [0.0] * 5 and clock.slept == []


def test_sustained_rate_matches_the_limit_on_a_fake_clock() -> None:
    """After the burst, N tokens take (N - burst) / rate seconds."""
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10, burst=5), clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(105):
        bucket.acquire()
    assert clock.now - start == pytest.approx(10.0)


def test_idle_time_refills_up_to_the_burst_only() -> None:
    """A long pause refills the bucket to its capacity, not beyond."""
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=1, burst=3), clock=clock, sleep=clock.sleep)
    for _ in range(3):
        bucket.acquire()
    clock.now += 1000
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(1.0)


def test_scope_limit_applies_on_top_of_the_plugin_limit() -> None:
    """A scope's bucket throttles that scope even when the plugin's has room."""
    clock = FakeClock()
    limiter = RateLimiter("aws", RateLimit(100, 100), {"iam": RateLimit(1, 1)},
                          clock=clock, sleep=clock.sleep)
    limiter.acquire(scope="iam")
    assert limiter.acquire(scope="iam") == pytest.approx(1.0)
    assert limiter.acquire(scope="ec2") == 0.0


def test_limiter_without_limits_never_waits() -> None:
    """No configuration means no throttling."""
    limiter = RateLimiter("aws")
    assert not limiter.is_limited
    assert all(limiter.acquire() == 0.0 for _ in range(1000))


def test_invalid_limits_are_rejected() -> None:
    """A rate of zero or a burst below one is a configuration mistake."""
    with pytest.raises(ValueError):
        RateLimit(per_second=0, burst=1)
    with pytest.raises(ValueError):
        RateLimit(per_second=1, burst=0)


def test_real_clock_rate_under_threads_is_within_ten_percent() -> None:
    """Eight threads sharing one bucket together get the configured rate (within 10%)."""
    rate = 200.0
    limiter = RateLimiter("demo", RateLimit(per_second=rate, burst=1))
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    observed = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert observed == pytest.approx(rate, rel=0.10)
