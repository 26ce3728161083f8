"""The catalogue: how Cloud Asset types are named, which are hand-mapped, which are known.

Every type ``assets.list`` returns is collected (no ``assetTypes`` filter by default) and
named by one rule, :func:`asset_type_of` (DESIGN.md section 3): the service is the API
name before ``.googleapis.com`` (``compute``; ``k8s`` for ``k8s.io``), the kind the type's
last segment in lower case with hyphens (``ForwardingRule`` -> ``forwarding-rule``). The
hand-mapped types (:data:`MAPPED_TYPES`) also get the relationships of relationships.py;
every type gets ``CONTAINS`` from its parent. ``cloudscope types`` lists the mapped types
and the types known by name (known_types.py); any other type is collected all the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from cloudscope_gcp.known_types import KNOWN_TYPES

if TYPE_CHECKING:
    # Imported where used: the plugin also runs on API 1.0 cores, which lack it.
    from cloudscope.api import AssetTypeInfo

CONTAINERS: Final = "cloudresourcemanager.googleapis.com"
PROJECT_TYPE: Final = "cloudresourcemanager.googleapis.com/Project"
FOLDER_TYPE: Final = "cloudresourcemanager.googleapis.com/Folder"
ORGANIZATION_TYPE: Final = "cloudresourcemanager.googleapis.com/Organization"
SERVICE_ACCOUNT_TYPE: Final = "iam.googleapis.com/ServiceAccount"
CUSTOM_ROLE_TYPE: Final = "iam.googleapis.com/Role"

CONTAINER_TYPES: Final = frozenset({ORGANIZATION_TYPE, FOLDER_TYPE, PROJECT_TYPE})
"""The resource hierarchy's nodes: at folder or organization scope they belong to the
hierarchy's container scope, wherever they sit."""

HIERARCHY_TYPES: Final = (ORGANIZATION_TYPE, FOLDER_TYPE, PROJECT_TYPE, CUSTOM_ROLE_TYPE,
                          "cloudresourcemanager.googleapis.com/TagKey",
                          "cloudresourcemanager.googleapis.com/TagValue")
"""What the container scope of a folder or organization holds: the hierarchy's nodes, and
of these types the resources that sit outside any project (organization custom roles, tag
keys and values). Resources of other types outside projects are not collected."""

ALL_TYPES: Final = "all"
"""The service of a project scope that holds every type (the default, without --type)."""

MAPPED_TYPES: Final[tuple[tuple[str, bool], ...]] = (
    # (Cloud Asset type, carries an IAM policy): relationships.py reads their resource data.
    (ORGANIZATION_TYPE, True), (FOLDER_TYPE, True), (PROJECT_TYPE, True),
    ("compute.googleapis.com/Instance", False), ("compute.googleapis.com/Disk", False),
    ("compute.googleapis.com/Network", False), ("compute.googleapis.com/Subnetwork", False),
    ("compute.googleapis.com/Firewall", False), ("compute.googleapis.com/Address", False),
    ("compute.googleapis.com/GlobalAddress", False),
    ("compute.googleapis.com/ForwardingRule", False),
    ("compute.googleapis.com/GlobalForwardingRule", False),
    ("compute.googleapis.com/TargetPool", False),
    ("compute.googleapis.com/BackendService", False),
    ("compute.googleapis.com/RegionBackendService", False),
    ("compute.googleapis.com/InstanceGroup", False),
    ("container.googleapis.com/Cluster", False),
    ("storage.googleapis.com/Bucket", True),
    ("sqladmin.googleapis.com/Instance", False),
    # Custom roles (``includedPermissions``): what a binding to projects/P/roles/R grants.
    (SERVICE_ACCOUNT_TYPE, True), ("iam.googleapis.com/ServiceAccountKey", False),
    (CUSTOM_ROLE_TYPE, False),
    ("run.googleapis.com/Service", True),
    ("cloudfunctions.googleapis.com/CloudFunction", True),
    ("cloudfunctions.googleapis.com/Function", True),
    ("cloudkms.googleapis.com/KeyRing", False), ("cloudkms.googleapis.com/CryptoKey", True),
)

POLICY_TYPES: Final = frozenset(native for native, policy in (*MAPPED_TYPES, *KNOWN_TYPES)
                                if policy)
"""Types known to carry an IAM policy: when the policy listing is denied, their assets
record it under ``_unavailable`` (any other type's policy is kept when listed)."""

VOLATILE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    # A GKE cluster's node count, which the autoscaler moves.
    "container.googleapis.com/Cluster": ("currentNodeCount",),
}
"""Fields Google Cloud changes by itself, never reported as changes, by Cloud Asset type."""

# Kinds whose derived name would mislead: gen 1 functions are "CloudFunction" in Cloud
# Asset but the same thing as gen 2 "Function" to a reader of the inventory.
_KIND_OVERRIDES: Final = {"cloudfunctions.googleapis.com/CloudFunction": "function"}
# Word boundaries: "ForwardingRule" -> "Forwarding-Rule", "OSPolicy" -> "OS-Policy".
_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_NAME: Final = re.compile(r"[^a-z0-9]+")


def asset_type_of(native_type: str) -> str:
    """CloudScope's ``gcp:service:kind`` for a Cloud Asset type; always a valid asset type.

    ``compute.googleapis.com/ForwardingRule`` -> ``gcp:compute:forwarding-rule``;
    ``k8s.io/Pod`` -> ``gcp:k8s:pod``; what a name cannot hold becomes a hyphen.
    """
    service, _, kind = native_type.rpartition("/")
    short_service = _name_part(service.split(".", 1)[0].lower())
    kind_name = _KIND_OVERRIDES.get(native_type) or _name_part(
        _CAMEL_BOUNDARY.sub("-", kind).lower())
    return f"gcp:{short_service}:{kind_name}"


def _name_part(text: str) -> str:
    return _NOT_NAME.sub("-", text).strip("-") or "unknown"


def service_of(native_type: str) -> str:
    """The API service of a Cloud Asset type (``compute.googleapis.com``)."""
    return native_type.rpartition("/")[0]


def catalogue() -> list[tuple[str, str, bool]]:
    """(CloudScope type, Cloud Asset type, mapped) for every mapped and known type."""
    rows = [(asset_type_of(native), native, True) for native, _policy in MAPPED_TYPES]
    rows += [(asset_type_of(native), native, False) for native, _policy in KNOWN_TYPES]
    return rows


_SERVICES: Final = {asset_type_of(native).split(":")[1]: service_of(native)
                    for _type, native, _mapped in catalogue()}
_TYPE_ARGUMENT: Final = re.compile(
    r"^(gcp:([a-z0-9-]+):[a-z0-9-]+|([a-z0-9][a-z0-9.-]*[a-z0-9])/[A-Za-z0-9]+)$")


def service_for_type(text: str) -> str | None:
    """The API service that ``--type`` names: a CloudScope type (``gcp:compute:instance``)
    or a Cloud Asset type (``compute.googleapis.com/Instance``); None when malformed.
    A short service not in the catalogue is taken as ``<service>.googleapis.com``."""
    match = _TYPE_ARGUMENT.match(text.strip())
    if not match:
        return None
    if match.group(3):
        return match.group(3)
    short = match.group(2)
    return _SERVICES.get(short) or f"{short}.googleapis.com"


def service_pattern(service: str) -> str:
    """The ``assetTypes`` regular expression (RE2) of every type of ``service``."""
    return re.escape(service) + "/.*"


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
    """Every mapped and known type for ``cloudscope types``. Added in API 1.1."""
    from cloudscope.api import AssetTypeInfo

    infos = []
    for asset_type, native, _mapped in catalogue():
        calls = ["cloudasset:assets.list (contentType=RESOURCE)"]
        if native in POLICY_TYPES:
            calls.append("cloudasset:assets.list (contentType=IAM_POLICY)")
        infos.append(AssetTypeInfo(
            asset_type=asset_type, native_type=native, api_calls=tuple(calls),
            relationships=("CONTAINS <- (its parent)", *RELATIONSHIPS.get(native, ())),
            volatile_fields=VOLATILE_FIELDS.get(native, ()),
            id_format="name (the full resource name)"))
    return tuple(infos)
