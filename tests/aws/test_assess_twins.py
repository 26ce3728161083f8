"""The S3, Lambda and KMS rules on collected twins: ``collect aws`` over two moto
accounts, then ``assess``, both by the real CLI. Each risky resource has a twin that AWS
would not expose (an account-level public access block, ACLs disabled by
BucketOwnerEnforced, RestrictPublicBuckets, a function URL needing signed requests, a
key policy naming its account), and one whose deciding configuration AWS denied to the
auditor, which no rule judges and the inventory rule reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_estate import lambda_function
from aws_proxy import Fault, throttling_proxy

from tests.aws.conftest import REGION, apply_environment, aws_environment, reset_moto
from tests.aws.test_assess_collected import cloudscope_json

OWN, BLOCKED = "123456789012", "111111111111"
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
UNREAD_BLOCK = "twin-acl-unread-block"


def bucket(session: boto3.Session, name: str, *, acl: str | None = None,
           policy: bool = False, block: dict[str, bool] | None = None,
           ownership: str | None = None) -> str:
    """A bucket in REGION with the given ACL, public read policy, block and ownership."""
    s3 = session.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=name)
    if acl:
        s3.put_bucket_acl(Bucket=name, ACL=acl)
    if policy:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{name}/*"}]}))
    if block:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if ownership:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={
            "Rules": [{"ObjectOwnership": ownership}]})
    return f"arn:aws:s3:::{name}"


def url_function(session: boto3.Session, name: str, auth_type: str) -> str:
    """A function whose URL has ``auth_type`` and whose policy lets anyone call the URL."""
    arn = lambda_function(session, name, REGION)
    client = session.client("lambda", region_name=REGION)
    client.create_function_url_config(FunctionName=name, AuthType=auth_type)
    client.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                          Principal="*")
    return str(arn)


def key(session: boto3.Session, principal: Any) -> str:
    """A key whose policy lets ``principal`` use it."""
    return str(session.client("kms", region_name=REGION).create_key(Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
                                                "Action": "kms:*", "Resource": "*"}]}))[
        "KeyMetadata"]["Arn"])


def twin_estate(own: boto3.Session, blocked: boto3.Session) -> dict[str, str]:
    """The twins, by role; ``blocked``'s account blocks public access for every bucket."""
    blocked.client("s3control").put_public_access_block(AccountId=BLOCKED,
                                                        PublicAccessBlockConfiguration=BLOCK_ALL)
    return {
        "acl_public": bucket(own, "twin-acl-public", acl="public-read"),
        "acl_owner_enforced": bucket(own, "twin-acl-owner-enforced", acl="public-read",
                                     ownership="BucketOwnerEnforced"),
        "acl_unread_block": bucket(own, UNREAD_BLOCK, acl="public-read"),
        "acl_account_blocked": bucket(blocked, "twin-acl-account-blocked", acl="public-read"),
        "policy_public": bucket(own, "twin-policy-public", policy=True),
        "policy_restricted": bucket(own, "twin-policy-restricted", policy=True, block={
            **dict.fromkeys(BLOCK_ALL, False), "RestrictPublicBuckets": True}),
        "url_none": url_function(own, "twin-url-none", "NONE"),
        "url_iam": url_function(own, "twin-url-iam", "AWS_IAM"),
        "key_public": key(own, "*"),
        "key_account": key(own, {"AWS": f"arn:aws:iam::{OWN}:root"}),
    }


@dataclass
class Assessed:
    """The twins' ids and the assessment report."""

    ids: dict[str, str]
    report: dict[str, Any]

    def flagged(self, rule_id: str) -> set[str]:
        """The keys of the twins that ``rule_id`` flagged."""
        found = {f["asset_id"] for f in self.report["findings"] if f["rule_id"] == rule_id}
        return {name for name, asset_id in self.ids.items() if asset_id in found}


@pytest.fixture(scope="module")
def assessed(moto_endpoint: str, bytecode_cache: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessed]:
    """The twins in two accounts, collected (GetPublicAccessBlock on one bucket denied)
    and assessed once."""
    home = tmp_path_factory.mktemp("assess-twins")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    reset_moto(moto_endpoint)
    with pytest.MonkeyPatch.context() as monkeypatch:
        apply_environment(monkeypatch, aws_environment(moto_endpoint, home))
        monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(bytecode_cache))
        session = boto3.Session(region_name=REGION)
        credentials = session.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{BLOCKED}:role/builder", RoleSessionName="builder")["Credentials"]
        blocked = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                                aws_secret_access_key=credentials["SecretAccessKey"],
                                aws_session_token=credentials["SessionToken"], region_name=REGION)
        ids = twin_estate(session, blocked)
        denied = Fault("AccessDenied", service="s3", method="GET",
                       path=rf"^/{UNREAD_BLOCK}\?publicAccessBlock")
        with throttling_proxy(moto_endpoint, faults=(denied,)) as proxy:
            for name, value in proxy.environment.items():
                monkeypatch.setenv(name, value)
            roles = [arg for account in (OWN, BLOCKED)
                     for arg in ("--role-arn", f"arn:aws:iam::{account}:role/audit")]
            collection = cloudscope_json("collect", "aws", *roles, "--region", REGION,
                                         "--service", "s3", "--type", "aws:lambda:function",
                                         "--service", "kms", "--db", database)
        assert collection["status"] == "ok"
        assert collection["counters"]["details_unavailable"] == 1
        yield Assessed(ids, cloudscope_json("assess", "--db", database))
    reset_moto(moto_endpoint)


@pytest.mark.parametrize(("rule_id", "flagged"), [
    ("aws.s3.bucket-acl-public", {"acl_public"}),
    ("aws.s3.bucket-policy-public", {"policy_public"}),
    ("aws.lambda.function-url-public", {"url_none"}),
    ("aws.kms.key-policy-public", {"key_public"}),
    ("aws.inventory.detail-unavailable", {"acl_unread_block"}),
])
def test_rule_flags_the_exposed_twin_only(assessed: Assessed, rule_id: str,
                                          flagged: set[str]) -> None:
    """Of all the twins, the rule flags exactly the one AWS exposes (or, for the inventory
    rule, the one whose configuration AWS did not let the auditor read)."""
    assert assessed.flagged(rule_id) == flagged


def test_the_account_block_covers_buckets_without_their_own(assessed: Assessed) -> None:
    """A bucket without a block of its own is not reported as unblocked when its account
    blocks all four settings; one in the other account is."""
    flagged = assessed.flagged("aws.s3.bucket-public-access-block-off")
    assert "acl_account_blocked" not in flagged
    assert {"acl_public", "policy_public"} <= flagged
    assert "acl_unread_block" not in flagged  # its block was denied: not judged
