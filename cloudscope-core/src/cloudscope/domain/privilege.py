"""Administrative privilege, as each cloud writes it.

AWS: the managed ``AdministratorAccess`` policy, or any policy allowing ``Action: "*"`` on
``Resource: "*"``. GCP: the primitive roles ``roles/owner`` and ``roles/editor``. Azure: role
assignments of the built-in Owner, Contributor or User Access Administrator roles (the last
can grant itself any role).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

ADMIN_POLICY_NAME: Final = "AdministratorAccess"
GCP_ADMIN_ROLES: Final = frozenset({"roles/owner", "roles/editor"})
AZURE_ADMIN_ROLES: Final = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d09f40-458b-4f0d-9e02-d8e8e2de2c7a": "User Access Administrator",
}
"""Built-in role definition ids (the same in every tenant) -> role names."""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_admin_policy_document(document: Any) -> bool:
    """True when a statement allows every action (``*``) on every resource (``*``)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False
    if not isinstance(document, Mapping):
        return False
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if "*" in _as_list(statement.get("Action")) and "*" in _as_list(statement.get("Resource")):
            return True
    return False


def is_admin_policy_arn(arn: Any) -> bool:
    """True for the AWS managed ``AdministratorAccess`` policy."""
    return isinstance(arn, str) and arn.endswith(f":policy/{ADMIN_POLICY_NAME}")


def attached_admin_policy(properties: Mapping[str, Any]) -> str | None:
    """The ARN of an attached ``AdministratorAccess`` policy (user, role, group), or None."""
    for attached in properties.get("AttachedPolicies") or []:
        if isinstance(attached, Mapping) and is_admin_policy_arn(attached.get("PolicyArn")):
            return str(attached["PolicyArn"])
    return None


def gcp_admin_members(properties: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(member, role) pairs of ``iamPolicy`` bindings granting owner or editor."""
    policy = properties.get("iamPolicy") or {}
    for binding in policy.get("bindings") or []:
        if isinstance(binding, Mapping) and binding.get("role") in GCP_ADMIN_ROLES:
            for member in binding.get("members") or []:
                yield str(member), str(binding["role"])


def azure_admin_role(role_definition_id: Any) -> str | None:
    """The name of the administrative built-in role a role definition id names, or None."""
    if not isinstance(role_definition_id, str):
        return None
    return AZURE_ADMIN_ROLES.get(role_definition_id.rsplit("/", 1)[-1].lower())
