"""AWS twin sides built in moto with boto3: one VPC per side, from a mapping of settings.

Every side is the same small estate (a VPC with two subnets and an internet gateway, a
route table, optionally a network ACL, a security group, an instance running with an
administrative instance profile, optionally a load balancer in front of it) with the
settings a twin names changed. ``AWS_DEFAULTS`` documents each setting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import boto3

AMI = "ami-12c6146b"
WORLD, WORLD6, OFFICE = "0.0.0.0/0", "::/0", "203.0.113.0/24"
EVERYTHING = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

AWS_DEFAULTS: Final[Mapping[str, Any]] = {
    "sg": [(22, WORLD)],        # the instance's group: (port, source); "vpc", "lb-sg", CIDRs
    "public_ip": True,          # an auto-assigned public IPv4 address
    "ipv6": False,              # an IPv6 address on the interface (and the subnet a /64)
    "route": "explicit",        # where the routes live: the subnets' own table or the main one
    "igw_route": True,          # 0.0.0.0/0 -> the internet gateway
    "igw_route6": True,         # ::/0 -> the internet gateway (with ipv6)
    "acl_in": None,             # None: the VPC's default ACL; else (number, action, port|None, cidr)
    "acl_out": [(100, "allow", None, WORLD), (101, "allow", None, WORLD6)],
    "lb": None,                 # None, "network", "application" or "classic"
    "scheme": "internet-facing",
    "listener": (22, 22),       # (load balancer port, port forwarded to the instance)
    "lb_sg": None,              # the balancer's group: (port, cidr); None: its port from anywhere
    "target": "instance",       # "instance", "ip" (the instance's address) or "ip-other"
}


@dataclass
class Side:
    """What one side built: the machine that may be exposed and its controls by role."""

    machine: str
    controls: dict[str, str] = field(default_factory=dict)


class AwsBuilder:
    """Builds sides in one account and region; the admin instance profile is shared."""

    def __init__(self, session: boto3.Session, region: str) -> None:
        self.region = region
        self.ec2 = session.client("ec2", region_name=region)
        self.elbv2 = session.client("elbv2", region_name=region)
        self.elb = session.client("elb", region_name=region)
        self.account = session.client("sts").get_caller_identity()["Account"]
        self.zones = [z["ZoneName"] for z in
                      self.ec2.describe_availability_zones()["AvailabilityZones"]][:2]
        iam = session.client("iam")
        policy = iam.create_policy(PolicyName="twins-everything",
                                   PolicyDocument=json.dumps(EVERYTHING))["Policy"]["Arn"]
        iam.create_role(RoleName="twins-admin", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
        iam.attach_role_policy(RoleName="twins-admin", PolicyArn=policy)
        self.profile = iam.create_instance_profile(
            InstanceProfileName="twins-admin")["InstanceProfile"]["Arn"]
        iam.add_role_to_instance_profile(InstanceProfileName="twins-admin", RoleName="twins-admin")
        self.built = 0

    def arn(self, kind: str, identifier: str) -> str:
        """The ARN the collector gives an EC2 resource."""
        return f"arn:aws:ec2:{self.region}:{self.account}:{kind}/{identifier}"

    def side(self, key: str, settings: Mapping[str, Any]) -> Side:
        """One side: ``AWS_DEFAULTS`` with ``settings`` applied."""
        unknown = set(settings) - set(AWS_DEFAULTS)
        assert not unknown, f"unknown AWS twin settings {unknown}"
        s = {**AWS_DEFAULTS, **settings}
        self.built += 1
        ec2, cidr = self.ec2, f"10.{self.built}.0.0/16"
        vpc = ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=s["ipv6"])["Vpc"]["VpcId"]
        subnets = [self._subnet(vpc, index, s["ipv6"]) for index in (1, 2)]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        self._routes(vpc, subnets, gateway, s)
        if s["acl_in"] is not None:
            self._acl(vpc, subnets, s["acl_in"], s["acl_out"])
        controls: dict[str, str] = {}
        lb_group = None
        if s["lb"] in ("application", "classic"):
            lb_group = self._group(f"lb-{key}", vpc, cidr, s["lb_sg"] or [(s["listener"][0], WORLD)])
            controls["lb-sg"] = self.arn("security-group", lb_group)
        group = self._group(f"sg-{key}", vpc, cidr, s["sg"], lb_group)
        controls["sg"] = self.arn("security-group", group)
        instance = ec2.run_instances(
            ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            IamInstanceProfile={"Arn": self.profile},
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnets[0], "Groups": [group],
                                "AssociatePublicIpAddress": s["public_ip"]}],
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": key}]}])["Instances"][0]
        if s["ipv6"]:
            ec2.assign_ipv6_addresses(NetworkInterfaceId=instance["NetworkInterfaces"][0]
                                      ["NetworkInterfaceId"], Ipv6AddressCount=1)
        if s["lb"]:
            self._balancer(key, s, subnets, vpc, lb_group, instance)
        return Side(self.arn("instance", instance["InstanceId"]), controls)

    def _subnet(self, vpc: str, index: int, ipv6: bool) -> str:
        network = self.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]
        options: dict[str, Any] = {}
        if ipv6 and index == 1:
            block = network["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
            options["Ipv6CidrBlock"] = block.replace("/56", "/64")
        return self.ec2.create_subnet(
            VpcId=vpc, CidrBlock=network["CidrBlock"].replace(".0.0/16", f".{index}.0/24"),
            AvailabilityZone=self.zones[index - 1], **options)["Subnet"]["SubnetId"]

    def _routes(self, vpc: str, subnets: list[str], gateway: str, s: Mapping[str, Any]) -> None:
        ec2 = self.ec2
        if s["route"] == "explicit":
            table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            for subnet in subnets:
                ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        else:
            (main,) = ec2.describe_route_tables(Filters=[
                {"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}
            ])["RouteTables"]
            table = main["RouteTableId"]
        if s["igw_route"]:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=WORLD, GatewayId=gateway)
        if s["ipv6"] and s["igw_route6"]:
            ec2.create_route(RouteTableId=table, DestinationIpv6CidrBlock=WORLD6, GatewayId=gateway)

    def _acl(self, vpc: str, subnets: list[str], inbound: Any, outbound: Any) -> None:
        ec2 = self.ec2
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for egress, entries in ((False, inbound), (True, outbound)):
            for number, action, port, source in entries:
                options: dict[str, Any] = {"Ipv6CidrBlock" if ":" in source else "CidrBlock": source}
                if port is not None:
                    options["PortRange"] = {"From": port, "To": port}
                ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Egress=egress,
                                             Protocol="-1" if port is None else "6",
                                             RuleAction=action, **options)
        (default,) = ec2.describe_network_acls(Filters=[
            {"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}
        ])["NetworkAcls"]
        for association in default["Associations"]:
            if association["SubnetId"] in subnets:
                ec2.replace_network_acl_association(
                    AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)

    def _group(self, name: str, vpc: str, cidr: str, rules: Any, peer: str | None = None) -> str:
        group = self.ec2.create_security_group(GroupName=name, Description=name,
                                               VpcId=vpc)["GroupId"]
        permissions = []
        for port, source in rules:
            permission: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
            if source == "lb-sg":
                permission["UserIdGroupPairs"] = [{"GroupId": peer}]
            elif ":" in source:
                permission["Ipv6Ranges"] = [{"CidrIpv6": source}]
            else:
                permission["IpRanges"] = [{"CidrIp": cidr if source == "vpc" else source}]
            permissions.append(permission)
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=permissions)
        return group

    def _balancer(self, key: str, s: Mapping[str, Any], subnets: list[str], vpc: str,
                  group: str | None, instance: dict[str, Any]) -> None:
        front, back = s["listener"]
        if s["lb"] == "classic":
            self.elb.create_load_balancer(
                LoadBalancerName=f"clb-{key}", Subnets=subnets[:1], SecurityGroups=[group],
                Scheme=s["scheme"], Listeners=[{"Protocol": "TCP", "LoadBalancerPort": front,
                                                "InstanceProtocol": "TCP", "InstancePort": back}])
            self.elb.register_instances_with_load_balancer(
                LoadBalancerName=f"clb-{key}", Instances=[{"InstanceId": instance["InstanceId"]}])
            return
        network = s["lb"] == "network"
        balancer = self.elbv2.create_load_balancer(
            Name=f"lb-{key}", Subnets=subnets, Scheme=s["scheme"], Type=s["lb"],
            **({} if network else {"SecurityGroups": [group]}))["LoadBalancers"][0]
        target_type = "instance" if s["target"] == "instance" else "ip"
        target_group = self.elbv2.create_target_group(
            Name=f"tg-{key}", Protocol="TCP" if network else "HTTP", Port=back, VpcId=vpc,
            TargetType=target_type)["TargetGroups"][0]["TargetGroupArn"]
        target = {"instance": instance["InstanceId"], "ip": instance["PrivateIpAddress"],
                  "ip-other": instance["PrivateIpAddress"].rsplit(".", 1)[0] + ".200"}[s["target"]]
        self.elbv2.register_targets(TargetGroupArn=target_group, Targets=[{"Id": target, "Port": back}])
        self.elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="TCP" if network else "HTTP",
            Port=front, DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}])
