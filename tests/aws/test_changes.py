"""Change tracking on an account collected from moto by the real CLI: collect, assess,
collect again unchanged, then change the account through boto3 (open a security group to
the world, make a bucket public, delete an instance, add a tag), collect, assess, and read
the exact change stream with the risk each change brought.

One story per module (moto's first calls in a region cost seconds); each test reads it.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_estate import AMI
from cloudscope.cli.main import main
from cloudscope.testing.change_log_contract import summarize
from cloudscope_aws.services import HANDWRITTEN

# By the name pytest registered: a bare `conftest` could be another folder's.
from tests.aws.conftest import REGION, apply_environment, aws_environment, reset_moto

# The hand-written ec2, s3 and rds scopes (by their types: --service would also bring the
# services' declarative units, some of which moto cannot list).
COLLECT = ("collect", "aws", "--region", REGION, "--format", "json",
           *(arg for unit in HANDWRITTEN if unit.name in ("ec2", "s3", "rds")
             for arg in ("--type", unit.types[0].asset_type)))


@dataclass
class Story:
    """What the module's story made and read."""

    account: str
    ids: dict[str, str]
    first_assessment: str
    unchanged: list[dict[str, Any]]
    restorable_times: tuple[str, str]
    changes: list[dict[str, Any]]
    findings_only: list[dict[str, Any]]
    table: str

    def arn(self, kind: str, key: str) -> str:
        """The ARN of the EC2 resource stored under ``key``."""
        return f"arn:aws:ec2:{REGION}:{self.account}:{kind}/{self.ids[key]}"


def cloudscope(*args: str) -> str:
    """Run the real CLI in this process; its standard output (exit code 0 asserted)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code == 0, (args, out.getvalue())
    return out.getvalue()


def stored_property(db: str, asset_id: str, name: str) -> Any:
    """One property of a stored asset, read back through ``assets show``."""
    return json.loads(cloudscope("assets", "show", asset_id, "--db", db,
                                 "--format", "json"))["asset"]["properties"][name]


def build(session: boto3.Session) -> dict[str, str]:
    """A VPC whose security group admits HTTPS from the private range, two instances in
    it, a private bucket and a database (whose LatestRestorableTime moto moves on every
    read)."""
    ec2 = session.client("ec2", region_name=REGION)
    ids: dict[str, str] = {}
    ids["vpc"] = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    ids["subnet"] = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.4.1.0/24"
                                      )["Subnet"]["SubnetId"]
    ids["sg"] = ec2.create_security_group(GroupName="web", Description="web",
                                          VpcId=ids["vpc"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ids["sg"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    made = ec2.run_instances(ImageId=AMI, MinCount=2, MaxCount=2, InstanceType="t3.micro",
                             SubnetId=ids["subnet"], SecurityGroupIds=[ids["sg"]])["Instances"]
    ids["app1"], ids["app2"] = made[0]["InstanceId"], made[1]["InstanceId"]
    ids["app2_volume"] = made[1]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    session.client("s3", region_name=REGION).create_bucket(Bucket="changes-data")
    ids["db"] = session.client("rds", region_name=REGION).create_db_instance(
        DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="A-long-passw0rd!", AllocatedStorage=20
    )["DBInstance"]["DBInstanceArn"]
    return ids


def change(session: boto3.Session, ids: dict[str, str]) -> None:
    """SSH open to the world, the bucket readable by everyone, app2 terminated, app1
    tagged."""
    ec2 = session.client("ec2", region_name=REGION)
    ec2.authorize_security_group_ingress(GroupId=ids["sg"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    session.client("s3", region_name=REGION).put_bucket_acl(Bucket="changes-data",
                                                            ACL="public-read")
    ec2.terminate_instances(InstanceIds=[ids["app2"]])
    ec2.create_tags(Resources=[ids["app1"]], Tags=[{"Key": "owner", "Value": "alice"}])


def lines(text: str) -> list[dict[str, Any]]:
    """JSON Lines parsed."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def story(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """The account built, collected, assessed, collected unchanged, changed, collected and
    assessed again."""
    reset_moto(moto_endpoint)
    home = tmp_path_factory.mktemp("changes")
    db = f"sqlite:///{home / 'inventory.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        apply_environment(monkeypatch, aws_environment(moto_endpoint, home))
        session = boto3.Session(region_name=REGION)
        account = session.client("sts").get_caller_identity()["Account"]
        ids = build(session)
        cloudscope(*COLLECT, "--db", db)
        first = json.loads(cloudscope("assess", "--db", db, "--format", "json"))["run_id"]
        before = stored_property(db, ids["db"], "LatestRestorableTime")
        cloudscope(*COLLECT, "--db", db)
        after = stored_property(db, ids["db"], "LatestRestorableTime")
        unchanged = lines(cloudscope("changes", "--db", db, "--since", first,
                                     "--format", "jsonl"))
        change(session, ids)
        cloudscope(*COLLECT, "--db", db)
        cloudscope("assess", "--db", db)
        yield Story(account, ids, first, unchanged, (before, after),
                    lines(cloudscope("changes", "--db", db, "--since", first,
                                     "--format", "jsonl")),
                    json.loads(cloudscope("changes", "--db", db, "--since", "1h",
                                          "--findings-only", "--format", "json"))["changes"],
                    cloudscope("changes", "--db", db, "--since", first))


def test_collecting_an_unchanged_account_again_changes_nothing(story: Story) -> None:
    """No change is recorded when nothing changed, though moto moved the database's
    LatestRestorableTime (declared volatile by the AWS collector) between the reads."""
    assert story.restorable_times[0] != story.restorable_times[1]
    assert story.unchanged == []


def test_the_change_stream_is_exactly_what_was_done(story: Story) -> None:
    """Each boto3 change is one recorded change with its fields; the terminated instance
    (AWS lists it for an hour) changed state and lost its volume, which is removed (its
    relationship with it); the assessment found two new findings and resolved one."""
    sg, app1, app2 = story.arn("security-group", "sg"), story.arn("instance", "app1"), \
        story.arn("instance", "app2")
    volume = story.arn("volume", "app2_volume")
    collection = [summarize(c) for c in story.changes if not c["run_id"].startswith("assess-")]
    terminated = next(c for c in story.changes if c["asset_id"] == app2)
    mapping = terminated["fields"][0]["before"]
    assert sorted(collection, key=lambda c: (c[0], c[1])) == sorted([
        ("modified", "arn:aws:s3:::changes-data", [
            ("properties.Acl.Grants[1]", None, {
                "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                "Permission": "READ"})]),
        ("modified", sg, [("properties.IpPermissions[1]", None, {
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [],
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": []})]),
        ("modified", app1, [("tags.owner", None, "alice"),
                            ("properties.Tags", None, [{"Key": "owner", "Value": "alice"}])]),
        ("modified", app2, [
            ("properties.BlockDeviceMappings[0]", mapping, None),
            ("properties.StateReason.Code", "", "Client.UserInitiatedShutdown"),
            ("properties.StateReason.Message", "",
             "Client.UserInitiatedShutdown: User initiated shutdown"),
            ("properties.State.Code", 16, 48),
            ("properties.State.Name", "running", "terminated"),
            ("properties.StateTransitionReason", "", terminated["fields"][5]["after"])]),
        ("removed", volume, None),
    ], key=lambda c: (c[0], c[1]))
    assert mapping["Ebs"]["VolumeId"] == story.ids["app2_volume"]
    assert terminated["fields"][5]["after"].startswith("User initiated (")
    findings = [(*summarize(c)[:2], c["finding"]["severity"]) for c in story.changes
                if c["run_id"].startswith("assess-")]
    assert findings == [
        ("finding-new", sg, "high"), ("finding-new", "arn:aws:s3:::changes-data", "high"),
        ("finding-resolved", volume, "medium")]
    assert len({c["run_id"] for c in story.changes}) == 2
    assert all(c["asset_type"] and c["name"] for c in story.changes)


def test_every_change_says_what_risk_it_brought(story: Story) -> None:
    """An asset change lists the finding changes it caused; each finding change cites it."""
    by_id = {c["id"]: c for c in story.changes}
    brought = {c["asset_id"]: sorted((f["change"], f["rule_id"]) for f in c["findings"])
               for c in story.changes if c["findings"] and c["change"] == "modified"}
    assert brought == {
        story.arn("security-group", "sg"): [("finding-new",
                                            "aws.ec2.security-group-admin-ports-open")],
        "arn:aws:s3:::changes-data": [("finding-new", "aws.s3.bucket-acl-public")]}
    for finding in (c for c in story.changes if c["finding"]):
        causes = [by_id[i] for i in finding["caused_by"]]
        assert [c["asset_id"] for c in causes] == [finding["asset_id"]]
        assert [c["id"] for c in finding["causes"]] == finding["caused_by"]
    resolved = next(c for c in story.changes if c["change"] == "finding-resolved")
    assert [by_id[i]["change"] for i in resolved["caused_by"]] == ["removed"]


def test_findings_only_answers_what_new_risk_appeared(story: Story) -> None:
    """``changes --since 1h --findings-only --format json``: the findings of both
    assessments, each with the changes that caused it and their changed paths."""
    latest = [c for c in story.findings_only if c["run_id"] == story.changes[-1]["run_id"]]
    assert [(c["change"], c["finding"]["rule_id"], [(x["change"], x["paths"])
                                                   for x in c["causes"]]) for c in latest] == [
        ("finding-new", "aws.ec2.security-group-admin-ports-open",
         [("modified", ["properties.IpPermissions[1]"])]),
        ("finding-new", "aws.s3.bucket-acl-public",
         [("modified", ["properties.Acl.Grants[1]"])]),
        ("finding-resolved", "aws.ec2.volume-unencrypted", [("removed", [])])]
    assert {c["change"] for c in story.findings_only} == {"finding-new", "finding-resolved"}
    assert any(c["run_id"] == story.first_assessment for c in story.findings_only)


def test_the_table_reads_as_a_report(story: Story) -> None:
    """The table shows each change on a line, the risk it brought under it, and a count."""
    assert "web" in story.table and "=> new high:aws.ec2.security-group-admin-ports-open" \
        in story.table
    assert any(line.split()[2:4] == ["modified", story.ids["app2"]]
               for line in story.table.splitlines())
    assert story.table.rstrip().splitlines()[-1] == (
        "8 changes: 4 modified, 1 removed, 2 finding-new, 1 finding-resolved")
