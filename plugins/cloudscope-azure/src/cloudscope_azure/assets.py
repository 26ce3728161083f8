"""From Resource Manager bodies to assets: ids, names, regions, tags.

Resource ids are compared and stored in lower case (ARM treats them case-insensitively and
returns the same id in different cases from different calls, e.g. ``resourceGroups`` and
``resourcegroups``).
"""

from __future__ import annotations

from typing import Any

from cloudscope.api import Asset


def normalise_id(resource_id: str) -> str:
    """An ARM id in its stored form: lower case, no trailing slash."""
    return resource_id.strip().rstrip("/").lower()


def resource_group_id(resource_id: str) -> str | None:
    """``/subscriptions/s/resourcegroups/rg`` for any id inside a resource group, else None."""
    parts = normalise_id(resource_id).split("/")
    # ['', 'subscriptions', s, 'resourcegroups', rg, 'providers', ...]
    if len(parts) > 6 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
        return "/".join(parts[:5])
    return None


def parent_id(resource_id: str) -> str | None:
    """The resource a child resource belongs to (a subnet's virtual network), else None.

    ``.../providers/ns/type/name/childtype/childname`` -> ``.../providers/ns/type/name``.
    """
    parts = normalise_id(resource_id).split("/")
    if "providers" not in parts:
        return None
    after = len(parts) - parts.index("providers") - 1  # ns, type, name, [childtype, childname]...
    if after >= 5:
        return "/".join(parts[:-2])
    return None


def region_of(location: Any) -> str | None:
    """ARM's location in canonical form: ``West US`` (App Service) and ``westus`` alike."""
    if not isinstance(location, str) or not location:
        return None
    return location.replace(" ", "").lower()


def tags_of(body: dict[str, Any]) -> dict[str, str]:
    """The resource's tags as strings (ARM allows empty values, never nested ones)."""
    tags = body.get("tags") or {}
    return {str(key): "" if value is None else str(value) for key, value in tags.items()}


def to_asset(body: dict[str, Any], *, asset_type: str, native_type: str, subscription: str,
             location: str | None = None) -> Asset:
    """The asset of one ARM resource body; ``properties`` is the body as returned."""
    return Asset(
        id=normalise_id(body["id"]), provider="azure", asset_type=asset_type,
        native_type=native_type, name=body.get("name") or body.get("displayName"),
        account=subscription, region=region_of(body.get("location") or location),
        tags=tags_of(body), properties=body,
    )
