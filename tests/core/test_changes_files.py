"""Change tracking from files, the same story on every store: SQLite, the file store and
PostgreSQL (when CLOUDSCOPE_TEST_POSTGRES_URL names a server) give the same change stream,
and ``db copy`` carries it (ids and causes included) into another store.

A file is collected, assessed, collected again unchanged, then edited: a security group
opened to the world, a bucket made public, an instance deleted, a tag added, a function's
secret rotated. Files keep their order, so the stream is asserted in order.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cloudscope.cli.main import main
from cloudscope.domain.redaction import REDACTED
from cloudscope.testing.change_log_contract import summarize

ACCOUNT = "111122223333"
SG = f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0000story01"
WEB1 = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0000story01"
WEB2 = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0000story02"
BUCKET = "arn:aws:s3:::story-data"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:story-fn"
OWNER = {"Grantee": {"Type": "CanonicalUser", "ID": "79a59df900b949e5"},
         "Permission": "FULL_CONTROL"}
EVERYONE = {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"}
SSH_FROM_ANYWHERE = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
SECRETS = ("first-Secret-Value-4242", "second-Secret-Value-8484")


def asset(asset_id: str, asset_type: str, name: str, properties: dict[str, Any],
          **tags: str) -> dict[str, Any]:
    """An asset record in the data model's shape."""
    return {"id": asset_id, "provider": "aws", "asset_type": asset_type, "name": name,
            "account": ACCOUNT, "region": "us-east-1", "tags": tags, "properties": properties}


def estate(*, changed: bool) -> dict[str, Any]:
    """The estate before, or after the edits."""
    rules = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
              "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    block = not changed
    assets = [
        asset(SG, "aws:ec2:security-group", "web", {
            "GroupId": "sg-0000story01", "IpPermissions": rules + [SSH_FROM_ANYWHERE] * changed}),
        asset(WEB1, "aws:ec2:instance", "web-1", {"State": {"Name": "running"}},
              env="prod", **({"owner": "alice"} if changed else {})),
        asset(BUCKET, "aws:s3:bucket", "story-data", {
            "Name": "story-data", "Acl": {"Grants": [OWNER, EVERYONE] if changed else [OWNER]},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": block, "IgnorePublicAcls": block, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True}}),
        asset(FUNCTION, "aws:lambda:function", "story-fn", {
            "Environment": {"Variables": {"DB_PASSWORD": SECRETS[changed]}}}),
    ]
    relationships = [{"source_id": WEB1, "type": "PROTECTED_BY", "target_id": SG}]
    if not changed:
        assets.insert(2, asset(WEB2, "aws:ec2:instance", "web-2", {
            "State": {"Name": "running"}, "PublicIpAddress": "54.210.1.2"}))
        relationships.append({"source_id": WEB2, "type": "PROTECTED_BY", "target_id": SG})
    return {"assets": assets, "relationships": relationships}


def cloudscope(*args: str, expect: int = 0) -> str:
    """The real CLI in this process; its standard output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code == expect, (args, out.getvalue())
    return out.getvalue()


@pytest.fixture(params=["sqlite", "file", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """``new_store()`` gives the URL of a fresh, empty store of the kind under test."""
    made: list[str] = []
    server = os.environ.get("CLOUDSCOPE_TEST_POSTGRES_URL")
    if request.param == "postgresql" and not server:
        pytest.skip("CLOUDSCOPE_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")

    def make() -> str:
        name = f"s{len(made)}"
        url = {"sqlite": f"sqlite:///{tmp_path / (name + '.db')}",
               "file": f"file://{tmp_path / name}",
               "postgresql": f"{server}?schema=changes_{uuid.uuid4().hex[:12]}"}[request.param]
        made.append(url)
        return url

    yield make
    if request.param == "postgresql":
        import psycopg

        with psycopg.connect(server or "", autocommit=True) as admin:
            for url in made:
                admin.execute(f'DROP SCHEMA IF EXISTS "{url.rsplit("=", 1)[1]}" CASCADE')


@dataclass
class Story:
    """The store and what was read from it."""

    db: str
    first_assessment: str
    unchanged: str
    stream: list[dict[str, Any]]


def tell(db: str, path: Path) -> Story:
    """Collect, assess, collect unchanged, edit, collect, assess; read the changes since
    the first assessment."""
    path.write_text(json.dumps(estate(changed=False)), encoding="utf-8")
    cloudscope("collect", "file", str(path), "--db", db)
    first = json.loads(cloudscope("assess", "--db", db, "--format", "json"))["run_id"]
    cloudscope("collect", "file", str(path), "--db", db)
    unchanged = cloudscope("changes", "--db", db, "--since", first, "--format", "jsonl")
    path.write_text(json.dumps(estate(changed=True)), encoding="utf-8")
    cloudscope("collect", "file", str(path), "--db", db)
    cloudscope("assess", "--db", db)
    stream = [json.loads(line) for line in cloudscope(
        "changes", "--db", db, "--since", first, "--format", "jsonl").splitlines()]
    return Story(db, first, unchanged, stream)


@pytest.fixture
def story(new_store: Callable[[], str], tmp_path: Path) -> Story:
    """The story told on a store of the kind under test."""
    return tell(new_store(), tmp_path / "estate.json")


def test_every_store_records_exactly_what_was_done(story: Story) -> None:
    """Unchanged: nothing. Edited: each edit is one change with its fields, in file order,
    then the removal (the removed asset's relationships with it); then the assessment's
    finding changes,
    each citing the change that caused it."""
    assert story.unchanged == ""
    assert [summarize(c)[:3] for c in story.stream] == [
        ("modified", SG, [("properties.IpPermissions[1]", None, SSH_FROM_ANYWHERE)]),
        ("modified", WEB1, [("tags.owner", None, "alice")]),
        ("modified", BUCKET, [
            ("properties.Acl.Grants[1]", None, EVERYONE),
            ("properties.PublicAccessBlockConfiguration.BlockPublicAcls", True, False),
            ("properties.PublicAccessBlockConfiguration.IgnorePublicAcls", True, False)]),
        ("modified", FUNCTION, [("properties.Environment.Variables.DB_PASSWORD", REDACTED,
                                 REDACTED)]),
        ("removed", WEB2, None),
        ("finding-new", SG, ("aws.ec2.security-group-admin-ports-open", [story.stream[0]["id"]])),
        ("finding-new", BUCKET, ("aws.s3.bucket-acl-public", [story.stream[2]["id"]])),
        ("finding-new", BUCKET, ("aws.s3.bucket-public-access-block-off",
                                 [story.stream[2]["id"]])),
        ("finding-resolved", WEB2, ("aws.ec2.instance-public-ip", [story.stream[4]["id"]])),
    ]
    assert len({c["run_id"] for c in story.stream}) == 2
    assert [c["name"] for c in story.stream[:5]] == ["web", "web-1", "story-data", "story-fn",
                                                     "web-2"]
    assert [f["rule_id"] for f in story.stream[2]["findings"]] == [
        "aws.s3.bucket-acl-public", "aws.s3.bucket-public-access-block-off"]


def test_no_secret_reaches_the_log(story: Story) -> None:
    """The rotated password is a change whose values read [REDACTED]: no output holds it."""
    outputs = [cloudscope("changes", "--db", story.db, "--format", form)
               for form in ("table", "json", "jsonl", "csv")]
    outputs.append(cloudscope("assets", "history", FUNCTION, "--db", story.db,
                              "--format", "json"))
    for output in outputs:
        assert not any(secret in output for secret in SECRETS)
        assert "DB_PASSWORD" in output


def test_history_survives_db_copy(story: Story, new_store: Callable[[], str],
                                  tmp_path: Path) -> None:
    """Copied into another store, the changes read the same (ids, causes, runs, times),
    and the copy's own later changes follow them."""
    target = f"sqlite:///{tmp_path / 'copy.db'}" if story.db.startswith("file:") else \
        f"file://{tmp_path / 'copy'}"
    copied = json.loads(cloudscope("db", "copy", story.db, target, "--format", "json"))
    assert copied["changes"] == len(json.loads(cloudscope(
        "changes", "--db", story.db, "--format", "json"))["changes"])
    # Parsed: the file store keeps a record's keys sorted (diff-friendly), not their order.
    for args in (("changes", "--since", story.first_assessment, "--format", "json"),
                 ("assets", "history", BUCKET, "--format", "json")):
        assert json.loads(cloudscope(*args, "--db", target)) == \
            json.loads(cloudscope(*args, "--db", story.db))
    csv_args = ("changes", "--findings-only", "--format", "csv")
    assert cloudscope(*csv_args, "--db", target) == cloudscope(*csv_args, "--db", story.db)
    again = json.loads(cloudscope("db", "copy", story.db, target, "--format", "json"))
    assert again["changes"] == copied["changes"]  # a copy run again changes nothing


def test_a_copy_into_a_store_with_another_log_is_refused(story: Story, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Two stores' logs cannot be merged id by id: one line, exit 2, nothing copied."""
    other = f"sqlite:///{tmp_path / 'other.db'}"
    (tmp_path / "other.json").write_text(json.dumps(estate(changed=True)), encoding="utf-8")
    cloudscope("collect", "file", str(tmp_path / "other.json"), "--db", other)
    before = cloudscope("changes", "--db", other, "--format", "jsonl")
    capsys.readouterr()
    cloudscope("db", "copy", story.db, other, expect=2)
    error = capsys.readouterr().err
    assert error.startswith("cloudscope: error: the target already holds the change log of "
                            "another store") and len(error.splitlines()) == 1
    assert cloudscope("changes", "--db", other, "--format", "jsonl") == before
