"""Networking beyond the VPC basics of ``ec2_network.py``: VPC endpoints and endpoint
services, peering connections, transit gateways with their attachments and route tables,
egress-only internet gateways, customer and VPN gateways, VPN connections, DHCP option
sets, the account's managed prefix lists, flow logs, carrier gateways; Network Firewall
firewalls, policies and rule groups.

A VPC endpoint's ``PolicyDocument`` (JSON text) moves to ``Policy``, decoded. A VPN
connection's ``CustomerGatewayConfiguration`` holds its tunnels' pre-shared keys: it is
never stored.
"""

from __future__ import annotations

from typing import Any, Final

from cloudscope_aws.catalogue import Describe, Edge, Resource, arn, ec2, groups, key, subnets, vpc

_EC2: Final = "arn:{partition}:ec2:{region}:{account}:"


def _ec2(native: str, operation: str, key_: str, resource: str, id_field: str,
         *edges: Edge, **options: Any) -> Resource:
    """An EC2 resource whose ARN is ``arn:P:ec2:R:A:<resource>/<id>``."""
    return Resource(f"AWS::EC2::{native}", "ec2", operation, key_,
                    arn=_EC2 + f"{resource}/{{{id_field}}}", name=id_field, edges=edges,
                    **options)


VPC_ENDPOINT: Final = _ec2(
    "VPCEndpoint", "DescribeVpcEndpoints", "VpcEndpoints", "vpc-endpoint", "VpcEndpointId",
    vpc("VpcId"), subnets("SubnetIds[]"), groups("Groups[].GroupId"),
    ec2("ATTACHED_TO", "RouteTableIds[]", "route-table", "route-table"),
    policy="PolicyDocument")

ENDPOINT_SERVICE: Final = _ec2(
    "VPCEndpointService", "DescribeVpcEndpointServiceConfigurations", "ServiceConfigurations",
    "vpc-endpoint-service", "ServiceId",
    arn("ROUTES_TO", "NetworkLoadBalancerArns[]", "aws:elasticloadbalancing:load-balancer"),
    arn("ROUTES_TO", "GatewayLoadBalancerArns[]", "aws:elasticloadbalancing:load-balancer"))

PEERING: Final = _ec2(
    "VPCPeeringConnection", "DescribeVpcPeeringConnections", "VpcPeeringConnections",
    "vpc-peering-connection", "VpcPeeringConnectionId",
    Edge("ATTACHED_TO", "RequesterVpcInfo.VpcId", "aws:ec2:vpc",
         "arn:{partition}:ec2:{RequesterVpcInfo[Region]}:{RequesterVpcInfo[OwnerId]}:"
         "vpc/{value}"),
    Edge("ATTACHED_TO", "AccepterVpcInfo.VpcId", "aws:ec2:vpc",
         "arn:{partition}:ec2:{AccepterVpcInfo[Region]}:{AccepterVpcInfo[OwnerId]}:vpc/{value}"),
    volatile=("Status", "ExpirationTime"))

TRANSIT_GATEWAY: Final = Resource(
    "AWS::EC2::TransitGateway", "ec2", "DescribeTransitGateways", "TransitGateways",
    arn="TransitGatewayArn", name="TransitGatewayId",
)

TRANSIT_GATEWAY_ATTACHMENT: Final = _ec2(
    "TransitGatewayAttachment", "DescribeTransitGatewayAttachments",
    "TransitGatewayAttachments", "transit-gateway-attachment", "TransitGatewayAttachmentId",
    ec2("ATTACHED_TO", "TransitGatewayId", "transit-gateway", "transit-gateway"),
    Edge("ATTACHED_TO", "ResourceId", "aws:ec2:vpc", _EC2 + "vpc/{value}", inbound=True),
    ec2("ROUTES_TO", "Association.TransitGatewayRouteTableId", "transit-gateway-route-table",
        "transit-gateway-route-table"))

TRANSIT_GATEWAY_ROUTE_TABLE: Final = _ec2(
    "TransitGatewayRouteTable", "DescribeTransitGatewayRouteTables",
    "TransitGatewayRouteTables", "transit-gateway-route-table", "TransitGatewayRouteTableId",
    Edge("CONTAINS", "TransitGatewayId", "aws:ec2:transit-gateway",
         _EC2 + "transit-gateway/{value}", inbound=True))

EGRESS_ONLY_GATEWAY: Final = _ec2(
    "EgressOnlyInternetGateway", "DescribeEgressOnlyInternetGateways",
    "EgressOnlyInternetGateways", "egress-only-internet-gateway", "EgressOnlyInternetGatewayId",
    ec2("ATTACHED_TO", "Attachments[].VpcId", "vpc", "vpc"))

CUSTOMER_GATEWAY: Final = _ec2(
    "CustomerGateway", "DescribeCustomerGateways", "CustomerGateways", "customer-gateway",
    "CustomerGatewayId")

VPN_GATEWAY: Final = _ec2(
    "VPNGateway", "DescribeVpnGateways", "VpnGateways", "vpn-gateway", "VpnGatewayId",
    ec2("ATTACHED_TO", "VpcAttachments[].VpcId", "vpc", "vpc"))

VPN_CONNECTION: Final = _ec2(
    "VPNConnection", "DescribeVpnConnections", "VpnConnections", "vpn-connection",
    "VpnConnectionId",
    ec2("ATTACHED_TO", "VpnGatewayId", "vpn-gateway", "vpn-gateway"),
    ec2("ATTACHED_TO", "TransitGatewayId", "transit-gateway", "transit-gateway"),
    ec2("ROUTES_TO", "CustomerGatewayId", "customer-gateway", "customer-gateway"),
    omit=("CustomerGatewayConfiguration",), volatile=("VgwTelemetry",))

DHCP_OPTIONS: Final = _ec2(
    "DHCPOptions", "DescribeDhcpOptions", "DhcpOptions", "dhcp-options", "DhcpOptionsId")

PREFIX_LIST: Final = Resource(
    "AWS::EC2::PrefixList", "ec2", "DescribeManagedPrefixLists", "PrefixLists",
    arn="PrefixListArn", name="PrefixListName",
    # AWS's own lists (com.amazonaws.*) are in every account: only the account's are kept.
    params={"Filters": [{"Name": "owner-id", "Values": ["{account}"]}]}, owner="OwnerId",
)

FLOW_LOG: Final = _ec2(
    "FlowLog", "DescribeFlowLogs", "FlowLogs", "vpc-flow-log", "FlowLogId",
    arn("ROUTES_TO", "LogDestination", "(a log group or bucket)"),
    Edge("ATTACHED_TO", "ResourceId", "aws:ec2:vpc", _EC2 + "vpc/{value}", only="vpc-"),
    Edge("ATTACHED_TO", "ResourceId", "aws:ec2:subnet", _EC2 + "subnet/{value}",
         only="subnet-"),
    Edge("ATTACHED_TO", "ResourceId", "aws:ec2:network-interface",
         _EC2 + "network-interface/{value}", only="eni-"),
    Edge("HAS_ROLE", "DeliverLogsPermissionArn", "aws:iam:role"))

CARRIER_GATEWAY: Final = _ec2(
    "CarrierGateway", "DescribeCarrierGateways", "CarrierGateways", "carrier-gateway",
    "CarrierGatewayId", vpc("VpcId"))

FIREWALL: Final = Resource(
    "AWS::NetworkFirewall::Firewall", "network-firewall", "ListFirewalls", "Firewalls",
    arn="FirewallArn", name="FirewallName",
    describe=Describe("DescribeFirewall", {"FirewallArn": "{FirewallArn}"}, key="Firewall",
                      absent=("ResourceNotFoundException",)),
    edges=(vpc("VpcId"), subnets("SubnetMappings[].SubnetId"),
           arn("ATTACHED_TO", "FirewallPolicyArn", "aws:network-firewall:firewall-policy",
               inbound=True),
           key("EncryptionConfiguration.KeyId")),
)

FIREWALL_POLICY: Final = Resource(
    "AWS::NetworkFirewall::FirewallPolicy", "network-firewall", "ListFirewallPolicies",
    "FirewallPolicies", arn="Arn", name="Name",
)

FIREWALL_RULE_GROUP: Final = Resource(
    "AWS::NetworkFirewall::RuleGroup", "network-firewall", "ListRuleGroups", "RuleGroups",
    arn="Arn", name="Name", params={"Scope": "ACCOUNT"},
)

RESOURCES: Final = (VPC_ENDPOINT, ENDPOINT_SERVICE, PEERING, TRANSIT_GATEWAY,
                    TRANSIT_GATEWAY_ATTACHMENT, TRANSIT_GATEWAY_ROUTE_TABLE,
                    EGRESS_ONLY_GATEWAY, CUSTOMER_GATEWAY, VPN_GATEWAY, VPN_CONNECTION,
                    DHCP_OPTIONS, PREFIX_LIST, FLOW_LOG, CARRIER_GATEWAY, FIREWALL,
                    FIREWALL_POLICY, FIREWALL_RULE_GROUP)
