"""`cloudscope assess` end to end in a subprocess: JSON and table reports, stored findings,
filters, a failing plugin rule, user YAML rules from the config, malformed rule files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import Asset, Relationship
from cloudscope.testing.plugin import CliResult, FakeDistribution

A = "arn:aws:ec2:eu-west-1:123456789012:"
INSTANCE, GROUP = A + "instance/i-1", A + "security-group/sg-1"
ROLE = "arn:aws:iam::123456789012:role/web"
BUCKET = "arn:aws:s3:::logs"
ACCOUNT = "/subscriptions/sub-1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa1"

FLAKY_PLUGIN = """
import os
from cloudscope.api import AssetRule, Severity, hookimpl

CLOUDSCOPE_API = ">=1.0,<2"


class Flaky(AssetRule):
    title = "Every bucket, until it breaks"
    severity = Severity.LOW
    asset_types = frozenset({"aws:s3:bucket"})

    def check(self, asset):
        if os.environ.get("FLAKY_BROKEN"):
            raise ValueError("cannot read the bucket policy")
        yield self.finding(asset.id)


def unbuildable():
    raise ImportError("missing optional dependency")


@hookimpl
def cloudscope_register_rules(register):
    register("acme.flaky", Flaky)
    register("acme.unbuildable", unbuildable)
"""


@pytest.fixture
def store(sqlite_url: str, write_estate: Callable[..., None], make_asset: Callable[..., Asset],
          edge: Callable[..., Relationship], repository: SQLiteRepository) -> str:
    """A store holding an exposed instance, a public bucket and an Azure storage account."""
    write_estate([
        make_asset(INSTANCE, "aws:ec2:instance", {"PublicIpAddress": "203.0.113.10"}),
        make_asset(GROUP, "aws:ec2:security-group", {"IpPermissions": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
        make_asset(ROLE, "aws:iam:role", {"AttachedPolicies": [
            {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}, region=None),
        make_asset(BUCKET, "aws:s3:bucket", {"PolicyStatus": {"IsPublic": True}}, region=None),
        make_asset(ACCOUNT, "azure:storage:storage-account", {"properties": {
            "allowBlobPublicAccess": True}}),
    ], [edge(INSTANCE, "PROTECTED_BY", GROUP), edge(INSTANCE, "HAS_ROLE", ROLE)])
    return sqlite_url


@pytest.fixture
def assess_cli(run_cloudscope: Callable[..., CliResult], store: str) -> Callable[..., CliResult]:
    """Run `cloudscope [global options] assess --db STORE ...`."""

    def run(*args: str, config: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
        global_options = ["--config", str(config)] if config else []
        return run_cloudscope(*global_options, "assess", "--db", store, *args, env=env)

    return run


def rule_ids(report: dict[str, Any]) -> dict[str, str]:
    return {f["rule_id"]: f["asset_id"] for f in report["findings"]}


def test_json_report_counts_stores_and_shows_findings(assess_cli: Callable[..., CliResult],
                                                      run_cloudscope: Callable[..., CliResult],
                                                      store: str) -> None:
    """--format json prints rules, assets, counts by severity and the findings, most severe
    first; the findings are stored and shown by `assets show`."""
    result = assess_cli("--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"rules", "assets", "counts", "findings", "failed_rules"}
    assert report["rules"] >= 30 and report["assets"] == 5
    assert set(report["counts"]) == {"critical", "high", "medium", "low", "info"}
    assert sum(report["counts"].values()) == len(report["findings"])
    first = report["findings"][0]
    assert first["rule_id"] == "cloudscope.exposure.internet-to-admin"
    assert first["evidence"]["path"][0] == INSTANCE
    assert rule_ids(report)["aws.s3.bucket-policy-public"] == BUCKET
    shown = run_cloudscope("assets", "show", INSTANCE, "--db", store, "--format", "json")
    stored = {f["rule_id"] for f in json.loads(shown.stdout)["findings"]}
    assert "cloudscope.exposure.internet-to-admin" in stored


def test_table_report_lists_findings_and_a_summary(assess_cli: Callable[..., CliResult]) -> None:
    """The table shows each finding's severity, rule and asset, then one summary line."""
    result = assess_cli()
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["critical", "cloudscope.exposure.internet-to-admin", INSTANCE]
    assert "findings (critical 1," in lines[-1] and "over 5 assets" in lines[-1]


def test_filters_replace_only_the_assessed_assets_findings(
        assess_cli: Callable[..., CliResult], repository: SQLiteRepository) -> None:
    """`assess --provider azure` assesses Azure assets and leaves AWS findings as they were."""
    assert assess_cli().exit_code == 0
    before = {(f.rule_id, f.asset_id) for f in repository.iter_findings()}
    result = assess_cli("--provider", "azure", "--format", "json")
    report = json.loads(result.stdout)
    assert report["assets"] == 1
    assert rule_ids(report) == {"azure.storage.blob-public-access": ACCOUNT}
    assert {(f.rule_id, f.asset_id) for f in repository.iter_findings()} == before


def test_failing_rules_are_reported_skipped_and_keep_their_findings(
        assess_cli: Callable[..., CliResult], fake_distribution: Callable[..., FakeDistribution],
        repository: SQLiteRepository) -> None:
    """A plugin rule that raises on an asset, and one that cannot be built, are listed with
    exit code 3; the other rules' findings are stored and the earlier findings of what
    failed are kept."""
    dist = fake_distribution("acme-rules", entry_points={"acme": "acme_rules"},
                             modules={"acme_rules": FLAKY_PLUGIN})
    env = {"PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "acme"}
    assert assess_cli(env=env).exit_code == 3
    assert ("acme.flaky", BUCKET) in {(f.rule_id, f.asset_id) for f in repository.iter_findings()}
    result = assess_cli("--format", "json", env={**env, "FLAKY_BROKEN": "1"})
    assert result.exit_code == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["failed_rules"] == [
        {"rule_id": "acme.unbuildable", "stage": "build",
         "error": "ImportError: missing optional dependency"}]
    assert report["item_errors"] == 1
    assert report["listed_item_errors"] == [
        {"rule_id": "acme.flaky", "stage": "observe", "item": BUCKET,
         "error": "ValueError: cannot read the bucket policy"}]
    assert rule_ids(report)["acme.flaky"] == BUCKET
    assert "cloudscope.exposure.internet-to-admin" in rule_ids(report)


TEAM_RULE = """
rules:
  - id: team.s3.bucket-without-owner
    title: Bucket has no owner tag
    severity: low
    asset_types: [aws:s3:bucket]
    when:
      not: {path: "@tags.owner", op: exists}
"""


def write_config(tmp_path: Path, rules_text: str, disabled: list[str] = ()) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "team.yaml").write_text(rules_text, encoding="utf-8")
    config = tmp_path / "cloudscope.yaml"
    config.write_text(json.dumps({"rules": {"directories": [str(directory)],
                                            "disabled": list(disabled)}}), encoding="utf-8")
    return config


def test_user_yaml_rules_run_and_config_disables_rules(assess_cli: Callable[..., CliResult],
                                                       tmp_path: Path) -> None:
    """Rules from rules.directories run beside the baseline; rules.disabled ids do not run."""
    config = write_config(tmp_path, TEAM_RULE, disabled=["aws.s3.bucket-policy-public"])
    result = assess_cli("--format", "json", config=config)
    assert result.exit_code == 0, result.stderr
    found = rule_ids(json.loads(result.stdout))
    assert found["team.s3.bucket-without-owner"] == BUCKET
    assert "aws.s3.bucket-policy-public" not in found


def test_malformed_user_rule_is_one_line_exit_2_and_changes_nothing(
        assess_cli: Callable[..., CliResult], tmp_path: Path,
        repository: SQLiteRepository) -> None:
    """A bad rule file: exit 2, one stderr line naming file and field, stored findings intact."""
    assert assess_cli().exit_code == 0
    before = sorted((f.rule_id, f.asset_id) for f in repository.iter_findings())
    config = write_config(tmp_path, TEAM_RULE.replace("severity: low", "severity: dire"))
    result = assess_cli(config=config)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"cloudscope: error: {tmp_path / 'rules' / 'team.yaml'}, field 'rules[0].severity': "
        "'dire' is not one of critical, high, medium, low, info"]
    assert sorted((f.rule_id, f.asset_id) for f in repository.iter_findings()) == before


# CI gating: --fail-on, SARIF, OCSF, JSON Lines -----------------------------------------
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def stored_findings(repository: SQLiteRepository) -> set[tuple[str, str]]:
    return {(f.rule_id, f.asset_id) for f in repository.iter_findings()}


def test_fail_on_exits_4_after_storing_the_findings(assess_cli: Callable[..., CliResult],
                                                    repository: SQLiteRepository) -> None:
    """`--fail-on high` with a critical finding: exit 4, and the findings are stored."""
    result = assess_cli("--fail-on", "high")
    assert result.exit_code == 4, result.stderr
    assert ("cloudscope.exposure.internet-to-admin", INSTANCE) in stored_findings(repository)


def test_fail_on_above_every_finding_exits_0(assess_cli: Callable[..., CliResult]) -> None:
    """The Azure account's worst finding is high: `--fail-on critical` passes."""
    result = assess_cli("--provider", "azure", "--fail-on", "critical", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["high"] >= 1


def test_fail_on_wins_over_a_failed_rule(assess_cli: Callable[..., CliResult],
                                         fake_distribution: Callable[..., FakeDistribution]) -> None:
    """A failed rule (3) and a finding at the threshold (4): exit 4, the failure listed."""
    dist = fake_distribution("acme-rules", entry_points={"acme": "acme_rules"},
                             modules={"acme_rules": FLAKY_PLUGIN})
    env = {"PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "acme"}
    result = assess_cli("--fail-on", "info", "--format", "json", env=env)
    assert result.exit_code == 4
    assert [f["rule_id"] for f in json.loads(result.stdout)["failed_rules"]] == ["acme.unbuildable"]


def test_sarif_is_valid_against_the_official_schema(assess_cli: Callable[..., CliResult],
                                                    repository: SQLiteRepository) -> None:
    """--format sarif validates against the OASIS SARIF 2.1.0 schema; one result per stored
    finding, each naming its rule in the catalogue and its asset as a location."""
    import jsonschema

    result = assess_cli("--format", "sarif")
    assert result.exit_code == 0, result.stderr
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) >= 30 and run["invocations"][0]["executionSuccessful"] is True
    found = {(rules[r["ruleIndex"]]["id"], r["locations"][0]["logicalLocations"][0][
        "fullyQualifiedName"]) for r in run["results"]}
    assert found == stored_findings(repository)
    exposure = next(r for r in run["results"]
                    if r["ruleId"] == "cloudscope.exposure.internet-to-admin")
    assert exposure["level"] == "error"
    assert rules[exposure["ruleIndex"]]["properties"]["security-severity"] == "9.5"
    uri = exposure["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "arn%3Aaws%3Aec2%3Aeu-west-1%3A123456789012%3Ainstance/i-1"
    azure = next(r for r in run["results"] if r["ruleId"] == "azure.storage.blob-public-access")
    assert azure["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ACCOUNT[1:]


def test_sarif_lists_failed_rules_as_notifications(
        assess_cli: Callable[..., CliResult],
        fake_distribution: Callable[..., FakeDistribution]) -> None:
    """A rule that cannot be built: the run says so, and the log stays valid."""
    import jsonschema

    dist = fake_distribution("acme-rules", entry_points={"acme": "acme_rules"},
                             modules={"acme_rules": FLAKY_PLUGIN})
    result = assess_cli("--format", "sarif", env={"PYTHONPATH": str(dist.path),
                                                  "CLOUDSCOPE_LOAD_PLUGINS": "acme"})
    assert result.exit_code == 3
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["descriptor"] == {"id": "acme.unbuildable"}


def unknown_fields(value: Any, model: Any, path: str = "") -> list[str]:
    """Keys of ``value`` that the pydantic ``model`` (and its nested models) does not declare."""
    import typing

    from pydantic import BaseModel

    found = []
    for key, item in value.items():
        field = model.model_fields.get(key)
        if field is None:
            found.append(f"{path}{key}")
            continue
        nested = [arg for arg in typing.get_args(field.annotation) or (field.annotation,)
                  for arg in (typing.get_args(arg) or (arg,))
                  if isinstance(arg, type) and issubclass(arg, BaseModel)]
        items = item if isinstance(item, list) else [item]
        for element in items:
            if nested and isinstance(element, dict):
                found += unknown_fields(element, nested[0], f"{path}{key}.")
    return found


def test_ocsf_lines_are_detection_findings(assess_cli: Callable[..., CliResult],
                                           repository: SQLiteRepository) -> None:
    """--format ocsf: one OCSF Detection Finding (class 2004) per stored finding, valid for
    the py-ocsf-models schema with no field it does not know, the asset as the resource."""
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding

    result = assess_cli("--format", "ocsf")
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == len(stored_findings(repository))
    for event in events:
        DetectionFinding.model_validate(event)
        assert unknown_fields(event, DetectionFinding) == []
        assert (event["class_uid"], event["type_uid"], event["category_uid"]) == (2004, 200401, 2)
    exposure = next(e for e in events
                    if e["finding_info"]["analytic"]["uid"] == "cloudscope.exposure.internet-to-admin")
    assert (exposure["severity_id"], exposure["severity"]) == (5, "Critical")
    assert exposure["resources"][0] == {"uid": INSTANCE, "type": "aws:ec2:instance",
                                        "region": "eu-west-1"}
    assert exposure["cloud"]["account"]["uid"] == "123456789012"
    assert exposure["unmapped"]["evidence"]["path"][0] == INSTANCE


def test_jsonl_prints_one_finding_per_line(assess_cli: Callable[..., CliResult],
                                           repository: SQLiteRepository) -> None:
    """--format jsonl: the stored findings, one JSON object a line, most severe first."""
    result = assess_cli("--format", "jsonl")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(f["rule_id"], f["asset_id"]) for f in lines} == stored_findings(repository)
    assert lines[0]["severity"] == "critical"
