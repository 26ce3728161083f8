"""AWS reachability layers: route tables, network ACLs, security groups, interfaces.

An instance's interface is reachable from the internet on a port when, for IPv4 or IPv6:

1. the interface has a public address of that family (``Association.PublicIp``, an Elastic
   IP, or an IPv6 address, which AWS routes globally);
2. the subnet's route table (its explicit association, else the VPC's main table) sends
   ``0.0.0.0/0`` (or ``::/0``) to an internet gateway (``igw-``), so replies get out;
3. the subnet's network ACL admits the port: inbound entries in ``RuleNumber`` order, the
   first match decides, the ``*`` entry denies the rest; ACLs are stateless, so an
   outbound entry must also let the reply go back to the client;
4. one of the interface's security groups allows the port from ``0.0.0.0/0`` (``::/0``):
   security groups only allow, across every group on the interface.

An internet-facing load balancer (ELBv2 or classic) is an entry too: its own security
groups must admit the listener port from the internet, one of its subnets must pass 2 and
3, and the port forwarded to an instance (the target's port, the target group's port, or
the classic ``InstancePort``) must be admitted by the instance's security groups and
network ACL from inside the VPC (the load balancer's own security group, or a range that
may hold its private address). ``ip`` targets are matched to instances by private address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.domain.reachability import (
    ADMIN,
    ALL_PORTS,
    NO_PORTS,
    AccessRule,
    Match,
    Origin,
    Ports,
    any_allow,
    cidr_match,
    first_match,
    is_tcp,
)

INSTANCE: Final = "aws:ec2:instance"
SECURITY_GROUP: Final = "aws:ec2:security-group"
NETWORK_ACL: Final = "aws:ec2:network-acl"
ROUTE_TABLE: Final = "aws:ec2:route-table"
SUBNET: Final = "aws:ec2:subnet"
LOAD_BALANCER: Final = "aws:elasticloadbalancing:load-balancer"
INTERNET: Final = (Origin.INTERNET_V4, Origin.INTERNET_V6)

Properties = Mapping[str, Any]


# Layers, one function each -------------------------------------------------------------
def security_group_rules(label: str, group: Properties, origin: Origin,
                         peers: frozenset[str] = frozenset()) -> Iterator[AccessRule]:
    """A group's inbound permissions as allow rules for ``origin``; a permission naming one
    of ``peers`` (a load balancer's groups) matches traffic from that load balancer."""
    for permission in group.get("IpPermissions") or ():
        protocol = str(permission.get("IpProtocol", ""))
        if not is_tcp(protocol):
            continue
        ports = ALL_PORTS if protocol in ("-1", "all") else \
            Ports.span(permission.get("FromPort"), permission.get("ToPort"))
        sources = [r.get("CidrIp") for r in permission.get("IpRanges") or ()]
        sources += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or ()]
        match = max((cidr_match(s, origin) for s in sources if s), default=Match.NO)
        if origin is Origin.NETWORK and any(pair.get("GroupId") in peers for pair in
                                            permission.get("UserIdGroupPairs") or ()):
            match = Match.YES
        yield AccessRule(True, ports, match, label)


def security_group_ports(groups: Iterable[tuple[str, Properties]], origin: Origin,
                         wanted: Ports = ADMIN, peers: frozenset[str] = frozenset(),
                         ) -> tuple[Ports, list[str]]:
    """What the groups of one interface admit together, and which groups admitted it."""
    rules = [rule for label, group in groups
             for rule in security_group_rules(label, group, origin, peers)]
    admitted, labels = any_allow(rules, wanted)
    return admitted, sorted(set(labels))


def _acl_rules(label: str, acl: Properties, origin: Origin, egress: bool) -> list[AccessRule]:
    entries = [e for e in acl.get("Entries") or () if bool(e.get("Egress")) is egress]
    entries.sort(key=lambda e: e.get("RuleNumber") if isinstance(e.get("RuleNumber"), int)
                 else 32767)
    rules = []
    for entry in entries:
        protocol = str(entry.get("Protocol", ""))
        if not is_tcp(protocol):
            continue
        span = entry.get("PortRange") or {}
        ports = ALL_PORTS if protocol in ("-1", "all") or not span else \
            Ports.span(span.get("From"), span.get("To"))
        source = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
        rules.append(AccessRule(str(entry.get("RuleAction", "")).lower() == "allow", ports,
                                cidr_match(source, origin), f"{label}#{entry.get('RuleNumber')}"))
    return rules


def network_acl_ports(label: str, acl: Properties, origin: Origin, wanted: Ports) -> Ports:
    """The ports of ``wanted`` a network ACL admits from ``origin``, replies included."""
    admitted, _ = first_match(_acl_rules(label, acl, origin, egress=False), wanted)
    if admitted:
        # Stateless: the reply goes out to the client's own port, which the client picks.
        replies, _ = first_match(_acl_rules(label, acl, origin, egress=True), ALL_PORTS)
        if not replies:
            return NO_PORTS
    return admitted


def internet_gateway(table: Properties, origin: Origin) -> str | None:
    """The internet gateway a route table sends the whole internet of ``origin``'s family
    to (``0.0.0.0/0`` or ``::/0`` to an ``igw-``), or None."""
    key = "DestinationIpv6CidrBlock" if origin is Origin.INTERNET_V6 else "DestinationCidrBlock"
    for route in table.get("Routes") or ():
        gateway = str(route.get("GatewayId") or "")
        if gateway.startswith("igw-") and str(route.get("State", "active")) != "blackhole" \
                and cidr_match(route.get(key), origin) is Match.YES:
            return gateway
    return None


@dataclass(slots=True)
class Interface:
    """One network interface of an instance, as DescribeInstances shows it."""

    subnet: str | None
    groups: list[str]
    public: dict[Origin, list[str]]
    private: list[str]


def interfaces(instance: Properties) -> list[Interface]:
    """The instance's interfaces (``NetworkInterfaces``), else its top-level fields."""
    found = []
    for eni in instance.get("NetworkInterfaces") or ():
        addresses = eni.get("PrivateIpAddresses") or ()
        v4 = [(eni.get("Association") or {}).get("PublicIp")]
        v4 += [(a.get("Association") or {}).get("PublicIp") for a in addresses]
        found.append(Interface(
            eni.get("SubnetId") or instance.get("SubnetId"),
            [g["GroupId"] for g in eni.get("Groups") or () if g.get("GroupId")],
            {Origin.INTERNET_V4: list(dict.fromkeys(a for a in v4 if a)),
             Origin.INTERNET_V6: [a["Ipv6Address"] for a in eni.get("Ipv6Addresses") or ()
                                  if a.get("Ipv6Address")]},
            [a["PrivateIpAddress"] for a in addresses if a.get("PrivateIpAddress")]
            or _present(eni.get("PrivateIpAddress"))))
    if not found:
        found.append(Interface(
            instance.get("SubnetId"),
            [g["GroupId"] for g in instance.get("SecurityGroups") or () if g.get("GroupId")],
            {Origin.INTERNET_V4: _present(instance.get("PublicIpAddress")),
             Origin.INTERNET_V6: _present(instance.get("Ipv6Address"))},
            _present(instance.get("PrivateIpAddress"))))
    return found


def _present(value: Any) -> list[str]:
    return [str(value)] if value else []


def arn_of(like: str, region: str | None, account: str | None, resource: str) -> str:
    """An EC2 ARN in the partition of ``like`` (another ARN of the same estate)."""
    partition = like.split(":")[1] if like.startswith("arn:") else "aws"
    return f"arn:{partition}:ec2:{region or ''}:{account or ''}:{resource}"
