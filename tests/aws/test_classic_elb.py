"""Classic load balancers against moto: the documented ARN and type, the listeners and
registered instances in the body (exposure reads the ports forwarded from them), and the
relationships to subnets, security groups, the VPC and the instances."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from aws_estate import AMI

from tests.aws.conftest import REGION, AwsWorld

ACCOUNT = "123456789012"


@pytest.fixture
def classic(aws: AwsWorld) -> dict[str, str]:
    """A classic load balancer listening on 2222, forwarding to port 22 of one instance."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.3.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc)["GroupId"]
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                 SubnetId=subnet)["Instances"][0]["InstanceId"]
    elb = boto3.client("elb", region_name=REGION)
    elb.create_load_balancer(LoadBalancerName="bastion", Subnets=[subnet], SecurityGroups=[group],
                             Scheme="internet-facing", Listeners=[{
                                 "Protocol": "TCP", "LoadBalancerPort": 2222,
                                 "InstanceProtocol": "TCP", "InstancePort": 22}])
    elb.register_instances_with_load_balancer(LoadBalancerName="bastion",
                                              Instances=[{"InstanceId": instance}])
    elb.add_tags(LoadBalancerNames=["bastion"], Tags=[{"Key": "team", "Value": "ops"}])
    return {"vpc": vpc, "subnet": subnet, "group": group, "instance": instance}


def test_classic_load_balancer_is_collected_with_its_listeners_and_instances(
        classic: dict[str, str], collect_aws: Callable[..., Any]) -> None:
    """``loadbalancer/NAME`` under ``elasticloadbalancing``, typed as DESIGN.md's rule names
    it, native type ``AWS::ElasticLoadBalancing::LoadBalancer``, tags read, and the edges
    IN_SUBNET, PROTECTED_BY, IN_NETWORK and ROUTES_TO the registered instance."""
    inventory = collect_aws(region=[REGION], service=["elasticloadbalancing"])
    arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/bastion"
    asset = inventory.assets[arn]
    assert (asset.asset_type, asset.native_type) == ("aws:elasticloadbalancing:load-balancer",
                                                     "AWS::ElasticLoadBalancing::LoadBalancer")
    assert asset.tags == {"team": "ops"} and asset.properties["Scheme"] == "internet-facing"
    (listener,) = asset.properties["ListenerDescriptions"]
    assert (listener["Listener"]["LoadBalancerPort"], listener["Listener"]["InstancePort"]) == (2222, 22)
    ec2 = f"arn:aws:ec2:{REGION}:{ACCOUNT}:"
    assert {(arn, "IN_SUBNET", ec2 + f"subnet/{classic['subnet']}"),
            (arn, "PROTECTED_BY", ec2 + f"security-group/{classic['group']}"),
            (arn, "IN_NETWORK", ec2 + f"vpc/{classic['vpc']}"),
            (arn, "ROUTES_TO", ec2 + f"instance/{classic['instance']}")} <= inventory.relationships
    assert inventory.errors == {}
