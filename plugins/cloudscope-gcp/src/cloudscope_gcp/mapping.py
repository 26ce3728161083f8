"""Cloud Asset ``Asset`` JSON to CloudScope assets.

``properties`` is ``resource.data`` (the service's own JSON), plus the IAM policy under
``iamPolicy`` for types collected with it; ``tags`` are the labels; ``region`` the
resource's location (None for ``global``).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from cloudscope.api import Asset

from cloudscope_gcp.catalogue import (
    FOLDER_TYPE,
    ORGANIZATION_TYPE,
    PROJECT_TYPE,
    SERVICE_ACCOUNT_TYPE,
    asset_type_of,
)
from cloudscope_gcp.names import last_segment

# Where each type keeps its labels when not at ``labels`` (the services' own JSON differs).
_LABEL_PATHS: Final = {
    "sqladmin.googleapis.com/Instance": ("settings", "userLabels"),
    "container.googleapis.com/Cluster": ("resourceLabels",),
    "run.googleapis.com/Service": ("metadata", "labels"),
}

UNAVAILABLE: Final = "_unavailable"
cached_asset_type = cache(asset_type_of)


def to_asset(raw: dict[str, Any], *, account: str | None,
             iam_policy: dict[str, Any] | None = None,
             unavailable: dict[str, str] | None = None) -> Asset:
    """The CloudScope asset of one Cloud Asset ``Asset`` (content type RESOURCE).

    ``unavailable`` names the properties whose read was denied (``{property: "call: error
    code"}``), kept under ``_unavailable`` as docs/properties.md describes.
    """
    native = raw["assetType"]
    name = raw["name"]
    resource = raw.get("resource") or {}
    data = resource.get("data") or {}
    properties = dict(data)
    if iam_policy is not None:
        properties["iamPolicy"] = iam_policy
    if unavailable:
        properties[UNAVAILABLE] = dict(unavailable)
    location = resource.get("location")
    return Asset(
        id=name, provider="gcp", asset_type=cached_asset_type(native), native_type=native,
        name=display_name(native, name, data), account=account_of(native, data, account),
        region=None if not location or location == "global" else location,
        tags=labels(native, data), properties=properties,
    )


def display_name(native: str, name: str, data: dict[str, Any]) -> str:
    """A readable name: the project id, a folder's display name, an account's email, or
    the last segment of the resource name."""
    if native == PROJECT_TYPE:
        return str(data.get("projectId") or last_segment(name))
    if native in (FOLDER_TYPE, ORGANIZATION_TYPE):
        return str(data.get("displayName") or last_segment(name))
    if native == SERVICE_ACCOUNT_TYPE:
        return str(data.get("email") or last_segment(name))
    return last_segment(name)


def account_of(native: str, data: dict[str, Any], account: str | None) -> str | None:
    """The project id an asset belongs to (None for folders and organizations)."""
    if native == PROJECT_TYPE:
        return str(data.get("projectId") or account or "") or None
    if native in (FOLDER_TYPE, ORGANIZATION_TYPE):
        return None
    return account


def labels(native: str, data: dict[str, Any]) -> dict[str, str]:
    """The resource's labels as strings."""
    value: Any = data
    for key in _LABEL_PATHS.get(native, ("labels",)):
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, dict):
        return {}
    return {str(key): "" if item is None else str(item) for key, item in value.items()}
