"""Graph-aware exposure: internet -> instance -> open admin port -> administrative identity.

An instance is exposed when it is reachable from the internet (its own public address, an
``EXPOSED_BY`` edge to a public IP, or a ``ROUTES_TO`` chain from an internet-facing load
balancer), is ``PROTECTED_BY`` a group, NSG or firewall (directly, through its network
interface, or through its subnet) that opens an administrative port to the world, and acts
with an identity holding administrative rights (``HAS_ROLE``/``HAS_POLICY`` chains: an AWS
instance profile's role and its policies; an Azure VM's system- or user-assigned identity
and its role assignments; a GCP service account's bindings). The finding belongs to the
instance and its ``path`` lists the asset ids from the internet entry point to the privilege.

Memory: the streaming pass keeps only open groups, admin principals and internet-facing
load balancers (few); the paths are then found by targeted lookups from the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from cloudscope.domain.asset import Asset
from cloudscope.domain.open_ports import GROUP_TYPES, world_open_ports
from cloudscope.domain.privilege import (
    attached_admin_policy,
    azure_admin_role,
    gcp_admin_members,
    is_admin_policy_arn,
    is_admin_policy_document,
)
from cloudscope.domain.relationship import (
    ATTACHED_TO,
    EXPOSED_BY,
    HAS_POLICY,
    HAS_ROLE,
    IN_SUBNET,
    PROTECTED_BY,
    ROUTES_TO,
    Relationship,
)

COMPUTE_TYPES: Final = frozenset({"aws:ec2:instance", "azure:compute:virtual-machine",
                                  "gcp:compute:instance"})
LOAD_BALANCER_TYPES: Final = frozenset({"aws:elasticloadbalancing:load-balancer"})
IDENTITY_TYPES: Final = frozenset({"aws:iam:role", "aws:iam:user", "aws:iam:group",
                                   "aws:iam:policy", "azure:authorization:role-assignment"})
MAX_HOPS: Final = 4
"""How far identity chains (instance -> profile -> role -> policy) and routing chains
(load balancer -> listener -> target group -> instance) are followed."""


class GraphLookup(Protocol):
    """What the analysis needs from the store (the rule port's RuleGraph provides it)."""

    def relationships_of(self, asset_ids: Sequence[str],
                         types: Iterable[str] | None = None) -> list[Relationship]: ...

    def assets(self, asset_ids: Sequence[str]) -> Iterator[Asset]: ...


@dataclass(slots=True)
class Exposure:
    """One exposed instance and the path that makes it critical."""

    asset_id: str
    path: list[str]
    entry: str
    open_ports: list[int]
    protected_by: list[str]
    privilege: str

    def evidence(self) -> dict[str, Any]:
        """The finding's evidence (``path`` first, as DESIGN.md fixes it)."""
        return {"path": self.path, "entry": self.entry, "open_ports": self.open_ports,
                "protected_by": self.protected_by, "privilege": self.privilege}


@dataclass(slots=True)
class _Workload:
    asset_id: str
    groups: set[str] = field(default_factory=set)
    entry: list[str] = field(default_factory=list)
    entry_note: str = ""


class ExposureAnalysis:
    """Collects the few facts exposure needs while assets stream, then finds the paths."""

    def __init__(self) -> None:
        self.open_groups: dict[str, list[int]] = {}
        self.admins: dict[str, tuple[str, list[str]]] = {}
        self.gcp_admin_members: dict[str, tuple[str, str]] = {}
        self.internet_facing: set[str] = set()
        # Cloud Asset names service accounts by unique id, workloads name them by email.
        self.service_accounts: dict[str, str] = {}
        self.guarded: dict[str, set[str]] = {}
        self._emails: dict[str, str] = {}

    # Streaming --------------------------------------------------------------------------
    def observe(self, asset: Asset) -> None:
        """Remember open groups, admin identities and internet-facing load balancers."""
        kind, properties = asset.asset_type, asset.properties
        if kind in GROUP_TYPES:
            ports = world_open_ports(kind, properties)
            if ports:
                self.open_groups[asset.id] = ports
        elif kind in LOAD_BALANCER_TYPES:
            if properties.get("Scheme") == "internet-facing":
                self.internet_facing.add(asset.id)
        elif kind == "aws:iam:policy":
            document = (properties.get("PolicyVersion") or {}).get("Document")
            if is_admin_policy_document(document):
                self.admins[asset.id] = (f"policy {asset.name or asset.id} allows * on *", [])
        elif kind in IDENTITY_TYPES and asset.provider == "aws":
            arn = attached_admin_policy(properties)
            if arn:  # the path goes on to the policy: that is where the privilege is
                self.admins[asset.id] = (f"{asset.name or asset.id} has {arn} attached", [arn])
        elif kind == "azure:authorization:role-assignment":
            # Reached from the VM or its user-assigned identity by the HAS_ROLE edges that
            # cloudscope.detect.principals draws from the principal id.
            body = properties.get("properties") or {}
            role = azure_admin_role(body.get("roleDefinitionId"))
            if role:
                scope = body.get("scope") or "its scope"
                self.admins[asset.id] = (f"role assignment {asset.name or asset.id} grants "
                                         f"{role} on {scope}", [])
        elif kind == "gcp:iam:service-account" and properties.get("email"):
            self.service_accounts[str(properties["email"])] = asset.id
        if asset.provider == "gcp" and "iamPolicy" in properties:
            for member, role in gcp_admin_members(properties):
                self.gcp_admin_members.setdefault(member, (asset.id, role))

    def observe_relationship(self, relationship: Relationship) -> None:
        """Keep ``PROTECTED_BY`` edges to open groups: the candidates."""
        if relationship.type == PROTECTED_BY and relationship.target_id in self.open_groups:
            self.guarded.setdefault(relationship.source_id, set()).add(relationship.target_id)

    # Paths ------------------------------------------------------------------------------
    def exposures(self, graph: GraphLookup) -> Iterator[Exposure]:
        """Every exposed instance with its path, found by targeted lookups."""
        if not self.guarded:
            return
        self._emails = {v: k for k, v in self.service_accounts.items()}
        workloads = self._workloads(graph)
        assets = {a.id: a for a in graph.assets(sorted(workloads))
                  if a.asset_type in COMPUTE_TYPES}
        workloads = {k: w for k, w in workloads.items() if k in assets}
        self._find_entries(graph, workloads, assets)
        reachable = {k: w for k, w in workloads.items() if w.entry}
        privileges = self._find_privileges(graph, reachable, assets)
        for asset_id in sorted(reachable):
            if asset_id not in privileges:
                continue
            workload = reachable[asset_id]
            chain, note = privileges[asset_id]
            ports = sorted({p for g in workload.groups for p in self.open_groups[g]})
            yield Exposure(asset_id=asset_id, path=[*workload.entry, *chain],
                           entry=workload.entry_note, open_ports=ports,
                           protected_by=sorted(workload.groups), privilege=note)

    def _workloads(self, graph: GraphLookup) -> dict[str, _Workload]:
        """Instances guarded by an open group, directly or through an interface or subnet."""
        workloads: dict[str, _Workload] = {}

        def add(asset_id: str, groups: set[str]) -> None:
            workloads.setdefault(asset_id, _Workload(asset_id)).groups.update(groups)

        for asset_id, groups in self.guarded.items():
            add(asset_id, groups)
        parts: dict[str, set[str]] = {}
        for edge in graph.relationships_of(sorted(self.guarded), (ATTACHED_TO, IN_SUBNET)):
            if edge.type == ATTACHED_TO and edge.source_id in self.guarded:
                add(edge.target_id, self.guarded[edge.source_id])
            elif edge.type == IN_SUBNET and edge.target_id in self.guarded:
                groups = self.guarded[edge.target_id]
                add(edge.source_id, groups)
                parts.setdefault(edge.source_id, set()).update(groups)
        if parts:  # interfaces in a guarded subnet: one more hop to their instance
            for edge in graph.relationships_of(sorted(parts), (ATTACHED_TO,)):
                if edge.source_id in parts:
                    add(edge.target_id, parts[edge.source_id])
        return workloads

    def _find_entries(self, graph: GraphLookup, workloads: dict[str, _Workload],
                      assets: Mapping[str, Asset]) -> None:
        for asset_id, workload in workloads.items():
            address = public_address(assets[asset_id])
            if address:
                workload.entry, workload.entry_note = [asset_id], f"public address {address}"
        # Walk ROUTES_TO backwards from the instances towards an internet-facing balancer;
        # a node may lead to several instances (a target group), hence lists of chains.
        origin = {k: [[k]] for k, w in workloads.items() if not w.entry}
        for _ in range(MAX_HOPS):
            if not origin:
                break
            following: dict[str, list[list[str]]] = {}
            for edge in graph.relationships_of(sorted(origin), (EXPOSED_BY, ROUTES_TO)):
                if edge.type == EXPOSED_BY and edge.source_id in origin:
                    for chain in origin[edge.source_id]:
                        self._set_entry(workloads[chain[-1]], [edge.target_id, *chain],
                                        f"exposed by {edge.target_id}")
                elif edge.type == ROUTES_TO and edge.target_id in origin:
                    for chain in origin[edge.target_id]:
                        longer = [edge.source_id, *chain]
                        if edge.source_id in self.internet_facing:
                            self._set_entry(workloads[chain[-1]], longer,
                                            f"internet-facing load balancer {edge.source_id}")
                        else:
                            following.setdefault(edge.source_id, []).append(longer)
            origin = {node: pending for node, chains in following.items()
                      if (pending := [c for c in chains if not workloads[c[-1]].entry])}

    @staticmethod
    def _set_entry(workload: _Workload, chain: list[str], note: str) -> None:
        if not workload.entry:
            workload.entry, workload.entry_note = chain, note

    def _find_privileges(self, graph: GraphLookup, workloads: Mapping[str, _Workload],
                         assets: Mapping[str, Asset]) -> dict[str, tuple[list[str], str]]:
        """Instance id -> (identity chain after the instance, why it is administrative)."""
        found: dict[str, tuple[list[str], str]] = {}
        for asset_id in workloads:
            direct = self._direct_privilege(assets[asset_id])
            if direct:
                found[asset_id] = direct
        # Several instances may share a role: each node keeps every chain that reached it.
        frontier = {k: [[k]] for k in workloads if k not in found}
        for _ in range(MAX_HOPS):
            if not frontier:
                break
            following: dict[str, list[list[str]]] = {}
            for edge in graph.relationships_of(sorted(frontier), (HAS_ROLE, HAS_POLICY)):
                for chain in frontier.get(edge.source_id, ()):
                    if chain[0] in found:
                        continue
                    path = [*chain, edge.target_id]
                    admin = self._identity_admin(edge.target_id)
                    if admin:
                        note, tail = admin
                        found[chain[0]] = ([*path[1:], *tail], note)
                    else:
                        following.setdefault(edge.target_id, []).append(path)
            frontier = {node: pending for node, chains in following.items()
                        if (pending := [c for c in chains if c[0] not in found])}
        return found

    def _identity_admin(self, identity_id: str) -> tuple[str, list[str]] | None:
        """Why an identity is administrative and the ids after it on the path, or None."""
        if identity_id in self.admins:
            return self.admins[identity_id]
        if is_admin_policy_arn(identity_id):
            return f"{identity_id} attached", []
        if "/serviceAccounts/" in identity_id:
            email = self._emails.get(identity_id, identity_id.rsplit("/", 1)[-1])
            grant = self.gcp_admin_members.get(f"serviceAccount:{email}")
            if grant:
                return f"service account {email} has {grant[1]} on {grant[0]}", [grant[0]]
        return None

    def _direct_privilege(self, asset: Asset) -> tuple[list[str], str] | None:
        """Service accounts named in a GCP instance's own properties."""
        properties = asset.properties
        if asset.provider == "gcp":
            for account in properties.get("serviceAccounts") or []:
                email = account.get("email") if isinstance(account, Mapping) else None
                grant = self.gcp_admin_members.get(f"serviceAccount:{email}")
                if email and grant:
                    account_id = self.service_accounts.get(
                        email, f"//iam.googleapis.com/projects/{asset.account}/serviceAccounts/{email}")
                    return ([account_id, grant[0]],
                            f"service account {email} has {grant[1]} on {grant[0]}")
        return None


def public_address(asset: Asset) -> str | None:
    """The public address an instance's own properties show (AWS, GCP), or None."""
    properties = asset.properties
    if asset.provider == "aws":
        address = properties.get("PublicIpAddress")
        return str(address) if address else None
    if asset.provider == "gcp":
        for interface in properties.get("networkInterfaces") or []:
            for config in interface.get("accessConfigs") or []:
                if config.get("natIP"):
                    return str(config["natIP"])
    return None

