"""``cloudscope collect aws`` end to end: the real CLI in a subprocess, moto behind
``AWS_ENDPOINT_URL``, a SQLite store on disk."""

from __future__ import annotations

import json
import socket
from typing import Any

from aws_estate import small_estate
from conftest import HANDWRITTEN_TYPES

REGIONS = ("us-east-1", "eu-west-1")


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assets_of(cloudscope_here: Any, sqlite_url: str, *filters: str) -> list[dict[str, Any]]:
    """``cloudscope assets list --format json`` over the store."""
    code, stdout = cloudscope_here("assets", "list", "--db", sqlite_url, "--format", "json",
                                   *filters)
    assert code == 0
    return json.loads(stdout)  # type: ignore[no-any-return]


def test_collect_stores_every_scope_and_exits_0(aws: Any, run_cloudscope: Any,
                                                cloudscope_here: Any, sqlite_url: str) -> None:
    """Two regions: one scope per regional service and region, IAM, S3 and Organizations
    once, all complete; the summary counts the assets stored and the requests sent (the
    hand-written services; every type: test_seeded.py)."""
    made = small_estate(aws.session)
    types = [arg for asset_type in HANDWRITTEN_TYPES for arg in ("--type", asset_type)]
    result = run_cloudscope("collect", "aws", "--region", REGIONS[0], "--region", REGIONS[1],
                            *types, "--db", sqlite_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "ok"
    assert len(summary["scopes"]) == 2 * 7 + 3
    assert {s["status"] for s in summary["scopes"]} == {"complete"}
    assert summary["assets"] == sum(s["assets"] for s in summary["scopes"]) > 0
    assert summary["counters"]["requests"] >= len(summary["scopes"])
    instances = assets_of(cloudscope_here, sqlite_url, "--type", "aws:ec2:instance")
    assert [a["id"].rsplit("/", 1)[1] for a in instances] == [made["instance"]]


def test_unreachable_service_fails_only_its_scope(aws: Any, run_cloudscope: Any,
                                                  cloudscope_here: Any, sqlite_url: str) -> None:
    """An unreachable Lambda endpoint fails the lambda scope with its error (exit 3);
    the other scopes complete and the function stored before stays."""
    made = small_estate(aws.session)
    options = ("collect", "aws", "--region", REGIONS[0], "--type", "aws:lambda:function",
               "--type", "aws:ec2:instance", "--max-attempts", "1", "--db", sqlite_url,
               "--format", "json")
    assert cloudscope_here(*options)[0] == 0  # the first run stores the function
    port = closed_port()
    result = run_cloudscope(*options, env={"AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{port}"})
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["status"] == "partial"
    scopes = {s["service"]: s for s in summary["scopes"]}
    assert scopes["lambda"]["status"] == "failed"
    assert scopes["lambda"]["error"].startswith(f"lambda: cannot connect to http://127.0.0.1:{port}/")
    assert scopes["ec2"]["status"] == "complete" and scopes["ec2"]["error"] is None
    functions = assets_of(cloudscope_here, sqlite_url, "--type", "aws:lambda:function")
    assert [f["id"] for f in functions] == [made["function"]]


def test_role_arns_collect_each_account(aws: Any, run_cloudscope: Any, cloudscope_here: Any,
                                        sqlite_url: str) -> None:
    """Each ``--role-arn`` is assumed and collected as its own account, its id from STS."""
    accounts = ("111111111111", "222222222222")
    made = {account: small_estate(aws.account_session(account)) for account in accounts}
    roles = [arg for account in accounts
             for arg in ("--role-arn", f"arn:aws:iam::{account}:role/audit")]
    result = run_cloudscope("collect", "aws", *roles, "--region", REGIONS[0], "--type",
                            "aws:ec2:instance", "--type", "aws:iam:role", "--db", sqlite_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sorted((s["account"], s["service"]) for s in summary["scopes"]) == [
        (account, service) for account in accounts for service in ("ec2", "iam")]
    for account in accounts:
        instances = assets_of(cloudscope_here, sqlite_url, "--type", "aws:ec2:instance",
                              "--account", account)
        assert [a["id"].rsplit("/", 1)[1] for a in instances] == [made[account]["instance"]]


def test_missing_credentials_are_a_configuration_error(run_cloudscope, tmp_path, monkeypatch):
    """Without any AWS credentials, collect fails with one line and exit 2, storing nothing."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    database = tmp_path / "none.db"
    result = run_cloudscope(
        "collect", "aws", "--region", "eu-west-1", "--db", f"sqlite:///{database}",
        env={"AWS_CONFIG_FILE": str(tmp_path / "none"),
             "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
             "AWS_EC2_METADATA_DISABLED": "true"})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "cloudscope: error: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or pass --profile)"]
    assert not database.exists()  # the store is opened only after planning succeeded


def test_unknown_profile_is_a_configuration_error(run_cloudscope, tmp_path):
    """--profile naming no profile is one line and exit 2."""
    result = run_cloudscope("collect", "aws", "--profile", "no-such-profile", "--region",
                            "eu-west-1", "--db", f"sqlite:///{tmp_path / 'p.db'}",
                            env={"AWS_CONFIG_FILE": str(tmp_path / "none"),
                                 "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    assert result.exit_code == 2
    assert "no-such-profile" in result.stderr and len(result.stderr.strip().splitlines()) == 1
