"""docs/rules.md stays true: its examples run, and its baseline table matches the rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope.api import Asset, AssetRule, RiskRule, Rule
from cloudscope.domain.rule_language import parse_pack
from cloudscope.ports.declarative_rules import rules_of

GUIDE = Path(__file__).parents[2] / "docs" / "rules.md"


def blocks(language: str) -> list[str]:
    """The fenced code blocks of the guide in ``language``."""
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def example_yaml() -> str:
    (text,) = [b for b in blocks("yaml") if b.startswith("# example:")]
    return text


def test_example_yaml_rule_flags_a_writable_bucket_without_owner(
        example_yaml: str, make_asset: Callable[..., Asset]) -> None:
    """The guide's YAML rule loads and flags exactly the bucket it describes."""
    (rule,) = rules_of(parse_pack(example_yaml, "rules/team.yaml"))
    assert isinstance(rule, RiskRule)
    writable = {"Acl": {"Grants": [{"Permission": "WRITE"}]}}
    assert len(list(rule.observe(make_asset("b1", "aws:s3:bucket", writable)))) == 1
    owned = make_asset("b2", "aws:s3:bucket", writable, tags={"owner": "data"})
    assert list(rule.observe(owned)) == []


def test_example_detections_load() -> None:
    """The guide's detection examples are valid."""
    (text,) = [b for b in blocks("yaml") if b.startswith("detections:")]
    assert [r.rule_id for r in rules_of(parse_pack(text, "guide"))] == [
        "team.detect.same-service", "team.detect.same-name-stem"]


def test_example_python_rule_runs(make_asset: Callable[..., Asset]) -> None:
    """The guide's Python rule imports only cloudscope.api and finds what it says."""
    (source,) = [b for b in blocks("python") if b.startswith("# example:")]
    namespace: dict[str, object] = {}
    exec(compile(source, str(GUIDE), "exec"), namespace)
    rule_class = namespace["UnencryptedSnapshotCopy"]
    assert isinstance(rule_class, type) and issubclass(rule_class, AssetRule)
    rule = rule_class()
    volume = make_asset("vol", "aws:ec2:volume", {"SnapshotId": "snap-1", "Encrypted": False})
    (finding,) = rule.observe(volume)
    assert finding.detail == "restored from snap-1"


def test_baseline_table_lists_every_risk_rule_with_its_severity(
        baseline_rules: Callable[..., list[Rule]]) -> None:
    """Each baseline risk rule appears once in the guide's table, with its severity."""
    table = dict(re.findall(r"^\| `([a-z0-9.-]+)` \| (critical|high|medium|low|info) \|",
                            GUIDE.read_text(encoding="utf-8"), re.M))
    expected = {r.rule_id: r.severity.value for r in baseline_rules() if isinstance(r, RiskRule)}
    assert table == expected
