"""The declarative engine's pure parts: templates, ids and names, the policy moved to
``Policy`` and decoded, relationships read from properties. No AWS call: each is a
function of a catalogue entry and an API element."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cloudscope.api import Asset, CollectionError, Relationship
from cloudscope_aws.catalogue import Edge, Resource, arn, groups, key, subnets
from cloudscope_aws.engine import Entry, decoded, fill, render, transform
from cloudscope_aws.shapes import Location

HERE = Location("aws", "123456789012", "eu-west-1")
OPEN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                "Action": "sqs:*", "Resource": "*"}]}
QUEUE = Resource("AWS::SQS::Queue", "sqs", "ListQueues", "QueueUrls", element="QueueUrl",
                 arn="arn:{partition}:sqs:{region}:{account}:{QueueUrl!b}",
                 name="{QueueUrl!b}", policy="Attributes.Policy",
                 edges=(key("Attributes.KmsMasterKeyId"),))
URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"


def split(items: list[Any]) -> tuple[Asset, set[tuple[str, str, str]]]:
    (asset,) = [item for item in items if isinstance(item, Asset)]
    return asset, {item.key for item in items if isinstance(item, Relationship)}


def test_templates_read_fields_conversions_and_optional_parts() -> None:
    """``!b`` keeps what follows the last /, ``!l`` drops a leading /, ``{Field?}`` adds
    /value only when the field is there; a field name alone is the field."""
    values = {"Url": "https://x/123/orders", "Name": "/app/key", "Set": "blue",
              "Arn": "arn:aws:sns:eu-west-1:1:t", "partition": "aws"}
    assert render("{Url!b}", values) == "orders"
    assert render("parameter/{Name!l}", values) == "parameter/app/key"
    assert render("r/{Name!b}{Set?}", values) == "r/key/blue"
    assert render("r/{Name!b}{Missing?}", values) == "r/key"
    assert render("Arn", values) == "arn:aws:sns:eu-west-1:1:t"


def test_a_tuple_of_templates_takes_the_first_that_can_be_made() -> None:
    """An id read from the API when it returns one, else made from AWS's format; an empty
    field counts as missing; none possible is a one-line error naming the template."""
    template = ("arn", "arn:{partition}:logs:::destination:{destinationName}")
    assert render(template, {"arn": "arn:x", "destinationName": "d", "partition": "aws"}) == \
        "arn:x"
    assert render(template, {"arn": "", "destinationName": "d", "partition": "aws"}) == \
        "arn:aws:logs:::destination:d"
    with pytest.raises(CollectionError, match=r"cannot make .*destinationName"):
        render(template, {"partition": "aws"})


def test_parameters_keep_whole_fields_and_fill_nested_templates() -> None:
    """A parameter that is one whole field keeps its value (a list stays a list); text
    without braces is left alone; nested lists and mappings are filled."""
    values = {"Ids": ["a", "b"], "account": "123456789012"}
    assert fill({"ids": "{Ids}", "names": ["All"], "f": [{"Values": ["{account}"]}]}, values) \
        == {"ids": ["a", "b"], "names": ["All"], "f": [{"Values": ["123456789012"]}]}


def test_a_queue_becomes_an_asset_with_its_policy_decoded() -> None:
    """The queue's id and name come from its URL; the policy text leaves Attributes for
    Policy, decoded; the KMS key (an alias) resolves to its key."""
    entry = Entry({"QueueUrl": URL}, values={"Attributes": {
        "Policy": json.dumps(OPEN), "KmsMasterKeyId": "alias/orders"}})
    aliases = {"arn:aws:kms:eu-west-1:123456789012:alias/orders":
               "arn:aws:kms:eu-west-1:123456789012:key/k-1"}
    asset, edges = split(transform(QUEUE, HERE, entry, aliases))
    assert (asset.id, asset.name, asset.asset_type, asset.native_type) == (
        "arn:aws:sqs:eu-west-1:123456789012:orders", "orders", "aws:sqs:queue",
        "AWS::SQS::Queue")
    assert asset.properties["Policy"] == OPEN
    assert "Policy" not in asset.properties["Attributes"]
    assert edges == {(asset.id, "ENCRYPTED_BY", "arn:aws:kms:eu-west-1:123456789012:key/k-1")}


def test_a_policy_inside_a_denied_detail_is_unavailable_too() -> None:
    """When GetQueueAttributes is denied, Attributes and the Policy read from it are both
    named under _unavailable, so no rule judges the queue's policy."""
    entry = Entry({"QueueUrl": URL},
                  unavailable={"Attributes": "sqs GetQueueAttributes: AccessDenied"})
    asset, _ = split(transform(QUEUE, HERE, entry))
    assert asset.properties["_unavailable"] == {
        "Attributes": "sqs GetQueueAttributes: AccessDenied",
        "Policy": "sqs GetQueueAttributes: AccessDenied"}


def test_api_gateway_policy_text_with_escaped_quotes_is_decoded() -> None:
    """API Gateway returns its policy with backslash-escaped quotes; it decodes all the same."""
    text = json.dumps(OPEN).replace('"', '\\"')
    assert decoded(text) == OPEN
    assert decoded("not a policy") == "not a policy"


def test_edges_from_ids_arns_and_lists() -> None:
    """EC2 ids become ARNs in the location; an ARN edge skips values that are not ARNs (an
    email endpoint); split and only pick ids out of text; the parent CONTAINS the child."""
    parent = Resource("AWS::ECS::Cluster", "ecs", "ListClusters", "clusterArns",
                      element="clusterArn", arn="clusterArn")
    child = Resource(
        "AWS::ECS::Service", "ecs", "ListServices", "serviceArns", arn="serviceArn",
        parent=parent,
        edges=(subnets("net.subnets[]"), groups("net.groups[]"),
               arn("ROUTES_TO", "Endpoint", "(an endpoint)"),
               Edge("IN_SUBNET", "Zones", "aws:ec2:subnet",
                    "arn:{partition}:ec2:{region}:{account}:subnet/{value}", split=","),
               Edge("ATTACHED_TO", "Resource", "aws:ec2:vpc",
                    "arn:{partition}:ec2:{region}:{account}:vpc/{value}", only="vpc-")))
    entry = Entry({"serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/c/s",
                   "net": {"subnets": ["subnet-1"], "groups": ["sg-1"]},
                   "Endpoint": "ops@example.com", "Zones": "subnet-2, subnet-3",
                   "Resource": "eni-9"},
                  parent={"clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/c"})
    asset, edges = split(transform(child, HERE, entry))
    ec2 = "arn:aws:ec2:eu-west-1:123456789012:"
    assert edges == {
        ("arn:aws:ecs:eu-west-1:123456789012:cluster/c", "CONTAINS", asset.id),
        (asset.id, "IN_SUBNET", ec2 + "subnet/subnet-1"),
        (asset.id, "IN_SUBNET", ec2 + "subnet/subnet-2"),
        (asset.id, "IN_SUBNET", ec2 + "subnet/subnet-3"),
        (asset.id, "PROTECTED_BY", ec2 + "security-group/sg-1")}


def test_a_missing_name_field_falls_back_to_the_ids_tail() -> None:
    """A resource without the field its name is read from is named by its id's last part."""
    resource = Resource("AWS::SNS::Topic", "sns", "ListTopics", "Topics", arn="TopicArn",
                        name="DisplayName")
    asset, _ = split(transform(resource, HERE, Entry(
        {"TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts"})))
    assert asset.name == "alerts"


def test_a_global_type_has_no_region_and_describes_its_id_format() -> None:
    """A global type's asset has no region; its documented id shows P, R and A."""
    zone = Resource("AWS::Route53::HostedZone", "route53", "ListHostedZones", "HostedZones",
                    arn="arn:{partition}:route53:::hostedzone/{Id!b}", name="Name",
                    is_global=True)
    asset, _ = split(transform(zone, HERE.in_region(None), Entry(
        {"Id": "/hostedzone/Z1", "Name": "example.com."})))
    assert (asset.id, asset.region) == ("arn:aws:route53:::hostedzone/Z1", None)
    assert zone.id_format() == "arn:P:route53:::hostedzone/{Id!b}"
    assert QUEUE.id_format() == "arn:P:sqs:R:A:{QueueUrl!b}"
