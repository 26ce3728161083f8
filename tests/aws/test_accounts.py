"""Accounts and regions: the plan's regions from the account, assumed roles shared by
every thread, unreachable accounts failing only their own scope."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_proxy import throttling_proxy
from cloudscope.api import CollectContext, CollectionError, RateLimiter
from cloudscope_aws.collector import AwsCollector


@pytest.fixture
def collector() -> Iterator[Callable[..., AwsCollector]]:
    """Build collectors from options; each is closed after the test."""
    built: list[AwsCollector] = []

    def build(**options: Any) -> AwsCollector:
        ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
        built.append(AwsCollector(ctx, options))
        return built[-1]

    yield build
    for made in built:
        made.close()


def test_default_regions_are_the_accounts_enabled_regions(aws: Any, collector: Any) -> None:
    """Without --region, the plan covers every region DescribeRegions lists."""
    enabled = {r["RegionName"] for r in aws.session.client("ec2").describe_regions()["Regions"]}
    plan = collector(service=["ec2", "iam"]).plan()
    assert {scope.region for scope in plan if scope.service == "ec2"} == enabled
    assert [scope.region for scope in plan if scope.service == "iam"] == [None]


def test_each_role_is_assumed_once_for_the_whole_run(aws: Any, run_cloudscope: Any,
                                                     sqlite_url: str) -> None:
    """Assumed credentials are shared by every thread and scope: one AssumeRole per role,
    however many scopes and clients use them."""
    roles = [arg for account in ("111111111111", "222222222222")
             for arg in ("--role-arn", f"arn:aws:iam::{account}:role/audit")]
    with throttling_proxy(aws.endpoint) as proxy:
        result = run_cloudscope("collect", "aws", *roles, "--region", "us-east-1",
                                "--region", "eu-west-1", "--service", "lambda", "--service",
                                "kms", "--service", "iam", "--db", sqlite_url,
                                "--format", "json", env=proxy.environment)
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["scopes"]) == 2 * (2 * 2 + 1)
    assert proxy.log.actions.count("AssumeRole") == 2


def test_role_that_cannot_be_assumed_fails_its_account_scope(aws: Any, collector: Any,
                                                             monkeypatch: Any) -> None:
    """An account whose role cannot be assumed is planned as one failed scope (service
    ``sts``) whose error names the role; nothing else is planned for it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{port}")
    role = "arn:aws:iam::333333333333:role/audit"
    aws_collector = collector(role_arn=[role], region=["us-east-1"], max_attempts=1)
    plan = aws_collector.plan()
    assert [(s.account, s.region, s.service) for s in plan] == [("333333333333", None, "sts")]
    with pytest.raises(CollectionError, match=f"sts: cannot connect to .* \\(assuming {role}\\)"):
        list(aws_collector.collect(plan[0]))
