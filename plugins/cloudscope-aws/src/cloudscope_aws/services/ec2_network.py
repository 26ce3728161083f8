"""EC2 networking: VPCs, subnets, security groups, internet and NAT gateways, route
tables and network ACLs (scope service ``ec2``).

Collect is one paginated ``Describe*`` call per type; each transform is a pure function
from one response element to its asset and the relationships it emits. ARNs follow
AWS's format ``arn:PARTITION:ec2:REGION:ACCOUNT:TYPE/ID`` (``natgateway`` for NAT gateways).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope.api import Relationship

from cloudscope_aws.calls import each_transformed
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges

VPC: Final = Kind("aws:ec2:vpc", "AWS::EC2::VPC")
SUBNET: Final = Kind("aws:ec2:subnet", "AWS::EC2::Subnet")
SECURITY_GROUP: Final = Kind("aws:ec2:security-group", "AWS::EC2::SecurityGroup")
INTERNET_GATEWAY: Final = Kind("aws:ec2:internet-gateway", "AWS::EC2::InternetGateway")
NAT_GATEWAY: Final = Kind("aws:ec2:nat-gateway", "AWS::EC2::NatGateway")
ROUTE_TABLE: Final = Kind("aws:ec2:route-table", "AWS::EC2::RouteTable")
NETWORK_ACL: Final = Kind("aws:ec2:network-acl", "AWS::EC2::NetworkAcl")

Element = Mapping[str, Any]

# Route targets by the route's field: the ARN resource type of what the route sends to.
_ROUTE_TARGETS: Final = (
    ("NatGatewayId", "natgateway"), ("InstanceId", "instance"),
    ("NetworkInterfaceId", "network-interface"), ("TransitGatewayId", "transit-gateway"),
    ("VpcPeeringConnectionId", "vpc-peering-connection"),
)
_GATEWAY_PREFIXES: Final = {"igw-": "internet-gateway", "vgw-": "vpn-gateway",
                            "eigw-": "egress-only-internet-gateway"}


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every networking resource of the region, with its relationships."""
    yield from each_transformed(clients.client("ec2", location.region), (
        ("describe_vpcs", "Vpcs", transform_vpc),
        ("describe_subnets", "Subnets", transform_subnet),
        ("describe_security_groups", "SecurityGroups", transform_security_group),
        ("describe_internet_gateways", "InternetGateways", transform_internet_gateway),
        ("describe_nat_gateways", "NatGateways", transform_nat_gateway),
        ("describe_route_tables", "RouteTables", transform_route_table),
        ("describe_network_acls", "NetworkAcls", transform_network_acl),
    ), location)

def transform_vpc(location: Location, vpc: Element) -> list[Item]:
    """A VPC (``vpc/ID``); its children emit the relationships."""
    return [location.asset(VPC, location.ec2_arn("vpc", vpc["VpcId"]), vpc, name=vpc["VpcId"])]


def _in_vpc(location: Location, arn: str, vpc_id: str | None) -> list[Item]:
    """``arn IN_NETWORK vpc`` and ``vpc CONTAINS arn``."""
    if not vpc_id:
        return []
    vpc_arn = location.ec2_arn("vpc", vpc_id)
    return [Relationship(source_id=arn, type="IN_NETWORK", target_id=vpc_arn),
            Relationship(source_id=vpc_arn, type="CONTAINS", target_id=arn)]


def transform_subnet(location: Location, subnet: Element) -> list[Item]:
    """A subnet (``subnet/ID``): IN_NETWORK its VPC, which CONTAINS it."""
    arn = location.ec2_arn("subnet", subnet["SubnetId"])
    return [location.asset(SUBNET, arn, subnet, name=subnet["SubnetId"]),
            *_in_vpc(location, arn, subnet.get("VpcId"))]


def transform_security_group(location: Location, group: Element) -> list[Item]:
    """A security group with its rules (``security-group/ID``): IN_NETWORK its VPC."""
    arn = location.ec2_arn("security-group", group["GroupId"])
    return [location.asset(SECURITY_GROUP, arn, group, name=group.get("GroupName")),
            *_in_vpc(location, arn, group.get("VpcId"))]


def transform_internet_gateway(location: Location, gateway: Element) -> list[Item]:
    """An internet gateway (``internet-gateway/ID``): ATTACHED_TO its VPCs."""
    arn = location.ec2_arn("internet-gateway", gateway["InternetGatewayId"])
    vpcs = (location.ec2_arn("vpc", a["VpcId"]) for a in gateway.get("Attachments") or ()
            if a.get("VpcId"))
    return [location.asset(INTERNET_GATEWAY, arn, gateway, name=gateway["InternetGatewayId"]),
            *edges(arn, "ATTACHED_TO", vpcs)]


def transform_nat_gateway(location: Location, gateway: Element) -> list[Item]:
    """A NAT gateway (``natgateway/ID``): IN_SUBNET its subnet, IN_NETWORK its VPC."""
    arn = location.ec2_arn("natgateway", gateway["NatGatewayId"])
    items: list[Item] = [location.asset(NAT_GATEWAY, arn, gateway, name=gateway["NatGatewayId"])]
    if gateway.get("SubnetId"):
        items += edges(arn, "IN_SUBNET", [location.ec2_arn("subnet", gateway["SubnetId"])])
    if gateway.get("VpcId"):
        items += edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", gateway["VpcId"])])
    return items


def transform_route_table(location: Location, table: Element) -> list[Item]:
    """A route table (``route-table/ID``): IN_NETWORK its VPC, ATTACHED_TO its subnets,
    ROUTES_TO each gateway, instance or interface a route sends traffic to."""
    arn = location.ec2_arn("route-table", table["RouteTableId"])
    subnets = (location.ec2_arn("subnet", a["SubnetId"]) for a in table.get("Associations") or ()
               if a.get("SubnetId"))
    return [location.asset(ROUTE_TABLE, arn, table, name=table["RouteTableId"]),
            *_in_vpc(location, arn, table.get("VpcId")),
            *edges(arn, "ATTACHED_TO", subnets),
            *edges(arn, "ROUTES_TO", _route_targets(location, table.get("Routes") or ()))]


def _route_targets(location: Location, routes: Any) -> Iterator[str]:
    for route in routes:
        gateway = route.get("GatewayId") or ""
        for prefix, resource_type in _GATEWAY_PREFIXES.items():
            if gateway.startswith(prefix):
                yield location.ec2_arn(resource_type, gateway)
        for field, resource_type in _ROUTE_TARGETS:
            if route.get(field):
                yield location.ec2_arn(resource_type, route[field])


def transform_network_acl(location: Location, acl: Element) -> list[Item]:
    """A network ACL (``network-acl/ID``): IN_NETWORK its VPC, ATTACHED_TO its subnets."""
    arn = location.ec2_arn("network-acl", acl["NetworkAclId"])
    subnets = (location.ec2_arn("subnet", a["SubnetId"]) for a in acl.get("Associations") or ()
               if a.get("SubnetId"))
    return [location.asset(NETWORK_ACL, arn, acl, name=acl["NetworkAclId"]),
            *_in_vpc(location, arn, acl.get("VpcId")),
            *edges(arn, "ATTACHED_TO", subnets)]
