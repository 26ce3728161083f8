"""A bounded pool of open stores: each request borrows one for its duration.

A repository need not be thread-safe (the SQLite one holds one connection), so a store is
used by one request at a time; the pool bounds how many are open, which also bounds how
many queries run at once. A store that failed is closed and replaced on the next borrow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from cloudscope.domain.errors import StoreError
from cloudscope.ports.repository import Repository


class RepositoryPool:
    """At most ``size`` repositories, opened on demand by ``open_repository``."""

    def __init__(self, open_repository: Callable[[], Repository], size: int) -> None:
        self._open = open_repository
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Repository] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def borrow(self) -> Iterator[Repository]:
        """A repository for this request alone; waits while all are in use."""
        self._slots.acquire()
        with self._lend() as repository:
            yield repository

    def borrow_now(self) -> AbstractContextManager[Repository] | None:
        """:meth:`borrow` when a store is free at once (enter the result with ``with``);
        None, without waiting, while all are in use: code on the event loop never blocks
        on the pool."""
        if not self._slots.acquire(blocking=False):
            return None
        return self._lend()

    @contextmanager
    def _lend(self) -> Iterator[Repository]:
        """An idle or new repository, for a slot the caller holds (released here)."""
        try:
            with self._lock:
                repository = self._idle.pop() if self._idle else None
            if repository is None:
                repository = self._open()
        except BaseException:
            self._slots.release()
            raise
        healthy = False
        try:
            yield repository
            healthy = True
        except StoreError:
            raise  # the store failed: this one is closed below, a fresh one opened next
        except Exception:
            healthy = True  # an error of the request's own, not of the store
            raise
        finally:
            with self._lock:
                if healthy and not self._closed:
                    self._idle.append(repository)
                else:
                    repository.close()
            self._slots.release()

    def close(self) -> None:
        """Close every idle repository (at shutdown, once requests have finished)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for repository in idle:
            repository.close()
