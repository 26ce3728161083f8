"""The baseline rules YAML cannot express: port ranges, policy documents, graph paths.

The logic lives in the domain (``open_ports`` and the ``reachability*`` modules,
``privilege``, ``exposure``, ``detection``); these classes give it the Rule interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from cloudscope.domain.asset import Asset
from cloudscope.domain.detection import NetworkLinks, PrincipalLinks, ReferenceLinks
from cloudscope.domain.exposure import EXPOSURE_RELATIONSHIPS, ExposureAnalysis
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.open_ports import (
    ADMIN_PORTS,
    FIREWALL,
    NETWORK_SECURITY_GROUP,
    SECURITY_GROUP,
    world_open_ports,
)
from cloudscope.domain.privilege_aws import aws_managed_name, judge_document, partition_of
from cloudscope.domain.reachability_gcp import WorldRule, effective_world_ports, world_rule
from cloudscope.domain.relationship import Relationship
from cloudscope.ports.rule import AssetRule, DetectionRule, RiskRule, RuleGraph

ADMIN_PORTS_REMEDIATION = ("Restrict the source to known address ranges, or reach the hosts "
                           "through a bastion, VPN or identity-aware proxy.")


def _open_ports_finding(rule: RiskRule, asset_id: str, ports: list[int]) -> Finding:
    """A finding listing the open ports and what they serve."""
    names = ", ".join(f"{port} ({ADMIN_PORTS[port]})" for port in ports)
    return rule.finding(asset_id, detail=f"open to the internet: {names}",
                        evidence={"open_ports": ports})


class _AdminPortsOpen(AssetRule):
    """A group or NSG opening an administrative port to the whole internet."""

    severity = Severity.HIGH
    remediation = ADMIN_PORTS_REMEDIATION
    group_type: ClassVar[str] = ""

    def __init__(self) -> None:
        self.asset_types = frozenset({self.group_type})

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding listing the open ports and what they serve."""
        ports = world_open_ports(asset.asset_type, asset.properties)
        return (_open_ports_finding(self, asset.id, ports),) if ports else ()


class AwsSecurityGroupAdminPorts(_AdminPortsOpen):
    """AWS security group open to 0.0.0.0/0 or ::/0 on SSH, RDP or a database port."""

    rule_id = "aws.ec2.security-group-admin-ports-open"
    title = "Security group opens an administrative port to the internet"
    references = ("CIS AWS 5.2", "CIS AWS 5.3")
    group_type = SECURITY_GROUP


class AzureNsgAdminPorts(_AdminPortsOpen):
    """Azure network security group letting in SSH, RDP or a database port from anywhere:
    its rules in priority order with the default rules, a Deny at a higher priority
    taking the port back."""

    rule_id = "azure.network.nsg-admin-ports-open"
    title = "Network security group allows an administrative port from the internet"
    references = ("CIS Azure 6.1", "CIS Azure 6.2")
    group_type = NETWORK_SECURITY_GROUP


class GcpFirewallAdminPorts(RiskRule):
    """GCP firewall rule allowing SSH, RDP or a database port from 0.0.0.0/0 (or ::/0),
    unless a deny rule of its network, at a higher or equal priority and targeting at
    least the same instances, takes the port back. Disabled and egress rules allow nothing.

    Only rules whose source is the whole internet are kept while assets stream (few)."""

    rule_id = "gcp.compute.firewall-admin-ports-open"
    title = "Firewall rule allows an administrative port from the internet"
    severity = Severity.HIGH
    remediation = ADMIN_PORTS_REMEDIATION
    references = ("CIS GCP 3.6", "CIS GCP 3.7")
    asset_types = frozenset({FIREWALL})

    def __init__(self) -> None:
        self.by_network: dict[str, list[WorldRule]] = {}

    def observe(self, asset: Asset) -> Iterable[Finding]:
        """Keep the internet-sourced rules that open an admin port or deny one, by network."""
        rule = world_rule(asset.id, asset.properties)
        if rule is not None and (rule.opens or any(rule.denied)):
            self.by_network.setdefault(rule.network, []).append(rule)
        return ()

    def conclude(self, graph: RuleGraph) -> Iterator[Finding]:
        """A finding per rule whose admin ports no deny takes back."""
        for rules in self.by_network.values():
            denies = [rule for rule in rules if any(rule.denied)]  # few: once per network
            for rule in rules:
                ports = effective_world_ports(rule, denies) if rule.opens else []
                if ports:
                    yield _open_ports_finding(self, rule.asset_id, ports)


class AwsPolicyFullAdmin(AssetRule):
    """A customer-managed IAM policy whose default version grants administrative rights.

    Judged by its document (docs/privilege.md): every action on every resource (``*``,
    ``*:*``, a ``NotAction`` leaving IAM allowed...), an IAM write that grants anything, or
    PassRole with compute; a Deny in the same document counts. AWS's own
    ``AdministratorAccess`` is not flagged here: attaching it is what
    ``aws.iam.admin-policy-attached`` reports; a customer policy that merely bears its
    name is judged like any other."""

    rule_id = "aws.iam.policy-full-admin"
    title = "Customer managed IAM policy grants administrative rights"
    severity = Severity.HIGH
    remediation = "Grant only the actions and resources the principals need (least privilege)."
    references = ("CIS AWS 1.16",)
    asset_types = frozenset({"aws:iam:policy"})

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding when the default version's document is administrative."""
        if aws_managed_name(asset.id):  # AWS managed: by design, reported on attachment
            return ()
        document = (asset.properties.get("PolicyVersion") or {}).get("Document")
        verdict = judge_document(document, partition_of(asset.id))
        if verdict is None:
            return ()
        version = (asset.properties.get("PolicyVersion") or {}).get("VersionId")
        return (self.finding(asset.id, detail=f"its default version {verdict.reason}",
                             evidence={"level": verdict.level, "reason": verdict.reason,
                                       "conditional": verdict.conditional,
                                       "default_version": version}),)


class InternetToAdminExposure(RiskRule):
    """Internet-reachable machine, admin port let through, administrative identity: one path.

    Reachability is evaluated as each cloud evaluates it (docs/exposure.md)."""

    rule_id = "cloudscope.exposure.internet-to-admin"
    title = "Internet-reachable instance with an open admin port runs with admin rights"
    severity = Severity.CRITICAL
    remediation = ("Break the path: close the administrative port to the internet, remove "
                   "the public address or load balancer, or reduce the identity's rights.")
    references = ("CIS AWS 5.2", "CIS AWS 1.16", "CIS GCP 4.1", "CIS Azure 6.1")
    asset_types = None
    relationship_types = EXPOSURE_RELATIONSHIPS

    def __init__(self) -> None:
        self.analysis = ExposureAnalysis()

    def observe(self, asset: Asset) -> Iterable[Finding]:
        """Remember each cloud's network facts and the admin identities."""
        self.analysis.observe(asset)
        return ()

    def observe_relationship(self, relationship: Relationship) -> None:
        """Keep the edges naming network candidates (PROTECTED_BY an open group or rule),
        and the AWS policy attachments and group memberships that complete policy sets."""
        self.analysis.observe_relationship(relationship)

    def conclude(self, graph: RuleGraph) -> Iterator[Finding]:
        """One finding per exposed instance, ``evidence.path`` from the internet: critical
        when the identity administers the whole account, subscription or project, high when
        it administers one resource group or resource (docs/privilege.md)."""
        for exposure in self.analysis.exposures(graph):
            yield self.finding(
                exposure.asset_id, evidence=exposure.evidence(),
                severity=Severity.CRITICAL if exposure.account_wide else Severity.HIGH,
                detail=f"{exposure.entry}; ports {', '.join(map(str, exposure.open_ports))} "
                       f"reachable from the internet; {exposure.privilege}")


class ReferenceDetection(DetectionRule):
    """Edges from ids written inside properties (role ARNs, interface ids, subnet URLs)."""

    rule_id = "cloudscope.detect.references"
    title = "Links from ids inside properties"

    def __init__(self) -> None:
        self.links = ReferenceLinks()
        self.asset_types = self.links.asset_types

    def observe(self, asset: Asset) -> Iterator[Relationship]:
        """The edges this asset's properties name."""
        for source, kind, target, properties in self.links.observe(asset):
            yield self.link(source, kind, target, **properties)


class NetworkDetection(DetectionRule):
    """Public IPs and load balancers in front of instances; GCP firewalls on instances."""

    rule_id = "cloudscope.detect.network"
    title = "Links from network facts (public addresses, load balancers, firewall targets)"
    asset_types = NetworkLinks.asset_types

    def __init__(self) -> None:
        self.links = NetworkLinks()

    def observe(self, asset: Asset) -> Iterator[Relationship]:
        """Edges readable from one asset."""
        for source, kind, target, properties in self.links.observe(asset):
            yield self.link(source, kind, target, **properties)

    def detect(self, graph: RuleGraph) -> Iterator[Relationship]:
        """Edges that join indexed assets."""
        for source, kind, target, properties in self.links.detect():
            yield self.link(source, kind, target, **properties)


class PrincipalDetection(DetectionRule):
    """Azure managed identities linked to the role assignments of their principal id."""

    rule_id = "cloudscope.detect.principals"
    title = "Links from Azure principals to their role assignments"
    asset_types = PrincipalLinks.asset_types

    def __init__(self) -> None:
        self.links = PrincipalLinks()

    def observe(self, asset: Asset) -> Iterator[Relationship]:
        """Index the asset; the edges come in :meth:`detect`."""
        self.links.observe(asset)
        return iter(())

    def detect(self, graph: RuleGraph) -> Iterator[Relationship]:
        """``principal HAS_ROLE role assignment`` edges."""
        for source, kind, target, properties in self.links.detect():
            yield self.link(source, kind, target, **properties)


PYTHON_RULES: tuple[type[RiskRule | DetectionRule], ...] = (
    AwsSecurityGroupAdminPorts, AzureNsgAdminPorts, GcpFirewallAdminPorts, AwsPolicyFullAdmin,
    InternetToAdminExposure, ReferenceDetection, NetworkDetection, PrincipalDetection,
)
"""The Python baseline rules, registered by ``rule_id`` with ``module:Class`` factories."""
