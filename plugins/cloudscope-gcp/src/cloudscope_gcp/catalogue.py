"""The catalogue: which Cloud Asset types are collected, in which scope, and how they map.

A scope is (project, service group): the Cloud Asset types of one Google service listed
together in one paged ``assets.list`` call. One scope per service rather than per type
because relationships such as instance PROTECTED_BY firewall need every compute type of a
project at once (firewalls are matched to instances by network and target tag), and
because one call with several ``assetTypes`` costs fewer requests than one per type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    # Imported where used: the plugin also runs on API 1.0 cores, which lack it.
    from cloudscope.api import AssetTypeInfo

CONTAINERS: Final = "cloudresourcemanager.googleapis.com"
PROJECT_TYPE: Final = "cloudresourcemanager.googleapis.com/Project"
FOLDER_TYPE: Final = "cloudresourcemanager.googleapis.com/Folder"
ORGANIZATION_TYPE: Final = "cloudresourcemanager.googleapis.com/Organization"
SERVICE_ACCOUNT_TYPE: Final = "iam.googleapis.com/ServiceAccount"


@dataclass(frozen=True, slots=True)
class ServiceGroup:
    """The Cloud Asset types of one service, collected as one scope per project.

    ``iam_policy_types`` are also listed with ``contentType=IAM_POLICY`` (their exposure
    depends on who is bound to them); ``lookup_types`` are listed beside the group's own
    types only to resolve references (a service account's email to its resource name),
    never yielded as assets of this scope.
    """

    service: str
    asset_types: tuple[str, ...]
    iam_policy_types: tuple[str, ...] = ()
    lookup_types: tuple[str, ...] = field(default=())


GROUPS: Final = (
    ServiceGroup("compute.googleapis.com", (
        "compute.googleapis.com/Instance", "compute.googleapis.com/Disk",
        "compute.googleapis.com/Network", "compute.googleapis.com/Subnetwork",
        "compute.googleapis.com/Firewall", "compute.googleapis.com/Address",
        "compute.googleapis.com/GlobalAddress", "compute.googleapis.com/ForwardingRule",
        "compute.googleapis.com/GlobalForwardingRule", "compute.googleapis.com/TargetPool",
        "compute.googleapis.com/BackendService", "compute.googleapis.com/RegionBackendService",
        "compute.googleapis.com/InstanceGroup",
    ), lookup_types=(SERVICE_ACCOUNT_TYPE,)),
    ServiceGroup("container.googleapis.com", ("container.googleapis.com/Cluster",),
                 lookup_types=(SERVICE_ACCOUNT_TYPE,)),
    ServiceGroup("storage.googleapis.com", ("storage.googleapis.com/Bucket",),
                 iam_policy_types=("storage.googleapis.com/Bucket",)),
    ServiceGroup("sqladmin.googleapis.com", ("sqladmin.googleapis.com/Instance",)),
    # Custom roles (``includedPermissions``): what a binding to projects/P/roles/R grants.
    # Organization-level custom roles are not listed at project scope and not collected.
    ServiceGroup("iam.googleapis.com",
                 (SERVICE_ACCOUNT_TYPE, "iam.googleapis.com/ServiceAccountKey",
                  "iam.googleapis.com/Role"),
                 iam_policy_types=(SERVICE_ACCOUNT_TYPE,)),
    ServiceGroup("run.googleapis.com", ("run.googleapis.com/Service",),
                 iam_policy_types=("run.googleapis.com/Service",),
                 lookup_types=(SERVICE_ACCOUNT_TYPE,)),
    ServiceGroup("cloudfunctions.googleapis.com", (
        "cloudfunctions.googleapis.com/CloudFunction", "cloudfunctions.googleapis.com/Function",
    ), iam_policy_types=("cloudfunctions.googleapis.com/CloudFunction",
                         "cloudfunctions.googleapis.com/Function"),
        lookup_types=(SERVICE_ACCOUNT_TYPE,)),
    ServiceGroup("cloudkms.googleapis.com", (
        "cloudkms.googleapis.com/KeyRing", "cloudkms.googleapis.com/CryptoKey",
    ), iam_policy_types=("cloudkms.googleapis.com/CryptoKey",)),
)
"""Every project-level group, in plan order."""

PROJECT_CONTAINER_GROUP: Final = ServiceGroup(CONTAINERS, (PROJECT_TYPE,),
                                              iam_policy_types=(PROJECT_TYPE,))
"""The container scope of ``--scope projects/ID``: the project itself."""

HIERARCHY_CONTAINER_GROUP: Final = ServiceGroup(
    CONTAINERS, (ORGANIZATION_TYPE, FOLDER_TYPE, PROJECT_TYPE),
    iam_policy_types=(ORGANIZATION_TYPE, FOLDER_TYPE, PROJECT_TYPE))
"""The container scope of a folder or organization: itself, its folders and its projects."""

_BY_SERVICE: Final = {group.service: group for group in GROUPS}

# Kinds whose derived name would mislead: gen 1 functions are "CloudFunction" in Cloud
# Asset but the same thing as gen 2 "Function" to a reader of the inventory.
_KIND_OVERRIDES: Final = {"cloudfunctions.googleapis.com/CloudFunction": "function"}
_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def group_for(service: str, *, hierarchy: bool) -> ServiceGroup:
    """The group a scope's ``service`` names (``hierarchy``: a folder or organization scope)."""
    if service == CONTAINERS:
        return HIERARCHY_CONTAINER_GROUP if hierarchy else PROJECT_CONTAINER_GROUP
    try:
        return _BY_SERVICE[service]
    except KeyError:
        raise KeyError(f"no GCP service group {service!r}") from None


def asset_type_of(native_type: str) -> str:
    """CloudScope's ``gcp:service:kind`` for a Cloud Asset type.

    ``compute.googleapis.com/ForwardingRule`` -> ``gcp:compute:forwarding-rule``.
    """
    service, _, kind = native_type.partition("/")
    short_service = service.split(".", 1)[0].lower()
    kind_name = _KIND_OVERRIDES.get(native_type) or _CAMEL_BOUNDARY.sub("-", kind).lower()
    return f"gcp:{short_service}:{kind_name}"


def catalogue() -> list[tuple[str, str, str]]:
    """(CloudScope type, Cloud Asset type, service group) for every collected type."""
    rows = [(asset_type_of(t), t, CONTAINERS) for t in HIERARCHY_CONTAINER_GROUP.asset_types]
    rows += [(asset_type_of(t), t, group.service) for group in GROUPS for t in group.asset_types]
    return rows


_SUBNET: Final = "IN_SUBNET -> gcp:compute:subnetwork"
_NETWORK: Final = "IN_NETWORK -> gcp:compute:network"
_KEY: Final = "ENCRYPTED_BY -> gcp:cloudkms:crypto-key"
_ACCOUNT: Final = "HAS_ROLE -> gcp:iam:service-account"
_PLACED: Final = (_SUBNET, _NETWORK, "ATTACHED_TO -> (its users)",
                  "ROUTES_TO -> (its target or backend service)")
RELATIONSHIPS: Final[dict[str, tuple[str, ...]]] = {
    "compute.googleapis.com/Instance": (_SUBNET, _NETWORK, "ATTACHED_TO <- gcp:compute:disk",
                                        _ACCOUNT, "PROTECTED_BY -> gcp:compute:firewall"),
    "compute.googleapis.com/Firewall": (_NETWORK,),
    "compute.googleapis.com/Subnetwork": _PLACED,
    "compute.googleapis.com/Address": _PLACED,
    "compute.googleapis.com/GlobalAddress": _PLACED,
    "compute.googleapis.com/ForwardingRule": _PLACED,
    "compute.googleapis.com/GlobalForwardingRule": _PLACED,
    "compute.googleapis.com/Disk": ("ATTACHED_TO -> gcp:compute:instance", _KEY),
    "storage.googleapis.com/Bucket": (_KEY,),
    "sqladmin.googleapis.com/Instance": (_KEY, _NETWORK),
    "container.googleapis.com/Cluster": (_SUBNET, _NETWORK, _ACCOUNT),
    "run.googleapis.com/Service": (_ACCOUNT, _KEY),
    "cloudfunctions.googleapis.com/CloudFunction": (_ACCOUNT, _KEY),
    "cloudfunctions.googleapis.com/Function": (_ACCOUNT, _KEY),
    "iam.googleapis.com/ServiceAccountKey": ("ATTACHED_TO -> gcp:iam:service-account",),
}
"""What relationships.py emits per Cloud Asset type, for ``cloudscope types``; every asset
is also contained by its parent (``resource.parent``: project, folder, organization, or
the key ring of a crypto key)."""


def asset_type_infos() -> tuple[AssetTypeInfo, ...]:
    """Every collected type for ``cloudscope types``. Added in API 1.1."""
    from cloudscope.api import AssetTypeInfo

    with_policy = {t for group in (*GROUPS, HIERARCHY_CONTAINER_GROUP)
                   for t in group.iam_policy_types}
    infos = []
    for asset_type, native, _service in catalogue():
        calls = [f"cloudasset:assets.list (assetTypes={native})"]
        if native in with_policy:
            calls.append(f"cloudasset:assets.list (assetTypes={native}, contentType=IAM_POLICY)")
        infos.append(AssetTypeInfo(
            asset_type=asset_type, native_type=native, api_calls=tuple(calls),
            relationships=("CONTAINS <- (its parent)", *RELATIONSHIPS.get(native, ())),
            id_format="name (the full resource name)"))
    return tuple(infos)
