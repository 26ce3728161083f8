"""The layers of reachability, one cloud at a time, as the clouds document their evaluation:
port sets, first-match lists, AWS network ACLs and route tables, Azure NSGs (priorities,
default rules, both layers, service tags, prefixes, application security groups), GCP
firewall rules (priority, deny wins ties, disabled, targets, sources)."""

from __future__ import annotations

from typing import Any

import pytest
from cloudscope.domain.reachability import (
    ADMIN_PORTS,
    ALL_PORTS,
    AccessRule,
    Match,
    Origin,
    Ports,
    cidr_match,
    first_match,
)
from cloudscope.domain.reachability_aws import (
    internet_gateway,
    network_acl_ports,
    security_group_ports,
)
from cloudscope.domain.reachability_azure import Target, nsg_ports, through_layers
from cloudscope.domain.reachability_gcp import effective_world_ports, firewall_ports, world_rule
from hypothesis import given
from hypothesis import strategies as st

V4, V6, NETWORK = Origin.INTERNET_V4, Origin.INTERNET_V6, Origin.NETWORK
SSH = Ports.of(22)


# Ports and first match ------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("22", "22"), ("20-30", "20-30"), ("*", "0-65535"), (["22", "3389"], "22, 3389"),
    (["20-25", "23-30"], "20-30"), ("ssh", "none"), (None, "none"),
])
def test_port_texts_parse_as_the_clouds_write_them(text: Any, expected: str) -> None:
    """Single ports, ranges, ``*`` and lists; overlapping ranges merge; words add nothing."""
    assert Ports.parse(text).text() == expected


def test_port_sets_subtract_and_intersect_by_range() -> None:
    """Set algebra over ranges keeps the ports on both sides of a cut."""
    assert (ALL_PORTS - Ports.of(22)).text() == "0-21, 23-65535"
    assert (Ports.parse("1-100") & Ports.parse(["50-60", "99-200"])).text() == "50-60, 99-100"
    assert Ports.parse("1-30").admin() == [22]


def test_first_match_lets_the_earlier_rule_decide_and_maybe_never_denies() -> None:
    """An allow or a deny decides the ports it matches first; a deny that only maybe
    matches (an unknown address) does not take anything back."""
    rules = [AccessRule(False, SSH, Match.MAYBE, "unsure-deny"),
             AccessRule(False, Ports.of(3389), Match.YES, "deny-rdp"),
             AccessRule(True, ALL_PORTS, Match.YES, "allow-all")]
    admitted, labels = first_match(rules, Ports.of(22, 3389))
    assert (admitted.admin(), labels) == ([22], ["allow-all"])


@pytest.mark.parametrize(("cidr", "origin", "match"), [
    ("0.0.0.0/0", V4, Match.YES), ("::/0", V6, Match.YES), ("::/0", V4, Match.NO),
    ("203.0.113.0/24", V4, Match.NO), ("0.0.0.0/1", V4, Match.NO),
    ("10.0.0.0/16", NETWORK, Match.MAYBE), ("203.0.113.0/24", NETWORK, Match.NO),
])
def test_only_a_whole_range_speaks_for_the_internet(cidr: str, origin: Origin,
                                                    match: Match) -> None:
    """The internet is every address: a narrower source is not it; a private range may hold
    a load balancer's own address."""
    assert cidr_match(cidr, origin) is match


# AWS ------------------------------------------------------------------------------------
def permission(port: int | None, cidr: str | None = None, cidr6: str | None = None,
               protocol: str = "tcp", group: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [], "Ipv6Ranges": [],
                             "UserIdGroupPairs": []}
    if port is not None:
        found |= {"FromPort": port, "ToPort": port}
    if cidr:
        found["IpRanges"].append({"CidrIp": cidr})
    if cidr6:
        found["Ipv6Ranges"].append({"CidrIpv6": cidr6})
    if group:
        found["UserIdGroupPairs"].append({"GroupId": group})
    return found


@pytest.mark.parametrize(("permissions", "origin", "peers", "ports"), [
    ([permission(22, "0.0.0.0/0")], V4, (), [22]),
    ([permission(22, "10.0.0.0/8")], V4, (), []),
    ([permission(22, cidr6="::/0")], V6, (), [22]),
    ([permission(22, cidr6="::/0")], V4, (), []),
    ([permission(None, "0.0.0.0/0", protocol="-1")], V4, (), [22, 1433, 1521, 3306, 3389,
                                                               5432, 6379, 9200, 27017]),
    ([permission(22, "0.0.0.0/0", protocol="udp")], V4, (), []),
    ([permission(22, group="sg-lb")], NETWORK, ("sg-lb",), [22]),
    ([permission(22, group="sg-other")], NETWORK, ("sg-lb",), []),
])
def test_security_groups_allow_by_source_protocol_and_peer_group(
        permissions: list[dict[str, Any]], origin: Origin, peers: tuple[str, ...],
        ports: list[int]) -> None:
    """Security groups only allow: a permission counts for its family's whole range, every
    protocol (-1), or a load balancer's own group named as the peer."""
    admitted, _ = security_group_ports([("sg", {"IpPermissions": permissions})], origin,
                                       peers=frozenset(peers))
    assert admitted.admin() == ports


def entry(number: int, action: str, *, egress: bool = False, port: int | None = None,
          cidr: str = "0.0.0.0/0", protocol: str = "6") -> dict[str, Any]:
    found: dict[str, Any] = {"RuleNumber": number, "RuleAction": action, "Egress": egress,
                             "Protocol": "-1" if port is None else protocol,
                             ("Ipv6CidrBlock" if ":" in cidr else "CidrBlock"): cidr}
    if port is not None:
        found["PortRange"] = {"From": port, "To": port}
    return found


DEFAULT_DENY = [entry(32767, "deny"), entry(32767, "deny", egress=True)]
OUT_ALL = entry(100, "allow", egress=True)


@pytest.mark.parametrize(("entries", "admitted"), [
    ([entry(100, "allow"), OUT_ALL], True),
    ([entry(90, "deny", port=22), entry(100, "allow"), OUT_ALL], False),
    ([entry(200, "deny", port=22), entry(100, "allow"), OUT_ALL], True),
    ([entry(100, "allow", port=443), OUT_ALL], False),
    ([entry(100, "allow")], False),
    ([entry(100, "allow", cidr="203.0.113.0/24"), OUT_ALL], False),
    ([entry(100, "allow", cidr="::/0"), OUT_ALL], False),
])
def test_network_acls_decide_by_rule_number_and_need_a_way_back(
        entries: list[dict[str, Any]], admitted: bool) -> None:
    """Entries in RuleNumber order, first match wins, the * entry denies the rest; without
    an outbound allow the reply never leaves (ACLs are stateless)."""
    acl = {"Entries": [*entries, *DEFAULT_DENY]}
    assert bool(network_acl_ports("acl", acl, V4, SSH)) is admitted


@pytest.mark.parametrize(("routes", "origin", "gateway"), [
    ([{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}], V4, "igw-1"),
    ([{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}], V4, None),
    ([{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "blackhole"}], V4, None),
    ([{"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1"}], V6, "igw-1"),
    ([{"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"}], V6, None),
    ([{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}], V6, None),
])
def test_route_tables_need_the_whole_internet_sent_to_an_internet_gateway(
        routes: list[dict[str, Any]], origin: Origin, gateway: str | None) -> None:
    """0.0.0.0/0 (or ::/0) to an igw- makes a subnet public; a NAT gateway, an egress-only
    gateway or a blackhole does not."""
    assert internet_gateway({"Routes": routes}, origin) == gateway


# Azure ----------------------------------------------------------------------------------
def nsg(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {"securityRules": list(rules)}}


def rule(priority: int, access: str = "Allow", port: str = "22", source: str = "Internet",
         **extra: Any) -> dict[str, Any]:
    body = {"priority": priority, "access": access, "direction": "Inbound", "protocol": "Tcp",
            "sourceAddressPrefix": source, "destinationAddressPrefix": "*",
            "destinationPortRange": port, **extra}
    return {"name": f"r{priority}", "properties": body}


NIC = Target("10.0.0.4", frozenset({"/subscriptions/s/asg/jump"}))


@pytest.mark.parametrize(("rules", "open_"), [
    ([rule(100)], True),
    ([rule(100, source="*")], True),
    ([rule(100, source="0.0.0.0/0")], True),
    ([rule(100, source="VirtualNetwork")], False),
    ([rule(100, source="AzureLoadBalancer")], False),
    ([rule(100, source=None, sourceAddressPrefixes=["198.51.100.0/24", "0.0.0.0/0"])], True),
    ([rule(100, source=None, sourceAddressPrefixes=["198.51.100.0/24"])], False),
    ([rule(200), rule(100, "Deny", source="*")], False),
    ([rule(100), rule(200, "Deny", source="*")], True),
    ([rule(100), rule(100, "Deny", port="20-30")], True),
    ([rule(100, port=None, destinationPortRanges=["80", "20-25"])], True),
    ([rule(100, port=None, destinationPortRanges=["80", "443"])], False),
    ([rule(100, protocol="Udp")], False),
    ([rule(100, protocol="*")], True),
    ([rule(100, destinationAddressPrefix="10.0.0.4")], True),
    ([rule(100, destinationAddressPrefix="10.0.0.99/32")], False),
    ([rule(100, destinationAddressPrefix=None,
           destinationApplicationSecurityGroups=[{"id": "/subscriptions/s/asg/jump"}])], True),
    ([rule(100, destinationAddressPrefix=None,
           destinationApplicationSecurityGroups=[{"id": "/subscriptions/s/asg/web"}])], False),
    ([], False),
])
def test_nsg_rules_decide_in_priority_order_with_the_default_rules(
        rules: list[dict[str, Any]], open_: bool) -> None:
    """The lowest priority number decides (a Deny before an Allow wins; at the same
    priority the first listed); sources: *, Internet, 0.0.0.0/0 and prefix lists; ports
    and port lists; Tcp or *; destinations: the interface's address or its application
    security groups; nothing matching falls to DenyAllInBound (AllowVnetInBound and
    AllowAzureLoadBalancerInBound never admit the internet)."""
    admitted, _ = nsg_ports("nsg", nsg(*rules), V4, NIC, SSH)
    assert bool(admitted) is open_


def test_default_rules_admit_the_virtual_network() -> None:
    """AllowVnetInBound (65000) lets a proxy inside the network (an application gateway) in."""
    assert nsg_ports("nsg", nsg(), NETWORK, NIC, SSH)[0] == SSH


@pytest.mark.parametrize(("subnet", "interface", "secure", "open_"), [
    (nsg(rule(100)), nsg(rule(100)), False, True),
    (nsg(rule(100, port="443")), nsg(rule(100)), False, False),
    (nsg(rule(100)), nsg(rule(100, port="443")), False, False),
    (None, nsg(rule(100)), True, True),
    (nsg(rule(100)), None, True, True),
    (None, None, False, True),
    (None, None, True, False),
])
def test_both_nsg_layers_must_allow_and_standard_entries_need_one(
        subnet: dict[str, Any] | None, interface: dict[str, Any] | None, secure: bool,
        open_: bool) -> None:
    """The subnet's NSG and the interface's NSG both decide; a layer without an NSG lets
    everything through, but a Standard SKU entry with no NSG at all lets nothing in."""
    layers = [(name, body) for name, body in (("subnet", subnet), ("nic", interface)) if body]
    admitted, _ = through_layers(layers, V4, NIC, SSH, secure)
    assert bool(admitted) is open_


# GCP ------------------------------------------------------------------------------------
def firewall(priority: int = 1000, action: str = "allowed", port: str = "22",
             source: str = "0.0.0.0/0", **extra: Any) -> dict[str, Any]:
    return {"direction": "INGRESS", "priority": priority, "sourceRanges": [source],
            action: [{"IPProtocol": "tcp", "ports": [port]}], **extra}


@pytest.mark.parametrize(("rules", "open_"), [
    ([firewall()], True),
    ([firewall(), firewall(900, "denied")], False),
    ([firewall(), firewall(1000, "denied")], False),
    ([firewall(), firewall(1100, "denied")], True),
    ([firewall(), firewall(900, "denied", disabled=True)], True),
    ([firewall(disabled=True)], False),
    ([firewall(direction="EGRESS")], False),
    ([firewall(source="35.235.240.0/20")], False),
    ([firewall(destinationRanges=["34.1.2.3/32"])], True),
    ([firewall(destinationRanges=["34.9.9.9/32"])], False),
    ([firewall(900, "denied", source="10.0.0.0/8"), firewall()], True),
    ([], False),
])
def test_firewall_rules_by_priority_deny_winning_ties(rules: list[dict[str, Any]],
                                                     open_: bool) -> None:
    """Lowest priority number first, a deny wins at equal priority; disabled and egress
    rules do nothing; only a 0.0.0.0/0 source is the internet; destination ranges must
    hold the address; nothing matching is the implied deny."""
    admitted, _ = firewall_ports([(f"fw{i}", r) for i, r in enumerate(rules)], V4, SSH,
                                 ["34.1.2.3", "10.0.0.2"])
    assert bool(admitted) is open_


@pytest.mark.parametrize(("deny", "open_"), [
    (firewall(900, "denied"), False),
    (firewall(900, "denied", targetTags=["ssh"]), False),
    (firewall(900, "denied", targetTags=["ssh", "web"]), False),
    (firewall(900, "denied", targetTags=["web"]), True),
    (firewall(1100, "denied"), True),
    (firewall(900, "denied", source="10.0.0.0/8"), True),
    (firewall(900, "denied", destinationRanges=["10.0.0.0/24"]), True),
])
def test_an_allow_is_taken_back_only_by_a_deny_covering_its_targets(
        deny: dict[str, Any], open_: bool) -> None:
    """For the firewall rule on its own: a deny at a higher or equal priority, from the whole
    internet, targeting every instance the allow targets, closes the allow's ports."""
    network = {"network": "https://www.googleapis.com/compute/v1/projects/p/global/networks/n"}
    allow = world_rule("allow", {**firewall(targetTags=["ssh"]), **network})
    other = world_rule("deny", {**deny, **network})  # None: not from the whole internet
    assert allow is not None
    assert bool(effective_world_ports(allow, [allow, *([other] if other else [])])) is open_


# Lookups --------------------------------------------------------------------------------
class CountingGraph:
    """A graph of named empty assets that counts the ids it is asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def relationships_of(self, asset_ids: Any, types: Any = None) -> list[Any]:
        return []

    def assets(self, asset_ids: Any) -> Any:
        from cloudscope.api import Asset

        self.asked += list(asset_ids)
        return iter([Asset(id=i, provider="aws", asset_type="aws:ec2:security-group")
                     for i in asset_ids if i != "gone"])


def test_shared_lookups_are_cached_within_a_bound() -> None:
    """A shared asset is looked up once while it stays among the last ``limit`` looked up;
    an id the store does not hold is remembered as missing, not asked again."""
    from cloudscope.domain.reachability import Lookups

    graph = CountingGraph()
    lookups = Lookups(graph, limit=4)  # type: ignore[arg-type]
    assert set(lookups.get(["a", "b", "gone"])) == {"a", "b"}
    assert set(lookups.get(["a", "gone"])) == {"a"} and graph.asked == ["a", "b", "gone"]
    lookups.get(["c", "d", "e"])
    assert len(lookups._cache) <= 4 + 3
    assert set(lookups.get(["e", "a"])) == {"e", "a"}


_RANGE = st.tuples(st.integers(-5, 70_000), st.integers(-5, 70_000))


@given(st.lists(_RANGE, max_size=5), _RANGE)
def test_port_sets_name_their_admin_ports_and_spans_as_the_general_constructor(
        ranges: list[tuple[int, int]], span: tuple[int, int]) -> None:
    """``admin()`` lists the administrative ports inside, sorted; a span is the set of its
    one range, clipped to 0-65535 (empty when reversed)."""
    ports = Ports(ranges)
    assert ports.admin() == sorted(port for port in ADMIN_PORTS if port in ports)
    assert Ports.span(*span) == Ports([span])
