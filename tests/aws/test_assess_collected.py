"""``cloudscope assess`` on an account collected from moto by the real CLI: the baseline
rules read the collector's property shapes, and the exposure rule finds the path from the
internet to the administrative privilege.

One estate is built and collected per module (``collect aws``, then ``assess``, both in a
subprocess); each test reads the same report. Every risky resource has a compliant
counterpart that must not be flagged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_estate import AMI, TRUST_EC2

# By the name pytest registered: a bare `conftest` could be another folder's.
from tests.aws.conftest import REGION, apply_environment, aws_environment, reset_moto

MANAGED_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EXPOSURE = "cloudscope.exposure.internet-to-admin"
EVERYTHING = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_LOGS = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assess-private/*"}]}


def risky_estate(session: boto3.Session) -> dict[str, str]:
    """Risky resources and their compliant counterparts; returns their ids (ARNs) by role.

    Instances (all in one public subnet: its route table sends 0.0.0.0/0 to the gateway):
    - ``exposed``: public IP, SSH open to the world, role with AdministratorAccess;
    - ``exposed_custom``: the same, the role's admin right from a customer policy (* on *);
    - ``closed``: public IP and admin role, SSH open to one office range only, IMDSv2;
    - ``private``: SSH open and admin role, but no public address;
    - ``least_privilege``: public IP and SSH open, the role can only read one bucket.
    """
    account = session.client("sts").get_caller_identity()["Account"]
    ec2 = session.client("ec2", region_name=REGION)
    iam = session.client("iam")
    s3 = session.client("s3", region_name=REGION)
    ids: dict[str, str] = {}

    def ec2_arn(kind: str, identifier: str) -> str:
        return f"arn:aws:ec2:{REGION}:{account}:{kind}/{identifier}"

    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    # A public subnet: the main route table sends the internet to the gateway.
    (main,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=gateway)
    groups = {}
    for key, cidr in (("sg_open", "0.0.0.0/0"), ("sg_office", "203.0.113.0/24")):
        groups[key] = ec2.create_security_group(GroupName=key, Description=key,
                                                VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=groups[key], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}])
        ids[key] = ec2_arn("security-group", groups[key])

    everything = iam.create_policy(PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    read_logs = iam.create_policy(PolicyName="read-logs", PolicyDocument=json.dumps(READ_LOGS))
    ids["policy_everything"] = everything["Policy"]["Arn"]
    ids["policy_read_logs"] = read_logs["Policy"]["Arn"]
    profiles = {}
    for role, policy in (("admin", MANAGED_ADMIN), ("ops", ids["policy_everything"]),
                         ("app", ids["policy_read_logs"])):
        ids[f"role_{role}"] = iam.create_role(
            RoleName=f"{role}-role", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))["Role"]["Arn"]
        iam.attach_role_policy(RoleName=f"{role}-role", PolicyArn=policy)
        profiles[role] = iam.create_instance_profile(
            InstanceProfileName=f"{role}-profile")["InstanceProfile"]["Arn"]
        iam.add_role_to_instance_profile(InstanceProfileName=f"{role}-profile",
                                         RoleName=f"{role}-role")

    for key, public, group, role in (("exposed", True, "sg_open", "admin"),
                                     ("exposed_custom", True, "sg_open", "ops"),
                                     ("closed", True, "sg_office", "admin"),
                                     ("private", False, "sg_open", "admin"),
                                     ("least_privilege", True, "sg_open", "app")):
        tokens = "required" if key == "closed" else "optional"
        instance = ec2.run_instances(
            ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [groups[group]],
                                "AssociatePublicIpAddress": public}],
            IamInstanceProfile={"Arn": profiles[role]},
            MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
            TagSpecifications=[{"ResourceType": "instance",
                                "Tags": [{"Key": "Name", "Value": key}]}])["Instances"][0]
        ids[key] = ec2_arn("instance", instance["InstanceId"])

    zone = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailabilityZone"]
    for key, encrypted in (("volume_plain", False), ("volume_encrypted", True)):
        volume = ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=encrypted)
        ids[key] = ec2_arn("volume", volume["VolumeId"])

    s3.create_bucket(Bucket="assess-public")
    s3.put_bucket_acl(Bucket="assess-public", ACL="public-read")
    s3.create_bucket(Bucket="assess-private")
    s3.put_public_access_block(Bucket="assess-private", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    ids["bucket_public"], ids["bucket_private"] = "arn:aws:s3:::assess-public", \
        "arn:aws:s3:::assess-private"

    for name in ("no-mfa", "with-mfa"):
        ids[f"user_{name.replace('-', '_')}"] = iam.create_user(UserName=name)["User"]["Arn"]
        iam.create_login_profile(UserName=name, Password="A-long-passw0rd!")
        iam.create_access_key(UserName=name)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="with-mfa")["VirtualMFADevice"]
    iam.enable_mfa_device(UserName="with-mfa", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    return ids


@dataclass
class Assessed:
    """The estate's ids, the collection summary and the assessment report."""

    ids: dict[str, str]
    collection: dict[str, Any]
    report: dict[str, Any]

    def flagged(self, rule_id: str) -> dict[str, dict[str, Any]]:
        """The findings of ``rule_id`` by asset id."""
        return {f["asset_id"]: f for f in self.report["findings"] if f["rule_id"] == rule_id}


def cloudscope_json(*args: str) -> dict[str, Any]:
    """Run the real CLI in a subprocess (this process's environment) and parse its JSON."""
    done = subprocess.run([sys.executable, "-m", "cloudscope", *args, "--format", "json"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def assessed(moto_endpoint: str, bytecode_cache: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessed]:
    """The risky estate in moto (AWS managed policies loaded), collected and assessed once."""
    home = tmp_path_factory.mktemp("assess-aws")
    database = f"sqlite:///{home / 'cloudscope.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        # moto (in this process) reads the variable when a reset rebuilds its IAM backend;
        # it is removed and moto reset again afterwards, so other modules see no AWS
        # managed policies, as aws_estate.py expects.
        monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        reset_moto(moto_endpoint)
        try:
            apply_environment(monkeypatch, aws_environment(moto_endpoint, home))
            monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
            monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(bytecode_cache))
            ids = risky_estate(boto3.Session(region_name=REGION))
            collection = cloudscope_json("collect", "aws", "--region", REGION, "--type", "aws:ec2:instance",
                                         "--type", "aws:iam:role", "--service", "s3", "--db",
                                         database)
            yield Assessed(ids, collection, cloudscope_json("assess", "--db", database))
        finally:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
            reset_moto(moto_endpoint)


def test_every_scope_and_every_rule_completes(assessed: Assessed) -> None:
    """The collection completes every scope and the assessment runs every rule."""
    assert assessed.collection["status"] == "ok"
    assert {s["status"] for s in assessed.collection["scopes"]} == {"complete"}
    assert assessed.report["failed_rules"] == []
    assert assessed.report["counts"]["critical"] == 2


def test_exposure_path_reaches_the_aws_managed_admin_policy(assessed: Assessed) -> None:
    """A public instance with SSH open to the world whose role has AdministratorAccess is
    critical; the path runs instance -> role -> AdministratorAccess."""
    ids = assessed.ids
    finding = assessed.flagged(EXPOSURE)[ids["exposed"]]
    assert finding["severity"] == "critical"
    assert finding["evidence"]["path"] == [ids["exposed"], ids["role_admin"], MANAGED_ADMIN]
    assert finding["evidence"]["open_ports"] == [22]
    assert finding["evidence"]["protected_by"] == [ids["sg_open"]]


def test_exposure_path_reaches_a_customer_policy_allowing_everything(assessed: Assessed) -> None:
    """The same path through a role whose customer-managed policy allows * on * ends at
    that policy."""
    ids = assessed.ids
    finding = assessed.flagged(EXPOSURE)[ids["exposed_custom"]]
    assert finding["evidence"]["path"] == [ids["exposed_custom"], ids["role_ops"],
                                           ids["policy_everything"]]


def test_exposure_needs_every_link_of_the_path(assessed: Assessed) -> None:
    """No exposure without a world-open admin port, a public address or an admin role."""
    assert set(assessed.flagged(EXPOSURE)) == {assessed.ids["exposed"],
                                                assessed.ids["exposed_custom"]}


@pytest.mark.parametrize(("rule_id", "risky", "compliant"), [
    ("aws.ec2.security-group-admin-ports-open", "sg_open", "sg_office"),
    ("aws.ec2.instance-public-ip", "exposed", "private"),
    ("aws.ec2.instance-imdsv1", "exposed", "closed"),
    ("aws.ec2.volume-unencrypted", "volume_plain", "volume_encrypted"),
    ("aws.s3.bucket-acl-public", "bucket_public", "bucket_private"),
    ("aws.s3.bucket-public-access-block-off", "bucket_public", "bucket_private"),
    ("aws.iam.admin-policy-attached", "role_admin", "role_app"),
    ("aws.iam.policy-full-admin", "policy_everything", "policy_read_logs"),
    ("aws.iam.user-console-without-mfa", "user_no_mfa", "user_with_mfa"),
])
def test_rule_flags_the_risky_asset_and_not_its_counterpart(assessed: Assessed, rule_id: str,
                                                            risky: str, compliant: str) -> None:
    """Each baseline rule fires on the collected risky asset, not on the compliant one."""
    flagged = assessed.flagged(rule_id)
    assert assessed.ids[risky] in flagged
    assert assessed.ids[compliant] not in flagged


def test_fresh_access_keys_are_not_old(assessed: Assessed) -> None:
    """Access keys created now are not reported as older than 90 days."""
    assert assessed.flagged("aws.iam.access-key-older-than-90-days") == {}
