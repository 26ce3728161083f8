"""The repository contract's cases for the change log (API 1.1).

:class:`~cloudscope.testing.repository_contract.RepositoryContract` includes them. A
repository that keeps the API 1.0 default (``has_change_log()`` False) must say so: its
change-log reads raise a :class:`StoreError`, and the other cases are skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudscope.domain.change import (
    FINDING_CHANGES,
    Change,
    ChangedFinding,
    ChangeKind,
    ChangeQuery,
)
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.redaction import REDACTED
from cloudscope.domain.relationship import Relationship
from cloudscope.ports.repository import Repository
from cloudscope.testing.contract_support import SCOPE_A, SCOPE_B, Collection, make_asset


def tracked(store: Repository, volatile: Mapping[str, Sequence[str]] | None = None) -> Collection:
    """A collection whose changes the store logs, as the collect use case starts one."""
    collection = Collection(store)
    store.track_changes(collection.run.run_id, volatile or {})
    return collection


def summarize(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """A change as JSON (``Change.as_json()``, a line of ``changes --format jsonl``) as
    (kind, asset id, detail): the changed fields (path, before, after) of a modification,
    (type, target) of a relationship change, (rule id, cause ids) of a finding change."""
    detail: Any = None
    if record["fields"]:
        detail = [(f["path"], f["before"], f["after"]) for f in record["fields"]]
    elif record["relationship"]:
        detail = (record["relationship"]["type"], record["relationship"]["target_id"])
    elif record["finding"]:
        detail = (record["finding"]["rule_id"], record["caused_by"])
    return (record["change"], record["asset_id"], detail)


def stream(store: Repository, **filters: Any) -> list[tuple[Any, ...]]:
    """The changes matching ``filters``, each as :func:`summarize` gives it."""
    return [summarize(change.as_json()) for change in store.iter_changes(ChangeQuery(**filters))]


def of_run(store: Repository, collection: Collection) -> list[tuple[Any, ...]]:
    """The changes one run recorded."""
    return [entry for entry, change in zip(stream(store), store.iter_changes(ChangeQuery()),
                                           strict=True)
            if change.run_id == collection.run.run_id]


class ChangeLogContract:
    """What a repository's change log must do. Needs the ``store`` fixture."""

    @pytest.fixture
    def logged(self, store: Repository) -> Repository:
        """The store under test, when it keeps a change log."""
        if not store.has_change_log():
            pytest.skip(f"{type(store).__name__} keeps no change log (API 1.0 default)")
        return store

    def test_a_store_without_a_change_log_says_so(self, store: Repository) -> None:
        """has_change_log() False: reading the log is a StoreError (exit 2), never a crash."""
        if store.has_change_log():
            assert list(store.iter_changes(ChangeQuery())) == []
            return
        with pytest.raises(StoreError, match="keeps no change log"):
            list(store.iter_changes(ChangeQuery()))

    def test_a_collection_logs_the_exact_changes(self, logged: Repository) -> None:
        """Added, modified (changed fields), removed assets and added or removed
        relationships, each with its run, asset type and name, in the order they happened;
        the relationships of an asset added or removed are part of that change."""
        a, b, c = make_asset(1), make_asset(2), make_asset(3)
        first = tracked(logged)
        first.scope(SCOPE_A, [a, b, c], [
            Relationship(source_id=a.id, type="PROTECTED_BY", target_id=b.id),
            Relationship(source_id=c.id, type="ATTACHED_TO", target_id=a.id)])
        assert of_run(logged, first) == [
            ("added", a.id, None), ("added", b.id, None), ("added", c.id, None)]
        changed = make_asset(1, tags={**a.tags, "owner": "alice"},
                             properties={**a.properties, "State": {"Name": "stopped"}})
        d = make_asset(4)
        second = tracked(logged)
        second.scope(SCOPE_A, [changed, b, d], [
            Relationship(source_id=b.id, type="ROUTES_TO", target_id=a.id),
            Relationship(source_id=d.id, type="ATTACHED_TO", target_id=a.id)])
        assert of_run(logged, second) == [
            ("modified", a.id, [("tags.owner", None, "alice"),
                                ("properties.State.Name", "running", "stopped")]),
            ("added", d.id, None),
            ("relationship-added", b.id, ("ROUTES_TO", a.id)),
            ("removed", c.id, None),
            ("relationship-removed", a.id, ("PROTECTED_BY", b.id))]
        changes = [c for c in logged.iter_changes(ChangeQuery())
                   if c.run_id == second.run.run_id]
        assert [(x.asset_type, x.name, x.provider, x.account, x.region) for x in changes] == \
            [("aws:ec2:instance", f"web-{i}", "aws", "111111111111", "eu-west-1")
             for i in (1, 4, 2, 3, 1)]
        ids = [x.id or 0 for x in logged.iter_changes(ChangeQuery())]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)

    def test_collecting_an_unchanged_estate_logs_nothing(self, logged: Repository) -> None:
        """Seeing the same assets and relationships again is no change."""
        assets = [make_asset(i) for i in range(5)]
        edges = [Relationship(source_id=assets[0].id, type="ROUTES_TO", target_id=assets[1].id)]
        tracked(logged).scope(SCOPE_A, assets, edges)
        again = tracked(logged)
        again.scope(SCOPE_A, assets, edges)
        assert of_run(logged, again) == []

    def test_volatile_fields_never_count_but_are_stored(self, logged: Repository) -> None:
        """A field the collector declares volatile changes nothing in the log; the stored
        asset still takes its new value; other fields changed beside it are reported."""
        def db(stamp: str, engine: str) -> Any:
            return make_asset(1, properties={"LatestRestorableTime": stamp, "Engine": engine,
                                             "Roles": [{"Name": "r", "LastUsed": stamp}]})
        volatile = {"aws:ec2:instance": ("LatestRestorableTime", "Roles[].LastUsed")}
        tracked(logged, volatile).scope(SCOPE_A, [db("t1", "postgres")])
        second = tracked(logged, volatile)
        second.scope(SCOPE_A, [db("t2", "postgres")])
        assert of_run(logged, second) == []
        stored = logged.get_asset(db("t2", "").id)
        assert stored is not None and stored.properties["LatestRestorableTime"] == "t2"
        third = tracked(logged, volatile)
        third.scope(SCOPE_A, [db("t3", "mysql")])
        assert of_run(logged, third) == [
            ("modified", db("", "").id, [("properties.Engine", "postgres", "mysql")])]

    def test_a_run_that_is_not_tracked_logs_nothing(self, logged: Repository) -> None:
        """Only runs given to track_changes are logged (assess's detected edges are not)."""
        Collection(logged).scope(SCOPE_A, [make_asset(1)])
        assert list(logged.iter_changes(ChangeQuery())) == []

    def test_an_asset_back_after_removal_is_added_again(self, logged: Repository) -> None:
        """Removed by staleness, then seen again: removed, then added."""
        a, b = make_asset(1), make_asset(2)
        tracked(logged).scope(SCOPE_A, [a, b])
        tracked(logged).scope(SCOPE_A, [a])
        back = tracked(logged)
        back.scope(SCOPE_A, [a, b])
        assert [entry for entry in stream(logged) if entry[1] == b.id] == [
            ("added", b.id, None), ("removed", b.id, None), ("added", b.id, None)]
        assert of_run(logged, back) == [("added", b.id, None)]

    def test_changes_are_selected_by_window_and_filters(self, logged: Repository) -> None:
        """since (exclusive), until (inclusive), the asset filters, tags as the asset has
        them now, asset ids (with the relationships pointing at them), kinds, ids, limit."""
        here, there = make_asset(1), make_asset(2, region="us-east-1", tags={"env": "test"})
        tracked(logged).scope(SCOPE_A, [here])
        time.sleep(0.05)
        middle = datetime.now(UTC)
        time.sleep(0.05)
        later = tracked(logged)
        later.scope(SCOPE_B, [there], [Relationship(source_id=here.id, type="ROUTES_TO",
                                                    target_id=there.id)])
        linked = ("relationship-added", here.id, ("ROUTES_TO", there.id))
        assert stream(logged, until=middle) == [("added", here.id, None)]
        assert stream(logged, since=middle) == [("added", there.id, None), linked]
        assert stream(logged, region="eu-west-1") == [("added", here.id, None), linked]
        assert len(stream(logged, provider="aws", account="111111111111")) == 3
        assert stream(logged, asset_type="aws:ec2:volume") == []
        assert stream(logged, tags={"env": "test"}) == [("added", there.id, None)]
        assert stream(logged, asset_ids=(here.id,)) == [("added", here.id, None), linked]
        assert stream(logged, asset_ids=(there.id,), related=True) == \
            [("added", there.id, None), linked]
        assert stream(logged, kinds=(ChangeKind.RELATIONSHIP_ADDED,)) == [linked]
        first = next(iter(logged.iter_changes(ChangeQuery())))
        assert stream(logged, ids=(first.id,)) == [("added", here.id, None)]
        assert stream(logged, after=first.id) == [("added", there.id, None), linked]
        assert stream(logged, after=first.id, limit=1) == [("added", there.id, None)]
        assert len(stream(logged, limit=2)) == 2
        assert stream(logged, since=datetime.now(UTC) + timedelta(seconds=5)) == []

    def test_finding_changes_are_recorded_with_their_causes(self, logged: Repository) -> None:
        """record_changes appends changes (an assessment's), gives them increasing ids,
        and reads them back with their finding and causes."""
        a = make_asset(1)
        tracked(logged).scope(SCOPE_A, [a])
        (cause,) = logged.iter_changes(ChangeQuery())
        now = datetime.now(UTC)
        finding = ChangedFinding(rule_id="aws.ec2.open", severity=Severity.HIGH, title="open")
        ids = logged.record_changes([
            Change(change=ChangeKind.FINDING_NEW, asset_id=a.id, asset_type=a.asset_type,
                   name=a.name, provider="aws", account=a.account, region=a.region,
                   run_id="assess-1", at=now, finding=finding, caused_by=[cause.id or 0]),
            Change(change=ChangeKind.FINDING_RESOLVED, asset_id=a.id, run_id="assess-1",
                   at=now, finding=finding)])
        assert len(ids) == 2 and cause.id is not None and cause.id < ids[0] < ids[1]
        assert stream(logged, kinds=tuple(FINDING_CHANGES)) == [
            ("finding-new", a.id, ("aws.ec2.open", [cause.id])),
            ("finding-resolved", a.id, ("aws.ec2.open", []))]
        (new,) = logged.iter_changes(ChangeQuery(ids=(ids[0],)))
        assert new.finding == finding and new.run_id == "assess-1" and new.name == a.name

    def test_restored_changes_keep_their_ids(self, logged: Repository,
                                             open_store: Callable[[], Repository]) -> None:
        """restore_changes copies records verbatim (ids included); later ones come after."""
        at = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
        copied = [Change(id=40, change=ChangeKind.ADDED, asset_id="x", run_id="r", at=at),
                  Change(id=41, change=ChangeKind.FINDING_NEW, asset_id="x", run_id="a", at=at,
                         finding=ChangedFinding(rule_id="r", severity=Severity.LOW, title="t"),
                         caused_by=[40])]
        logged.restore_changes(copied)
        logged.restore_changes(copied)  # idempotent: a copy run again
        assert [c.model_dump() for c in open_store().iter_changes(ChangeQuery())] == \
            [c.model_dump() for c in copied]
        (later,) = logged.record_changes([Change(change=ChangeKind.REMOVED, asset_id="x",
                                                 run_id="r2", at=datetime.now(UTC))])
        assert later > 41

    def test_prune_deletes_old_changes_and_removed_assets(self, logged: Repository) -> None:
        """History older than the cutoff goes; live assets and newer changes stay."""
        a, b = make_asset(1), make_asset(2)
        tracked(logged).scope(SCOPE_A, [a, b])
        tracked(logged).scope(SCOPE_A, [a])
        time.sleep(0.05)
        cutoff = datetime.now(UTC)
        time.sleep(0.05)
        tracked(logged).scope(SCOPE_A, [make_asset(1, name="renamed")])
        assert logged.prune(cutoff) == {"changes": 3, "assets": 1}
        assert stream(logged) == [("modified", a.id, [("name", "web-1", "renamed")])]
        assert logged.count_assets(AssetQuery(include_deleted=True)) == 1

    def test_secrets_in_changed_fields_are_stored_redacted(self, logged: Repository) -> None:
        """A changed secret reads [REDACTED] on both sides: the log never holds it."""
        def fn(secret: str, tag: str) -> Any:
            return make_asset(1, tags={"api_token": tag}, properties={
                "Environment": {"Variables": {"DB_PASSWORD": secret}},
                "Tags": [{"Key": "db_password", "Value": secret}]})
        tracked(logged).scope(SCOPE_A, [fn("hunter2-first-Secret", "tok-AAAA1111")])
        tracked(logged).scope(SCOPE_A, [fn("hunter2-second-Secret", "tok-BBBB2222")])
        (change,) = [c for c in logged.iter_changes(ChangeQuery()) if c.fields]
        assert [(f.path, f.before, f.after) for f in change.fields] == [
            ("tags.api_token", REDACTED, REDACTED),
            ("properties.Environment.Variables.DB_PASSWORD", REDACTED, REDACTED),
            ("properties.Tags[0].Value", REDACTED, REDACTED)]
        text = str([c.model_dump() for c in logged.iter_changes(ChangeQuery())])
        assert "hunter2" not in text and "tok-" not in text

    def test_the_log_survives_reopening(self, logged: Repository,
                                        open_store: Callable[[], Repository]) -> None:
        """What one connection logged, a new connection reads."""
        tracked(logged).scope(SCOPE_A, [make_asset(1)])
        logged.close()
        assert stream(open_store()) == [("added", make_asset(1).id, None)]
