"""The read-only custom role that covers every call the collector makes.

The built-in ``Reader`` role (``*/read``) suffices. For a role of the exact actions, this
module prints an Azure custom role definition (the JSON ``az role definition create
--role-definition`` takes): the reads of the mapped types, of the generic resources list
and the providers' metadata, of the types known by name, of Resource Graph and of
management groups. A type outside the list is still listed (its short entry); reading its
full body needs its own ``<type>/read``, and without it the asset keeps the list entry with
``_unavailable``. ``python -m cloudscope_azure.permissions`` prints it; docs/azure.md holds
the same text (a test compares them).
"""

from __future__ import annotations

import json
from typing import Any, Final

from cloudscope_azure.catalogue import (
    CATALOGUE,
    MANAGEMENT_GROUPS,
    RESOURCE_GROUPS,
    SUBSCRIPTION,
    ResourceType,
)
from cloudscope_azure.naming import KNOWN_TYPES

ROLE_NAME: Final = "CloudScope Reader"
#: Reads that are not one type's own: the generic list, the providers' api-versions and a
#: Resource Graph query.
META_ACTIONS: Final = (
    "Microsoft.Resources/subscriptions/resources/read",
    "Microsoft.Resources/subscriptions/providers/read",
    "Microsoft.ResourceGraph/resources/read",
)


def _action(resource_type: ResourceType) -> str:
    if resource_type is SUBSCRIPTION:
        return "Microsoft.Resources/subscriptions/read"
    if resource_type is RESOURCE_GROUPS:
        return "Microsoft.Resources/subscriptions/resourceGroups/read"
    return f"{resource_type.native_type}/read"


def actions() -> list[str]:
    """Every read action the collector uses, sorted, without duplicates."""
    found = {_action(resource_type) for resource_type in CATALOGUE}
    found.update(f"{native_type}/read" for native_type in KNOWN_TYPES)
    found.update(META_ACTIONS)
    return sorted(found, key=str.lower)


def custom_role() -> dict[str, Any]:
    """The custom role definition, assignable at the tenant's root management group (so
    that the management groups are readable too) or at subscriptions."""
    return {
        "Name": ROLE_NAME,
        "IsCustom": True,
        "Description": "Read-only inventory by CloudScope: lists resources, management "
                       "groups and role assignments; reads no data and changes nothing.",
        "Actions": actions(),
        "NotActions": [],
        "DataActions": [],
        "NotDataActions": [],
        "AssignableScopes": [f"{MANAGEMENT_GROUPS.list_path}/{{root-management-group-id}}"],
    }


def main() -> None:
    """Print the custom role definition as JSON."""
    print(json.dumps(custom_role(), indent=2))


if __name__ == "__main__":
    main()
