"""Graph-aware exposure: internet -> instance -> open admin port -> administrative identity.

An instance is exposed when it is reachable from the internet (its own public address, an
``EXPOSED_BY`` edge to a public IP, or a ``ROUTES_TO`` chain from an internet-facing load
balancer), is ``PROTECTED_BY`` a group, NSG or firewall (directly, through its network
interface, or through its subnet) that opens an administrative port to the world, and acts
with an identity holding administrative rights (``HAS_ROLE`` chains judged by
:mod:`cloudscope.domain.privilege`: an AWS instance profile's role and its whole policy
set; an Azure VM's system- or user-assigned identity and its role assignments, at their
scope; a GCP service account's bindings, within the VM's access scopes). The finding
belongs to the instance and its ``path`` lists the asset ids from the internet entry point
to the privilege.

Memory: the streaming pass keeps open groups, internet-facing load balancers and small
summaries of identities (an AWS principal's grants and attachments, Azure roles and
assignments, GCP service-account bindings); the paths are then found by targeted lookups
from the candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from cloudscope.domain.asset import Asset
from cloudscope.domain.open_ports import GROUP_TYPES, world_open_ports
from cloudscope.domain.privilege import PRIVILEGE_RELATIONSHIPS, Privilege, PrivilegeIndex
from cloudscope.domain.relationship import (
    ATTACHED_TO,
    EXPOSED_BY,
    IN_SUBNET,
    PROTECTED_BY,
    ROUTES_TO,
    Relationship,
)

COMPUTE_TYPES: Final = frozenset({"aws:ec2:instance", "azure:compute:virtual-machine",
                                  "gcp:compute:instance"})
LOAD_BALANCER_TYPES: Final = frozenset({"aws:elasticloadbalancing:load-balancer"})
MAX_HOPS: Final = 4
"""How far routing chains (load balancer -> listener -> target group -> instance) are
followed (identity chains: :data:`cloudscope.domain.privilege.MAX_HOPS`)."""
EXPOSURE_RELATIONSHIPS: Final = frozenset({PROTECTED_BY}) | PRIVILEGE_RELATIONSHIPS
"""The edges :meth:`ExposureAnalysis.observe_relationship` reads while they stream."""


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
    privilege_scope: str = ""
    account_wide: bool = True
    conditions: list[str] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        """The finding's evidence (``path`` first, as DESIGN.md fixes it)."""
        evidence = {"path": self.path, "entry": self.entry, "open_ports": self.open_ports,
                    "protected_by": self.protected_by, "privilege": self.privilege,
                    "privilege_scope": self.privilege_scope}
        if self.conditions:
            evidence["conditions"] = self.conditions
        return evidence


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
        self.privileges = PrivilegeIndex()
        self.internet_facing: set[str] = set()
        self.guarded: dict[str, set[str]] = {}

    # Streaming --------------------------------------------------------------------------
    def observe(self, asset: Asset) -> None:
        """Remember open groups, admin identities and internet-facing load balancers."""
        kind, properties = asset.asset_type, asset.properties
        if kind in GROUP_TYPES:
            ports = world_open_ports(kind, properties)
            if ports:
                self.open_groups[asset.id] = ports
        elif kind in LOAD_BALANCER_TYPES and properties.get("Scheme") == "internet-facing":
            self.internet_facing.add(asset.id)
        self.privileges.observe(asset)

    def observe_relationship(self, relationship: Relationship) -> None:
        """Keep ``PROTECTED_BY`` edges to open groups (the candidates) and the edges that
        complete AWS policy sets (:data:`PRIVILEGE_RELATIONSHIPS`)."""
        if relationship.type == PROTECTED_BY and relationship.target_id in self.open_groups:
            self.guarded.setdefault(relationship.source_id, set()).add(relationship.target_id)
        elif relationship.type in PRIVILEGE_RELATIONSHIPS:
            self.privileges.observe_relationship(relationship)

    # Paths ------------------------------------------------------------------------------
    def exposures(self, graph: GraphLookup) -> Iterator[Exposure]:
        """Every exposed instance with its path, found by targeted lookups."""
        if not self.guarded:
            return
        workloads = self._workloads(graph)
        assets = {a.id: a for a in graph.assets(sorted(workloads))
                  if a.asset_type in COMPUTE_TYPES}
        workloads = {k: w for k, w in workloads.items() if k in assets}
        self._find_entries(graph, workloads, assets)
        reachable = {k: w for k, w in workloads.items() if w.entry}
        privileges = self.privileges.paths(graph, {k: assets[k] for k in reachable})
        for asset_id in sorted(reachable):
            if asset_id not in privileges:
                continue
            workload = reachable[asset_id]
            chain, privilege = privileges[asset_id]
            yield self._exposure(workload, chain, privilege)

    def _exposure(self, workload: _Workload, chain: list[str], privilege: Privilege) -> Exposure:
        ports = sorted({p for g in workload.groups for p in self.open_groups[g]})
        return Exposure(asset_id=workload.asset_id, path=[*workload.entry, *chain],
                        entry=workload.entry_note, open_ports=ports,
                        protected_by=sorted(workload.groups), privilege=privilege.note,
                        privilege_scope=privilege.scope, account_wide=privilege.broad,
                        conditions=list(privilege.conditions))

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

