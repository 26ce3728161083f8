"""Google Cloud IAM: which bindings make a service account an administrator, and whether a
VM's access scopes let the VM use that power.

A role is administrative when it is ``roles/owner`` or ``roles/editor``, one of the
predefined roles that can change IAM policies or act as service accounts (listed below;
other predefined roles are not evaluated, their permission lists are not collected), or a
custom role (``iam.googleapis.com/Role``, ``includedPermissions``) holding a
``*.setIamPolicy`` permission, a permission to act as or mint credentials for service
accounts, or a permission named ``*.admin``. A binding on a project, folder or
organization covers the whole project(s); a binding on any other resource covers that
resource only. A binding with a ``condition`` still counts (it grants whenever the
condition holds); the condition is quoted in the evidence.

A VM acts with its service account's IAM power only through its access token's scopes:
``https://www.googleapis.com/auth/cloud-platform`` lets it use all of it; narrower scopes
(the default ``devstorage.read_only``, ``logging.write``...) bound it, and the VM is not
counted as acting with administrative rights. A VM whose scopes are not recorded (a file
without ``scopes``) is judged as if unrestricted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.wildcards import strings

CONTAINERS: Final = {
    "gcp:cloudresourcemanager:project": "project",
    "gcp:cloudresourcemanager:folder": "folder",
    "gcp:cloudresourcemanager:organization": "organization",
}
CUSTOM_ROLE: Final = "gcp:iam:role"
SERVICE_ACCOUNT: Final = "gcp:iam:service-account"
FULL_SCOPES: Final = frozenset({"https://www.googleapis.com/auth/cloud-platform", "cloud-platform"})
"""Access scopes that let a VM use every IAM permission of its service account."""

_SET_IAM: Final = "can change IAM policies, so it can grant itself any role"
_ACT_AS: Final = "can act as the service accounts below the binding"
PREDEFINED: Final[Mapping[str, str]] = {
    "roles/owner": "can do everything, granting any role included",
    "roles/editor": "can change almost every resource and act as the project's service accounts",
    "roles/resourcemanager.projectIamAdmin": _SET_IAM,
    "roles/resourcemanager.folderAdmin": _SET_IAM,
    "roles/resourcemanager.folderIamAdmin": _SET_IAM,
    "roles/resourcemanager.organizationAdmin": _SET_IAM,
    "roles/iam.securityAdmin": _SET_IAM,
    "roles/iam.serviceAccountUser": _ACT_AS,
    "roles/iam.serviceAccountTokenCreator": _ACT_AS,
}
"""Predefined administrative roles and why."""
IMPERSONATION: Final = frozenset({
    "iam.serviceAccounts.actAs", "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt",
    "iam.serviceAccounts.implicitDelegation", "iam.serviceAccountKeys.create",
})


def custom_role_power(permissions: Any) -> str | None:
    """Why a custom role's ``includedPermissions`` are administrative, or None."""
    held = strings(permissions)
    set_iam = sorted(p for p in held if p.endswith(".setIamPolicy"))
    if set_iam:
        return f"holds {set_iam[0]}, so it can grant roles on what it is bound to"
    acts = sorted(set(held) & IMPERSONATION)
    if acts:
        return f"holds {acts[0]}, so it can act as service accounts"
    admin = sorted(p for p in held if p.rsplit(".", 1)[-1] == "admin")
    return f"holds {admin[0]}" if admin else None


def role_name(asset: Asset) -> str:
    """A custom role's IAM name (``projects/p/roles/r``), as bindings write it."""
    name = asset.properties.get("name")
    return str(name) if name else asset.id.removeprefix("//iam.googleapis.com/")


def usable_accounts(properties: Mapping[str, Any]) -> dict[str, str | None]:
    """A VM's service accounts by email -> None when the VM can use the account's IAM power
    (``cloud-platform``, or scopes not recorded), else why its scopes bound it."""
    found: dict[str, str | None] = {}
    for account in properties.get("serviceAccounts") or []:
        if not isinstance(account, Mapping) or not account.get("email"):
            continue
        scopes = account.get("scopes")
        if scopes is None or FULL_SCOPES & set(strings(scopes)):
            found[str(account["email"])] = None
        else:
            short = [s.rsplit("/", 1)[-1] for s in strings(scopes)]
            found[str(account["email"])] = f"access scopes {', '.join(short) or '(none)'} " \
                                           "bound what the VM can do as its service account"
    return found


@dataclass(frozen=True, slots=True)
class _Binding:
    role: str
    resource: str
    scope: str
    broad: bool
    condition: str | None


@dataclass(frozen=True, slots=True)
class GcpAdmin:
    """An administrative binding of a service account, where it applies, its condition."""

    note: str
    resource: str
    scope: str
    broad: bool
    condition: str | None


def _condition(binding: Mapping[str, Any]) -> str | None:
    condition = binding.get("condition")
    if not isinstance(condition, Mapping) or not condition:
        return None
    title, expression = condition.get("title"), condition.get("expression")
    return f"{title}: {expression}" if title else str(expression)


class GcpBindings:
    """Service accounts' bindings and custom roles, observed as assets stream."""

    def __init__(self) -> None:
        self.custom_roles: dict[str, str | None] = {}
        self.bindings: dict[str, list[_Binding]] = {}
        self.accounts: dict[str, str] = {}
        self.emails: dict[str, str] = {}

    def observe(self, asset: Asset) -> None:
        """Keep service-account bindings, custom roles' verdicts, accounts' emails."""
        properties = asset.properties
        if asset.asset_type == CUSTOM_ROLE:
            self.custom_roles[role_name(asset)] = custom_role_power(
                properties.get("includedPermissions"))
        elif asset.asset_type == SERVICE_ACCOUNT and properties.get("email"):
            self.accounts[str(properties["email"])] = asset.id
            self.emails[asset.id] = str(properties["email"])
        policy = properties.get("iamPolicy")
        if not isinstance(policy, Mapping):
            return
        kind = CONTAINERS.get(asset.asset_type)
        scope = f"{kind} {asset.name or asset.id}" if kind else f"resource {asset.id}"
        for binding in policy.get("bindings") or []:
            role = binding.get("role") if isinstance(binding, Mapping) else None
            # Kept: roles that may be administrative (custom ones are judged at the end).
            if not isinstance(role, str) or not (role in PREDEFINED or "/roles/" in role):
                continue
            for member in strings(binding.get("members")):
                if member.startswith("serviceAccount:"):
                    self.bindings.setdefault(member.split(":", 1)[1], []).append(_Binding(
                        role, asset.id, scope, kind is not None, _condition(binding)))

    def power(self, role: str) -> str | None:
        """Why a role (predefined or collected custom) is administrative, or None."""
        return PREDEFINED.get(role) or self.custom_roles.get(role)

    def admin(self, email: str) -> GcpAdmin | None:
        """The service account's most far-reaching administrative binding, or None: broad
        before scoped, unconditional before conditional."""
        candidates = [(b, power) for b in self.bindings.get(email, ())
                      if (power := self.power(b.role))]
        if not candidates:
            return None
        binding, power = min(candidates, key=lambda c: (not c[0].broad, c[0].condition is not None))
        note = f"service account {email} has {binding.role} on {binding.resource}: {power}"
        if not binding.broad:
            note += f" (that {binding.scope.split(' ', 1)[0]} only, not the project)"
        return GcpAdmin(note, binding.resource, binding.scope, binding.broad, binding.condition)
