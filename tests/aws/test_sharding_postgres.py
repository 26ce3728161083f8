"""Sharded AWS collection into one PostgreSQL: three `collect aws --shard I/3` processes
against one moto estate give exactly the inventory of one unsharded run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_estate import AMI, small_estate

pytest.importorskip("psycopg", reason="the postgresql extra is not installed")
# The PostgreSQL test helpers live beside the PostgreSQL tests.
sys.path.insert(0, str(Path(__file__).parents[1] / "postgres"))

from postgres_databases import create_database, drop_database, server_url

SHARDS = 3
OPTIONS = ("--region", "us-east-1", "--region", "eu-west-1", "--type", "aws:ec2:vpc",
           "--service", "s3", "--type", "aws:iam:role", "--type", "aws:lambda:function")


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    """Two empty PostgreSQL databases: one for the shards, one for the unsharded run."""
    server = server_url()
    urls = (create_database(server), create_database(server))
    yield urls
    for url in urls:
        drop_database(server, url)


def collect(url: str, *extra: str) -> subprocess.Popen[str]:
    """Start `cloudscope collect aws` into ``url`` in the background."""
    return subprocess.Popen([sys.executable, "-m", "cloudscope", "collect", "aws", *OPTIONS,
                             "--db", url, "--format", "json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ})


def finished(process: subprocess.Popen[str]) -> dict[str, Any]:
    """The run summary of a collect process that exited 0."""
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr
    return json.loads(stdout)  # type: ignore[no-any-return]


def inventory(run_cloudscope: Any, url: str) -> list[dict[str, Any]]:
    """`assets list --format jsonl` without first_seen and last_seen."""
    result = run_cloudscope("assets", "list", "--db", url, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assets = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    for asset in assets:
        asset.pop("first_seen", None)
        asset.pop("last_seen", None)
    return assets


def test_three_shards_give_exactly_the_unsharded_inventory(
        aws: Any, run_cloudscope: Any, two_databases: tuple[str, str]) -> None:
    """Shards 0/3, 1/3, 2/3 at once share the plan's scopes and store one run's inventory."""
    small_estate(aws.session)
    aws.session.client("ec2", region_name="eu-west-1").run_instances(
        ImageId=AMI, MinCount=2, MaxCount=2)
    sharded, whole = two_databases
    shards = [collect(sharded, "--shard", f"{index}/{SHARDS}") for index in range(SHARDS)]
    shard_scopes = [scope["service"] + "/" + (scope["region"] or "-")
                    for process in shards for scope in finished(process)["scopes"]]
    unsharded_scopes = [scope["service"] + "/" + (scope["region"] or "-")
                        for scope in finished(collect(whole))["scopes"]]
    assert sorted(shard_scopes) == sorted(unsharded_scopes)
    expected = inventory(run_cloudscope, whole)
    assert {a["asset_type"] for a in expected} >= {"aws:ec2:instance", "aws:s3:bucket",
                                                   "aws:iam:role", "aws:lambda:function"}
    assert inventory(run_cloudscope, sharded) == expected
