"""The repository contract's cases for covered scopes (API 1.1).

:class:`~cloudscope.testing.repository_contract.RepositoryContract` includes them. When a
scope completes, the collect use case may pass ``covered``: stored scopes whose every asset
the completed scope lists (``Collector.covers``). A repository that keeps the API 1.0
default (``covers_scopes`` False) is never passed it, and these cases are skipped.
"""

from __future__ import annotations

import pytest

from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import ScopeKey
from cloudscope.ports.repository import Repository
from cloudscope.testing.change_log_contract import of_run, tracked
from cloudscope.testing.contract_support import SCOPE_A, SCOPE_B, Collection, ids, make_asset

WIDE = ScopeKey(provider="aws", account="111111111111", region=None, service="all")
"""A scope that lists everything of its account, as a full run plans it; it covers
``SCOPE_A`` (a narrowed run's scope) in these cases."""


class CoveredScopeContract:
    """What ``complete_scope(..., covered=...)`` must do. Needs the ``store`` fixture."""

    @pytest.fixture
    def covering(self, store: Repository) -> Repository:
        """The store under test, when it takes ``covered``."""
        if not type(store).covers_scopes:
            pytest.skip(f"{type(store).__name__} does not take covered scopes (API 1.0)")
        return store

    def test_a_covered_scope_loses_what_the_run_did_not_write(self, covering: Repository) -> None:
        """Completing a scope removes the covered scope's assets and relationships that the
        run did not write, logs them ``removed`` like any stale asset, and counts them."""
        kept, gone = make_asset(1), make_asset(2)
        Collection(covering).scope(SCOPE_A, [kept, gone], [
            Relationship(source_id=gone.id, type="ATTACHED_TO", target_id=kept.id),
            Relationship(source_id=kept.id, type="PROTECTED_BY", target_id=gone.id)])
        full = tracked(covering)
        removed = full.scope(WIDE, [kept], covered=[SCOPE_A])
        assert removed == 1
        assert ids(covering.iter_assets(AssetQuery())) == [kept.id]
        assert covering.get_asset(gone.id) is None
        assert covering.relationships_of([kept.id, gone.id]) == []
        logged = of_run(covering, full) if covering.has_change_log() else None
        assert logged in (None, [("removed", gone.id, None),
                                 ("relationship-removed", kept.id, ("PROTECTED_BY", gone.id))])

    def test_what_the_run_wrote_under_the_covering_scope_stays(self, covering: Repository) -> None:
        """An asset the covering scope wrote in this run moved to it and stays live, as do
        its relationships written in this run; a later run completing the covering scope
        without it removes it (it belongs to the covering scope now)."""
        a, b = make_asset(1), make_asset(2)
        edge = Relationship(source_id=a.id, type="ATTACHED_TO", target_id=b.id)
        Collection(covering).scope(SCOPE_A, [a, b], [edge])
        Collection(covering).scope(WIDE, [a, b], [edge], covered=[SCOPE_A])
        assert set(ids(covering.iter_assets(AssetQuery()))) == {a.id, b.id}
        assert [r.key for r in covering.relationships_of([a.id])] == [edge.key]
        assert Collection(covering).scope(WIDE, [a]) == 1
        assert ids(covering.iter_assets(AssetQuery())) == [a.id]

    def test_assets_written_since_the_run_started_stay(self, covering: Repository) -> None:
        """What another run wrote in the covered scope after this run started (it listed
        it later) is kept: staleness removes only what is older than the run."""
        old, newer = make_asset(1), make_asset(2)
        Collection(covering).scope(SCOPE_A, [old])
        full = Collection(covering)
        Collection(covering).scope(SCOPE_A, [old, newer])
        assert full.scope(WIDE, [], covered=[SCOPE_A]) == 0
        assert set(ids(covering.iter_assets(AssetQuery()))) == {old.id, newer.id}

    def test_a_failed_covering_scope_removes_nothing(self, covering: Repository) -> None:
        """A covering scope that fails covers nothing: the scope it would cover keeps every
        asset, and nothing is logged removed."""
        stored = [make_asset(1), make_asset(2)]
        Collection(covering).scope(SCOPE_A, stored)
        failed = tracked(covering) if covering.has_change_log() else Collection(covering)
        failed.scope(WIDE, stored[:1], complete=False)
        assert sorted(ids(covering.iter_assets(AssetQuery()))) == sorted(ids(stored))
        if covering.has_change_log():
            assert [c for c in of_run(covering, failed) if c[0] == "removed"] == []

    def test_a_scope_not_passed_as_covered_is_untouched(self, covering: Repository) -> None:
        """Only the scopes passed in ``covered`` lose what the run did not write; the
        covered scopes' own records keep their status."""
        a, b = make_asset(1), make_asset(2, region="us-east-1")
        first = Collection(covering)
        first.scope(SCOPE_A, [a])
        first.scope(SCOPE_B, [b])
        assert Collection(covering).scope(WIDE, [], covered=[SCOPE_A]) == 1
        assert ids(covering.iter_assets(AssetQuery())) == [b.id]
        scopes = {s.key: s for s in covering.list_scopes()}
        assert scopes[SCOPE_A].run_id == first.run.run_id and scopes[SCOPE_A].assets == 1
