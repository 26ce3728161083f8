"""What a collector needs from the core's rate limiting: a call that waits for a token.

The port defines the protocol; the host's token buckets implement it (``host/ratelimit.py``),
and ``CollectContext.limiter`` is typed by it so that the port does not depend on the host.
"""

from __future__ import annotations

from typing import Protocol


class Limiter(Protocol):
    """Takes a token per outgoing API request, blocking while the plugin's rate is exceeded."""

    def acquire(self, tokens: float = 1.0, *, scope: str | None = None) -> float:
        """Block until ``tokens`` are available for the plugin (and ``scope``); return the wait."""
        ...
