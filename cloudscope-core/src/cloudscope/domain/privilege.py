"""Administrative privilege, as each cloud evaluates it, and the identity paths to it.

One index per cloud reads the assets as they stream (docs/privilege.md):

- AWS (:mod:`privilege_aws`, :mod:`privilege_aws_principals`): a role, user or group is
  administrative when its whole policy set (inline, attached, its groups') allows every
  action on every resource, an IAM write that grants anything, or PassRole with compute;
  ``AdministratorAccess`` is known only by its AWS-managed ARN.
- Azure (:mod:`privilege_azure`): a role assignment whose role definition can assign roles
  or do every action, at the assignment's scope.
- GCP (:mod:`privilege_gcp`): a service account bound to owner, editor, an IAM-admin or
  impersonation role, or a custom role holding such permissions; a VM uses it only with
  the ``cloud-platform`` scope.

:meth:`PrivilegeIndex.paths` follows ``HAS_ROLE`` edges from workloads (instance ->
instance profile -> role; VM -> identity -> assignment; instance -> service account) to
the first administrative identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from cloudscope.domain.asset import Asset
from cloudscope.domain.privilege_aws_principals import POLICY, PRINCIPAL_TYPES, AwsPrincipals
from cloudscope.domain.privilege_azure import ROLE_ASSIGNMENT, ROLE_DEFINITION, AzureRoles
from cloudscope.domain.privilege_gcp import GcpBindings, usable_accounts
from cloudscope.domain.relationship import HAS_POLICY, HAS_ROLE, MEMBER_OF, Relationship

PRIVILEGE_RELATIONSHIPS: Final = frozenset({HAS_POLICY, MEMBER_OF})
"""The edges the index reads while relationships stream (AWS attachments, memberships)."""
MAX_HOPS: Final = 4
"""How far identity chains (instance -> profile -> role; VM -> identity -> assignment) go."""


@dataclass(frozen=True, slots=True)
class Privilege:
    """Why an identity is administrative.

    ``tail``: the ids after the identity on a path (the policy or binding that grants it);
    ``scope``: where (``account 123...``, ``subscription s``, ``resource group g``,
    ``project //...``); ``broad``: the whole account, subscription or project (or more);
    ``conditions``: conditions the grant depends on, quoted, not evaluated.
    """

    note: str
    tail: tuple[str, ...] = ()
    scope: str = ""
    broad: bool = True
    conditions: tuple[str, ...] = ()


class EdgeLookup(Protocol):
    """The targeted lookup the path search needs from the store."""

    def relationships_of(self, asset_ids: Sequence[str],
                         types: Iterable[str] | None = None) -> list[Relationship]: ...


class PrivilegeIndex:
    """Administrative identities of every cloud, built from the asset and edge streams."""

    def __init__(self) -> None:
        self.aws = AwsPrincipals()
        self.azure = AzureRoles()
        self.gcp = GcpBindings()

    def observe(self, asset: Asset) -> None:
        """Read one asset (every type may matter: GCP IAM policies sit on many)."""
        if asset.provider == "aws" and (asset.asset_type in PRINCIPAL_TYPES or
                                        asset.asset_type == POLICY):
            self.aws.observe(asset)
        elif asset.asset_type in (ROLE_DEFINITION, ROLE_ASSIGNMENT):
            self.azure.observe(asset)
        elif asset.provider == "gcp":
            self.gcp.observe(asset)

    def observe_relationship(self, relationship: Relationship) -> None:
        """Read an edge of :data:`PRIVILEGE_RELATIONSHIPS`."""
        self.aws.observe_relationship(relationship)

    def of_identity(self, identity_id: str) -> Privilege | None:
        """The privilege of an AWS principal, an Azure role assignment or a GCP service
        account (by resource name), or None."""
        if identity_id.startswith("arn:"):
            aws = self.aws.admin(identity_id)
            if aws is None:
                return None
            conditions = ("an Allow statement has a Condition",) if aws.verdict.conditional else ()
            return Privilege(aws.note, tuple(aws.tail), f"account {identity_id.split(':')[4]}",
                             True, conditions)
        if identity_id in self.azure.assignments:
            azure = self.azure.admin(identity_id)
            if azure is None:
                return None
            return Privilege(azure.note, (), str(azure.scope), azure.scope.broad,
                             (azure.condition,) if azure.condition else ())
        if "/serviceAccounts/" in identity_id:
            return self._service_account(self._email(identity_id))
        return None

    def _email(self, account_id: str) -> str:
        # Cloud Asset names accounts by unique id; edges drawn from emails name them by email.
        return self.gcp.emails.get(account_id) or account_id.rsplit("/", 1)[-1]

    def _service_account(self, email: str) -> Privilege | None:
        gcp = self.gcp.admin(email)
        if gcp is None:
            return None
        return Privilege(gcp.note, (gcp.resource,), gcp.scope, gcp.broad,
                         (gcp.condition,) if gcp.condition else ())

    def paths(self, graph: EdgeLookup,
              workloads: Mapping[str, Asset]) -> dict[str, tuple[list[str], Privilege]]:
        """Workload id -> (identity chain after the workload, its privilege), for the
        workloads acting with administrative rights."""
        found: dict[str, tuple[list[str], Privilege]] = {}
        bounded: dict[str, dict[str, str | None]] = {}
        for asset_id, asset in workloads.items():
            if asset.provider != "gcp":
                continue
            accounts = bounded[asset_id] = usable_accounts(asset.properties)
            for email, bound in accounts.items():
                privilege = None if bound else self._service_account(email)
                if privilege is not None:  # named in the instance itself: no edge needed
                    account = self.gcp.accounts.get(email) or \
                        f"//iam.googleapis.com/projects/{asset.account}/serviceAccounts/{email}"
                    found[asset_id] = ([account, *privilege.tail], privilege)
                    break
        # Several workloads may share an identity: each node keeps every chain that reached it.
        frontier = {k: [[k]] for k in workloads if k not in found}
        for _ in range(MAX_HOPS):
            if not frontier:
                break
            following: dict[str, list[list[str]]] = {}
            for edge in graph.relationships_of(sorted(frontier), (HAS_ROLE,)):
                for chain in frontier.get(edge.source_id, ()):
                    if chain[0] in found or not self._usable(bounded.get(chain[0]), edge.target_id):
                        continue
                    privilege = self.of_identity(edge.target_id)
                    if privilege is not None:
                        found[chain[0]] = ([*chain[1:], edge.target_id, *privilege.tail], privilege)
                    else:
                        following.setdefault(edge.target_id, []).append([*chain, edge.target_id])
            frontier = {node: pending for node, chains in following.items()
                        if (pending := [c for c in chains if c[0] not in found])}
        return found

    def _usable(self, accounts: dict[str, str | None] | None, identity_id: str) -> bool:
        """False when a GCP VM reaches a service account its access scopes bound."""
        if accounts is None or "/serviceAccounts/" not in identity_id:
            return True
        return accounts.get(self._email(identity_id)) is None
