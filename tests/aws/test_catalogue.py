"""The catalogue against moto: every asset type, its ARN, the property paths the rules
read, and the relationships it emits (docs/aws.md and docs/properties.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_estate import Estate

ACCOUNT = "123456789012"
REGION = "us-east-1"

# asset_type -> the id the estate's resource must have (the documented ARN formats).
EXPECTED_IDS: dict[str, Callable[[Estate], str]] = {
    "aws:ec2:instance": lambda e: e.ec2_arn("instance", "instance"),
    "aws:ec2:vpc": lambda e: e.ec2_arn("vpc", "vpc"),
    "aws:ec2:subnet": lambda e: e.ec2_arn("subnet", "subnet"),
    "aws:ec2:security-group": lambda e: e.ec2_arn("security-group", "sg"),
    "aws:ec2:network-interface": lambda e: e.ec2_arn("network-interface", "eni"),
    "aws:ec2:volume": lambda e: e.ec2_arn("volume", "volume"),
    "aws:ec2:elastic-ip": lambda e: e.ec2_arn("elastic-ip", "eip"),
    "aws:ec2:internet-gateway": lambda e: e.ec2_arn("internet-gateway", "igw"),
    "aws:ec2:nat-gateway": lambda e: e.ec2_arn("natgateway", "nat"),
    "aws:ec2:route-table": lambda e: e.ec2_arn("route-table", "rtb"),
    "aws:ec2:network-acl": lambda e: e.ec2_arn("network-acl", "acl"),
    "aws:s3:bucket": lambda e: "arn:aws:s3:::estate-logs",
    "aws:iam:user": lambda e: e.ids["user_arn"],
    "aws:iam:group": lambda e: e.ids["group_arn"],
    "aws:iam:role": lambda e: e.ids["role_arn"],
    "aws:iam:policy": lambda e: e.ids["policy_arn"],
    "aws:iam:instance-profile": lambda e: e.ids["profile_arn"],
    "aws:lambda:function": lambda e: e.ids["function_arn"],
    "aws:rds:db-instance": lambda e: e.ids["db_arn"],
    "aws:rds:db-subnet-group": lambda e: e.ids["db_subnet_group_arn"],
    "aws:elasticloadbalancing:load-balancer": lambda e: e.ids["lb_arn"],
    "aws:elasticloadbalancing:listener": lambda e: e.ids["listener_arn"],
    "aws:elasticloadbalancing:target-group": lambda e: e.ids["tg_arn"],
    "aws:kms:key": lambda e: e.ids["key_arn"],
    "aws:eks:cluster": lambda e: e.ids["cluster_arn"],
    "aws:eks:nodegroup": lambda e: e.ids["nodegroup_arn"],
    "aws:cloudtrail:trail": lambda e: e.ids["trail_arn"],
}

# (asset key, dotted property path, expected value) from docs/properties.md; a list step
# reads its first element.
PROPERTY_PATHS: list[tuple[str, str, Any]] = [
    ("aws:ec2:instance", "MetadataOptions.HttpTokens", "optional"),
    ("aws:ec2:instance", "State.Name", "running"),
    ("aws:ec2:instance", "SecurityGroups.GroupId", lambda e: e.ids["sg"]),
    ("aws:ec2:instance", "IamInstanceProfile.Arn", lambda e: e.ids["profile_arn"]),
    ("aws:ec2:security-group", "IpPermissions.IpRanges.CidrIp", "0.0.0.0/0"),
    ("aws:ec2:security-group", "IpPermissions.FromPort", 22),
    ("aws:ec2:volume", "Encrypted", True),
    ("aws:ec2:volume", "KmsKeyId", lambda e: e.ids["key_arn"]),
    ("aws:ec2:subnet", "MapPublicIpOnLaunch", False),
    ("aws:s3:bucket", "BucketRegion", "eu-west-1"),
    ("aws:s3:bucket", "PublicAccessBlockConfiguration.BlockPublicAcls", True),
    ("aws:s3:bucket", "PolicyStatus.IsPublic", False),
    ("aws:s3:bucket", "Versioning.Status", "Enabled"),
    ("aws:s3:bucket", "ServerSideEncryptionConfiguration.Rules."
                      "ApplyServerSideEncryptionByDefault.SSEAlgorithm", "aws:kms"),
    ("aws:s3:bucket", "Policy.Statement.Effect", "Deny"),
    ("aws:s3:bucket", "Acl.Grants.Permission", "FULL_CONTROL"),
    ("aws:iam:user", "AccessKeys.AccessKeyId", lambda e: e.ids["access_key"]),
    ("aws:iam:user", "AccessKeys.Status", "Active"),
    ("aws:iam:user", "AttachedPolicies.PolicyArn", lambda e: e.ids["policy_arn"]),
    ("aws:iam:user", "LoginProfile.UserName", "alice"),
    ("aws:iam:user", "MFADevices", []),
    ("aws:iam:role", "AssumeRolePolicyDocument.Statement.Principal.Service",
     "ec2.amazonaws.com"),
    ("aws:iam:role", "AttachedPolicies.PolicyArn", lambda e: e.ids["policy_arn"]),
    ("aws:iam:group", "AttachedPolicies.PolicyName", "estate-admin"),
    ("aws:iam:policy", "PolicyVersion.Document.Statement.Action", "*"),
    ("aws:iam:policy", "PolicyVersion.VersionId", "v1"),
    ("aws:iam:role", "RolePolicyList.PolicyName", "read-logs"),
    ("aws:iam:role", "RolePolicyList.PolicyDocument.Statement.Action", "s3:GetObject"),
    ("aws:iam:user", "UserPolicyList.PolicyName", "alice-inline"),
    ("aws:iam:user", "GroupList", ["admins"]),
    ("aws:iam:group", "GroupPolicyList.PolicyDocument.Statement.Effect", "Allow"),
    ("aws:rds:db-instance", "PubliclyAccessible", True),
    ("aws:rds:db-instance", "StorageEncrypted", True),
    ("aws:rds:db-instance", "VpcSecurityGroups.VpcSecurityGroupId", lambda e: e.ids["sg"]),
    ("aws:rds:db-instance", "DBSubnetGroup.Subnets.SubnetIdentifier",
     lambda e: e.ids["subnet"]),
    ("aws:lambda:function", "Role", lambda e: e.ids["fn_role_arn"]),
    ("aws:lambda:function", "VpcConfig.SubnetIds", lambda e: [e.ids["subnet"]]),
    ("aws:elasticloadbalancing:load-balancer", "Scheme", "internet-facing"),
    ("aws:elasticloadbalancing:load-balancer", "SecurityGroups", lambda e: [e.ids["sg"]]),
    ("aws:kms:key", "KeyRotationEnabled", True),
    ("aws:kms:key", "KeyManager", "CUSTOMER"),
    ("aws:kms:key", "Policy.Statement.Principal.AWS", "arn:aws:iam::123456789012:root"),
    ("aws:eks:cluster", "resourcesVpcConfig.endpointPublicAccess", True),
    ("aws:cloudtrail:trail", "IsMultiRegionTrail", True),
    ("aws:cloudtrail:trail", "LogFileValidationEnabled", True),
    ("aws:cloudtrail:trail", "KmsKeyId", lambda e: e.ids["key_arn"]),
    ("aws:cloudtrail:trail", "Status.IsLogging", True),
]

ec2 = Estate.ec2_arn
RELATIONSHIPS: list[tuple[Callable[[Estate], str], str, Callable[[Estate], str]]] = [
    (lambda e: ec2(e, "instance", "instance"), "IN_SUBNET", lambda e: ec2(e, "subnet", "subnet")),
    (lambda e: ec2(e, "instance", "instance"), "IN_NETWORK", lambda e: ec2(e, "vpc", "vpc")),
    (lambda e: ec2(e, "instance", "instance"), "PROTECTED_BY",
     lambda e: ec2(e, "security-group", "sg")),
    (lambda e: ec2(e, "instance", "instance"), "HAS_ROLE", lambda e: e.ids["role_arn"]),
    (lambda e: ec2(e, "subnet", "subnet"), "IN_NETWORK", lambda e: ec2(e, "vpc", "vpc")),
    (lambda e: ec2(e, "vpc", "vpc"), "CONTAINS", lambda e: ec2(e, "subnet", "subnet")),
    (lambda e: ec2(e, "security-group", "sg"), "IN_NETWORK", lambda e: ec2(e, "vpc", "vpc")),
    (lambda e: ec2(e, "network-interface", "eni"), "ATTACHED_TO",
     lambda e: ec2(e, "instance", "instance")),
    (lambda e: ec2(e, "network-interface", "eni"), "PROTECTED_BY",
     lambda e: ec2(e, "security-group", "sg")),
    (lambda e: ec2(e, "volume", "volume"), "ATTACHED_TO", lambda e: ec2(e, "instance", "instance")),
    (lambda e: ec2(e, "volume", "volume"), "ENCRYPTED_BY", lambda e: e.ids["key_arn"]),
    (lambda e: ec2(e, "elastic-ip", "eip"), "ATTACHED_TO",
     lambda e: ec2(e, "network-interface", "eni")),
    (lambda e: ec2(e, "internet-gateway", "igw"), "ATTACHED_TO", lambda e: ec2(e, "vpc", "vpc")),
    (lambda e: ec2(e, "natgateway", "nat"), "IN_SUBNET", lambda e: ec2(e, "subnet", "subnet")),
    (lambda e: ec2(e, "route-table", "rtb"), "ROUTES_TO",
     lambda e: ec2(e, "internet-gateway", "igw")),
    (lambda e: ec2(e, "route-table", "rtb"), "ATTACHED_TO", lambda e: ec2(e, "subnet", "subnet")),
    (lambda e: ec2(e, "network-acl", "acl"), "IN_NETWORK", lambda e: ec2(e, "vpc", "vpc")),
    (lambda e: "arn:aws:s3:::estate-logs", "ENCRYPTED_BY", lambda e: e.ids["key_arn"]),
    (lambda e: e.ids["user_arn"], "MEMBER_OF", lambda e: e.ids["group_arn"]),
    (lambda e: e.ids["user_arn"], "HAS_POLICY", lambda e: e.ids["policy_arn"]),
    (lambda e: e.ids["group_arn"], "HAS_POLICY", lambda e: e.ids["policy_arn"]),
    (lambda e: e.ids["role_arn"], "HAS_POLICY", lambda e: e.ids["policy_arn"]),
    (lambda e: e.ids["profile_arn"], "HAS_ROLE", lambda e: e.ids["role_arn"]),
    (lambda e: e.ids["function_arn"], "HAS_ROLE", lambda e: e.ids["fn_role_arn"]),
    (lambda e: e.ids["function_arn"], "IN_SUBNET", lambda e: ec2(e, "subnet", "subnet")),
    (lambda e: e.ids["function_arn"], "PROTECTED_BY", lambda e: ec2(e, "security-group", "sg")),
    (lambda e: e.ids["db_arn"], "IN_SUBNET", lambda e: ec2(e, "subnet", "subnet2")),
    (lambda e: e.ids["db_arn"], "PROTECTED_BY", lambda e: ec2(e, "security-group", "sg")),
    (lambda e: e.ids["db_arn"], "ENCRYPTED_BY", lambda e: e.ids["key_arn"]),
    (lambda e: e.ids["db_subnet_group_arn"], "IN_NETWORK", lambda e: ec2(e, "vpc", "vpc")),
    (lambda e: e.ids["lb_arn"], "IN_SUBNET", lambda e: ec2(e, "subnet", "subnet")),
    (lambda e: e.ids["lb_arn"], "PROTECTED_BY", lambda e: ec2(e, "security-group", "sg")),
    (lambda e: e.ids["lb_arn"], "ROUTES_TO", lambda e: e.ids["listener_arn"]),
    (lambda e: e.ids["listener_arn"], "ROUTES_TO", lambda e: e.ids["tg_arn"]),
    (lambda e: e.ids["tg_arn"], "ROUTES_TO", lambda e: ec2(e, "instance", "instance")),
    (lambda e: e.ids["cluster_arn"], "HAS_ROLE", lambda e: e.ids["role_arn"]),
    (lambda e: e.ids["cluster_arn"], "IN_SUBNET", lambda e: ec2(e, "subnet", "subnet2")),
    (lambda e: e.ids["cluster_arn"], "CONTAINS", lambda e: e.ids["nodegroup_arn"]),
    (lambda e: e.ids["nodegroup_arn"], "HAS_ROLE", lambda e: e.ids["role_arn"]),
    (lambda e: e.ids["trail_arn"], "ENCRYPTED_BY", lambda e: e.ids["key_arn"]),
]


def read(properties: Any, path: str) -> Any:
    """The value at a dotted path; a list on the way is read at its first element."""
    value = properties
    for step in path.split("."):
        if isinstance(value, list):
            value = value[0]
        value = value[step]
    return value


def test_at_least_25_asset_types_are_collected(catalogue: Any) -> None:
    """The full estate yields every catalogued type, at least 25 of them."""
    collected = {asset.asset_type for asset in catalogue.inventory.assets.values()}
    assert collected == set(EXPECTED_IDS)
    assert len(collected) >= 25


def test_every_scope_completes(catalogue: Any) -> None:
    """Collecting the full estate fails no scope."""
    assert catalogue.inventory.errors == {}


@pytest.mark.parametrize("asset_type", sorted(EXPECTED_IDS))
def test_asset_id_is_the_documented_arn(catalogue: Any, asset_type: str) -> None:
    """Each type's resource is stored under its ARN, with its type, account and region."""
    asset = catalogue.inventory.assets[EXPECTED_IDS[asset_type](catalogue.estate)]
    assert asset.asset_type == asset_type
    assert asset.provider == "aws" and asset.account == ACCOUNT
    assert asset.native_type and asset.native_type.startswith("AWS::")
    expected_region = {"aws:s3:bucket": "eu-west-1"}.get(asset_type, REGION)
    assert asset.region == (None if asset_type.startswith("aws:iam:") else expected_region)


@pytest.mark.parametrize(("asset_type", "path", "expected"), PROPERTY_PATHS,
                         ids=[f"{t}:{p}" for t, p, _ in PROPERTY_PATHS])
def test_properties_keep_the_documented_paths(catalogue: Any, asset_type: str, path: str,
                                              expected: Any) -> None:
    """Rules read these paths (docs/properties.md): they hold the API's values."""
    asset = catalogue.inventory.assets[EXPECTED_IDS[asset_type](catalogue.estate)]
    wanted = expected(catalogue.estate) if callable(expected) else expected
    assert read(asset.properties, path) == wanted


@pytest.mark.parametrize(("source", "kind", "target"), RELATIONSHIPS,
                         ids=[f"{i}-{kind}" for i, (_, kind, _) in enumerate(RELATIONSHIPS)])
def test_relationship_is_emitted(catalogue: Any, source: Any, kind: str, target: Any) -> None:
    """Each documented relationship of the estate is in the inventory."""
    estate = catalogue.estate
    assert (source(estate), kind, target(estate)) in catalogue.inventory.relationships


def test_relationship_types_are_in_the_shared_vocabulary(catalogue: Any) -> None:
    """The collector uses only the documented vocabulary."""
    from cloudscope.domain.relationship import VOCABULARY

    assert {kind for _, kind, _ in catalogue.inventory.relationships} <= VOCABULARY


def test_times_are_iso_8601_utc_strings_and_metadata_is_dropped(catalogue: Any) -> None:
    """Datetimes become ISO 8601 strings ending in Z; ResponseMetadata never stays."""
    instance = catalogue.inventory.assets[catalogue.estate.ec2_arn("instance", "instance")]
    assert instance.properties["LaunchTime"].endswith("Z")
    for asset in catalogue.inventory.assets.values():
        assert "ResponseMetadata" not in str(asset.properties)


def test_names_and_tags_come_from_the_tags(catalogue: Any) -> None:
    """``name`` is the Name tag, else the resource's own name; tags are a mapping."""
    assets = catalogue.inventory.assets
    estate = catalogue.estate
    assert assets[estate.ec2_arn("instance", "instance")].name == "web-1"
    assert assets[estate.ids["key_arn"]].name == "estate"
    assert assets[estate.ids["key_arn"]].tags == {"team": "sec"}
    assert assets[estate.ids["function_arn"]].tags == {"team": "app"}
    assert assets[estate.ids["role_arn"]].tags == {"team": "app"}
    assert assets[estate.ids["cluster_arn"]].tags == {"team": "platform"}


def test_public_bucket_acl_names_all_users(catalogue: Any) -> None:
    """A public-read ACL shows its AllUsers grant under Acl.Grants[].Grantee.URI."""
    bucket = catalogue.inventory.assets["arn:aws:s3:::estate-public"]
    uris = [grant["Grantee"].get("URI") for grant in bucket.properties["Acl"]["Grants"]]
    assert "http://acs.amazonaws.com/groups/global/AllUsers" in uris


def test_plan_has_regional_scopes_per_region_and_global_ones_once(catalogue: Any) -> None:
    """Scopes: (account, region, service) for regional services, region None for IAM, S3
    and Organizations."""
    scopes = catalogue.inventory.scopes
    regional = {(s.region, s.service) for s in scopes if s.region}
    assert {s.region for s in scopes if s.region} == {REGION, "eu-west-1"}
    assert len(regional) == 2 * 7
    assert sorted(s.service for s in scopes if s.region is None) == ["iam", "organizations",
                                                                     "s3"]
    assert {s.account for s in scopes} == {ACCOUNT}
