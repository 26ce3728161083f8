"""Relationships read from the resource ids inside ARM bodies.

Each resource type declares its edges as paths into its body (:class:`Edge`); every
resource also gets the edge from its container (subscription -> resource group -> resource
-> child resource) and to the user-assigned identities it runs as. All ids lower case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.api import Relationship

from cloudscope_azure.assets import normalise_id, parent_id, resource_group_id

CONTAINS: Final = "CONTAINS"
HAS_ROLE: Final = "HAS_ROLE"
Resolve = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Edge:
    """Ids found at ``path`` in a body, related to the resource by ``type``.

    ``path`` is dotted; ``name[]`` walks a list, ``{}`` takes a mapping's keys. With
    ``inbound`` the found id is the edge's source (a VM lists the interfaces attached to
    it: interface ATTACHED_TO VM). ``resolve`` maps a found id to the asset it belongs to
    (an IP configuration's id to its network interface or load balancer).
    """

    path: str
    type: str
    inbound: bool = False
    resolve: Resolve | None = None


def values_at(body: Any, path: str) -> list[str]:
    """The non-empty strings at ``path`` in ``body`` (see :class:`Edge`)."""
    nodes = [body]
    for part in path.split("."):
        found: list[Any] = []
        for node in nodes:
            if not isinstance(node, dict):
                continue
            if part == "{}":
                found.extend(node)
            elif part.endswith("[]"):
                items = node.get(part[:-2])
                if isinstance(items, list):
                    found.extend(items)
            elif node.get(part) is not None:
                found.append(node[part])
        nodes = found
    return [node for node in nodes if isinstance(node, str) and node]


def top_level_id(resource_id: str) -> str | None:
    """The top-level resource of any ARM id (an IP configuration's network interface)."""
    parts = normalise_id(resource_id).split("/")
    if "providers" not in parts:
        return None
    end = parts.index("providers") + 4  # providers/namespace/type/name
    return "/".join(parts[:end]) if len(parts) >= end else None


def container_of(resource_id: str) -> str | None:
    """What holds a resource: its parent resource, its resource group or its subscription.

    An extension resource (a role assignment, ``<scope>/providers/Microsoft.Authorization/
    roleAssignments/<name>``) is held by the scope it is written at: a subscription, a
    resource group or another resource.
    """
    resource_id = normalise_id(resource_id)
    if not resource_id.startswith("/subscriptions/"):
        return None  # a management group's or the tenant's: not collected
    scope, marker, _ = resource_id.rpartition("/providers/")
    if marker and (scope.count("/") == 2 or "/providers/" in scope):
        return scope
    parent = parent_id(resource_id)
    if parent is not None:
        return parent
    group = resource_group_id(resource_id)
    if group is not None:
        return group
    parts = resource_id.split("/")
    if len(parts) == 5 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
        return "/".join(parts[:3])
    return None


IDENTITIES: Final = Edge("identity.userAssignedIdentities.{}", HAS_ROLE)
"""Any resource running as user-assigned managed identities."""


def relationships_of(resource_id: str, body: dict[str, Any],
                     edges: tuple[Edge, ...]) -> Iterator[Relationship]:
    """The container edge, the identity edges and the type's own edges of one resource."""
    resource_id = normalise_id(resource_id)
    container = container_of(resource_id)
    if container is not None:
        yield Relationship(source_id=container, type=CONTAINS, target_id=resource_id)
    seen: set[tuple[str, str, str]] = set()
    for edge in (IDENTITIES, *edges):
        for found in values_at(body, edge.path):
            other = edge.resolve(found) if edge.resolve else normalise_id(found)
            if not other or other == resource_id:
                continue
            key = (other, edge.type, resource_id) if edge.inbound else \
                (resource_id, edge.type, other)
            if key not in seen:
                seen.add(key)
                yield Relationship(source_id=key[0], type=key[1], target_id=key[2])
