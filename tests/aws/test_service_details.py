"""Lambda, CloudTrail and EKS details against moto: function URLs, trails collected once
in their home region (organization trails included), encryption keys named by alias."""

from __future__ import annotations

import json
from typing import Any

from aws_estate import TRUST_LAMBDA, function_zip
from cloudscope_aws.services.cloudtrail import is_collected_here, transform_trail
from cloudscope_aws.shapes import Location

REGION = "us-east-1"
MANAGEMENT = "999988887777"
MEMBER = Location("aws", "111122223333", REGION)
ORG_TRAIL = {"Name": "org", "TrailARN": f"arn:aws:cloudtrail:{REGION}:{MANAGEMENT}:trail/org",
             "HomeRegion": REGION, "IsOrganizationTrail": True, "IsMultiRegionTrail": True}


def test_function_url_is_collected_with_its_auth_type(aws: Any, collect_aws: Any) -> None:
    """A function with a URL carries FunctionUrlConfig (AuthType, FunctionUrl); one
    without has no such property and nothing unavailable."""
    role = aws.session.client("iam").create_role(
        RoleName="url-fn", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    client = aws.session.client("lambda", region_name=REGION)
    for name in ("with-url", "without-url"):
        client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                               Handler="handler.handler", Code={"ZipFile": function_zip()})
    client.create_function_url_config(FunctionName="with-url", AuthType="NONE")
    inventory = collect_aws(region=[REGION], types=["aws:lambda:function"])
    functions = {a.name: a.properties for a in inventory.of_type("aws:lambda:function")}
    assert functions["with-url"]["FunctionUrlConfig"]["AuthType"] == "NONE"
    assert functions["with-url"]["FunctionUrlConfig"]["FunctionUrl"].startswith("https://")
    assert "FunctionUrlConfig" not in functions["without-url"]
    assert "_unavailable" not in functions["without-url"]


def test_a_multi_region_trail_is_collected_once_in_its_home_region(aws: Any,
                                                                   collect_aws: Any) -> None:
    """DescribeTrails with shadow trails shows the trail in every region; it is stored
    once, from its home region's scope, with its tags."""
    aws.session.client("s3").create_bucket(Bucket="trail-logs")
    trail = aws.session.client("cloudtrail", region_name=REGION).create_trail(
        Name="everywhere", S3BucketName="trail-logs", IsMultiRegionTrail=True,
        TagsList=[{"Key": "team", "Value": "sec"}])
    shadow = aws.session.client("cloudtrail", region_name="eu-west-1").describe_trails(
        includeShadowTrails=True)["trailList"]
    assert [t["TrailARN"] for t in shadow] == [trail["TrailARN"]]  # seen from eu-west-1 too
    inventory = collect_aws(region=[REGION, "eu-west-1"], types=["aws:cloudtrail:trail"])
    (collected,) = inventory.of_type("aws:cloudtrail:trail")
    assert (collected.id, collected.region, collected.tags) == \
        (trail["TrailARN"], REGION, {"team": "sec"})


def test_an_organization_trail_seen_from_a_member_is_stored_by_its_own_account() -> None:
    """From a member account, the organization's trail is collected (in the management
    account, its owner) only when the run does not collect the management account."""
    assert is_collected_here(MEMBER, ORG_TRAIL, run_accounts={MEMBER.account})
    assert not is_collected_here(MEMBER, ORG_TRAIL, run_accounts={MEMBER.account, MANAGEMENT})
    elsewhere = Location("aws", MEMBER.account, "eu-west-1")
    assert not is_collected_here(elsewhere, ORG_TRAIL, run_accounts={MEMBER.account})
    (asset, *_) = transform_trail(MEMBER, ORG_TRAIL, {"IsLogging": True}, {})
    assert (asset.account, asset.region) == (MANAGEMENT, REGION)


def test_an_eks_key_named_by_alias_resolves_to_the_key(aws: Any, collect_aws: Any) -> None:
    """A cluster whose secrets are encrypted with an alias ARN is ENCRYPTED_BY the key."""
    kms = aws.session.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/eks-secrets", TargetKeyId=key["KeyId"])
    ec2 = aws.session.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.1.0/24")["Subnet"]["SubnetId"]
    cluster = aws.session.client("eks", region_name=REGION).create_cluster(
        name="aliased", roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": [subnet]},
        encryptionConfig=[{"resources": ["secrets"], "provider": {
            "keyArn": f"arn:aws:kms:{REGION}:123456789012:alias/eks-secrets"}}])["cluster"]
    inventory = collect_aws(region=[REGION], types=["aws:eks:cluster"])
    assert (cluster["arn"], "ENCRYPTED_BY", key["Arn"]) in inventory.relationships
