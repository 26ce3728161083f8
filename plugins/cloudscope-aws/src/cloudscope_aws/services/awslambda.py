"""Lambda functions (regional scope service ``lambda``).

``ListFunctions`` returns the function ARN; ``ListTags`` and ``GetPolicy`` (the resource
policy, absent when none) add one call each per function.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import each, fan_out, optional
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, kms_key_arn

FUNCTION: Final = Kind("aws:lambda:function", "AWS::Lambda::Function")


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every function of the region with its tags and resource policy."""
    def describe(function: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], Any]:
        client = clients.client("lambda", location.region)
        arn = function["FunctionArn"]
        tags = client.list_tags(Resource=arn).get("Tags") or {}
        policy = optional(lambda: client.get_policy(FunctionName=arn),
                          "ResourceNotFoundException")
        return function, tags, policy.get("Policy") if policy else None

    functions = each(clients.client("lambda", location.region), "list_functions", "Functions")
    for function, tags, policy in fan_out(describe, functions):
        yield from transform_function(location, function, tags, policy)


def transform_function(location: Location, function: Mapping[str, Any],
                       tags: Mapping[str, str], policy: str | None) -> list[Item]:
    """A function (the ``ListFunctions`` element, ``Policy`` decoded when it has one):
    HAS_ROLE its execution role, IN_SUBNET, PROTECTED_BY and IN_NETWORK through its
    ``VpcConfig``, ENCRYPTED_BY its environment's KMS key."""
    arn = function["FunctionArn"]
    properties = dict(function)
    if policy:
        properties["Policy"] = json.loads(policy)
    vpc = function.get("VpcConfig") or {}
    return [location.asset(FUNCTION, arn, properties, name=function["FunctionName"], tags=tags),
            *edges(arn, "HAS_ROLE", [function.get("Role")]),
            *edges(arn, "IN_SUBNET", (location.ec2_arn("subnet", subnet)
                                      for subnet in vpc.get("SubnetIds") or ())),
            *edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", group)
                                         for group in vpc.get("SecurityGroupIds") or ())),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", vpc["VpcId"])
                                       if vpc.get("VpcId") else None]),
            *edges(arn, "ENCRYPTED_BY", [kms_key_arn(location, function.get("KMSKeyArn"))])]
