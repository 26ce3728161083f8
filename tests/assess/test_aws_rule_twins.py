"""The S3, Lambda and KMS rules judge as AWS does: each breaking asset has twins that
differ only by what makes AWS refuse the access (an account-level public access block,
ACLs disabled by BucketOwnerEnforced, a URL that needs signed requests), and a twin whose
deciding configuration could not be read, which no rule judges.

Properties follow docs/properties.md; ``_unavailable`` names what AWS denied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.api import RiskRule, Rule

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
PUBLIC_ACL = {"Acl": {"Grants": [{"Grantee": {"URI": ALL_USERS}, "Permission": "READ"}]}}
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
NONE_BLOCKED = dict.fromkeys(BLOCK_ALL, False)
DENIED = "s3control GetPublicAccessBlock: AccessDenied"
URL_STATEMENT = {"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
                 "Action": "lambda:InvokeFunctionUrl",
                 "Resource": "arn:aws:lambda:eu-west-1:111122223333:function:f",
                 "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}


def url_function(auth_type: str, *statements: dict[str, Any]) -> dict[str, Any]:
    """A function with a URL of ``auth_type`` and a resource policy of ``statements``."""
    properties: dict[str, Any] = {"FunctionUrlConfig": {"AuthType": auth_type}}
    if statements:
        properties["Policy"] = {"Version": "2012-10-17", "Statement": list(statements)}
    return properties


def key_policy(principal: Any, **extra: Any) -> dict[str, Any]:
    """A key whose policy has one Allow statement for ``principal``."""
    return {"KeyManager": "CUSTOMER", "Policy": {"Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*",
         **extra}]}}


# (rule, asset type, properties, flagged?, what the twin shows)
TWINS: list[tuple[str, str, dict[str, Any], bool, str]] = [
    ("aws.s3.bucket-acl-public", "aws:s3:bucket", PUBLIC_ACL, True, "public ACL, no block"),
    ("aws.s3.bucket-acl-public", "aws:s3:bucket",
     {**PUBLIC_ACL, "AccountPublicAccessBlockConfiguration": {
         **NONE_BLOCKED, "IgnorePublicAcls": True}}, False, "account ignores public ACLs"),
    ("aws.s3.bucket-acl-public", "aws:s3:bucket",
     {**PUBLIC_ACL, "PublicAccessBlockConfiguration": {**NONE_BLOCKED, "IgnorePublicAcls": True}},
     False, "bucket ignores public ACLs"),
    ("aws.s3.bucket-acl-public", "aws:s3:bucket",
     {**PUBLIC_ACL, "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
     False, "ACLs disabled"),
    ("aws.s3.bucket-acl-public", "aws:s3:bucket",
     {**PUBLIC_ACL, "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
     True, "ACLs enabled"),
    ("aws.s3.bucket-acl-public", "aws:s3:bucket",
     {**PUBLIC_ACL, "_unavailable": {"AccountPublicAccessBlockConfiguration": DENIED}},
     False, "account block unread: not judged"),
    ("aws.s3.bucket-policy-public", "aws:s3:bucket", {"PolicyStatus": {"IsPublic": True}}, True,
     "public policy, no block"),
    ("aws.s3.bucket-policy-public", "aws:s3:bucket",
     {"PolicyStatus": {"IsPublic": True}, "AccountPublicAccessBlockConfiguration": {
         **NONE_BLOCKED, "RestrictPublicBuckets": True}}, False, "account restricts"),
    ("aws.s3.bucket-policy-public", "aws:s3:bucket",
     {"PolicyStatus": {"IsPublic": True}, "PublicAccessBlockConfiguration": {
         **NONE_BLOCKED, "RestrictPublicBuckets": True}}, False, "bucket restricts"),
    ("aws.s3.bucket-public-access-block-off", "aws:s3:bucket", {"Name": "b"}, True,
     "no block anywhere"),
    ("aws.s3.bucket-public-access-block-off", "aws:s3:bucket",
     {"AccountPublicAccessBlockConfiguration": BLOCK_ALL}, False, "the account blocks all"),
    ("aws.s3.bucket-public-access-block-off", "aws:s3:bucket",
     {"PublicAccessBlockConfiguration": {**BLOCK_ALL, "BlockPublicPolicy": False},
      "AccountPublicAccessBlockConfiguration": {**NONE_BLOCKED, "BlockPublicPolicy": True}},
     False, "the two levels together block all"),
    ("aws.s3.bucket-public-access-block-off", "aws:s3:bucket",
     {"PublicAccessBlockConfiguration": {**BLOCK_ALL, "BlockPublicPolicy": False},
      "AccountPublicAccessBlockConfiguration": {**NONE_BLOCKED, "BlockPublicAcls": True}},
     True, "neither level blocks public policies"),
    ("aws.s3.bucket-public-access-block-off", "aws:s3:bucket",
     {"_unavailable": {"PublicAccessBlockConfiguration": "s3 GetPublicAccessBlock: AccessDenied"}},
     False, "bucket block unread: not judged"),
    ("aws.s3.bucket-unencrypted", "aws:s3:bucket",
     {"_unavailable": {"ServerSideEncryptionConfiguration": "s3 GetBucketEncryption: "
                                                            "AccessDenied"}},
     False, "encryption unread: not judged"),
    ("aws.s3.bucket-versioning-disabled", "aws:s3:bucket",
     {"_unavailable": {"Versioning": "s3 GetBucketVersioning: AccessDenied"}}, False,
     "versioning unread: not judged"),
    ("aws.lambda.function-url-public", "aws:lambda:function", url_function("NONE", URL_STATEMENT),
     True, "NONE with the statement AWS generates"),
    ("aws.lambda.function-url-public", "aws:lambda:function",
     url_function("AWS_IAM", URL_STATEMENT), False, "AWS_IAM: signed requests only"),
    ("aws.lambda.function-url-public", "aws:lambda:function",
     url_function("NONE", {"Effect": "Allow", "Principal": "*",
                           "Action": ["lambda:GetFunction", "lambda:InvokeFunctionUrl"]}),
     True, "NONE, unconditional list action"),
    ("aws.lambda.function-url-public", "aws:lambda:function",
     url_function("NONE", {**URL_STATEMENT, "Condition": {
         "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"},
         "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}), False, "NONE, one network only"),
    ("aws.lambda.function-url-public", "aws:lambda:function", url_function("NONE"), False,
     "NONE without a statement: AWS answers 403"),
    ("aws.lambda.function-url-public", "aws:lambda:function",
     url_function("NONE", {**URL_STATEMENT, "Principal": {"AWS": "arn:aws:iam::1:root"}}),
     False, "NONE, one account only"),
    ("aws.lambda.function-public-policy", "aws:lambda:function",
     {"Policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["*"]},
                                "Action": "lambda:InvokeFunction"}]}}, True, "AWS: [*]"),
    ("aws.kms.key-policy-public", "aws:kms:key", key_policy("*"), True, "Principal *"),
    ("aws.kms.key-policy-public", "aws:kms:key", key_policy({"AWS": ["*"]}), True, "AWS: [*]"),
    ("aws.kms.key-policy-public", "aws:kms:key",
     key_policy("*", Condition={"StringEquals": {"kms:CallerAccount": "111122223333"}}), False,
     "Principal * limited to the account"),
    ("aws.kms.key-policy-public", "aws:kms:key",
     {"KeyId": "k", "_unavailable": {"KeyMetadata": "kms DescribeKey: AccessDeniedException"}},
     False, "policy unread: not judged"),
    ("aws.inventory.detail-unavailable", "aws:kms:key",
     {"KeyId": "k", "_unavailable": {"KeyMetadata": "kms DescribeKey: AccessDeniedException"}},
     True, "a denied read is reported"),
]


@pytest.fixture(scope="module")
def rules(baseline_rules: Callable[..., list[Rule]]) -> dict[str, RiskRule]:
    """Every baseline risk rule by id."""
    return {r.rule_id: r for r in baseline_rules() if isinstance(r, RiskRule)}


@pytest.mark.parametrize(("rule_id", "asset_type", "properties", "flagged", "twin"), TWINS,
                         ids=[f"{case[0]}: {case[4]}" for case in TWINS])
def test_rule_judges_the_twin_as_aws_does(rules: dict[str, RiskRule], make_asset: Any,
                                          rule_id: str, asset_type: str,
                                          properties: dict[str, Any], flagged: bool,
                                          twin: str) -> None:
    """The rule flags the twin exactly when AWS would let anyone in (or, for the
    inventory rule, when a read was denied)."""
    asset = make_asset(f"{asset_type}/twin", asset_type, properties)
    assert bool(list(rules[rule_id].observe(asset))) is flagged, twin


def test_detail_unavailable_evidence_names_the_denied_calls(rules: dict[str, RiskRule],
                                                            make_asset: Any) -> None:
    """The inventory finding's evidence lists each unread property and the denied call."""
    unavailable = {"Policy": "s3 GetBucketPolicy: AccessDenied",
                   "AccountPublicAccessBlockConfiguration": DENIED}
    (finding,) = rules["aws.inventory.detail-unavailable"].observe(
        make_asset("arn:aws:s3:::b", "aws:s3:bucket", {"_unavailable": unavailable}))
    assert finding.severity.value == "info"
    assert finding.evidence["matched"] == [{"path": "_unavailable", "value": unavailable}]
