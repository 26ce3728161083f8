"""What bounds a run's memory whatever the estate's breadth: an account's clients, shared
by the scopes using them and closed soon after the last lets go, and the parsed service
models, dropped once no client of their service is open.

A run reads about 80 botocore services; their parsed JSON models are about 150 MB, far
more than the clients (a third of a megabyte each) or the items in flight. The plan puts
the scopes of one client next to each other, so a service's clients and model are in use
for a stretch of the run and then let go.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from typing import Final

from botocore.client import BaseClient
from botocore.loaders import Loader

Key = tuple[str, str]  # (botocore service, region)

IDLE_CLIENTS: Final = 16
"""Clients no scope holds that an account keeps open for the next scopes: the plan's next
scopes are mostly the same client in other regions (more regions than collector threads
make a client's next use up to two dozen scopes away)."""

_PER_SERVICE: Final = ("load_service_model", "list_api_versions", "determine_latest_version")


class ModelCache(Loader):  # type: ignore[misc]
    """botocore's data loader, whose cached models of one service can be dropped.

    The loader caches every JSON file it parses (service model, paginators, endpoint
    rules) for its lifetime; :meth:`hold` and :meth:`let_go` count the open clients of
    each service, and :meth:`forget_unheld` drops a service's files while none is open.
    """

    def __init__(self) -> None:
        super().__init__()
        self._holders: Counter[str] = Counter()
        self._holders_lock = threading.Lock()

    def hold(self, service: str) -> None:
        """A client of ``service`` was opened."""
        with self._holders_lock:
            self._holders[service] += 1

    def let_go(self, service: str) -> None:
        """A client of ``service`` was closed; drop its models if it was the last."""
        with self._holders_lock:
            self._holders[service] -= 1
        self.forget_unheld(service)

    def forget_unheld(self, service: str) -> None:
        """Drop ``service``'s parsed files unless a client of it is open (the next client
        parses them again)."""
        with self._holders_lock:
            if self._holders[service] > 0:
                return
            del self._holders[service]
            prefix = f"{service}/"
            # list() copies the keys without running Python code: other threads may add
            # keys meanwhile (the GIL makes the copy atomic for tuple keys of strings).
            for key in list(self._cache):
                if (key[0] in _PER_SERVICE and key[1] == service) or \
                        (key[0] == "load_data_with_path" and str(key[1]).startswith(prefix)):
                    self._cache.pop(key, None)


class ClientPool:
    """An account's clients by (service, region), shared by every thread.

    :meth:`acquire` returns the pair's client (built by ``build`` on first use, one at a
    time) and counts one more holder; :meth:`release` counts holders out. A client no
    one holds stays open among the ``idle`` most recently released, for the next scopes;
    an older one is closed and, when it was its service's last, its models forgotten.
    """

    def __init__(self, build: Callable[[str, str], BaseClient], models: ModelCache | None,
                 idle: int = IDLE_CLIENTS) -> None:
        self._build = build
        self._models = models
        self._idle_limit = idle
        self._lock = threading.Lock()
        self._clients: dict[Key, BaseClient] = {}
        self._holders: Counter[Key] = Counter()
        self._idle: OrderedDict[Key, None] = OrderedDict()

    def acquire(self, key: Key) -> BaseClient:
        """The client of ``key``, held until released."""
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._build(*key)
                self._clients[key] = client
                if self._models is not None:
                    self._models.hold(key[0])
            self._holders[key] += 1
            self._idle.pop(key, None)
            return client

    def release(self, keys: Iterable[Key]) -> None:
        """One holder less for each of ``keys``; close the idle clients beyond the limit."""
        closing: list[tuple[Key, BaseClient]] = []
        with self._lock:
            for key in keys:
                self._holders[key] -= 1
                if self._holders[key] <= 0:
                    del self._holders[key]
                    self._idle[key] = None
            while len(self._idle) > self._idle_limit:
                key, _ = self._idle.popitem(last=False)
                closing.append((key, self._clients.pop(key)))
        self._close(closing)

    def close(self) -> None:
        """Close every client, held or not."""
        with self._lock:
            closing = list(self._clients.items())
            self._clients.clear()
            self._holders.clear()
            self._idle.clear()
        self._close(closing)

    def _close(self, closing: list[tuple[Key, BaseClient]]) -> None:
        for key, client in closing:
            client.close()
            if self._models is not None:
                self._models.let_go(key[0])
