"""Which scope owns which asset, and what a scope lists when it lists alone.

Scopes (docs/gcp.md): a project scope ``(project id, all)`` holds every type of the
project; with ``--type`` it becomes one scope per API service ``(project id,
compute.googleapis.com)``, listing the whole service (a type brings its service, so that
staleness never removes the service's other types). At folder or organization scope the
container scope ``(organizations/N, cloudresourcemanager.googleapis.com)`` holds the
hierarchy's nodes (organization, folders, projects) and the hierarchy-level resources of
:data:`HIERARCHY_TYPES`; the projects' scopes hold the rest.

The same rules route the assets of one organization-wide listing to the projects' scopes
(shared_listing.py) and filter each scope's own listing, so the two give the same scopes
the same assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cloudscope.api import ScopeKey

from cloudscope_gcp.catalogue import (
    ALL_TYPES,
    CONTAINER_TYPES,
    CONTAINERS,
    HIERARCHY_TYPES,
    SERVICE_ACCOUNT_TYPE,
    service_of,
    service_pattern,
)

_HIERARCHY_SET = frozenset(HIERARCHY_TYPES)


def is_container_scope(scope: ScopeKey) -> bool:
    """True for a folder's or organization's container scope."""
    return "/" in scope.account


def project_number(raw: dict[str, Any]) -> str | None:
    """The number of the project an asset sits in (from its ``ancestors``), else None."""
    for ancestor in raw.get("ancestors") or ():
        if isinstance(ancestor, str) and ancestor.startswith("projects/"):
            return ancestor[len("projects/"):]
    return None


def owns(scope: ScopeKey, native: str, number: str | None, *, hierarchy: bool) -> bool:
    """Whether ``scope`` yields an asset of type ``native`` in project ``number`` (None:
    outside projects). ``hierarchy``: the scope was planned under a folder or organization,
    whose container scope holds the hierarchy's nodes."""
    if is_container_scope(scope):
        return native in CONTAINER_TYPES or (number is None and native in _HIERARCHY_SET)
    if number is None or (hierarchy and native in CONTAINER_TYPES):
        return False
    return scope.service == ALL_TYPES or service_of(native) == scope.service


def listing_filter(scopes: Sequence[ScopeKey]) -> list[str]:
    """The ``assetTypes`` that cover ``scopes`` (of one project or one hierarchy) in one
    listing: none (every type) when a scope holds every type; else each service's types,
    the service accounts (to resolve workloads' emails) and the hierarchy's types."""
    if any(scope.service == ALL_TYPES for scope in scopes):
        return []
    patterns: dict[str, None] = {}
    for scope in scopes:
        if is_container_scope(scope):
            patterns.update(dict.fromkeys(HIERARCHY_TYPES))
        else:
            patterns[service_pattern(scope.service)] = None
            patterns[SERVICE_ACCOUNT_TYPE] = None
    return list(patterns)


def container_scope(parent: str) -> ScopeKey:
    """The container scope of ``folders/N`` or ``organizations/N``."""
    return ScopeKey(provider="gcp", account=parent, service=CONTAINERS)
