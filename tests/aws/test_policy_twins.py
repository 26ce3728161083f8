"""Resource policies collected from moto and judged by the rules, in twins: for each of SQS,
SNS, Secrets Manager, ECR, API Gateway, EventBridge, OpenSearch and EFS, a resource whose
policy lets anyone in and its twin whose policy AWS would not open (pinned to the
organization, to a source ARN, or taken back by a Deny for every caller outside the
organization). ``collect aws`` and ``assess`` run as the real CLI; each rule flags the
open twin only, and the policy is stored decoded under ``Policy``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.aws.conftest import REGION, apply_environment, aws_environment, reset_moto
from tests.aws.test_assess_collected import cloudscope_json

ACCOUNT = "123456789012"
ORG = "o-a1b2c3d4e5"


def policy(action: str, resource: str, *, pinned: str | None = None) -> str:
    """A policy allowing anyone ``action``; ``pinned``: to the organization ("org"), to a
    source ARN ("source"), or taken back by a Deny outside the organization ("deny")."""
    grant: dict[str, Any] = {"Sid": "grant", "Effect": "Allow", "Principal": "*",
                             "Action": action, "Resource": resource}
    statements = [grant]
    if pinned == "org":
        grant["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    elif pinned == "source":
        grant["Condition"] = {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:x"}}
    elif pinned == "deny":
        statements.append({"Sid": "outside", "Effect": "Deny", "Principal": "*",
                           "Action": "*", "Resource": "*",
                           "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def queue(s: boto3.Session, name: str, pinned: str | None) -> str:
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    s.client("sqs").create_queue(QueueName=name, Attributes={
        "Policy": policy("sqs:SendMessage", arn, pinned=pinned)})
    return arn


def topic(s: boto3.Session, name: str, pinned: str | None) -> str:
    arn = s.client("sns").create_topic(Name=name)["TopicArn"]
    s.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                         AttributeValue=policy("sns:Publish", arn, pinned=pinned))
    return str(arn)


def secret(s: boto3.Session, name: str, pinned: str | None) -> str:
    client = s.client("secretsmanager")
    arn = client.create_secret(Name=name, SecretString="twin")["ARN"]
    client.put_resource_policy(SecretId=arn, ResourcePolicy=policy(
        "secretsmanager:GetSecretValue", "*", pinned=pinned))
    return str(arn)


def repository(s: boto3.Session, name: str, pinned: str | None) -> str:
    client = s.client("ecr")
    arn = client.create_repository(repositoryName=name)["repository"]["repositoryArn"]
    client.set_repository_policy(repositoryName=name, policyText=policy(
        "ecr:BatchGetImage", "*", pinned=pinned))
    return str(arn)


def rest_api(s: boto3.Session, name: str, pinned: str | None) -> str:
    api = s.client("apigateway").create_rest_api(name=name, policy=policy(
        "execute-api:Invoke", "execute-api:/*", pinned=pinned))["id"]
    return f"arn:aws:apigateway:{REGION}::/restapis/{api}"


def event_bus(s: boto3.Session, name: str, pinned: str | None) -> str:
    client = s.client("events")
    arn = client.create_event_bus(Name=name)["EventBusArn"]
    client.put_permission(EventBusName=name, Policy=policy("events:PutEvents", arn,
                                                           pinned=pinned))
    return str(arn)


def domain(s: boto3.Session, name: str, pinned: str | None) -> str:
    return str(s.client("opensearch").create_domain(DomainName=name, AccessPolicies=policy(
        "es:ESHttp*", "*", pinned=pinned))["DomainStatus"]["ARN"])


def file_system(s: boto3.Session, name: str, pinned: str | None) -> str:
    client = s.client("efs")
    made = client.create_file_system(CreationToken=name)
    client.put_file_system_policy(FileSystemId=made["FileSystemId"], Policy=policy(
        "elasticfilesystem:ClientMount", "*", pinned=pinned))
    return str(made["FileSystemArn"])


TWINS: list[tuple[str, str, Callable[[boto3.Session, str, str | None], str], str]] = [
    ("aws.sqs.queue-policy-public", "aws:sqs:queue", queue, "source"),
    ("aws.sns.topic-policy-public", "aws:sns:topic", topic, "org"),
    ("aws.secretsmanager.secret-policy-public", "aws:secretsmanager:secret", secret, "deny"),
    ("aws.ecr.repository-policy-public", "aws:ecr:repository", repository, "org"),
    ("aws.apigateway.rest-api-policy-public", "aws:apigateway:rest-api", rest_api, "deny"),
    ("aws.events.event-bus-policy-public", "aws:events:event-bus", event_bus, "org"),
    ("aws.es.domain-policy-public", "aws:es:domain", domain, "deny"),
    ("aws.elasticfilesystem.file-system-policy-public", "aws:elasticfilesystem:file-system",
     file_system, "org"),
]
"""(rule, asset type, builder, how the twin is pinned)."""


@dataclass
class Assessed:
    """The twins' ids by (rule, open or pinned), the stored assets and the findings."""

    ids: dict[tuple[str, str], str]
    assets: dict[str, dict[str, Any]]
    report: dict[str, Any]


@pytest.fixture(scope="module")
def assessed(moto_endpoint: str, bytecode_cache: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessed]:
    """Each twin built in moto, collected (their types only) and assessed once."""
    home = tmp_path_factory.mktemp("policy-twins")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    reset_moto(moto_endpoint)
    with pytest.MonkeyPatch.context() as monkeypatch:
        apply_environment(monkeypatch, aws_environment(moto_endpoint, home))
        monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(bytecode_cache))
        session = boto3.Session(region_name=REGION)
        ids = {}
        for index, (rule, _, build, pinned) in enumerate(TWINS):
            ids[(rule, "open")] = build(session, f"twin-open-{index}", None)
            ids[(rule, "pinned")] = build(session, f"twin-pinned-{index}", pinned)
        types = [arg for _, asset_type, _, _ in TWINS for arg in ("--type", asset_type)]
        collection = cloudscope_json("collect", "aws", "--region", REGION, *types,
                                     "--max-attempts", "2", "--db", database)
        assert collection["status"] == "ok", collection
        stored = cloudscope_json("assets", "list", "--db", database)
        yield Assessed(ids, {a["id"]: a for a in stored},
                       cloudscope_json("assess", "--db", database))
    reset_moto(moto_endpoint)


@pytest.mark.parametrize(("rule", "asset_type"), [(rule, kind) for rule, kind, _, _ in TWINS])
def test_the_open_twin_is_flagged_and_the_pinned_one_is_not(assessed: Assessed, rule: str,
                                                            asset_type: str) -> None:
    """The rule flags the resource whose policy lets anyone in, never its pinned twin."""
    flagged = {f["asset_id"] for f in assessed.report["findings"] if f["rule_id"] == rule}
    assert assessed.ids[(rule, "open")] in flagged
    assert assessed.ids[(rule, "pinned")] not in flagged
    assert assessed.assets[assessed.ids[(rule, "open")]]["asset_type"] == asset_type


@pytest.mark.parametrize("rule", [rule for rule, _, _, _ in TWINS])
def test_the_policy_is_stored_decoded(assessed: Assessed, rule: str) -> None:
    """Each collected policy is a JSON document under Policy, statements included."""
    for side in ("open", "pinned"):
        properties = assessed.assets[assessed.ids[(rule, side)]]["properties"]
        assert isinstance(properties["Policy"], dict), properties.get("Policy")
        assert properties["Policy"]["Statement"][0]["Principal"] == "*"
