"""Network twins: each pair is an estate with an exposure path from the internet to an
administrative port of a machine running with admin rights, and the same estate with
exactly one setting changed that blocks the path. The path side must get the critical
``cloudscope.exposure.internet-to-admin`` finding naming the ports actually reachable;
the blocked side must get none (0 false negatives, 0 false positives). The admin-port
rules are held to the same pairs: the controls they flag on each side are listed.

Data: AWS built in moto's server with boto3; Azure and GCP served by the Resource Manager
and Cloud Asset fakes in the public API shapes. All sides of a cloud share one stand-in
(each side in its own VPC, resource group or network, so no setting reaches another
side), collected once by ``cloudscope collect`` and assessed once by ``cloudscope assess``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from aws_twins import OFFICE, WORLD, WORLD6, AwsBuilder
from azure_twins import AzureBuilder, rule
from cloudscope.domain.reachability import ADMIN_PORTS
from gcp_twins import OTHER, GcpBuilder, allow, deny
from twin_runs import Verdict

NONE: frozenset[str] = frozenset()
EVERY_ADMIN_PORT = tuple(sorted(ADMIN_PORTS))


ENTRIES = {"aws": "public address", "azure": "public IP", "gcp": "external address"}


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


@dataclass(frozen=True)
class Twin:
    """A pair: the path side (defaults + ``path``) and the blocked side (the same plus the
    one setting in ``blocked``); ``ports``: the exposure finding's ports; ``flagged``: the
    control roles the admin-port rule flags on the path and the blocked side."""

    cloud: str
    name: str
    blocked: Mapping[str, Any]
    path: Mapping[str, Any] = field(default_factory=dict)
    ports: tuple[int, ...] = (22,)
    flagged: tuple[frozenset[str], frozenset[str]] = (NONE, NONE)

    @property
    def via(self) -> str:
        """How the path side's finding must say the internet gets in."""
        entry = self.path.get("entry") or self.path.get("lb") or ""
        return {"": ENTRIES[self.cloud], "ipv6": "external address", "lb-rule": "load balancer",
                "lb-nat": "load balancer", "vmss-lb": "load balancer", "appgw": "application gateway",
                "network": "load balancer", "application": "load balancer",
                "classic": "load balancer"}.get(entry, "forwarding rule")

    @property
    def key(self) -> str:
        return f"{self.cloud[:2]}{TWINS.index(self):02d}"


AWS_LB = {"public_ip": False, "sg": [(22, "vpc")]}
AWS_ALB = {"public_ip": False, "lb": "application", "listener": (2222, 22), "sg": [(22, "lb-sg")]}
# moto's default network ACL lacks the ::/0 entries AWS gives the default ACL of an IPv6
# VPC, so IPv6 sides bring their own ACL admitting both families.
AWS_V6 = {"public_ip": False, "ipv6": True, "sg": [(22, WORLD6)],
          "acl_in": [(100, "allow", None, WORLD), (101, "allow", None, WORLD6)]}
SG = roles("sg")
AZ_VNET_ONLY = [rule(source="VirtualNetwork")]
AZ_GATEWAY = {"entry": "appgw", "ports": (443, 22), "gateway_rules": [rule("443")],
              "nic_rules": AZ_VNET_ONLY}
NIC, SUBNET = roles("nic-nsg"), roles("subnet-nsg")
ALLOW = roles("allow")

TWINS: list[Twin] = [
    # AWS: route tables, network ACLs, security groups, addresses, load balancers -------
    Twin("aws", "security group allows 22 from an office range only",
         {"sg": [(22, OFFICE)]}, flagged=(SG, NONE)),
    Twin("aws", "subnet route table without 0.0.0.0/0 to the internet gateway",
         {"igw_route": False}, flagged=(SG, SG)),
    Twin("aws", "VPC main route table without the internet route",
         {"igw_route": False}, {"route": "main"}, flagged=(SG, SG)),
    Twin("aws", "network ACL denies 22 at a lower rule number",
         {"acl_in": [(90, "deny", 22, WORLD), (100, "allow", None, WORLD)]},
         {"acl_in": [(100, "allow", None, WORLD)]}, flagged=(SG, SG)),
    Twin("aws", "network ACL deny moved before the allow (rule order)",
         {"acl_in": [(100, "deny", 22, WORLD), (200, "allow", None, WORLD)]},
         {"acl_in": [(100, "allow", None, WORLD), (200, "deny", 22, WORLD)]}, flagged=(SG, SG)),
    Twin("aws", "network ACL allows 443 only: the * entry denies 22",
         {"acl_in": [(100, "allow", 443, WORLD)]}, {"acl_in": [(100, "allow", 22, WORLD)]},
         flagged=(SG, SG)),
    Twin("aws", "network ACL without outbound allow: replies never leave (stateless)",
         {"acl_out": []}, {"acl_in": [(100, "allow", None, WORLD)]}, flagged=(SG, SG)),
    Twin("aws", "instance without a public address",
         {"public_ip": False}, flagged=(SG, SG)),
    Twin("aws", "IPv6-only instance whose group allows 22 from 0.0.0.0/0 but not ::/0",
         {"sg": [(22, WORLD)]}, AWS_V6, flagged=(SG, SG)),
    Twin("aws", "IPv6-only instance without ::/0 to the internet gateway",
         {"igw_route6": False}, AWS_V6, flagged=(SG, SG)),
    Twin("aws", "network load balancer listener 443 forwarding to 8080, not 22",
         {"listener": (443, 8080)}, {**AWS_LB, "lb": "network", "sg": [(22, "vpc"), (8080, "vpc")]}),
    Twin("aws", "load balancer's security group admits 2222 from an office range only",
         {"lb_sg": [(2222, OFFICE)]}, AWS_ALB),
    Twin("aws", "instance's group admits 22 from an office range, not the load balancer",
         {"sg": [(22, OFFICE)]}, AWS_ALB),
    Twin("aws", "ip target registered with an address no instance holds",
         {"target": "ip-other"}, {**AWS_LB, "lb": "network", "target": "ip"}),
    Twin("aws", "internal load balancer",
         {"scheme": "internal"}, {**AWS_LB, "lb": "network"}),
    Twin("aws", "load balancer subnets without the internet route",
         {"igw_route": False}, {**AWS_LB, "lb": "network"}),
    Twin("aws", "classic load balancer forwarding 2222 to 8080, not 22",
         {"listener": (2222, 8080)},
         {**AWS_LB, "lb": "classic", "listener": (2222, 22), "sg": [(22, "vpc"), (8080, "vpc")]}),
    # Azure: both NSG layers, priorities, defaults, tags, prefixes, load balancers ------
    Twin("azure", "NIC NSG denies 22 at a higher priority",
         {"nic_rules": [rule(priority=200), rule(priority=100, access="Deny", source="*")]},
         {"nic_rules": [rule(priority=200)]}, flagged=(NIC, NONE)),
    Twin("azure", "NIC NSG allow moved after its deny (priority order)",
         {"nic_rules": [rule(priority=300), rule(priority=200, access="Deny", source="*")]},
         {"nic_rules": [rule(priority=100), rule(priority=200, access="Deny", source="*")]},
         flagged=(NIC, NONE)),
    Twin("azure", "subnet NSG without the allow (DenyAllInBound decides)",
         {"subnet_rules": [rule("443")]}, {"subnet_rules": [rule()]},
         flagged=(NIC | SUBNET, NIC)),
    Twin("azure", "NIC NSG without the allow, subnet NSG allowing",
         {"nic_rules": [rule("443")]}, {"subnet_rules": [rule()]},
         flagged=(NIC | SUBNET, SUBNET)),
    Twin("azure", "no NSG on either layer: a Standard public IP is closed by default",
         {"sku": "Standard"}, {"nic_rules": None, "sku": "Basic"}, ports=EVERY_ADMIN_PORT),
    Twin("azure", "source is the VirtualNetwork service tag, not Internet",
         {"nic_rules": AZ_VNET_ONLY}, flagged=(NIC, NONE)),
    Twin("azure", "sourceAddressPrefixes without 0.0.0.0/0",
         {"nic_rules": [rule(source=None, sourceAddressPrefixes=["198.51.100.0/24", "203.0.113.0/24"])]},
         {"nic_rules": [rule(source=None, sourceAddressPrefixes=["198.51.100.0/24", "0.0.0.0/0"])]},
         flagged=(NIC, NONE)),
    Twin("azure", "destinationPortRanges without 22",
         {"nic_rules": [rule(None, destinationPortRanges=["80", "443"])]},
         {"nic_rules": [rule(None, destinationPortRanges=["80", "20-25"])]}, flagged=(NIC, NONE)),
    Twin("azure", "protocol Udp instead of *",
         {"nic_rules": [rule(protocol="Udp")]}, {"nic_rules": [rule(protocol="*")]},
         flagged=(NIC, NONE)),
    Twin("azure", "destination prefix of another address",
         {"nic_rules": [rule(destinationAddressPrefix="10.0.0.99")]},
         {"nic_rules": [rule(destinationAddressPrefix="10.0.0.4")]}, flagged=(NIC, NIC)),
    Twin("azure", "interface outside the rule's application security group",
         {"asgs": ("asg-web",)},
         {"asgs": ("asg-admin",), "nic_rules": [
             rule(destinationAddressPrefix=None, destinationApplicationSecurityGroups=["asg-admin"])]},
         flagged=(NIC, NIC)),
    Twin("azure", "load balancer rule forwarding 50022 to 8080, not 22",
         {"ports": (50022, 8080)}, {"entry": "lb-rule"}, flagged=(NIC, NIC)),
    Twin("azure", "inbound NAT rule on a private frontend",
         {"frontend": "private"}, {"entry": "lb-nat", "ports": (50001, 22)}, flagged=(NIC, NIC)),
    Twin("azure", "scale set behind a load balancer, its NSG denying 22 first",
         {"nic_rules": [rule(priority=200), rule(priority=100, access="Deny", source="*")]},
         {"entry": "vmss-lb"}, flagged=(NIC, NONE)),
    Twin("azure", "application gateway subnet NSG does not admit the listener port",
         {"gateway_rules": [rule("80")]}, AZ_GATEWAY),
    Twin("azure", "application gateway HTTP settings on 8080, not 22",
         {"ports": (443, 8080)}, AZ_GATEWAY),
    # GCP: priorities, denies, disabled rules, targets, sources, load balancers ---------
    Twin("gcp", "deny at a higher priority",
         {"firewalls": [allow(), deny(900)]}, flagged=(ALLOW, NONE)),
    Twin("gcp", "deny at the same priority (deny wins ties)",
         {"firewalls": [allow(), deny(1000)]}, {"firewalls": [allow(), deny(1100)]},
         flagged=(ALLOW, NONE)),
    Twin("gcp", "allow rule disabled",
         {"firewalls": [allow(disabled=True)]}, flagged=(ALLOW, NONE)),
    Twin("gcp", "instance without the rule's target tag",
         {"tags": ["web"]}, {"firewalls": [allow(targetTags=["ssh"])]}, flagged=(ALLOW, ALLOW)),
    Twin("gcp", "instance running as another service account than the rule targets",
         {"account": OTHER},
         {"firewalls": [allow(targetServiceAccounts=["app@twins-prod.iam.gserviceaccount.com"])]},
         flagged=(ALLOW, ALLOW)),
    Twin("gcp", "source range of Identity-Aware Proxy only",
         {"firewalls": [allow(source="35.235.240.0/20")]}, flagged=(ALLOW, NONE)),
    Twin("gcp", "egress rule",
         {"firewalls": [allow(direction="EGRESS")]}, flagged=(ALLOW, NONE)),
    Twin("gcp", "deny targeting a tag the instance gains",
         {"tags": ["ssh", "db"]}, {"firewalls": [allow(), deny(900, targetTags=["db"])]},
         flagged=(ALLOW, ALLOW)),
    Twin("gcp", "instance without an external address",
         {"entry": "internal"}, flagged=(ALLOW, ALLOW)),
    Twin("gcp", "firewall in another network",
         {"firewall_network": "other"}, flagged=(ALLOW, ALLOW)),
    Twin("gcp", "IPv6 address, rule allowing 0.0.0.0/0 but not ::/0",
         {"firewalls": [allow()]}, {"entry": "ipv6", "firewalls": [allow(source="::/0")]},
         flagged=(ALLOW, ALLOW)),
    Twin("gcp", "target pool forwarding rule on 443, not 22",
         {"port_range": "443"}, {"entry": "target-pool"}, flagged=(ALLOW, ALLOW)),
    Twin("gcp", "internal backend service (managed instance group)",
         {"scheme": "INTERNAL"}, {"entry": "backend-service"}, flagged=(ALLOW, ALLOW)),
]
"""The pairs: the blocking setting first, then what both sides share."""

SIDES = ("path", "blocked")


def side_settings(twin: Twin, side: str) -> dict[str, Any]:
    return {**twin.path, **(twin.blocked if side == "blocked" else {})}


def build_sides(cloud: str, builder: Any) -> dict[str, Any]:
    """Every side of ``cloud``'s twins, keyed ``<twin key><p|b>``."""
    return {f"{twin.key}{side[0]}": builder.side(f"{twin.key}{side[0]}", side_settings(twin, side))
            for twin in TWINS if twin.cloud == cloud for side in SIDES}


@pytest.fixture(scope="module")
def aws_verdicts(assess_estate: Callable[..., dict[str, Verdict]]) -> dict[str, Verdict]:
    """The AWS sides built in moto, collected and assessed."""
    import boto3

    return assess_estate("aws", lambda _endpoint: build_sides(
        "aws", AwsBuilder(boto3.Session(region_name="us-east-1"), "us-east-1")))


@pytest.fixture(scope="module")
def azure_verdicts(assess_estate: Callable[..., dict[str, Verdict]]) -> dict[str, Verdict]:
    """The Azure sides served by the Resource Manager fake, collected and assessed."""
    return assess_estate("azure", lambda fake: build_sides(
        "azure", AzureBuilder(fake, "99999999-0000-4000-8000-000000000042")))


@pytest.fixture(scope="module")
def gcp_verdicts(assess_estate: Callable[..., dict[str, Verdict]]) -> dict[str, Verdict]:
    """The GCP sides served by the Cloud Asset fake, collected and assessed."""
    return assess_estate("gcp", lambda fake: build_sides("gcp", GcpBuilder(fake)))


@pytest.mark.parametrize("twin", TWINS, ids=[f"{t.cloud}: {t.name}" for t in TWINS])
def test_twin(twin: Twin, request: pytest.FixtureRequest) -> None:
    """The path side is critical on exactly the ports reachable, through the entry the twin
    builds, with every layer on the way in the inventory; the blocked side, one setting
    apart, has no exposure finding; the admin-port rules flag the listed controls."""
    found: dict[str, Verdict] = request.getfixturevalue(f"{twin.cloud}_verdicts")
    path, blocked = found[f"{twin.key}p"], found[f"{twin.key}b"]
    assert path.exposure is not None, f"false negative: {twin.name}"
    evidence = path.exposure["evidence"]
    assert path.exposure["severity"] == "critical"
    assert evidence["open_ports"] == list(twin.ports)
    assert twin.via in evidence["entry"] and evidence["not_evaluated"] == []
    assert blocked.exposure is None, f"false positive: {blocked.exposure}"
    assert (path.flagged, blocked.flagged) == twin.flagged


def test_twin_suite_counts(aws_verdicts: dict[str, Verdict], azure_verdicts: dict[str, Verdict],
                           gcp_verdicts: dict[str, Verdict]) -> None:
    """At least 28 pairs, each blocked by exactly one setting; 0 false positives, 0 false
    negatives over all of them (printed with ``-s``)."""
    found = {**aws_verdicts, **azure_verdicts, **gcp_verdicts}
    negatives = [t.name for t in TWINS if found[f"{t.key}p"].exposure is None]
    positives = [t.name for t in TWINS if found[f"{t.key}b"].exposure is not None]
    by_cloud = {cloud: sum(t.cloud == cloud for t in TWINS) for cloud in ("aws", "azure", "gcp")}
    print(f"\nnetwork twins: {len(TWINS)} pairs {by_cloud}, false positives: {len(positives)}, "
          f"false negatives: {len(negatives)}")
    assert all(len(t.blocked) == 1 for t in TWINS)
    assert len(TWINS) >= 28
    assert (positives, negatives) == ([], [])
