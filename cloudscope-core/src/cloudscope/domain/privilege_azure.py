"""Azure role-based access: role definitions, and what an assignment grants where.

A role definition's ``permissions[]`` each list ``actions`` and ``notActions`` (wildcard
``*``, case-insensitive); an action is allowed when a block's actions cover it and the same
block's notActions do not. A role is administrative when it allows
``Microsoft.Authorization/roleAssignments/write`` (it can assign itself any role: Owner,
User Access Administrator) or every action of every provider (``*``, as Contributor, whose
notActions only keep it from granting access). Data actions are not evaluated.

An assignment grants its role at its ``scope`` and below: a management group (the root
``/`` included) or a subscription makes the principal administrator of whole
subscriptions; a resource group or a resource makes it administrator of that group or
resource only, and findings say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.wildcards import matches_any, strings

ROLE_DEFINITION: Final = "azure:authorization:role-definition"
ROLE_ASSIGNMENT: Final = "azure:authorization:role-assignment"
ASSIGN_ROLES: Final = "Microsoft.Authorization/roleAssignments/write"
EVERY_ACTION_PROBES: Final = (
    "Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines/runCommand/action",
    "Microsoft.Network/networkSecurityGroups/write", "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.KeyVault/vaults/write", "Microsoft.Resources/deployments/write",
    "Zzz.AnyFutureProvider/anyType/write",
)
"""Allowed all together: the role may do everything (a provider added tomorrow included)."""

BUILT_IN: Final[Mapping[str, tuple[str, list[dict[str, Any]]]]] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": ("Owner", [{"actions": ["*"], "notActions": []}]),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": ("Contributor", [{"actions": ["*"], "notActions": [
        "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete"]}]),
    "18d09f40-458b-4f0d-9e02-d8e8e2de2c7a": ("User Access Administrator", [{"actions": [
        "*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], "notActions": []}]),
}
"""Built-in administrative roles (their ids are the same in every tenant), used when the
inventory holds no role definition for an assignment's role."""


def role_guid(role_definition_id: Any) -> str | None:
    """The GUID ending a role definition id, in lower case."""
    if not isinstance(role_definition_id, str) or not role_definition_id.strip():
        return None
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def allows(permissions: Any, action: str) -> bool:
    """True when a permission block's actions cover ``action`` and its notActions do not."""
    for block in permissions if isinstance(permissions, list) else []:
        if isinstance(block, Mapping) and \
                matches_any(strings(block.get("actions")), action) and \
                not matches_any(strings(block.get("notActions")), action):
            return True
    return False


def role_power(permissions: Any) -> str | None:
    """Why a role's permissions are administrative, or None."""
    if allows(permissions, ASSIGN_ROLES):
        return f"allows {ASSIGN_ROLES}, so it can assign any role"
    if all(allows(permissions, probe) for probe in EVERY_ACTION_PROBES):
        excluded = sorted({n for block in permissions if isinstance(block, Mapping)
                           for n in strings(block.get("notActions"))})
        return "allows every action" + (f" but {len(excluded)} notActions (it cannot assign "
                                        "roles)" if excluded else "")
    return None


@dataclass(frozen=True, slots=True)
class AssignmentScope:
    """Where an assignment applies: ``kind`` (subscription, resource group...), its name,
    and whether it covers whole subscriptions."""

    kind: str
    name: str
    broad: bool

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def assignment_scope(scope: Any) -> AssignmentScope:
    """Read an assignment's ``scope`` (``/``, a management group, a subscription, a resource
    group or a resource id)."""
    text = str(scope or "").strip().rstrip("/")
    parts = text.lower().split("/")
    if not text:
        return AssignmentScope("root management group", "/", True)
    if len(parts) < 3:
        return AssignmentScope("resource", text, False)
    if parts[1:4] == ["providers", "microsoft.management", "managementgroups"] and len(parts) == 5:
        return AssignmentScope("management group", text.split("/")[4], True)
    if parts[1] == "subscriptions" and len(parts) == 3:
        return AssignmentScope("subscription", text.split("/")[2], True)
    if parts[1] == "subscriptions" and len(parts) == 5 and parts[3] == "resourcegroups":
        return AssignmentScope("resource group", text.split("/")[4], False)
    return AssignmentScope("resource", text, False)


@dataclass(frozen=True, slots=True)
class AzureAdmin:
    """An administrative assignment: its role, why, where, and its condition if any."""

    note: str
    scope: AssignmentScope
    condition: str | None


@dataclass(frozen=True, slots=True)
class _Role:
    name: str
    power: str | None


@dataclass(frozen=True, slots=True)
class _Assignment:
    name: str
    role: str
    scope: str
    condition: str | None


def is_custom_role(asset: Asset) -> bool:
    """True for a role definition of type ``CustomRole``."""
    body = asset.properties.get("properties") or {}
    return str(body.get("type", "")).lower() == "customrole"


def definition_power(asset: Asset) -> str | None:
    """Why a collected role definition is administrative, or None."""
    return role_power((asset.properties.get("properties") or {}).get("permissions"))


class AzureRoles:
    """Role definitions and assignments, observed as assets stream."""

    def __init__(self) -> None:
        self.roles: dict[str, _Role] = {}
        self.assignments: dict[str, _Assignment] = {}

    def observe(self, asset: Asset) -> None:
        """Keep a role definition's verdict or an assignment's role and scope."""
        body = asset.properties.get("properties") or {}
        if asset.asset_type == ROLE_DEFINITION:
            guid = role_guid(asset.id)
            if guid:
                self.roles[guid] = _Role(str(body.get("roleName") or asset.name or guid),
                                         definition_power(asset))
        elif asset.asset_type == ROLE_ASSIGNMENT:
            guid = role_guid(body.get("roleDefinitionId"))
            if guid:
                condition = body.get("condition")
                self.assignments[asset.id] = _Assignment(
                    asset.name or asset.id, guid, str(body.get("scope") or ""),
                    str(condition) if condition else None)

    def role(self, guid: str) -> _Role | None:
        """A role by GUID: the collected definition, else a known built-in one."""
        found = self.roles.get(guid)
        if found is None and guid in BUILT_IN:
            name, permissions = BUILT_IN[guid]
            found = _Role(name, role_power(permissions))
        return found

    def admin(self, assignment_id: str) -> AzureAdmin | None:
        """The assignment's administrative grant, or None."""
        assignment = self.assignments.get(assignment_id)
        role = self.role(assignment.role) if assignment else None
        if assignment is None or role is None or role.power is None:
            return None
        scope = assignment_scope(assignment.scope)
        reach = "" if scope.broad else f" (administrator of that {scope.kind} only, not of " \
                                       "the subscription)"
        note = (f"role assignment {assignment.name} grants {role.name} on "
                f"{assignment.scope or '/'}: {role.power}{reach}")
        return AzureAdmin(note, scope, assignment.condition)
