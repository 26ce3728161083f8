"""One denied call never loses a scope: a per-resource call that AWS denies marks that
asset's detail unavailable (``properties._unavailable``) and is counted; only a denied
listing fails its scope, and a region that a service control policy denies fails each of
its scopes with one clear line.

Denials come from moto itself where it evaluates IAM (S3, with its IAM enforcement
switched on), else from the proxy in front of it, answering as AWS does.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aws_estate import lambda_function
from aws_proxy import Fault, throttling_proxy

REGION = "us-east-1"
DENIED_REGION = "eu-west-3"
PUBLIC_READ = "arn:aws:s3:::{}/*"
SCP_MESSAGE = ("User: arn:aws:sts::123456789012:assumed-role/Audit/cloudscope is not "
               "authorized to perform: {action} with an explicit deny in a service control "
               "policy")
ENCODED = " Encoded authorization failure message: " + "Q2xvdWRTY29wZQ" * 200


@contextmanager
def iam_enforced(endpoint: str) -> Iterator[None]:
    """moto evaluates IAM policies for every request, as AWS does, until the block ends."""
    def reset_auth(count: bytes) -> None:
        request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count,
                                         method="POST", headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    reset_auth(b"0")
    try:
        yield
    finally:
        reset_auth(b"inf")


def auditor(session: Any, *statements: dict[str, Any]) -> dict[str, str]:
    """An IAM user allowed everything but ``statements`` deny; its keys as variables."""
    iam = session.client("iam")
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, *statements]}))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def public_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": PUBLIC_READ.format(name)}]}))


def function(session: Any, name: str) -> str:
    arn = lambda_function(session, name, REGION)
    client = session.client("lambda", region_name=REGION)
    client.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                          Principal="events.amazonaws.com")
    return str(arn)


def test_a_bucket_policy_denied_by_iam_marks_the_bucket_not_the_scope(
        aws: Any, collect_aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto denies GetBucketPolicy on one bucket: the s3 scope completes, that bucket says
    its Policy is unavailable (its PolicyStatus, a permission of its own, is still read),
    the other keeps its policy, and the run counts one unavailable detail."""
    s3 = aws.session.client("s3")
    public_bucket(s3, "guarded-policy")
    public_bucket(s3, "readable-policy")
    keys = auditor(aws.session, {"Effect": "Deny", "Action": "s3:GetBucketPolicy",
                                 "Resource": "arn:aws:s3:::guarded-policy"})
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    with iam_enforced(aws.endpoint):
        inventory = collect_aws(region=[REGION], service=["s3"])
    assert inventory.errors == {}
    guarded = inventory.assets["arn:aws:s3:::guarded-policy"].properties
    assert guarded["_unavailable"] == {"Policy": "s3 GetBucketPolicy: AccessDenied"}
    assert "Policy" not in guarded and guarded["PolicyStatus"] == {"IsPublic": True}
    readable = inventory.assets["arn:aws:s3:::readable-policy"].properties
    assert "_unavailable" not in readable
    assert readable["Policy"]["Statement"][0]["Principal"] == "*"
    assert inventory.counters["details_unavailable"] == 1


def test_a_key_whose_policy_excludes_the_auditor_is_kept_with_its_listing(
        aws: Any, collect_aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call about a key whose policy leaves the auditor out is denied: the key is
    still collected from ListKeys, marked KeyMetadata-unavailable; a function whose
    GetPolicy is denied keeps its other properties; the scopes complete."""
    kms = aws.session.client("kms", region_name=REGION)
    excluded = kms.create_key(Description="excluded")["KeyMetadata"]
    readable = kms.create_key(Description="readable")["KeyMetadata"]
    guarded = function(aws.session, "guarded-fn")
    faults = (
        Fault("AccessDeniedException", service="kms", body=excluded["KeyId"],
              message="User: arn:aws:iam::123456789012:user/auditor is not authorized to "
                      "perform: kms:DescribeKey because no resource-based policy allows it"),
        Fault("AccessDeniedException", service="lambda", method="GET",
              path=r"/functions/[^/]*guarded-fn/policy"),
    )
    with throttling_proxy(aws.endpoint, faults=faults) as proxy:
        for name, value in proxy.environment.items():
            monkeypatch.setenv(name, value)
        inventory = collect_aws(region=[REGION], types=["aws:kms:key", "aws:lambda:function"])
    assert inventory.errors == {}
    assert inventory.assets[excluded["Arn"]].properties == {
        "KeyId": excluded["KeyId"], "KeyArn": excluded["Arn"], "Aliases": [],
        "_unavailable": {"KeyMetadata": "kms DescribeKey: AccessDeniedException"}}
    key = inventory.assets[readable["Arn"]].properties
    assert key["KeyManager"] == "CUSTOMER" and "_unavailable" not in key
    assert key["Policy"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    fn = inventory.assets[guarded].properties
    assert fn["_unavailable"] == {"Policy": "lambda GetPolicy: AccessDeniedException"}
    assert fn["FunctionName"] == "guarded-fn" and "Policy" not in fn
    assert inventory.counters["details_unavailable"] == 2


def test_a_denied_listing_fails_only_its_scope(aws: Any, collect_aws: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """ListFunctions denied fails the lambda scope with one line naming the call, the
    region and the error; the kms scope of the same region completes."""
    faults = (Fault("AccessDeniedException", service="lambda", method="GET",
                    path=r"/functions/?(\?|$)", message="no lambda:ListFunctions for you"),)
    with throttling_proxy(aws.endpoint, faults=faults) as proxy:
        for name, value in proxy.environment.items():
            monkeypatch.setenv(name, value)
        inventory = collect_aws(region=[REGION], types=["aws:kms:key", "aws:lambda:function"])
    assert inventory.errors == {
        f"aws/123456789012/{REGION}/lambda":
            f"lambda ListFunctions in {REGION}: AccessDeniedException no lambda:ListFunctions "
            "for you"}


def test_a_region_denied_by_an_scp_fails_each_scope_with_one_line(
        aws: Any, run_cloudscope: Any, sqlite_url: str) -> None:
    """A service control policy denying eu-west-3: its scopes fail, each with one line
    naming the call, the region and the policy (EC2's encoded blob left out); the log says
    it once; us-east-1 completes and the run is partial (exit 3)."""
    faults = (
        Fault("UnauthorizedOperation", region=DENIED_REGION, service="ec2",
              message="You are not authorized to perform this operation. "
                      + SCP_MESSAGE.format(action="ec2:DescribeVpcs") + "." + ENCODED),
        Fault("AccessDeniedException", region=DENIED_REGION,
              message=SCP_MESSAGE.format(action="the action")),
    )
    with throttling_proxy(aws.endpoint, faults=faults) as proxy:
        result = run_cloudscope("collect", "aws", "--region", REGION, "--region", DENIED_REGION,
                                "--type", "aws:ec2:vpc", "--type", "aws:lambda:function",
                                "--type", "aws:kms:key",
                                "--db", sqlite_url, "--format", "json", env=proxy.environment)
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "partial"
    failed = {s["service"]: s["error"] for s in summary["scopes"] if s["status"] == "failed"}
    assert {s["region"] for s in summary["scopes"] if s["status"] == "failed"} == {DENIED_REGION}
    assert failed == {
        "ec2": "ec2 DescribeVpcs in eu-west-3: UnauthorizedOperation You are not authorized to "
               "perform this operation. " + SCP_MESSAGE.format(action="ec2:DescribeVpcs")
               + ". (a service control policy of the organization denies it: leave the region "
                 "out with --region)",
        "lambda": "lambda ListFunctions in eu-west-3: AccessDeniedException "
                  + SCP_MESSAGE.format(action="the action") + " (a service control policy of "
                  "the organization denies it: leave the region out with --region)",
        "kms": "kms ListKeys in eu-west-3: AccessDeniedException "
               + SCP_MESSAGE.format(action="the action") + " (a service control policy of "
               "the organization denies it: leave the region out with --region)"}
    assert {s["status"] for s in summary["scopes"] if s["region"] == REGION} == {"complete"}
    logged = [line for line in result.stderr.splitlines() if "aws.region_denied" in line]
    assert len(logged) == 1 and DENIED_REGION in logged[0]
    assert "aws.listing_denied" not in result.stderr  # not mistaken for missing permissions
    assert "Traceback" not in result.stderr
