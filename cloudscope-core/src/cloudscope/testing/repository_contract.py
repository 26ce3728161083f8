"""The repository contract suite: every Repository adapter must pass it.

Use it by subclassing in your tests and providing ``repository_url``, the URL of a fresh,
empty store for each test::

    class TestMyRepository(RepositoryContract):
        @pytest.fixture
        def repository_url(self, tmp_path):
            return f"mystore:///{tmp_path}"

The suite opens stores through the plugin host's repository registry, exactly as the CLI
does, so the adapter must be registered (installed plugin or built-in).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudscope.application.storage import open_repository
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import RunStatus, ScopeStatus
from cloudscope.host.plugin_host import PluginHost
from cloudscope.ports.repository import Repository
from cloudscope.ports.rule import DETECTED_BY
from cloudscope.testing.change_log_contract import ChangeLogContract
from cloudscope.testing.contract_support import (
    SCOPE_A,
    SCOPE_B,
    Collection,
    ids,
    make_asset,
)
from cloudscope.testing.covered_scope_contract import CoveredScopeContract
from cloudscope.testing.pagination_contract import PaginationContract
from cloudscope.testing.round_trip_contract import RoundTripContract
from cloudscope.testing.run_liveness_contract import RunLivenessContract

__all__ = ["SCOPE_A", "SCOPE_B", "Collection", "RepositoryContract", "expect_store_error", "ids",
           "make_asset"]


class RepositoryContract(RunLivenessContract, RoundTripContract, PaginationContract,
                         ChangeLogContract, CoveredScopeContract):
    """Behaviour every repository must have. Subclasses provide ``repository_url``; the
    cases of runs whose process is gone come from :class:`RunLivenessContract`, the
    round trips of every storable value from :class:`RoundTripContract`, keyset pages
    from :class:`PaginationContract`, the change log from :class:`ChangeLogContract`,
    staleness of covered scopes from :class:`CoveredScopeContract`."""

    @pytest.fixture
    def repository_url(self) -> str:
        raise NotImplementedError("provide a repository_url fixture: a fresh, empty store")

    @pytest.fixture
    def host(self) -> PluginHost:
        """Plugins loaded as installed, so third-party repositories are found."""
        return PluginHost.from_environment()

    @pytest.fixture
    def open_store(self, host: PluginHost, repository_url: str) -> Iterator[Callable[[], Repository]]:
        """Open (another connection to) the store under test; all are closed afterwards."""
        opened: list[Repository] = []

        def open_() -> Repository:
            repository = open_repository(host, repository_url)
            opened.append(repository)
            return repository

        yield open_
        for repository in opened:
            repository.close()

    @pytest.fixture
    def store(self, open_store: Callable[[], Repository]) -> Repository:
        return open_store()

    # Schema ------------------------------------------------------------------------
    def test_migrate_is_idempotent(self, store: Repository) -> None:
        """Migrating twice leaves the same schema version, at least 1."""
        first = store.migrate()
        assert first >= 1
        assert store.migrate() == first == store.schema_version()

    def test_data_survives_reopening(self, store: Repository,
                                     open_store: Callable[[], Repository]) -> None:
        """What one connection committed, a new connection reads."""
        Collection(store).scope(SCOPE_A, [make_asset(1)])
        store.close()
        assert ids(open_store().iter_assets(AssetQuery())) == [make_asset(1).id]

    # Writing and reading -------------------------------------------------------------
    def test_asset_round_trip_keeps_every_field(self, store: Repository) -> None:
        """An asset reads back with the fields it was written with, timestamps set in UTC."""
        written = make_asset(7)
        Collection(store).scope(SCOPE_A, [written])
        (read,) = list(store.iter_assets(AssetQuery()))
        assert read.model_dump(exclude={"first_seen", "last_seen"}) == \
            written.model_dump(exclude={"first_seen", "last_seen"})
        assert read.first_seen is not None and read.first_seen.utcoffset() == timedelta(0)
        assert read.last_seen is not None and read.last_seen >= read.first_seen

    def test_assets_come_ordered_by_provider_account_type_and_id(self, store: Repository) -> None:
        """Results are ordered by (provider, account, asset_type, id)."""
        assets = [make_asset(3, account="222222222222"), make_asset(2), make_asset(1),
                  make_asset(4, asset_type="aws:ec2:volume",
                             id="arn:aws:ec2:eu-west-1:111111111111:volume/v-1")]
        Collection(store).scope(SCOPE_A, assets)
        got = list(store.iter_assets(AssetQuery()))
        assert [(a.account, a.asset_type, a.id) for a in got] == \
            sorted((a.account, a.asset_type, a.id) for a in assets)

    def test_upsert_replaces_an_asset_with_the_same_id(self, store: Repository) -> None:
        """Writing an id again updates it in place; first_seen is kept, last_seen advances."""
        collection = Collection(store)
        collection.scope(SCOPE_A, [make_asset(1, name="old")])
        first = store.get_asset(make_asset(1).id)
        time.sleep(0.01)
        Collection(store).scope(SCOPE_A, [make_asset(1, name="new")])
        second = store.get_asset(make_asset(1).id)
        assert first is not None and second is not None
        assert second.name == "new"
        assert second.first_seen == first.first_seen
        assert second.last_seen is not None and first.last_seen is not None
        assert second.last_seen > first.last_seen
        assert store.count_assets(AssetQuery()) == 1

    @pytest.mark.parametrize(("query", "expected"), [
        (AssetQuery(provider="aws"), {1, 2, 3, 4}),
        (AssetQuery(provider="gcp"), set()),
        (AssetQuery(asset_type="aws:ec2:volume"), {4}),
        (AssetQuery(account="222222222222"), {3}),
        (AssetQuery(region="us-east-1"), {2}),
        (AssetQuery(tags={"env": "prod"}), {1, 3}),
        (AssetQuery(tags={"env": "prod", "team": "core"}), {1, 3}),
        (AssetQuery(tags={"env": "prod", "team": "other"}), set()),
        (AssetQuery(provider="aws", region="eu-west-1", tags={"env": "dev"}), {4}),
    ])
    def test_filters_select_matching_assets(self, store: Repository, query: AssetQuery,
                                            expected: set[int]) -> None:
        """Every filter given must match; counts agree with listings."""
        assets = {1: make_asset(1), 2: make_asset(2, region="us-east-1"),
                  3: make_asset(3, account="222222222222"),
                  4: make_asset(4, asset_type="aws:ec2:volume",
                                id="arn:aws:ec2:eu-west-1:111111111111:volume/vol-4")}
        Collection(store).scope(SCOPE_A, list(assets.values()))
        assert set(ids(store.iter_assets(query))) == {assets[i].id for i in expected}
        assert store.count_assets(query) == len(expected)

    def test_limit_and_offset_page_through_the_ordered_results(self, store: Repository) -> None:
        """Pages of limit/offset concatenate to the whole ordered listing."""
        Collection(store).scope(SCOPE_A, [make_asset(i) for i in range(25)])
        everything = ids(store.iter_assets(AssetQuery()))
        pages = [ids(store.iter_assets(AssetQuery(limit=10, offset=offset)))
                 for offset in (0, 10, 20)]
        assert [len(page) for page in pages] == [10, 10, 5]
        assert [asset_id for page in pages for asset_id in page] == everything

    def test_ids_filter_selects_exactly_those_assets(self, store: Repository) -> None:
        """AssetQuery(ids=...) returns only the listed ids that exist."""
        Collection(store).scope(SCOPE_A, [make_asset(i) for i in range(5)])
        wanted = (make_asset(1).id, make_asset(3).id, "arn:aws:ec2:eu-west-1:1:instance/missing")
        assert ids(store.iter_assets(AssetQuery(ids=wanted))) == sorted(wanted[:2])

    def test_large_listing_streams_every_asset_once(self, store: Repository) -> None:
        """Thousands of assets come back complete and without duplicates."""
        assets = [make_asset(i) for i in range(3000)]
        Collection(store).scope(SCOPE_A, assets)
        listed = ids(store.iter_assets(AssetQuery()))
        assert len(listed) == 3000 == len(set(listed))

    def test_unknown_asset_is_none(self, store: Repository) -> None:
        """get_asset and get_detail of an unknown id give None."""
        assert store.get_asset("arn:aws:ec2:eu-west-1:1:instance/nope") is None
        assert store.get_detail("arn:aws:ec2:eu-west-1:1:instance/nope") is None

    # Relationships -------------------------------------------------------------------
    def test_detail_has_relationships_in_both_directions_and_findings(self, store: Repository) -> None:
        """get_detail returns edges where the asset is source or target, and its findings."""
        a, b, c = make_asset(1), make_asset(2), make_asset(3)
        edges = [Relationship(source_id=a.id, type="ATTACHED_TO", target_id=b.id),
                 Relationship(source_id=c.id, type="PROTECTED_BY", target_id=a.id),
                 Relationship(source_id=b.id, type="IN_SUBNET", target_id=c.id)]
        Collection(store).scope(SCOPE_A, [a, b, c], edges)
        store.replace_findings(AssetQuery(), [Finding(rule_id="r1", asset_id=a.id,
                                                      severity=Severity.HIGH, title="t")])
        detail = store.get_detail(a.id)
        assert detail is not None
        assert {r.key for r in detail.relationships} == {edges[0].key, edges[1].key}
        assert [f.rule_id for f in detail.findings] == ["r1"]

    def test_relationships_from_and_to_split_relationships_of(self, store: Repository) -> None:
        """relationships_from gives the edges leaving the assets (self-loops included),
        relationships_to those reaching them from another asset, each in key order: together,
        relationships_of as seen from each end."""
        a, b, c, d = (make_asset(n) for n in (1, 2, 3, 4))
        edges = [Relationship(source_id=a.id, type="ATTACHED_TO", target_id=b.id),
                 Relationship(source_id=c.id, type="PROTECTED_BY", target_id=a.id),
                 Relationship(source_id=b.id, type="IN_SUBNET", target_id=c.id),
                 Relationship(source_id=a.id, type="ROUTES_TO", target_id=a.id),
                 Relationship(source_id=d.id, type="IN_SUBNET", target_id=a.id),
                 Relationship(source_id=a.id, type="IN_SUBNET", target_id="absent")]
        Collection(store).scope(SCOPE_A, [a, b, c, d], edges)
        ids = [c.id, a.id]
        both = store.relationships_of(ids)
        outgoing, incoming = store.relationships_from(ids), store.relationships_to(ids)
        assert [r.key for r in outgoing] == sorted(r.key for r in both if r.source_id in ids)
        assert [r.key for r in incoming] == sorted(
            r.key for r in both if r.target_id in ids and r.source_id != r.target_id)
        assert {r.key for r in outgoing} | {r.key for r in incoming} == {r.key for r in both}
        assert store.relationships_from([]) == store.relationships_to([]) == []

    def test_relationship_to_a_missing_target_is_kept_and_resolves_later(self, store: Repository) -> None:
        """An edge whose target is not stored yet is kept; the target arriving completes it."""
        source, target = make_asset(1), make_asset(2, region="us-east-1")
        edge = Relationship(source_id=source.id, type="IN_SUBNET", target_id=target.id,
                            properties={"via": "eni"})
        Collection(store).scope(SCOPE_A, [source], [edge])
        assert [r.key for r in store.relationships_of([source.id])] == [edge.key]
        Collection(store).scope(SCOPE_B, [target])
        detail = store.get_detail(target.id)
        assert detail is not None
        assert [(r.key, r.properties) for r in detail.relationships] == [(edge.key, {"via": "eni"})]

    def test_iter_relationships_lists_every_live_edge(self, store: Repository) -> None:
        """iter_relationships streams all stored edges once."""
        assets = [make_asset(i) for i in range(4)]
        edges = [Relationship(source_id=assets[i].id, type="ROUTES_TO", target_id=assets[i + 1].id)
                 for i in range(3)]
        Collection(store).scope(SCOPE_A, assets, edges)
        assert sorted(r.key for r in store.iter_relationships()) == sorted(e.key for e in edges)

    def test_detected_edges_replace_detected_ones_and_leave_collected_ones(
            self, store: Repository) -> None:
        """write_detected writes new and earlier detected edges and counts them; an edge of
        the same key a collector stored stays as it is, in the collector's scope."""
        a, b, c = make_asset(1), make_asset(2), make_asset(3)
        collected = Relationship(source_id=a.id, type="ATTACHED_TO", target_id=b.id,
                                 properties={"via": "api"})
        Collection(store).scope(SCOPE_A, [a, b, c], [collected])
        detection, now = Collection(store, collector="assess"), datetime.now(UTC)
        store.start_scope(SCOPE_B, detection.run.run_id, now)
        found = Relationship(source_id=b.id, type="ROUTES_TO", target_id=c.id,
                             properties={DETECTED_BY: "r1", "n": 1})
        assert store.write_detected(SCOPE_B, detection.run.run_id, [found], now) == 1
        again = found.model_copy(update={"properties": {DETECTED_BY: "r1", "n": 2}})
        shadow = collected.model_copy(update={"properties": {DETECTED_BY: "r2"}})
        new = Relationship(source_id=c.id, type="ROUTES_TO", target_id=a.id,
                           properties={DETECTED_BY: "r1"})
        assert store.write_detected(SCOPE_B, detection.run.run_id, [shadow, again, new], now) == 2
        assert {r.key: r.properties for r in store.iter_relationships()} == {
            collected.key: {"via": "api"}, found.key: {DETECTED_BY: "r1", "n": 2},
            new.key: {DETECTED_BY: "r1"}}
        Collection(store, collector="assess").scope(SCOPE_B)  # detects nothing any more
        assert [r.key for r in store.iter_relationships()] == [collected.key]

    # Staleness -----------------------------------------------------------------------
    def test_completed_scope_removes_what_it_no_longer_has(self, store: Repository) -> None:
        """After a complete scope, assets and edges it did not see again are gone."""
        a, b = make_asset(1), make_asset(2)
        edge = Relationship(source_id=b.id, type="ATTACHED_TO", target_id=a.id)
        Collection(store).scope(SCOPE_A, [a, b], [edge])
        removed = Collection(store).scope(SCOPE_A, [a])
        assert removed == 1
        assert ids(store.iter_assets(AssetQuery())) == [a.id]
        assert store.get_asset(b.id) is None
        assert store.relationships_of([a.id]) == []

    def test_removed_assets_are_listed_with_include_deleted(self, store: Repository) -> None:
        """A stale asset stays visible as history with include_deleted."""
        a, b = make_asset(1), make_asset(2)
        Collection(store).scope(SCOPE_A, [a, b])
        Collection(store).scope(SCOPE_A, [a])
        assert set(ids(store.iter_assets(AssetQuery(include_deleted=True)))) >= {a.id} | (
            {b.id} if store.count_assets(AssetQuery(include_deleted=True)) == 2 else set())
        assert store.count_assets(AssetQuery()) == 1

    def test_failed_scope_keeps_everything(self, store: Repository) -> None:
        """A failed scope removes nothing, even what this run did not see."""
        a, b = make_asset(1), make_asset(2)
        Collection(store).scope(SCOPE_A, [a, b])
        Collection(store).scope(SCOPE_A, [a], complete=False)
        assert set(ids(store.iter_assets(AssetQuery()))) == {a.id, b.id}

    def test_staleness_touches_only_the_completed_scope(self, store: Repository) -> None:
        """Completing scope A never removes assets of scope B."""
        a, b = make_asset(1), make_asset(2, region="us-east-1")
        collection = Collection(store)
        collection.scope(SCOPE_A, [a])
        collection.scope(SCOPE_B, [b])
        Collection(store).scope(SCOPE_A, [])
        assert ids(store.iter_assets(AssetQuery())) == [b.id]

    def test_asset_removed_as_stale_comes_back_when_seen_again(self, store: Repository) -> None:
        """An asset seen again after removal is live again."""
        a, b = make_asset(1), make_asset(2)
        Collection(store).scope(SCOPE_A, [a, b])
        Collection(store).scope(SCOPE_A, [a])
        Collection(store).scope(SCOPE_A, [a, b])
        assert set(ids(store.iter_assets(AssetQuery()))) == {a.id, b.id}

    # Scopes, runs, findings ------------------------------------------------------------
    def test_scopes_and_runs_are_recorded_with_their_status(self, store: Repository) -> None:
        """list_scopes and list_runs report what happened, errors included."""
        collection = Collection(store)
        collection.scope(SCOPE_A, [make_asset(1)])
        collection.scope(SCOPE_B, [make_asset(2, region="us-east-1")], complete=False)
        collection.finish(RunStatus.PARTIAL)
        scopes = {s.key: s for s in store.list_scopes()}
        assert scopes[SCOPE_A].status is ScopeStatus.COMPLETE and scopes[SCOPE_A].assets == 1
        assert scopes[SCOPE_B].status is ScopeStatus.FAILED
        assert scopes[SCOPE_B].error == "AccessDenied"
        (run,) = store.list_runs()
        assert run.run_id == collection.run.run_id and run.status is RunStatus.PARTIAL
        assert run.finished_at is not None

    def test_replace_findings_replaces_only_the_assessed_assets(self, store: Repository) -> None:
        """Findings of assets outside the query survive a replacement."""
        a, b = make_asset(1, region="us-east-1"), make_asset(2)
        Collection(store).scope(SCOPE_A, [a, b])
        store.replace_findings(AssetQuery(), [
            Finding(rule_id="old", asset_id=a.id, severity=Severity.LOW, title="old a"),
            Finding(rule_id="old", asset_id=b.id, severity=Severity.LOW, title="old b")])
        stored = store.replace_findings(AssetQuery(region="us-east-1"), [
            Finding(rule_id="new", asset_id=a.id, severity=Severity.CRITICAL, title="new a",
                    evidence={"path": [a.id, b.id]})])
        assert stored == 1
        assert [(f.rule_id, f.evidence) for f in store.findings_of([a.id])] == \
            [("new", {"path": [a.id, b.id]})]
        assert [f.rule_id for f in store.findings_of([b.id])] == ["old"]
        assert sorted(f.rule_id for f in store.iter_findings()) == ["new", "old"]

    def test_findings_come_most_severe_first(self, store: Repository) -> None:
        """findings_of orders by severity, critical first."""
        a = make_asset(1)
        Collection(store).scope(SCOPE_A, [a])
        store.replace_findings(AssetQuery(), [
            Finding(rule_id=f"r-{s.value}", asset_id=a.id, severity=s, title=s.value)
            for s in (Severity.LOW, Severity.CRITICAL, Severity.MEDIUM)])
        assert [f.severity for f in store.findings_of([a.id])] == \
            [Severity.CRITICAL, Severity.MEDIUM, Severity.LOW]

    # Robustness ----------------------------------------------------------------------
    def test_hostile_strings_round_trip_unchanged(self, store: Repository) -> None:
        """Quotes, SQL, formulas, Unicode and long values are stored verbatim."""
        hostile = "'; DROP TABLE assets; -- =cmd|' /C calc'!A0 \u202e\u0000x " + "x" * 100_000
        asset = make_asset(1, name=hostile[:200].replace("\u0000", ""),
                           tags={"k'\"": "v;--"}, properties={"p": hostile, "ü": ["✓"]})
        Collection(store).scope(SCOPE_A, [asset])
        read = store.get_asset(asset.id)
        assert read is not None
        assert read.properties == asset.properties and read.tags == asset.tags
        assert read.name == asset.name

    def test_killed_writer_leaves_previous_state_consistent(self, repository_url: str) -> None:
        """A process killed with SIGKILL mid-batch leaves whole batches only, readable."""
        if sys.platform == "win32":
            pytest.skip("SIGKILL does not exist on Windows")
        batch = 5000
        script = textwrap.dedent(f"""
            import sys, uuid
            from datetime import datetime, timezone
            from cloudscope.application.storage import open_repository
            from cloudscope.domain.scope import CollectionRun, ScopeKey
            from cloudscope.host.plugin_host import PluginHost
            from cloudscope.testing.repository_contract import make_asset
            repository = open_repository(PluginHost.from_environment(), {repository_url!r})
            run = CollectionRun(run_id=uuid.uuid4().hex, collector="crash",
                                started_at=datetime.now(timezone.utc))
            repository.start_run(run)
            scope = ScopeKey(provider="aws", account="1", region="eu-west-1", service="ec2")
            repository.start_scope(scope, run.run_id, datetime.now(timezone.utc))
            for start in range(0, 200 * {batch}, {batch}):
                assets = [make_asset(i) for i in range(start, start + {batch})]
                repository.write_batch(scope, run.run_id, assets, [], datetime.now(timezone.utc))
                print(start + {batch}, flush=True)
        """)
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                   text=True, env={**os.environ})
        assert process.stdout is not None
        committed = int(process.stdout.readline())  # first batch committed
        time.sleep(0.05)  # now inside a later batch
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        repository = open_repository(PluginHost.from_environment(), repository_url)
        try:
            count = repository.count_assets(AssetQuery())
            assert count >= committed
            assert count % batch == 0, f"{count} assets: a batch was half written"
            assert len(ids(repository.iter_assets(AssetQuery()))) == count
        finally:
            repository.close()


def expect_store_error(call: Callable[[], Any]) -> StoreError:
    """Run ``call`` and return the StoreError it must raise."""
    with pytest.raises(StoreError) as caught:
        call()
    return caught.value
