"""Lambda functions (regional scope service ``lambda``).

``ListFunctions`` returns the function ARN; per function ``ListTags``, ``GetPolicy``
(the resource policy, absent when none) and ``GetFunctionUrlConfig`` (the function URL,
absent when none). Aliases' own policies and URLs (``Qualifier``) are not read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import each, fan_out
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, kms_key_arn, with_unavailable

FUNCTION: Final = Kind("aws:lambda:function", "AWS::Lambda::Function")
_NOT_FOUND: Final = "ResourceNotFoundException"

Described = tuple[dict[str, Any], dict[str, str], dict[str, Any], dict[str, str]]
"""A function: its listing element, tags, details, what was unavailable."""


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every function of the region with its tags, resource policy and URL."""
    def describe(function: dict[str, Any]) -> Described:
        client = clients.client("lambda", location.region)
        details = clients.details()
        arn = function["FunctionArn"]
        values: dict[str, Any] = {}
        tags = details.read("Tags", client, "list_tags", Resource=arn)
        policy = details.read("Policy", client, "get_policy", _NOT_FOUND, FunctionName=arn)
        if policy and policy.get("Policy"):
            values["Policy"] = policy["Policy"]
        url = details.read("FunctionUrlConfig", client, "get_function_url_config", _NOT_FOUND,
                           FunctionName=arn)
        if url is not None:
            values["FunctionUrlConfig"] = url
        return function, (tags or {}).get("Tags") or {}, values, details.unavailable

    functions = each(clients.client("lambda", location.region), "list_functions", "Functions")
    for described in fan_out(describe, functions):
        yield from transform_function(location, *described)


def transform_function(location: Location, function: Mapping[str, Any], tags: Mapping[str, str],
                       details: Mapping[str, Any],
                       unavailable: Mapping[str, str] | None = None) -> list[Item]:
    """A function (the ``ListFunctions`` element, ``Policy`` decoded when it has one,
    ``FunctionUrlConfig`` when it has a URL, ``_unavailable`` naming what was denied):
    HAS_ROLE its execution role, IN_SUBNET, PROTECTED_BY and IN_NETWORK through its
    ``VpcConfig``, ENCRYPTED_BY its environment's KMS key."""
    arn = function["FunctionArn"]
    properties = dict(function)
    for name, value in details.items():
        properties[name] = json.loads(value) if name == "Policy" and isinstance(value, str) \
            else value
    vpc = function.get("VpcConfig") or {}
    return [location.asset(FUNCTION, arn, with_unavailable(properties, unavailable or {}),
                           name=function["FunctionName"], tags=tags),
            *edges(arn, "HAS_ROLE", [function.get("Role")]),
            *edges(arn, "IN_SUBNET", (location.ec2_arn("subnet", subnet)
                                      for subnet in vpc.get("SubnetIds") or ())),
            *edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", group)
                                         for group in vpc.get("SecurityGroupIds") or ())),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", vpc["VpcId"])
                                       if vpc.get("VpcId") else None]),
            *edges(arn, "ENCRYPTED_BY", [kms_key_arn(location, function.get("KMSKeyArn"))])]
