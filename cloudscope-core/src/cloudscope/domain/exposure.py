"""Graph-aware exposure: internet -> machine -> open admin port -> administrative identity.

A machine is exposed when the internet reaches one of its administrative ports, as the cloud
evaluates every layer on the way (reachability_aws*, reachability_azure*, reachability_gcp:
route tables, network ACLs, security groups, both NSG layers, firewall priorities and
denies, load balancer listeners and the ports they forward; docs/exposure.md), and it acts
with an identity holding administrative rights (``HAS_ROLE`` chains judged by
:mod:`cloudscope.domain.privilege`: an AWS instance profile's role and its whole policy
set; an Azure VM's or scale set's system- or user-assigned identity and its role
assignments, at their scope; a GCP service account's bindings, within the VM's access
scopes). The finding belongs to the machine and its ``path`` lists the asset ids from the
internet entry point to the privilege.

Memory: the streaming pass keeps only the facts each cloud's reachability needs (open
groups and rules, subnets' route tables and ACLs by id, internet-facing load balancers)
and small summaries of identities (an AWS principal's grants and attachments, Azure roles
and assignments, GCP service-account bindings); the paths are then found by targeted
lookups from the candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.privilege import PRIVILEGE_RELATIONSHIPS, Privilege, PrivilegeIndex
from cloudscope.domain.reachability import CloudReachability, GraphLookup, Reach
from cloudscope.domain.reachability_aws_paths import AwsReachability
from cloudscope.domain.reachability_azure_paths import AzureReachability
from cloudscope.domain.reachability_gcp import GcpReachability
from cloudscope.domain.relationship import PROTECTED_BY, Relationship

EXPOSURE_RELATIONSHIPS: Final = frozenset({PROTECTED_BY}) | PRIVILEGE_RELATIONSHIPS
"""The edges :meth:`ExposureAnalysis.observe_relationship` reads while they stream: the
network candidates' (PROTECTED_BY an open group or rule) and the privilege index's."""


@dataclass(slots=True)
class Exposure:
    """One exposed machine and the path that makes it critical."""

    asset_id: str
    path: list[str]
    entry: str
    open_ports: list[int]
    protected_by: list[str]
    privilege: str
    privilege_scope: str = ""
    account_wide: bool = True
    conditions: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        """The finding's evidence (``path`` first, as DESIGN.md fixes it)."""
        evidence = {"path": self.path, "entry": self.entry, "open_ports": self.open_ports,
                    "protected_by": self.protected_by, "privilege": self.privilege,
                    "privilege_scope": self.privilege_scope, "layers": self.layers,
                    "not_evaluated": self.not_evaluated, "entries": self.entries}
        if self.conditions:
            evidence["conditions"] = self.conditions
        return evidence


class ExposureAnalysis:
    """Collects the few facts exposure needs while assets stream, then finds the paths."""

    def __init__(self) -> None:
        self.network: tuple[CloudReachability, ...] = (
            AwsReachability(), AzureReachability(), GcpReachability())
        self._network_by_type = {t: part for part in self.network for t in part.asset_types}
        self.privileges = PrivilegeIndex()

    # Streaming --------------------------------------------------------------------------
    def observe(self, asset: Asset) -> None:
        """Remember the network facts of each cloud and the identities' summaries."""
        network = self._network_by_type.get(asset.asset_type)
        if network is not None:
            network.observe(asset)
        self.privileges.observe(asset)

    def observe_relationship(self, relationship: Relationship) -> None:
        """Let each cloud keep the edges naming its candidates, and the privilege index the
        AWS policy attachments and group memberships that complete policy sets."""
        for network in self.network:
            if relationship.type in network.relationship_types:
                network.observe_relationship(relationship)
        if relationship.type in PRIVILEGE_RELATIONSHIPS:
            self.privileges.observe_relationship(relationship)

    # Paths ------------------------------------------------------------------------------
    def exposures(self, graph: GraphLookup) -> Iterator[Exposure]:
        """Every exposed machine with its path, found by targeted lookups."""
        reaches: dict[str, list[Reach]] = {}
        assets: dict[str, Asset] = {}
        for network in self.network:
            for reach, asset in network.reaches(graph):
                reaches.setdefault(reach.workload, []).append(reach)
                assets[asset.id] = asset
        if not reaches:
            return
        privileges = self.privileges.paths(graph, assets)
        for asset_id in sorted(reaches):
            if asset_id in privileges:
                chain, privilege = privileges[asset_id]
                yield _exposure(asset_id, reaches[asset_id], chain, privilege)


def _exposure(asset_id: str, found: list[Reach], chain: list[str],
              privilege: Privilege) -> Exposure:
    """The exposure of a machine reached through ``found`` (a public address before a load
    balancer, as each cloud yields them: the first is the finding's path)."""
    first = found[0]
    return Exposure(
        asset_id=asset_id, path=[*first.path, *chain], entry=first.entry,
        open_ports=sorted({p for r in found for p in r.ports}),
        protected_by=sorted({g for r in found for g in r.protected_by}),
        privilege=privilege.note, privilege_scope=privilege.scope,
        account_wide=privilege.broad, conditions=list(privilege.conditions),
        layers=sorted({layer for r in found for layer in r.layers}),
        not_evaluated=sorted({m for r in found for m in r.not_evaluated}),
        entries=[{"path": r.path, "entry": r.entry, "ports": r.ports} for r in found])
