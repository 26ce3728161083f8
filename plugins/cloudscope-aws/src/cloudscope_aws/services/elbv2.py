"""Elastic Load Balancing v2: load balancers, listeners and target groups (regional scope
service ``elasticloadbalancing``, the ARN prefix; the botocore client is ``elbv2``).

Every element carries its ARN. Traffic reads load balancer -ROUTES_TO-> listener
-ROUTES_TO-> target group -ROUTES_TO-> target, from the listeners' default actions and
rules (``DescribeRules``) and the targets' registrations (``DescribeTargetHealth``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import chunks, each
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, tag_map

LOAD_BALANCER: Final = Kind("aws:elasticloadbalancing:load-balancer",
                            "AWS::ElasticLoadBalancingV2::LoadBalancer")
LISTENER: Final = Kind("aws:elasticloadbalancing:listener",
                       "AWS::ElasticLoadBalancingV2::Listener")
TARGET_GROUP: Final = Kind("aws:elasticloadbalancing:target-group",
                           "AWS::ElasticLoadBalancingV2::TargetGroup")

Element = Mapping[str, Any]
_TAGS_PER_CALL: Final = 20  # DescribeTags takes at most 20 ARNs


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every load balancer, listener and target group of the region."""
    elb = clients.client("elbv2", location.region)
    balancers = list(each(elb, "describe_load_balancers", "LoadBalancers"))
    groups = list(each(elb, "describe_target_groups", "TargetGroups"))
    arns = [b["LoadBalancerArn"] for b in balancers] + [g["TargetGroupArn"] for g in groups]
    tags: dict[str, dict[str, str]] = {}
    for chunk in chunks(arns, _TAGS_PER_CALL):
        for description in elb.describe_tags(ResourceArns=chunk).get("TagDescriptions") or ():
            tags[description["ResourceArn"]] = tag_map(description.get("Tags"))
    for balancer in balancers:
        arn = balancer["LoadBalancerArn"]
        yield from transform_load_balancer(location, balancer, tags.get(arn))
        for listener in each(elb, "describe_listeners", "Listeners", LoadBalancerArn=arn):
            rules = list(each(elb, "describe_rules", "Rules", ListenerArn=listener["ListenerArn"]))
            yield from transform_listener(location, listener, rules)
    for group in groups:
        health = elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"])
        yield from transform_target_group(location, group, tags.get(group["TargetGroupArn"]),
                                          health.get("TargetHealthDescriptions") or [])


def transform_load_balancer(location: Location, balancer: Element,
                            tags: Mapping[str, str] | None) -> list[Item]:
    """A load balancer: IN_SUBNET its zones' subnets, PROTECTED_BY its security groups,
    IN_NETWORK its VPC (listeners emit ROUTES_TO)."""
    arn = balancer["LoadBalancerArn"]
    subnets = (location.ec2_arn("subnet", zone["SubnetId"])
               for zone in balancer.get("AvailabilityZones") or () if zone.get("SubnetId"))
    return [location.asset(LOAD_BALANCER, arn, balancer, name=balancer["LoadBalancerName"],
                           tags=tags or {}),
            *edges(arn, "IN_SUBNET", subnets),
            *edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", group)
                                         for group in balancer.get("SecurityGroups") or ())),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", balancer["VpcId"])
                                       if balancer.get("VpcId") else None])]


def forwarded_target_groups(actions: Any) -> Iterator[str]:
    """The target group ARNs that a list of listener or rule actions forwards to."""
    for action in actions or ():
        if action.get("TargetGroupArn"):
            yield action["TargetGroupArn"]
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or ():
            if group.get("TargetGroupArn"):
                yield group["TargetGroupArn"]


def transform_listener(location: Location, listener: Element, rules: list[Any]) -> list[Item]:
    """A listener (with its ``Rules``): its load balancer ROUTES_TO it, it ROUTES_TO the
    target groups of its default actions and rules."""
    arn = listener["ListenerArn"]
    properties = {**listener, "Rules": rules}
    groups = [*forwarded_target_groups(listener.get("DefaultActions")),
              *(group for rule in rules for group in forwarded_target_groups(rule.get("Actions")))]
    name = f"{listener.get('Protocol', '')}:{listener.get('Port', '')}".strip(":")
    return [location.asset(LISTENER, arn, properties, name=name, tags={}),
            *edges(listener["LoadBalancerArn"], "ROUTES_TO", [arn]),
            *edges(arn, "ROUTES_TO", groups)]


def _target_arn(location: Location, target_type: str | None, target_id: str) -> str | None:
    if target_type == "instance":
        return location.ec2_arn("instance", target_id)
    if target_type in ("lambda", "alb"):
        return target_id  # already an ARN
    return None  # "ip" targets are addresses, not assets


def transform_target_group(location: Location, group: Element, tags: Mapping[str, str] | None,
                           health: list[Any]) -> list[Item]:
    """A target group (with ``TargetHealthDescriptions``): IN_NETWORK its VPC, ROUTES_TO
    each registered instance, function or load balancer."""
    arn = group["TargetGroupArn"]
    properties = {**group, "TargetHealthDescriptions": health}
    targets = (_target_arn(location, group.get("TargetType"), item["Target"]["Id"])
               for item in health if (item.get("Target") or {}).get("Id"))
    return [location.asset(TARGET_GROUP, arn, properties, name=group["TargetGroupName"],
                           tags=tags or {}),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", group["VpcId"])
                                       if group.get("VpcId") else None]),
            *edges(arn, "ROUTES_TO", targets)]
