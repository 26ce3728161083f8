"""The circuit breaker of a collection: stop calling what is known to be down.

Without it, every scope of a subscription whose network API answers 500 retried to
exhaustion on its own (about 50 s each), and every scope of a project behind an unreachable
endpoint did the same. After ``threshold`` failures of one kind in one place with no
success there in between, the circuit of that place opens: its scopes not started yet fail
at once with ``circuit open after N <kind> failures: <root cause>``, and the run summary
still lists each of them. Scopes already running finish on their own; a circuit stays open
until the end of the run.

The place a failure speaks for depends on its kind (what the failing calls share):

- ``authentication``: the account's credentials -> every scope of (provider, account);
- ``unreachable-endpoint``: the network path to the endpoint, which every account of a
  provider shares in a region -> every scope of (provider, region), all accounts;
- ``server-error`` and ``throttling``: one service's back end -> the scopes of (provider,
  account, region, service namespace), the namespace being the scope's service up to its
  first ``/`` (``microsoft.network/virtualnetworks`` -> ``microsoft.network``).

A denial (403 without a failure kind) is not counted: it is answered at once, so there is
nothing to save, and it is often specific to one service (a custom role, a deny
assignment, an SCP), so failing the account's other scopes would lose data the identity
may read.

A failure's kind comes from the exception or its chain (``__cause__``, ``__context__``):
an explicit ``failure_kind`` attribute (one of :class:`FailureKind`'s values: plugins set
it on the error they raise), else an HTTP status in ``status_code`` (on the exception or
its ``response``: 401 authentication, 429 throttling, 408 and 5xx server error), else
Python's own :class:`ConnectionError` or :class:`TimeoutError` (unreachable endpoint).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from enum import StrEnum
from typing import Final

from cloudscope.domain.scope import ScopeKey

DEFAULT_THRESHOLD: Final = 3
_CHAIN_DEPTH: Final = 8


class FailureKind(StrEnum):
    """The kinds of scope failure that the circuit breaker counts."""

    AUTHENTICATION = "authentication"
    UNREACHABLE = "unreachable-endpoint"
    SERVER_ERROR = "server-error"
    THROTTLING = "throttling"


Place = tuple[str | None, ...]
"""Where a circuit applies: (kind, provider, ...) as :func:`place_of` builds it."""


def place_of(kind: FailureKind, scope: ScopeKey) -> Place:
    """The circuit that a failure of ``kind`` in ``scope`` counts towards (see module doc)."""
    if kind is FailureKind.AUTHENTICATION:
        return (kind.value, scope.provider, scope.account)
    if kind is FailureKind.UNREACHABLE:
        return (kind.value, scope.provider, scope.region)
    namespace = scope.service.split("/", 1)[0]
    return (kind.value, scope.provider, scope.account, scope.region, namespace)


def classify(error: BaseException) -> FailureKind | None:
    """The kind of a scope's failure, or None when the breaker does not count it."""
    for link in _chain(error):
        explicit = getattr(link, "failure_kind", None)
        if explicit is not None:
            try:
                return FailureKind(str(explicit))
            except ValueError:
                return None
        status = _status_of(link)
        if status is not None:
            return _kind_of_status(status)
        if isinstance(link, ConnectionError | TimeoutError):
            return FailureKind.UNREACHABLE
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then what caused it, newest first (bounded: chains can loop)."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen and len(seen) < _CHAIN_DEPTH:
        seen.add(id(link))
        yield link
        # ``raise ... from None`` hides the context from tracebacks, not from us.
        link = link.__cause__ or link.__context__


def _status_of(error: BaseException) -> int | None:
    for holder in (error, getattr(error, "response", None)):
        status = getattr(holder, "status_code", None)
        if isinstance(status, int) and not isinstance(status, bool):
            return status
    return None


def _kind_of_status(status: int) -> FailureKind | None:
    if status == 401:
        return FailureKind.AUTHENTICATION
    if status == 429:
        return FailureKind.THROTTLING
    if status == 408 or 500 <= status <= 599:
        return FailureKind.SERVER_ERROR
    return None


class CircuitBreaker:
    """Counts scope failures by place and refuses the scopes of an open circuit.

    Thread-safe: collector threads record their outcome and ask before each scope.
    ``threshold`` 0 turns the breaker off.
    """

    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._counts: dict[Place, int] = {}
        self._open: dict[Place, str] = {}
        self._lock = threading.Lock()

    def refusal(self, scope: ScopeKey) -> str | None:
        """The error to fail ``scope`` with, without collecting it, when its circuit is open."""
        if not self._open:  # read without the lock: a stale miss only costs one more try
            return None
        with self._lock:
            for kind in FailureKind:
                message = self._open.get(place_of(kind, scope))
                if message is not None:
                    return message
        return None

    def record_failure(self, scope: ScopeKey, error: BaseException, description: str) -> None:
        """Count a failed scope; ``description`` is its one-line error (the root cause)."""
        kind = classify(error)
        if kind is None or self.threshold <= 0:
            return
        place = place_of(kind, scope)
        with self._lock:
            failures = self._counts[place] = self._counts.get(place, 0) + 1
            if failures >= self.threshold and place not in self._open:
                self._open[place] = (f"circuit open after {failures} {kind.value} failures: "
                                     f"{description}")

    def record_success(self, scope: ScopeKey) -> None:
        """A completed scope: failures counted where it was collected are no longer consecutive."""
        if not self._counts:
            return
        with self._lock:
            for kind in FailureKind:
                self._counts.pop(place_of(kind, scope), None)
