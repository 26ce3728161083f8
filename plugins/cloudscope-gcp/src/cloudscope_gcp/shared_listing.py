"""One listing at a folder or organization, shared out to the scopes planned under it.

At ``--scope organizations/N`` the collector lists ``organizations/N/assets`` once (a
paged call for the resources, one for the IAM policies) instead of two per project, and
routes each asset to its project's scope by the project number in its ``ancestors``
(ownership.py). Staleness stays per project: a project's scope completes only after the
whole listing has been read, with exactly the assets the listing gave its project.

The two listings are jobs that the first scope threads to arrive take, one each, while the
others wait; a listing that fails makes every scope list its own project instead (so a
project that refuses fails alone). Memory: the hierarchy's assets are held from the end of
the listing until each project's scope takes its share (about 2 KB an asset); a ``--shard``
run never shares (each shard lists its own projects, keeping its work its own).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cloudscope.api import CollectContext, CollectionError, ScopeKey

from cloudscope_gcp.catalogue import SERVICE_ACCOUNT_TYPE
from cloudscope_gcp.ownership import (
    is_container_scope,
    listing_filter,
    owns,
    project_number,
)
from cloudscope_gcp.transport import AssetApi, AssetApiError

Result = TypeVar("Result")


@dataclass(slots=True)
class Share:
    """What one scope takes from a listing: its own assets, and the assets it only reads
    to resolve references (its project's service accounts)."""

    assets: list[dict[str, Any]] = field(default_factory=list)
    lookups: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Policies:
    """IAM policies by resource name, or the denial to record (``_unavailable``)."""

    by_name: dict[str, Any]
    denied: dict[str, str] | None = None


class SharedListingFailed(CollectionError):
    """The hierarchy's listing failed: the scope lists its own project instead."""


class _Job(Generic[Result]):
    """Work done once by the first thread that claims it; the others wait for its result."""

    def __init__(self, work: Callable[[], Result]) -> None:
        self._work = work
        self._claim = threading.Lock()
        self._done = threading.Event()
        self._result: Result | None = None
        self._error: BaseException | None = None

    def run_if_free(self) -> None:
        """Do the work here unless another thread has claimed it."""
        if not self._claim.acquire(blocking=False):
            return
        try:
            self._result = self._work()
        except BaseException as error:  # handed to every waiting scope
            self._error = error
        finally:
            self._done.set()

    def result(self, cancelled: threading.Event) -> Result:
        """The work's result once done (its error raised), or an interruption."""
        while not self._done.wait(0.1):
            if cancelled.is_set():
                raise CollectionError("interrupted while waiting for the hierarchy's listing")
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]


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
        self._lock = threading.Lock()
        self._pending = {scope.key for scope in self._scopes}
        self._resources: _Job[dict[str, Share]] = _Job(self._list_resources)
        self._policies: _Job[Policies] = _Job(lambda: policy_lister(parent, self._filter))

    def take(self, scope: ScopeKey) -> tuple[Share, Policies]:
        """``scope``'s share and the policies, once the whole listing is read; raises
        :class:`SharedListingFailed` when it cannot be (list the scope alone instead)."""
        # The resources first: the longer job, so a second thread takes the policies.
        self._resources.run_if_free()
        self._policies.run_if_free()
        try:
            shares = self._resources.result(self._ctx.cancelled)
            policies = self._policies.result(self._ctx.cancelled)
        except AssetApiError as error:
            raise SharedListingFailed(f"{self.parent}: {error.message}") from error
        with self._lock:
            share = shares.pop(scope.key, None) or Share()
            self._pending.discard(scope.key)
            if not self._pending:
                shares.clear()
        return share, policies

    def _list_resources(self) -> dict[str, Share]:
        container = next((s for s in self._scopes if is_container_scope(s)), None)
        by_project: defaultdict[str, list[ScopeKey]] = defaultdict(list)
        for scope in self._scopes:
            if scope is not container:
                by_project[scope.account].append(scope)
        shares: defaultdict[str, Share] = defaultdict(Share)
        cancelled = self._ctx.cancelled
        try:
            for raw in self._api.list_assets(self.parent, self._filter):
                if cancelled.is_set():
                    raise CollectionError(f"{self.parent}: listing interrupted")
                native = str(raw.get("assetType") or "")
                number = project_number(raw)
                if container is not None and owns(container, native, number, hierarchy=True):
                    shares[container.key].assets.append(raw)
                    continue
                project = self._project_ids.get(number or "") or ""
                for scope in by_project.get(project, ()):
                    if owns(scope, native, number, hierarchy=True):
                        shares[scope.key].assets.append(raw)
                    elif native == SERVICE_ACCOUNT_TYPE:
                        shares[scope.key].lookups.append(raw)
        except AssetApiError as error:
            self._ctx.count("hierarchy_listing_failures")
            self._ctx.log.warning("gcp.hierarchy_listing_failed", parent=self.parent,
                                  error=error.message)
            raise
        return shares
