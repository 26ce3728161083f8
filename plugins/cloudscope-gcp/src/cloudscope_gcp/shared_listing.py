"""One listing at a folder or organization, streamed out to the scopes planned under it.

At ``--scope organizations/N`` the collector lists ``organizations/N/assets`` once (a
paged call for the resources, one for the IAM policies) instead of two per project, and
routes each asset to its project's scope by the project number in its ``ancestors``
(ownership.py). Staleness stays per project: a project's scope consumes its assets as the
pages arrive, and ends only once the whole listing has been read.

The listings run in threads of their own, started at the end of the plan, so that mapping
and storing the first pages overlap the fetching of the next. Pages follow each other
(each carries the next one's token), so the resources are listed as :data:`PARTITIONS`
listings at once, each a set of types by the first letter of their service (``co.*``:
compute, container...), which together cover every type (services are lower-case host
names) once; the policies are one listing. Each scope waits for
the policies (to merge them as its resources stream by), then drains its channel. A
listing that fails makes every scope list its own project instead (so a project that
refuses fails alone). Memory: what no running scope has taken yet (the projects waiting
for a worker) is held; a ``--shard`` run never shares (each shard lists its own projects,
keeping its work its own).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.api import CollectContext, CollectionError, ScopeKey

from cloudscope_gcp.catalogue import SERVICE_ACCOUNT_TYPE
from cloudscope_gcp.ownership import (
    is_container_scope,
    listing_filter,
    owns,
    project_number,
)
from cloudscope_gcp.transport import AssetApi, AssetApiError

PARTITIONS: Final = (("co.*",), ("[0-9a-b].*", "c[^o].*"), ("[d-m].*",), ("[n-z].*",))
"""``assetTypes`` RE2 patterns of the parallel resource listings of an every-type listing
(each pattern matches some type, as Cloud Asset requires, and each type one pattern)."""

Item = tuple[dict[str, Any], bool]
"""A listed asset and whether the scope owns it (else it only resolves references: a
service account of the project, for a scope of another service)."""


@dataclass(frozen=True, slots=True)
class Policies:
    """IAM policies by resource name, or the denial to record (``_unavailable``)."""

    by_name: dict[str, Any]
    denied: dict[str, str] | None = None


class SharedListingFailed(CollectionError):
    """The hierarchy's listing failed: the scope lists its own project instead."""


class _Channel:
    """The items of one scope, put by the listing thread and drained by the scope's."""

    def __init__(self) -> None:
        self._items: deque[Item] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._error: BaseException | None = None

    def put(self, items: list[Item]) -> None:
        with self._ready:
            self._items.extend(items)
            self._ready.notify_all()

    def close(self, error: BaseException | None = None) -> None:
        with self._ready:
            self._closed, self._error = True, error
            self._ready.notify_all()

    def drain(self, cancelled: threading.Event) -> Iterator[Item]:
        """Every item as it arrives; the listing's error once what came before is drained."""
        while True:
            with self._ready:
                while not self._items and not self._closed:
                    if cancelled.is_set():
                        raise CollectionError("interrupted while waiting for the listing")
                    self._ready.wait(0.1)
                batch = list(self._items)
                self._items.clear()
                closed, error = self._closed, self._error
            yield from batch
            if closed and not batch:
                if error is not None:
                    raise error
                return


class SharedListing:
    """The listing of one folder or organization for the scopes planned under it.

    ``project_ids`` maps project numbers to ids (the scopes' accounts); ``policy_lister``
    lists the IAM policies (the collector's, which records a denial rather than failing).
    """

    def __init__(self, api: AssetApi, ctx: CollectContext, parent: str, *,
                 scopes: Iterable[ScopeKey], project_ids: dict[str, str],
                 policy_lister: Callable[[str, list[str]], Policies]) -> None:
        self.parent = parent
        self._api = api
        self._ctx = ctx
        self._scopes = list(scopes)
        self._project_ids = project_ids
        self._filter = listing_filter(self._scopes)
        self._policy_lister = policy_lister
        self._channels = {scope.key: _Channel() for scope in self._scopes}
        self._policies: Policies | None = None
        self._policy_error: BaseException | None = None
        self._policies_done = threading.Event()
        self._start = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._partitions = partitions(self._filter)
        self._running = len(self._partitions)
        self._error: BaseException | None = None
        self._reported = False

    def start(self) -> None:
        """Start both listings (once; later calls do nothing)."""
        with self._start:
            if self._threads:
                return
            self._threads = [
                threading.Thread(target=self._list_resources, args=(types,), daemon=True,
                                 name=f"cloudscope-gcp-resources-{index}")
                for index, types in enumerate(self._partitions)]
            self._threads.append(threading.Thread(target=self._list_policies, daemon=True,
                                                  name="cloudscope-gcp-policies"))
            for thread in self._threads:
                thread.start()

    def policies(self) -> Policies:
        """The hierarchy's IAM policies, once listed; raises :class:`SharedListingFailed`."""
        self.start()
        while not self._policies_done.wait(0.1):
            if self._ctx.cancelled.is_set():
                raise CollectionError("interrupted while waiting for the IAM policies")
        if self._policy_error is not None:
            raise self._failed(self._policy_error)
        assert self._policies is not None  # set before the event
        return self._policies

    def stream(self, scope: ScopeKey) -> Iterator[Item]:
        """``scope``'s items as the pages arrive; raises :class:`SharedListingFailed` when
        the listing fails (the items before it were yielded)."""
        self.start()
        channel = self._channels.get(scope.key)
        if channel is None:
            raise SharedListingFailed(f"{scope.key} was not planned under {self.parent}")
        try:
            yield from channel.drain(self._ctx.cancelled)
        except AssetApiError as error:
            raise self._failed(error) from error

    def join(self, timeout: float) -> None:
        """Wait a little for the listing threads (at the collector's close)."""
        for thread in self._threads:
            thread.join(timeout)

    def _failed(self, error: BaseException) -> BaseException:
        if isinstance(error, AssetApiError):
            return SharedListingFailed(f"{self.parent}: {error.message}")
        return error

    def _list_policies(self) -> None:
        try:
            self._policies = self._policy_lister(self.parent, self._filter)
        except BaseException as error:  # handed to every scope, which lists alone
            self._policy_error = error
            with self._start:
                self._report(error)
        finally:
            self._policies_done.set()

    def _list_resources(self, types: list[str]) -> None:
        container = next((s for s in self._scopes if is_container_scope(s)), None)
        by_project: dict[str, list[ScopeKey]] = {}
        for scope in self._scopes:
            if scope is not container:
                by_project.setdefault(scope.account, []).append(scope)
        cancelled = self._ctx.cancelled
        error: BaseException | None = None
        try:
            for page in self._api.list_pages(self.parent, types):
                if cancelled.is_set():
                    raise CollectionError(f"{self.parent}: listing interrupted")
                if self._error is not None:
                    break  # another partition failed: every scope lists alone
                routed: dict[str, list[Item]] = {}
                for raw in page:
                    native = str(raw.get("assetType") or "")
                    number = project_number(raw)
                    if container is not None and owns(container, native, number,
                                                      hierarchy=True):
                        routed.setdefault(container.key, []).append((raw, True))
                        continue
                    project = self._project_ids.get(number or "") or ""
                    for scope in by_project.get(project, ()):
                        if owns(scope, native, number, hierarchy=True):
                            routed.setdefault(scope.key, []).append((raw, True))
                        elif native == SERVICE_ACCOUNT_TYPE:
                            routed.setdefault(scope.key, []).append((raw, False))
                for key, items in routed.items():
                    self._channels[key].put(items)
        except BaseException as failure:  # handed to every scope
            error = failure
        with self._start:
            self._running -= 1
            if error is not None and self._error is None:
                self._error = error
                self._report(error)
            if error is None and self._running > 0:
                return
            # The last listing to end, or the first to fail, ends every scope's stream.
            for channel in self._channels.values():
                channel.close(self._error)


    def _report(self, error: BaseException) -> None:
        """Count and log the listing's first failure (the caller holds ``_start``)."""
        if isinstance(error, AssetApiError) and not self._reported:
            self._reported = True
            self._ctx.count("hierarchy_listing_failures")
            self._ctx.log.warning("gcp.hierarchy_listing_failed", parent=self.parent,
                                  error=error.message)


def partitions(types: list[str]) -> list[list[str]]:
    """The ``assetTypes`` of each parallel resource listing: :data:`PARTITIONS` for every
    type, else the given patterns dealt out to as many listings."""
    if not types:
        return [list(part) for part in PARTITIONS]
    count = min(len(PARTITIONS), len(types))
    return [types[index::count] for index in range(count)]
