"""Classic Elastic Load Balancing: load balancers (regional scope service
``elasticloadbalancing``, the ARN prefix; the botocore client is ``elb``).

AWS gives classic load balancers the ARN ``arn:PARTITION:elasticloadbalancing:REGION:
ACCOUNT:loadbalancer/NAME``. The asset type follows DESIGN.md's rule (the ARN's service
prefix and the CloudFormation type's last segment): ``aws:elasticloadbalancing:load-balancer``
like ELBv2's, told apart by ``native_type`` (``AWS::ElasticLoadBalancing::LoadBalancer``)
and by the body: listeners and registered instances are part of it
(``ListenerDescriptions[].Listener.{LoadBalancerPort, InstancePort}``, ``Instances``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import chunks, each
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, tag_map

CLASSIC_LOAD_BALANCER: Final = Kind("aws:elasticloadbalancing:load-balancer",
                                    "AWS::ElasticLoadBalancing::LoadBalancer")

Element = Mapping[str, Any]
_TAGS_PER_CALL: Final = 20  # DescribeTags takes at most 20 load balancer names


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every classic load balancer of the region, with its tags."""
    elb = clients.client("elb", location.region)
    balancers = list(each(elb, "describe_load_balancers", "LoadBalancerDescriptions"))
    tags: dict[str, dict[str, str]] = {}
    for chunk in chunks([b["LoadBalancerName"] for b in balancers], _TAGS_PER_CALL):
        for description in elb.describe_tags(LoadBalancerNames=chunk).get("TagDescriptions") or ():
            tags[description["LoadBalancerName"]] = tag_map(description.get("Tags"))
    for balancer in balancers:
        yield from transform_load_balancer(location, balancer, tags.get(balancer["LoadBalancerName"]))


def transform_load_balancer(location: Location, balancer: Element,
                            tags: Mapping[str, str] | None) -> list[Item]:
    """A classic load balancer: IN_SUBNET its subnets, PROTECTED_BY its security groups,
    IN_NETWORK its VPC, ROUTES_TO its registered instances."""
    name = balancer["LoadBalancerName"]
    arn = location.arn("elasticloadbalancing", f"loadbalancer/{name}")
    instances = (location.ec2_arn("instance", i["InstanceId"])
                 for i in balancer.get("Instances") or () if i.get("InstanceId"))
    return [location.asset(CLASSIC_LOAD_BALANCER, arn, balancer, name=name, tags=tags or {}),
            *edges(arn, "IN_SUBNET", (location.ec2_arn("subnet", s)
                                      for s in balancer.get("Subnets") or ())),
            *edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", g)
                                         for g in balancer.get("SecurityGroups") or ())),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", balancer["VPCId"])
                                       if balancer.get("VPCId") else None]),
            *edges(arn, "ROUTES_TO", instances)]
