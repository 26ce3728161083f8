"""Token buckets: the core's rate limit on each plugin, optionally per scope.

A small bucket of our own rather than pyrate-limiter or limits: those target async web
servers and shared back ends, change API between majors, and cannot take an injected
clock and sleep, which the tests need to prove rates without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A sustained rate (tokens per second) and a burst (the bucket's capacity)."""

    per_second: float
    burst: float

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")


class TokenBucket:
    """A thread-safe token bucket on a monotonic clock.

    Waiting happens outside the lock, after the token is reserved, so that threads are
    served in arrival order and none spins.
    """

    __slots__ = ("_clock", "_limit", "_lock", "_sleep", "_tokens", "_updated")

    def __init__(self, limit: RateLimit, *, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(limit.burst)
        self._updated = clock()

    @property
    def limit(self) -> RateLimit:
        """The configured rate and burst."""
        return self._limit

    def reserve(self, tokens: float = 1.0) -> float:
        """Take ``tokens`` now (possibly going into debt); return the seconds to wait."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._updated = now
            self._tokens = min(self._limit.burst, self._tokens + elapsed * self._limit.per_second)
            self._tokens -= tokens
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self._limit.per_second

    def acquire(self, tokens: float = 1.0) -> float:
        """Block until ``tokens`` are available; return the seconds waited."""
        wait = self.reserve(tokens)
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiter:
    """A plugin's limiter: one bucket for the plugin, plus one per configured scope.

    ``acquire(scope="ec2")`` takes a token from the plugin's bucket and, when a limit is
    configured for ``ec2`` (a service, a region...), from that scope's bucket too. A limiter
    without limits never waits. Offered to plugins as ``ctx.limiter``. Added in API 1.0.
    """

    def __init__(self, plugin: str, limit: RateLimit | None = None,
                 scope_limits: Mapping[str, RateLimit] | None = None, *,
                 clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self.plugin = plugin
        self._bucket = TokenBucket(limit, clock=clock, sleep=sleep) if limit else None
        self._scopes = {name: TokenBucket(scope_limit, clock=clock, sleep=sleep)
                        for name, scope_limit in (scope_limits or {}).items()}
        self._sleep = sleep
        self._lock = threading.Lock()
        self.waited_s = 0.0
        self.acquired = 0

    @property
    def is_limited(self) -> bool:
        """True when any limit is configured."""
        return self._bucket is not None or bool(self._scopes)

    def acquire(self, tokens: float = 1.0, *, scope: str | None = None) -> float:
        """Block until a token is available for the plugin (and ``scope``); return the wait."""
        wait = 0.0
        if self._bucket is not None:
            wait = self._bucket.reserve(tokens)
        scope_bucket = self._scopes.get(scope) if scope is not None else None
        if scope_bucket is not None:
            wait = max(wait, scope_bucket.reserve(tokens))
        if wait > 0:
            self._sleep(wait)
        with self._lock:
            self.acquired += 1
            self.waited_s += wait
        return wait
