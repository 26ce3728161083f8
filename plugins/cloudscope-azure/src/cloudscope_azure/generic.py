"""Every resource without a hand mapping: the generic list, then each body at its
provider's api-version.

``GET /subscriptions/{id}/resources`` answers every resource of a subscription in a short
form (id, name, type, location, tags, sku, kind, identity, managedBy: no ``properties``).
Each entry of a type without a hand mapping is completed by ``GET {id}`` at the newest
stable api-version its provider registers (``GET /subscriptions/{id}/providers``, read once
per run and again only for a subscription where a type is missing). A type that cannot be
read that way (no registered api-version, or a 400/404 such as ``NoRegisteredProviderFound``)
keeps its list entry, with ``_unavailable: {"properties": "Resources_GetById: <code>"}``,
as a denied (403) read does: an unknown or new type never breaks a collection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from cloudscope.api import CollectContext

from cloudscope_azure.arm import ArmError, mark_unavailable
from cloudscope_azure.catalogue import PROVIDERS_API_VERSION, RESOURCES

if TYPE_CHECKING:
    from cloudscope_azure.arm import ArmClient

PROVIDERS_LIST: Final = "Providers_List"

GET_BY_ID: Final = "Resources_GetById"
"""The operation named in ``_unavailable`` when a body could not be read."""
#: Answers that mean "this type cannot be read at this api-version": keep the list entry.
ABSENT: Final = (400, 404)
#: Bodies read at once by one scope; the window bounds what a scope holds in memory.
WORKERS: Final = 4
WINDOW: Final = 64


def newest(versions: Any) -> str | None:
    """The newest stable api-version of a list (ISO dates sort as text), else the newest
    preview."""
    found = sorted((str(v) for v in versions or () if v), reverse=True)
    stable = [v for v in found if "-" not in v[10:]]
    chosen = stable or found
    return chosen[0] if chosen else None


class ProviderVersions:
    """The api-version and registered name of every ARM type, from the ``/providers``
    metadata, read once per run (thread-safe)."""

    def __init__(self, arm: ArmClient) -> None:
        self._arm = arm
        self._lock = threading.Lock()
        self._versions: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._asked: set[str] = set()
        #: Why no api-version is known, when the metadata read was denied.
        self.denied: str | None = None

    def version(self, subscription: str, native_type: str) -> str | None:
        """The api-version to read ``native_type`` with, or None if no provider has it."""
        self._load(subscription, native_type.lower())
        return self._versions.get(native_type.lower())

    def names(self, subscription: str) -> dict[str, str]:
        """Lower-case type -> the type as its provider registers it."""
        self._load(subscription, None)
        return self._names

    def _load(self, subscription: str, wanted: str | None) -> None:
        with self._lock:
            if self._asked and (wanted is None or wanted in self._versions):
                return
            if subscription in self._asked:
                return
            self._asked.add(subscription)
            try:
                providers = list(self._arm.list(f"/subscriptions/{subscription}/providers",
                                                PROVIDERS_API_VERSION))
            except ArmError as error:
                # A role without providers/read still lists every resource: the bodies
                # are then marked unavailable, not the scope failed.
                if error.status_code != 403:
                    raise
                self.denied = f"{PROVIDERS_LIST}: {error.code or 'AuthorizationFailed'}"
                return
            for provider in providers:
                namespace = str(provider.get("namespace") or "")
                for entry in provider.get("resourceTypes") or ():
                    name = f"{namespace}/{entry.get('resourceType')}"
                    version = newest(entry.get("apiVersions"))
                    if version is not None:
                        self._versions[name.lower()] = version
                        self._names[name.lower()] = name


class GenericResources:
    """Lists a subscription's resources of the types without a hand mapping, full bodies."""

    def __init__(self, ctx: CollectContext, arm: ArmClient, versions: ProviderVersions) -> None:
        self._ctx = ctx
        self._arm = arm
        self._versions = versions
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def bodies(self, subscription: str, *, only: str | None = None,
               skip: Collection[str] = ()) -> Iterator[dict[str, Any]]:
        """The full bodies of ``subscription``'s resources: of type ``only`` (the list
        filtered by ARM), else of every type not in ``skip`` (lower-case types)."""
        params = {"$filter": f"resourceType eq '{only}'"} if only else None
        entries = (entry for entry in self._arm.list(
            f"/subscriptions/{subscription}{RESOURCES.list_path}", RESOURCES.api_version, params)
            if entry.get("id") and str(entry.get("type") or "").lower() not in skip)
        read: Callable[[dict[str, Any]], dict[str, Any]] = \
            lambda entry: self._full(subscription, entry)  # noqa: E731 (one use, needs the closure)
        # Bodies are read a window at a time on a small pool: one GET per resource is the
        # cost of the generic path, and the latency of each hides behind the others'.
        while window := list(islice(entries, WINDOW)):
            yield from self._executor().map(read, window)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="azure-bodies")
            return self._pool

    def _full(self, subscription: str, entry: dict[str, Any]) -> dict[str, Any]:
        native_type = str(entry.get("type") or "")
        version = self._versions.version(subscription, native_type)
        if version is None:
            mark_unavailable(entry, "properties", self._versions.denied or
                             f"{GET_BY_ID}: NoRegisteredProviderFound")
            self._ctx.count("details_unavailable")
            return entry
        body = self._arm.detail(entry, "properties", GET_BY_ID, str(entry["id"]), version,
                                absent=ABSENT)
        # The list entry's own fields (createdTime with $expand, managedBy) stay beside the
        # full body's, which win.
        return entry if body is None else {**entry, **body}

    def close(self) -> None:
        """Stop the pool's threads."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
