"""Accounts and regions: the plan's regions from the account, assumed roles shared by
every thread, unreachable accounts failing only their own scope, the partition's home
region, external ids, and every account of an organization."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_estate import small_estate
from aws_proxy import Fault, throttling_proxy
from cloudscope.api import CollectContext, CollectionError, RateLimiter, UsageError
from cloudscope_aws.clients import shared_loader
from cloudscope_aws.collector import AwsCollector
from cloudscope_aws.partitions import home_region

MANAGEMENT = "123456789012"


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
    plan = collector(types=["aws:ec2:vpc", "aws:iam:role"]).plan()
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
                                "--region", "eu-west-1", "--type", "aws:lambda:function", "--type",
                                "aws:kms:key", "--type", "aws:iam:role", "--db", sqlite_url,
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


@pytest.mark.parametrize(("partition", "home"), [
    ("aws", "us-east-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")])
def test_each_partition_has_its_home_region(partition: str, home: str) -> None:
    """The home region of global services comes from botocore's partition data."""
    assert home_region(shared_loader(), partition) == home


@pytest.mark.parametrize(("options", "home"), [
    ({"region": ["cn-northwest-1"]}, "cn-north-1"),
    ({"region": ["us-gov-east-1"]}, "us-gov-west-1"),
    ({"region": ["eu-west-3"]}, "us-east-1"),
    ({"role_arn": ["arn:aws-us-gov:iam::111111111111:role/audit"], "region": ["us-gov-east-1"]},
     "us-gov-west-1"),
])
def test_global_calls_are_signed_in_the_partitions_home_region(
        aws: Any, collector: Any, monkeypatch: Any, options: dict[str, Any], home: str) -> None:
    """Planning asks STS in the home region of the partition that the role ARN, else the
    first region, names (not in the first region, which may be one an SCP denies)."""
    with throttling_proxy(aws.endpoint) as proxy:
        for name, value in proxy.environment.items():
            monkeypatch.setenv(name, value)
        collector(service=["iam"], **options).plan()
    assert {(r.service, r.region) for r in proxy.log.requests} == {("sts", home)}


def test_external_id_is_sent_with_every_assume_role(aws: Any, collector: Any,
                                                    monkeypatch: Any) -> None:
    """--external-id goes with each AssumeRole (and nowhere else)."""
    roles = [f"arn:aws:iam::{account}:role/audit" for account in ("111111111111", "222222222222")]
    with throttling_proxy(aws.endpoint) as proxy:
        for name, value in proxy.environment.items():
            monkeypatch.setenv(name, value)
        collector(role_arn=roles, external_id="partner-7731", region=["us-east-1"],
                  service=["iam"]).plan()
    assumed = [r.body for r in proxy.log.requests if r.action == "AssumeRole"]
    assert len(assumed) == 2 and all("ExternalId=partner-7731" in body for body in assumed)
    assert not [r for r in proxy.log.requests
                if r.action != "AssumeRole" and "partner-7731" in r.body]


@pytest.mark.parametrize(("options", "message"), [
    ({"role_arn": ["arn:aws:iam::111111111111:role/audit"], "org_role_name": "Audit"},
     "--role-arn and --org-role-name: give one or the other"),
    ({"external_id": "partner-7731"}, "--external-id: only used with --role-arn or "
                                      "--org-role-name"),
    ({"org_role_name": "Audit role"}, "--org-role-name 'Audit role': expected a role name"),
])
def test_role_options_that_do_not_fit_are_usage_errors(aws: Any, collector: Any,
                                                       options: dict[str, Any],
                                                       message: str) -> None:
    """Conflicting or malformed role options are one usage error before anything runs."""
    with pytest.raises(UsageError, match=re.escape(message)):
        collector(**options)


def test_org_role_name_collects_every_active_account(aws: Any, run_cloudscope: Any,
                                                     cloudscope_here: Any,
                                                     sqlite_url: str) -> None:
    """--org-role-name lists the organization's accounts from the management account,
    assumes the role in each active member (the management account uses its own
    credentials; a suspended account is skipped and counted) and collects them all."""
    org = aws.session.client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = [org.create_account(AccountName=name, Email=f"{name}@example.com")
               ["CreateAccountStatus"]["AccountId"] for name in ("prod", "dev", "closed")]
    org.close_account(AccountId=members[2])
    made = small_estate(aws.account_session(members[0]))
    with throttling_proxy(aws.endpoint) as proxy:
        result = run_cloudscope("collect", "aws", "--org-role-name", "Audit", "--region",
                                "us-east-1", "--type", "aws:ec2:instance", "--db", sqlite_url,
                                "--format", "json", env=proxy.environment)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sorted(s["account"] for s in summary["scopes"]) == sorted(
        [MANAGEMENT, members[0], members[1]])
    assumed = sorted(r.body for r in proxy.log.requests if r.action == "AssumeRole")
    assert len(assumed) == 2
    for member, body in zip(sorted(members[:2]), assumed, strict=True):
        assert f"RoleArn=arn%3Aaws%3Aiam%3A%3A{member}%3Arole%2FAudit" in body
    assert summary["counters"]["org_accounts_skipped"] == 1
    code, stdout = cloudscope_here("assets", "list", "--db", sqlite_url, "--format", "json",
                                   "--type", "aws:ec2:instance", "--account", members[0])
    assert code == 0
    assert [a["id"].rsplit("/", 1)[1] for a in json.loads(stdout)] == [made["instance"]]


@pytest.mark.parametrize(("faults", "error"), [
    ((), "organizations ListAccounts: no active account listed"),
    ((Fault("AccessDeniedException", service="organizations", action="ListAccounts",
            message="You don't have permissions to access this resource."),),
     "organizations ListAccounts: AccessDeniedException You don't have permissions to access "
     "this resource."),
], ids=["no organization", "not the management account"])
def test_org_role_name_without_the_accounts_listing_fails_the_run(
        aws: Any, run_cloudscope: Any, sqlite_url: str, faults: tuple[Fault, ...],
        error: str) -> None:
    """Credentials that cannot list the organization's accounts (moto lists none outside
    an organization; AWS denies a member account): the run fails with one line naming the
    call, the answer and what --org-role-name needs (exit 3)."""
    with throttling_proxy(aws.endpoint, faults=faults) as proxy:
        result = run_cloudscope("collect", "aws", "--org-role-name", "Audit", "--region",
                                "us-east-1", "--db", sqlite_url, "--format", "json",
                                env=proxy.environment)
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed" and summary["scopes"] == []
    assert summary["error"] == f"{error} (--org-role-name lists the accounts with the " \
        "credentials of the organization's management account or of a delegated administrator)"
