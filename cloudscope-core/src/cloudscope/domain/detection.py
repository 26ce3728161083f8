"""Relationship detection: links between assets found after collection, across providers.

Four detectors, each linear in the number of assets (dict indexes, no pairwise scans):

- :class:`ReferenceLinks`: ids written inside properties (a Lambda's ``Role``, an Azure
  VM's network interface ids, a GCP instance's ``subnetwork`` URL). The edge is emitted
  whether or not its target is stored yet; the repository resolves it when it arrives.
- :class:`GroupLinks`: assets sharing a tag value or a name key (a YAML ``detections:``
  entry), e.g. an Azure VM and an AWS instance tagged ``app: shop``.
- :class:`NetworkLinks`: network facts: a public IP or load balancer in front of an
  instance (``EXPOSED_BY``, ``ROUTES_TO``), GCP firewalls applying to instances by network
  and target tag (``PROTECTED_BY``).
- :class:`PrincipalLinks`: Azure managed identities and the role assignments naming their
  principal id (``HAS_ROLE``): neither side holds the other's resource id, so only a join
  after collection links them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.field_path import FieldPath
from cloudscope.domain.relationship import (
    ATTACHED_TO,
    ENCRYPTED_BY,
    EXPOSED_BY,
    HAS_POLICY,
    HAS_ROLE,
    IN_NETWORK,
    IN_SUBNET,
    PROTECTED_BY,
    ROUTES_TO,
)
from cloudscope.domain.rule_language import DetectionDefinition

ROLE_ASSIGNMENT: Final = "azure:authorization:role-assignment"
USER_ASSIGNED_IDENTITY: Final = "azure:managedidentity:user-assigned-identity"

Edge = tuple[str, str, str, dict[str, Any]]
"""(source id, relationship type, target id, properties) found by a detector."""


def azure_id(value: Any) -> str | None:
    """An Azure resource id in the lower case asset ids use; None when not one."""
    return value.lower() if isinstance(value, str) and value.startswith("/subscriptions/") else None


def azure_parent_id(value: Any) -> str | None:
    """The resource owning a child id (``.../networkInterfaces/n/ipConfigurations/c``: the NIC)."""
    resource = azure_id(value)
    if resource is None:
        return None
    parts = resource.split("/")
    # /subscriptions/S/resourceGroups/G/providers/NS/type/name is 9 parts; children add pairs.
    return "/".join(parts[:9]) if len(parts) > 9 else resource


def gcp_resource_name(value: Any) -> str | None:
    """A Compute API URL as a Cloud Asset full resource name; None when not one."""
    if not isinstance(value, str):
        return None
    for prefix in ("https://www.googleapis.com/compute/", "https://compute.googleapis.com/compute/"):
        if value.startswith(prefix):
            rest = value[len(prefix):]
            return "//compute.googleapis.com/" + rest.split("/", 1)[1] if "/" in rest else None
    return value if value.startswith("//") else None


def aws_arn(value: Any) -> str | None:
    """The value when it is an ARN, else None."""
    return value if isinstance(value, str) and value.startswith("arn:") else None


@dataclass(frozen=True, slots=True)
class Reference:
    """A property holding another asset's id: ``asset -type-> target`` (or reversed)."""

    asset_types: frozenset[str]
    path: FieldPath
    relationship: str
    to_id: Callable[[Any], str | None]
    reverse: bool = False


def _ref(types: str, path: str, relationship: str, to_id: Callable[[Any], str | None], *,
         reverse: bool = False) -> Reference:
    return Reference(frozenset(types.split()), FieldPath(path), relationship, to_id, reverse)


REFERENCES: Final = (
    _ref("aws:lambda:function", "Role", HAS_ROLE, aws_arn),
    _ref("aws:ec2:instance", "IamInstanceProfile.Arn", HAS_ROLE, aws_arn),
    _ref("aws:iam:instance-profile", "Roles[].Arn", HAS_ROLE, aws_arn),
    _ref("aws:iam:role aws:iam:user aws:iam:group", "AttachedPolicies[].PolicyArn", HAS_POLICY,
         aws_arn),
    _ref("aws:ec2:volume aws:rds:db-instance aws:cloudtrail:trail", "KmsKeyId", ENCRYPTED_BY,
         aws_arn),
    _ref("azure:compute:virtual-machine", "properties.networkProfile.networkInterfaces[].id",
         ATTACHED_TO, azure_id, reverse=True),
    _ref("azure:compute:disk", "managedBy", ATTACHED_TO, azure_id),
    _ref("azure:network:public-ip-address", "properties.ipConfiguration.id", ATTACHED_TO,
         azure_parent_id),
    _ref("azure:network:network-interface", "properties.networkSecurityGroup.id", PROTECTED_BY,
         azure_id),
    _ref("azure:network:network-interface", "properties.ipConfigurations[].properties.subnet.id",
         IN_SUBNET, azure_id),
    _ref("gcp:compute:instance", "networkInterfaces[].subnetwork", IN_SUBNET, gcp_resource_name),
    _ref("gcp:compute:instance", "disks[].source", ATTACHED_TO, gcp_resource_name, reverse=True),
    _ref("gcp:compute:subnetwork", "network", IN_NETWORK, gcp_resource_name),
)
"""The references the baseline follows; plugins add theirs with a DetectionRule."""


class ReferenceLinks:
    """Edges read from ids inside properties, one asset at a time (no index at all)."""

    def __init__(self, references: tuple[Reference, ...] = REFERENCES) -> None:
        self.by_type: dict[str, list[Reference]] = {}
        for reference in references:
            for asset_type in reference.asset_types:
                self.by_type.setdefault(asset_type, []).append(reference)

    @property
    def asset_types(self) -> frozenset[str]:
        """The asset types holding references."""
        return frozenset(self.by_type)

    def observe(self, asset: Asset) -> Iterator[Edge]:
        """The edges this asset's properties name."""
        for reference in self.by_type.get(asset.asset_type, ()):
            for value in reference.path.values(asset.properties):
                target = reference.to_id(value)
                if target is None or target == asset.id:
                    continue
                via = {"via": reference.path.text}
                yield ((target, reference.relationship, asset.id, via) if reference.reverse
                       else (asset.id, reference.relationship, target, via))


class GroupLinks:
    """Assets with the same tag value (or name key) are linked; groups are indexed by key.

    A group of up to ``max_group`` members is linked pairwise (at most max_group - 1 edges
    per asset); a larger one as a star around its first member, so edges stay linear.
    """

    def __init__(self, definition: DetectionDefinition) -> None:
        self.definition = definition
        self.groups: dict[str, list[tuple[str, str]]] = {}

    def key_of(self, asset: Asset) -> str | None:
        """The grouping key of an asset, or None when it has none."""
        definition = self.definition
        if definition.tag is not None:
            value = asset.tags.get(definition.tag)
            return value.strip().lower() if value and value.strip() else None
        assert definition.name_pattern is not None  # validated: tag or name_pattern
        match = definition.name_pattern.search(asset.name or "")
        key = match.group("key") if match else None
        return key.lower() if key else None

    def observe(self, asset: Asset) -> None:
        """Index the asset under its key."""
        key = self.key_of(asset)
        if key is not None:
            self.groups.setdefault(key, []).append((asset.id, asset.provider))

    def detect(self) -> Iterator[Edge]:
        """The edges between members of each group."""
        definition = self.definition
        label = ({"tag": definition.tag} if definition.tag is not None
                 else {"name_pattern": definition.name_pattern.pattern}  # type: ignore[union-attr]
                 )
        for key, members in self.groups.items():
            if len(members) < 2:
                continue
            members.sort()
            properties = {**label, "key": key}
            if len(members) <= definition.max_group:
                pairs = ((a, b) for i, a in enumerate(members) for b in members[i + 1:])
            else:
                pairs = ((members[0], b) for b in members[1:])
            for (source, source_provider), (target, target_provider) in pairs:
                if definition.across_providers and source_provider == target_provider:
                    continue
                yield (source, definition.relationship, target, properties)


class NetworkLinks:
    """Public addresses and load balancers in front of instances; GCP firewall targets."""

    def __init__(self) -> None:
        self.public_ips_by_interface: dict[str, list[str]] = {}
        self.machine_by_interface: dict[str, str] = {}
        self.firewalls: dict[str, list[tuple[str, frozenset[str], frozenset[str]]]] = {}
        self.instances: list[tuple[str, tuple[str, ...], frozenset[str], frozenset[str]]] = []

    asset_types: ClassVar[frozenset[str]] = frozenset({
        "aws:ec2:elastic-ip", "aws:elasticloadbalancing:load-balancer",
        "azure:network:public-ip-address", "azure:compute:virtual-machine",
        "gcp:compute:firewall", "gcp:compute:instance",
    })

    def observe(self, asset: Asset) -> Iterator[Edge]:
        """Edges readable from one asset; index what the joins need."""
        kind, properties = asset.asset_type, asset.properties
        if kind == "aws:ec2:elastic-ip" and properties.get("InstanceId"):
            yield (_aws_instance(asset, properties["InstanceId"]), EXPOSED_BY, asset.id,
                   {"address": properties.get("PublicIp")})
        elif kind == "aws:elasticloadbalancing:load-balancer":
            facing = properties.get("Scheme") == "internet-facing"
            for member in properties.get("Instances") or []:
                if not isinstance(member, dict) or not member.get("InstanceId"):
                    continue
                instance = _aws_instance(asset, member["InstanceId"])
                yield (asset.id, ROUTES_TO, instance, {})
                if facing:
                    yield (instance, EXPOSED_BY, asset.id, {"scheme": "internet-facing"})
        elif kind == "azure:network:public-ip-address":
            body = properties.get("properties") or {}
            interface = azure_parent_id((body.get("ipConfiguration") or {}).get("id"))
            if interface and "/networkinterfaces/" in interface:
                self.public_ips_by_interface.setdefault(interface, []).append(asset.id)
        elif kind == "azure:compute:virtual-machine":
            body = properties.get("properties") or {}
            for interface in (body.get("networkProfile") or {}).get("networkInterfaces") or []:
                interface_id = azure_id(interface.get("id"))
                if interface_id:
                    self.machine_by_interface[interface_id] = asset.id
        elif kind == "gcp:compute:firewall":
            if properties.get("disabled") is not True and \
                    str(properties.get("direction", "INGRESS")).upper() == "INGRESS":
                network = gcp_resource_name(properties.get("network"))
                if network:
                    self.firewalls.setdefault(network, []).append(
                        (asset.id, frozenset(properties.get("targetTags") or ()),
                         frozenset(properties.get("targetServiceAccounts") or ())))
        elif kind == "gcp:compute:instance":
            networks = tuple(n for n in (gcp_resource_name(i.get("network")) for i in
                                         properties.get("networkInterfaces") or []) if n)
            tags = frozenset((properties.get("tags") or {}).get("items") or ())
            accounts = frozenset(a.get("email") for a in properties.get("serviceAccounts") or []
                                 if a.get("email"))
            if networks:
                self.instances.append((asset.id, networks, tags, accounts))

    def detect(self) -> Iterator[Edge]:
        """Edges that join two assets: Azure VM <- NIC <- public IP; GCP firewall -> instance."""
        for interface, addresses in self.public_ips_by_interface.items():
            machine = self.machine_by_interface.get(interface)
            if machine:
                for address in addresses:
                    yield (machine, EXPOSED_BY, address, {"interface": interface})
        indexes = {network: _FirewallIndex(rules) for network, rules in self.firewalls.items()}
        for instance, networks, tags, accounts in self.instances:
            for network in networks:
                index = indexes.get(network)
                if index is not None:
                    for firewall in index.applying(tags, accounts):
                        yield (instance, PROTECTED_BY, firewall, {"network": network})


class _FirewallIndex:
    """The ingress firewalls of one GCP network by target: a firewall applies to an instance
    when it names no target, or one of the instance's tags or service accounts. Looked up
    by the instance's tags and accounts, not scanned: a network with thousands of firewalls
    made the join quadratic."""

    def __init__(self, rules: list[tuple[str, frozenset[str], frozenset[str]]]) -> None:
        self.ids = [firewall for firewall, _, _ in rules]
        self.untargeted = [i for i, (_, tags, accounts) in enumerate(rules)
                           if not tags and not accounts]
        self.by_tag: dict[str, list[int]] = {}
        self.by_account: dict[str, list[int]] = {}
        for position, (_, tags, accounts) in enumerate(rules):
            for tag in tags:
                self.by_tag.setdefault(tag, []).append(position)
            for account in accounts:
                self.by_account.setdefault(account, []).append(position)

    def applying(self, tags: frozenset[str], accounts: frozenset[str]) -> list[str]:
        """The firewalls that apply to an instance, in the order they were observed."""
        positions = set(self.untargeted)
        for tag in tags:
            positions.update(self.by_tag.get(tag, ()))
        for account in accounts:
            positions.update(self.by_account.get(account, ()))
        return [self.ids[position] for position in sorted(positions)]


class PrincipalLinks:
    """Azure principals ``HAS_ROLE`` the role assignments granted to them.

    A role assignment names its principal by object id (``properties.principalId``); a
    resource's system-assigned identity shows it as ``identity.principalId``, a user-assigned
    identity as ``properties.principalId``. Both sides are indexed by principal id and joined
    once every asset has been seen.
    """

    asset_types: ClassVar[frozenset[str] | None] = None
    """Every type: any Azure resource may run with a system-assigned identity."""

    def __init__(self) -> None:
        self.holders: dict[str, list[str]] = {}
        self.assignments: dict[str, list[str]] = {}

    def observe(self, asset: Asset) -> None:
        """Index a role assignment, or a resource holding a managed identity, by principal id."""
        if asset.provider != "azure":
            return
        properties = asset.properties
        body = properties.get("properties")
        if asset.asset_type == ROLE_ASSIGNMENT:
            index = self.assignments
        elif asset.asset_type == USER_ASSIGNED_IDENTITY:
            index = self.holders
        else:
            identity = properties.get("identity")
            body = identity if isinstance(identity, dict) else None
            index = self.holders
        principal = body.get("principalId") if isinstance(body, dict) else None
        if isinstance(principal, str) and principal:
            index.setdefault(principal.lower(), []).append(asset.id)

    def detect(self) -> Iterator[Edge]:
        """``holder HAS_ROLE assignment`` for every principal id both sides name."""
        for principal, assignments in self.assignments.items():
            for holder in self.holders.get(principal, ()):
                for assignment in assignments:
                    yield (holder, HAS_ROLE, assignment, {"principal_id": principal})


def _aws_instance(asset: Asset, instance_id: Any) -> str:
    """The ARN of an EC2 instance in the same partition, region and account as ``asset``."""
    partition = asset.id.split(":")[1] if asset.id.startswith("arn:") else "aws"
    return f"arn:{partition}:ec2:{asset.region}:{asset.account}:instance/{instance_id}"
