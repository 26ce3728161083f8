"""A rule that raises on one item records an error for that item and keeps running (issue 12).

One malformed asset (``IpPermissions: ["x"]``) used to disable a rule for every later asset.
Now the error belongs to that (rule, asset): it is counted and listed, the assessment is
incomplete (exit code 3), the rule's earlier findings on that asset are kept, and every other
asset is assessed. A rule that raises in its closing call still fails as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import Asset, AssetQuery, Finding, Relationship, RiskRule, RuleGraph
from cloudscope.application.assess import DETECTION_SCOPE, Assessment
from cloudscope.domain.assessment import MAX_LISTED_ITEM_ERRORS
from cloudscope.domain.scope import ScopeStatus
from cloudscope.ports.rule import DetectionRule

RULE = "aws.ec2.security-group-admin-ports-open"
SG = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-{}"
OPEN_SSH = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def group(make_asset: Callable[..., Asset], name: str, permissions: Any) -> Asset:
    """A security group with these inbound permissions."""
    return make_asset(SG.format(name), "aws:ec2:security-group",
                      {"GroupId": f"sg-{name}", "IpPermissions": permissions})


def test_malformed_asset_does_not_hide_the_findings_of_later_assets(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        assess: Callable[..., Any]) -> None:
    """A malformed group, then an open one: the open group still gets its finding; the
    error is listed for the malformed group only and the assessment is incomplete."""
    write_estate([group(make_asset, "1", ["x"]), group(make_asset, "2", OPEN_SSH)])
    result = assess()
    found = {(f.rule_id, f.asset_id) for f in result.findings()}
    assert (RULE, SG.format("2")) in found
    summary = result.summary
    assert summary.failures == []
    errors = {(e.rule_id, e.item, e.stage) for e in summary.listed_item_errors}
    assert (RULE, SG.format("1"), "observe") in errors
    assert summary.item_errors == len(summary.listed_item_errors) >= 1
    assert not summary.complete


def test_twin_without_the_malformed_asset_is_complete(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        assess: Callable[..., Any]) -> None:
    """The twin: a well-formed closed group instead of the malformed one: the same finding,
    no error, complete."""
    write_estate([group(make_asset, "1", []), group(make_asset, "2", OPEN_SSH)])
    result = assess()
    assert (RULE, SG.format("2")) in {(f.rule_id, f.asset_id) for f in result.findings()}
    assert result.summary.item_errors == 0 and result.summary.complete


def test_earlier_findings_on_the_asset_that_raised_are_kept(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        assess: Callable[..., Any], repository: SQLiteRepository) -> None:
    """A group that was open, then becomes malformed: its earlier finding stays (nothing
    stored is lost), and the other group's findings are replaced as usual."""
    write_estate([group(make_asset, "1", OPEN_SSH), group(make_asset, "2", OPEN_SSH)])
    assess()
    write_estate([group(make_asset, "1", ["x"]), group(make_asset, "2", [])])
    result = assess()
    stored = {(f.rule_id, f.asset_id) for f in repository.iter_findings()}
    assert (RULE, SG.format("1")) in stored
    assert (RULE, SG.format("2")) not in stored
    assert result.summary.kept_findings >= 1


class Picky(RiskRule):
    """Raises on assets named ``bad-*`` and relationships of type ``BAD``; finds the rest."""

    rule_id = "t.picky"
    title = "seen"
    asset_types = frozenset({"aws:s3:bucket"})
    relationship_types = frozenset({"BAD", "ROUTES_TO"})

    def __init__(self) -> None:
        self.seen: list[str] = []

    def observe(self, asset: Asset) -> Iterable[Finding]:
        if (asset.name or "").startswith("bad"):
            raise KeyError("Policy")
        yield self.finding(asset.id)

    def observe_relationship(self, relationship: Relationship) -> None:
        if relationship.type == "BAD":
            raise ValueError("malformed edge")
        self.seen.append(relationship.target_id)


def buckets(make_asset: Callable[..., Asset], count: int, bad: set[int]) -> list[Asset]:
    return [make_asset(f"arn:aws:s3:::b{i:04d}", "aws:s3:bucket",
                       name=("bad-" if i in bad else "ok-") + str(i)) for i in range(count)]


def test_every_error_is_counted_and_the_first_are_listed(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        assess: Callable[..., Any]) -> None:
    """A rule raising on many assets: all counted, the first hundred listed, the rule still
    finds every other asset."""
    count = MAX_LISTED_ITEM_ERRORS + 50
    write_estate(buckets(make_asset, count + 10, bad=set(range(count))))
    result = assess([Picky()])
    summary = result.summary
    assert summary.item_errors == count
    assert len(summary.listed_item_errors) == MAX_LISTED_ITEM_ERRORS
    assert summary.as_json()["item_errors"] == count
    assert {f.asset_id for f in result.findings()} == \
        {f"arn:aws:s3:::b{i:04d}" for i in range(count, count + 10)}


def test_relationship_error_is_isolated_too(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[[str, str, str], Relationship], assess: Callable[..., Any]) -> None:
    """observe_relationship raising on one edge records an error naming the edge; the rule
    sees the edges after it."""
    assets = buckets(make_asset, 3, bad=set())
    rule = Picky()
    write_estate(assets, [edge(assets[0].id, "BAD", assets[1].id),
                          edge(assets[1].id, "ROUTES_TO", assets[2].id)])
    summary = assess([rule]).summary
    assert [(e.stage, e.item) for e in summary.listed_item_errors] == \
        [("observe_relationship", f"{assets[0].id} -BAD-> {assets[1].id}")]
    assert rule.seen == [assets[2].id]
    assert summary.failures == []


class BrokenConclusion(RiskRule):
    """Raises in its closing call."""

    rule_id = "t.broken"
    title = "never"

    def conclude(self, graph: RuleGraph) -> Iterable[Finding]:
        raise RuntimeError("graph walk exploded")


def test_error_in_the_closing_call_fails_the_rule_as_a_whole(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        assess: Callable[..., Any]) -> None:
    """conclude raising: the rule is listed as failed (not as an item error)."""
    write_estate(buckets(make_asset, 2, bad=set()))
    summary = assess([BrokenConclusion(), Picky()]).summary
    assert [(f.rule_id, f.stage) for f in summary.failures] == [("t.broken", "conclude")]
    assert summary.item_errors == 0 and not summary.complete


class PickyDetector(DetectionRule):
    """Links every bucket to the first; raises on buckets named ``bad-*``."""

    rule_id = "t.detector"

    def observe(self, asset: Asset) -> Iterable[Relationship]:
        if (asset.name or "").startswith("bad"):
            raise KeyError("Tags")
        if asset.id != "arn:aws:s3:::b0000":
            yield self.link(asset.id, "RELATED_TO", "arn:aws:s3:::b0000")


def test_detector_item_error_keeps_the_edges_detected_before(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        repository: SQLiteRepository) -> None:
    """A detection rule raising on one asset: the other assets' edges are written and the
    detection scope fails, so that the edges it detected before on that asset stay."""
    write_estate(buckets(make_asset, 3, bad=set()))
    Assessment(repository, [PickyDetector()]).run(AssetQuery())
    write_estate(buckets(make_asset, 3, bad={1}))
    result = Assessment(repository, [PickyDetector()]).run(AssetQuery())
    assert result.summary.item_errors == 1
    edges = {r.source_id for r in repository.iter_relationships()}
    assert edges == {"arn:aws:s3:::b0001", "arn:aws:s3:::b0002"}
    (scope,) = [s for s in repository.list_scopes() if s.key == DETECTION_SCOPE]
    assert scope.status is ScopeStatus.FAILED


def test_cli_lists_the_item_error_and_exits_3(run_cloudscope: Callable[..., Any],
                                              sqlite_url: str, tmp_path: Any) -> None:
    """`cloudscope assess`: the later open group's finding is printed, the error on the
    malformed group is listed (table and JSON), exit code 3."""
    import json

    estate = tmp_path / "groups.jsonl"
    rows = [{"id": SG.format(name), "provider": "aws", "asset_type": "aws:ec2:security-group",
             "properties": {"GroupId": f"sg-{name}", "IpPermissions": permissions}}
            for name, permissions in (("1", ["x"]), ("2", OPEN_SSH))]
    estate.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert run_cloudscope("collect", "file", str(estate), "--db", sqlite_url).exit_code == 0
    table = run_cloudscope("assess", "--db", sqlite_url)
    assert table.exit_code == 3, table.stderr
    assert f"rule error: {RULE} on {SG.format('1')} (observe): AttributeError" in table.stdout
    report = json.loads(run_cloudscope("assess", "--db", sqlite_url, "--format", "json").stdout)
    assert {"rule_id": RULE, "asset_id": SG.format("2")}.items() <= \
        next(f for f in report["findings"] if f["rule_id"] == RULE).items()
    assert report["item_errors"] >= 1 and report["failed_rules"] == []
    assert {(e["rule_id"], e["item"]) for e in report["listed_item_errors"]} >= \
        {(RULE, SG.format("1"))}
