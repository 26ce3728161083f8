"""Transforms and helpers as pure functions: API response elements in, assets and
relationships out, no AWS call."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError, EndpointConnectionError
from cloudscope.api import Relationship
from cloudscope_aws.errors import collection_error
from cloudscope_aws.services import ec2_compute, elbv2, iam, s3
from cloudscope_aws.shapes import Location, kms_key_arn, plain, tag_map

HERE = Location("aws", "111122223333", "eu-west-1")


def edges_of(items: list) -> set[tuple[str, str, str]]:
    return {item.key for item in items if isinstance(item, Relationship)}


def test_plain_writes_datetimes_as_utc_with_z_and_drops_response_metadata() -> None:
    """Datetimes of any zone become ISO 8601 UTC with Z; ResponseMetadata is dropped."""
    paris = timezone(timedelta(hours=1))
    value = {"LaunchTime": datetime(2024, 5, 1, 13, 0, tzinfo=paris),
             "Nested": [{"When": datetime(2024, 5, 1, 12, 0)}], "ResponseMetadata": {"x": 1}}
    assert plain(value) == {"LaunchTime": "2024-05-01T12:00:00Z",
                            "Nested": [{"When": "2024-05-01T12:00:00Z"}]}


def test_tag_map_reads_every_aws_tag_shape() -> None:
    """Key/Value lists, TagKey/TagValue lists (KMS) and mappings (Lambda, EKS) all map."""
    assert tag_map([{"Key": "Name", "Value": "web"}]) == {"Name": "web"}
    assert tag_map([{"TagKey": "team", "TagValue": "sec"}]) == {"team": "sec"}
    assert tag_map({"team": "app"}) == {"team": "app"}
    assert tag_map(None) == {}


def test_kms_references_become_key_arns() -> None:
    """Key ids and alias names become ARNs in the location; ARNs stay as they are."""
    assert kms_key_arn(HERE, "1234abcd") == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd"
    assert kms_key_arn(HERE, "alias/logs") == "arn:aws:kms:eu-west-1:111122223333:alias/logs"
    assert kms_key_arn(HERE, "arn:aws:kms:us-east-1:1:key/x") == "arn:aws:kms:us-east-1:1:key/x"
    assert kms_key_arn(HERE, None) is None


def test_kms_aliases_resolve_to_the_keys_they_name() -> None:
    """An alias (name or ARN) known to the region's aliases becomes its key's ARN; an
    unknown one stays an alias ARN."""
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd"
    aliases = {"arn:aws:kms:eu-west-1:111122223333:alias/logs": key}
    assert kms_key_arn(HERE, "alias/logs", aliases) == key
    assert kms_key_arn(HERE, "arn:aws:kms:eu-west-1:111122223333:alias/logs", aliases) == key
    assert kms_key_arn(HERE, "alias/other", aliases) == \
        "arn:aws:kms:eu-west-1:111122223333:alias/other"


def test_instance_has_the_roles_of_its_instance_profile() -> None:
    """An instance HAS_ROLE each role of its profile, the profile named on the edge."""
    profile = "arn:aws:iam::111122223333:instance-profile/web"
    role = "arn:aws:iam::111122223333:role/web"
    items = ec2_compute.transform_instance(
        HERE, {"InstanceId": "i-1", "SubnetId": "subnet-1", "VpcId": "vpc-1",
               "SecurityGroups": [{"GroupId": "sg-1"}], "IamInstanceProfile": {"Arn": profile}},
        {profile: [role]})
    arn = "arn:aws:ec2:eu-west-1:111122223333:instance/i-1"
    assert items[0].id == arn and items[0].name == "i-1"
    assert edges_of(items) == {
        (arn, "IN_SUBNET", "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-1"),
        (arn, "IN_NETWORK", "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-1"),
        (arn, "PROTECTED_BY", "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1"),
        (arn, "HAS_ROLE", role)}
    assert items[-1].properties == {"instance_profile": profile}


def test_elastic_ip_without_allocation_is_named_by_its_address() -> None:
    """An address without an allocation id gets ``elastic-ip/ADDRESS`` and attaches to
    its instance when it has no interface."""
    items = ec2_compute.transform_elastic_ip(HERE, {"PublicIp": "203.0.113.7",
                                                    "InstanceId": "i-9"})
    assert items[0].id == "arn:aws:ec2:eu-west-1:111122223333:elastic-ip/203.0.113.7"
    assert edges_of(items) == {(items[0].id, "ATTACHED_TO",
                                "arn:aws:ec2:eu-west-1:111122223333:instance/i-9")}


def test_trusted_principals_are_aws_arns_and_accounts_become_root() -> None:
    """Trust policies name AWS principals as ARNs or account ids; ``*`` and services are
    not principals the inventory links."""
    document = {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["444455556666", "arn:aws:iam::1:role/x"]}},
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}},
        {"Effect": "Allow", "Principal": {"AWS": "*"}},
        {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::2:root"}}]}
    assert iam.trusted_principals(HERE, document) == ["arn:aws:iam::444455556666:root",
                                                      "arn:aws:iam::1:role/x"]


def test_user_membership_uses_the_group_arn_with_its_path() -> None:
    """MEMBER_OF targets the group's ARN as IAM reports it (paths included)."""
    user = {"UserName": "bob", "Arn": "arn:aws:iam::111122223333:user/bob",
            "GroupList": ["ops"], "AttachedManagedPolicies": [
                {"PolicyName": "ReadOnlyAccess",
                 "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}
    group_arn = "arn:aws:iam::111122223333:group/teams/ops"
    items = iam.transform_user(HERE, user, {"MFADevices": [], "LoginProfile": None},
                               {"ops": group_arn})
    assert edges_of(items) == {(user["Arn"], "MEMBER_OF", group_arn),
                               (user["Arn"], "HAS_POLICY",
                                "arn:aws:iam::aws:policy/ReadOnlyAccess")}
    assert "LoginProfile" not in items[0].properties
    assert items[0].properties["AttachedPolicies"][0]["PolicyName"] == "ReadOnlyAccess"


def test_bucket_location_constraints_name_regions() -> None:
    """GetBucketLocation's legacy answers: none is us-east-1, EU is eu-west-1."""
    assert s3.bucket_region(None) == "us-east-1"
    assert s3.bucket_region("EU") == "eu-west-1"
    assert s3.bucket_region("ap-south-1") == "ap-south-1"


def test_listener_routes_to_groups_of_forward_configs_and_rules() -> None:
    """Target groups come from default actions, weighted forwards and rules alike."""
    listener = {"ListenerArn": "L", "LoadBalancerArn": "LB", "Protocol": "HTTPS", "Port": 443,
                "DefaultActions": [{"Type": "forward", "ForwardConfig": {
                    "TargetGroups": [{"TargetGroupArn": "TG1"}, {"TargetGroupArn": "TG2"}]}}]}
    rules = [{"Actions": [{"Type": "forward", "TargetGroupArn": "TG3"}]}]
    items = elbv2.transform_listener(HERE, listener, rules)
    assert items[0].name == "HTTPS:443"
    assert edges_of(items) == {("LB", "ROUTES_TO", "L"), ("L", "ROUTES_TO", "TG1"),
                               ("L", "ROUTES_TO", "TG2"), ("L", "ROUTES_TO", "TG3")}


def test_client_errors_become_one_line_naming_service_operation_and_code() -> None:
    """A ClientError reads ``SERVICE OPERATION: CODE MESSAGE`` on one line."""
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access\nDenied"}},
                        "ListBuckets")
    assert str(collection_error("s3", error)) == "s3 ListBuckets: AccessDenied Access Denied"


def test_unreachable_endpoints_name_the_url() -> None:
    """A connection failure names the endpoint that could not be reached."""
    error = EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")
    assert str(collection_error("lambda", error)) == "lambda: cannot connect to http://127.0.0.1:9/"
