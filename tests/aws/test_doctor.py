"""`cloudscope doctor` with an AWS target against moto: the identity, the regions and one
read per service, a denied read naming the IAM action to grant, missing credentials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_denied import auditor, iam_enforced

REGION = "us-east-1"


def doctor(run_cloudscope: Any, tmp_path: Path, target: dict[str, Any], *args: str,
           env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run doctor with one AWS target; (exit code, {check name: check}) of the target."""
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"targets": [{"name": "prod", "provider": "aws", **target}]}),
                      encoding="utf-8")
    result = run_cloudscope("--config", str(config), "doctor", "--db",
                            f"sqlite:///{tmp_path / 'doctor.db'}", "--format", "json", *args,
                            env={"CLOUDSCOPE_LOAD_PLUGINS": "aws", **(env or {})})
    report = json.loads(result.stdout)
    return result.exit_code, {c["check"]: c for c in report["checks"]
                              if c["section"] == "target prod"}


def test_doctor_shows_identity_regions_and_reads_every_service(aws: Any, run_cloudscope: Any,
                                                               tmp_path: Path) -> None:
    """Who the credentials are, the regions, and one ok read per collected service."""
    code, checks = doctor(run_cloudscope, tmp_path, {"regions": [REGION]})
    assert code == 0
    assert checks["identity"]["detail"].startswith("arn:aws:")
    assert "account 123456789012" in checks["identity"]["detail"]
    assert checks["regions"]["detail"] == f"1: {REGION}"
    reads = sorted(name for name in checks if name.startswith("read "))
    assert reads == sorted([f"read {s} {REGION}" for s in (
        "ec2", "elasticloadbalancing", "lambda", "rds", "kms", "eks", "cloudtrail")]
        + ["read iam global", "read s3 global"])
    assert {checks[name]["status"] for name in reads} == {"ok"}


def test_doctor_leaves_out_the_services_a_target_excludes(aws: Any, run_cloudscope: Any,
                                                          tmp_path: Path) -> None:
    """A target's services exclusion removes those reads from the checks."""
    _, checks = doctor(run_cloudscope, tmp_path, {"regions": [REGION], "services": {
        "exclude": ["lambda", "s3", "e*"]}})
    assert sorted(n.split()[1] for n in checks if n.startswith("read ")) == [
        "cloudtrail", "iam", "kms", "rds"]


def test_a_denied_read_fails_with_the_action_to_grant(aws: Any, run_cloudscope: Any,
                                                      tmp_path: Path) -> None:
    """A policy denying iam:ListRoles: that read fails naming the action; exit 3."""
    keys = auditor(aws.session, {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"})
    with iam_enforced(aws.endpoint):
        code, checks = doctor(run_cloudscope, tmp_path, {"regions": [REGION],
                                                         "services": ["iam", "ec2"]}, env=keys)
    assert code == 3
    iam = checks["read iam global"]
    assert iam["status"] == "fail" and "ListRoles: AccessDenied" in iam["detail"]
    assert iam["hint"].startswith("grant iam:ListRoles")
    assert checks[f"read ec2 {REGION}"]["status"] == "ok"


def test_no_credentials_fail_the_identity_with_the_way_out(aws: Any, run_cloudscope: Any,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Without credentials: the identity check fails, saying which variables to set."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, checks = doctor(run_cloudscope, tmp_path, {"regions": [REGION]})
    assert code == 3
    assert checks["identity"]["status"] == "fail"
    assert "AWS_ACCESS_KEY_ID" in checks["identity"]["hint"]
    assert not any(name.startswith("read ") for name in checks)
