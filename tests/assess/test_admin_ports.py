"""The admin-port rules, each with twins: a control opening an administrative port to the
whole internet is flagged; the same control with one setting changed that closes it is not.
An NSG is read in priority order with its default rules; a GCP firewall rule is weighed
against the denies of its network (the rule sees them all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.api import Asset, Finding

NETWORK = "https://www.googleapis.com/compute/v1/projects/proj-1/global/networks/prod"
OTHER_NETWORK = NETWORK.replace("/prod", "/lab")
FIREWALLS = "//compute.googleapis.com/projects/proj-1/global/firewalls/"


def sg(*permissions: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "aws:ec2:security-group", {"GroupId": "sg-1", "IpPermissions": list(permissions)}


def tcp(port: int, cidr: str | None = None, cidr6: str | None = None) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "IpRanges": [{"CidrIp": cidr}] if cidr else [],
            "Ipv6Ranges": [{"CidrIpv6": cidr6}] if cidr6 else []}


def nsg(*rules: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "azure:network:network-security-group", {"properties": {"securityRules": list(rules)}}


def nsg_rule(priority: int, access: str = "Allow", source: str = "Internet",
             port: str = "3389") -> dict[str, Any]:
    return {"name": f"r{priority}", "properties": {
        "priority": priority, "access": access, "direction": "Inbound", "protocol": "Tcp",
        "sourceAddressPrefix": source, "destinationAddressPrefix": "*",
        "destinationPortRange": port}}


def firewall(action: str = "allowed", priority: int = 1000, network: str = NETWORK,
             **extra: Any) -> dict[str, Any]:
    return {"network": network, "direction": "INGRESS", "priority": priority,
            "sourceRanges": ["0.0.0.0/0"], action: [{"IPProtocol": "tcp", "ports": ["22"]}],
            **extra}


RULES = {"aws:ec2:security-group": "aws.ec2.security-group-admin-ports-open",
         "azure:network:network-security-group": "azure.network.nsg-admin-ports-open",
         "gcp:compute:firewall": "gcp.compute.firewall-admin-ports-open"}

# (name, controls of the open side, the same with one setting changed, ports flagged)
TWINS: list[tuple[str, list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]],
                  list[int]]] = [
    ("security group from an office range", [sg(tcp(22, "0.0.0.0/0"))],
     [sg(tcp(22, "203.0.113.0/24"))], [22]),
    ("security group from ::/0 only to a private range", [sg(tcp(3389, cidr6="::/0"))],
     [sg(tcp(3389, cidr6="fd00::/8"))], [3389]),
    ("NSG deny at a higher priority", [nsg(nsg_rule(200))],
     [nsg(nsg_rule(200), nsg_rule(100, "Deny", "*"))], [3389]),
    ("NSG allow after the deny", [nsg(nsg_rule(100), nsg_rule(200, "Deny", "*"))],
     [nsg(nsg_rule(300), nsg_rule(200, "Deny", "*"))], [3389]),
    ("NSG source VirtualNetwork", [nsg(nsg_rule(100))],
     [nsg(nsg_rule(100, source="VirtualNetwork"))], [3389]),
    ("firewall deny for every instance at a higher priority",
     [("gcp:compute:firewall", firewall())],
     [("gcp:compute:firewall", firewall()), ("gcp:compute:firewall", firewall("denied", 900))],
     [22]),
    ("firewall disabled", [("gcp:compute:firewall", firewall())],
     [("gcp:compute:firewall", firewall(disabled=True))], [22]),
    ("firewall egress", [("gcp:compute:firewall", firewall())],
     [("gcp:compute:firewall", firewall(direction="EGRESS"))], [22]),
]


@pytest.fixture
def flagged(write_estate: Callable[..., None], make_asset: Callable[..., Asset],
            assess: Callable[..., Any], findings_of: Callable[..., list[Finding]]
            ) -> Callable[[list[tuple[str, dict[str, Any]]]], dict[str, list[int]]]:
    """Write controls (the first is the one judged), assess, return the admin-port
    findings' ports by asset id."""
    def run(controls: list[tuple[str, dict[str, Any]]]) -> dict[str, list[int]]:
        assets = [make_asset(f"{FIREWALLS}fw-{i}" if kind.startswith("gcp") else f"{kind}/{i}",
                             kind, properties) for i, (kind, properties) in enumerate(controls)]
        write_estate(assets)
        result = assess()
        return {f.asset_id: f.evidence["open_ports"] for rule in set(RULES.values())
                for f in findings_of(result, rule)}
    return run


@pytest.mark.parametrize(("name", "open_", "closed", "ports"), TWINS, ids=[t[0] for t in TWINS])
def test_admin_port_rule_flags_the_open_control_and_not_its_closed_twin(
        flagged: Callable[..., dict[str, list[int]]], name: str,
        open_: list[tuple[str, dict[str, Any]]], closed: list[tuple[str, dict[str, Any]]],
        ports: list[int]) -> None:
    """The open control is flagged on its ports; the twin, one setting apart, is not."""
    first = f"{FIREWALLS}fw-0" if open_[0][0].startswith("gcp") else f"{open_[0][0]}/0"
    assert flagged(open_) == {first: ports}
    assert flagged(closed) == {}


@pytest.mark.parametrize("deny", [
    firewall("denied", 900, network=OTHER_NETWORK), firewall("denied", 1100),
    firewall("denied", 900, targetTags=["web"]),
], ids=["other network", "lower priority", "other target"])
def test_a_deny_that_does_not_cover_the_allow_leaves_it_flagged(
        flagged: Callable[..., dict[str, list[int]]], deny: dict[str, Any]) -> None:
    """A deny of another network, at a lower priority, or for other instances takes nothing
    back from the allow."""
    allow = firewall(targetTags=["ssh"])
    found = flagged([("gcp:compute:firewall", allow), ("gcp:compute:firewall", deny)])
    assert found == {f"{FIREWALLS}fw-0": [22]}
