"""The export source: chunked reads that give the same records whatever the chunk size."""

from __future__ import annotations

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import AssetQuery, Repository
from cloudscope.application.export import RepositorySource
from cloudscope.testing.exporter_contract import SECRET, Estate


def summary(source: RepositorySource) -> list[tuple[str, list[str], list[str]]]:
    return [(record.asset.id,
             sorted(f"{r.type}:{record.name_of(r.target_id)}" for r in record.outgoing),
             sorted(f"{r.type}:{record.name_of(r.source_id)}" for r in record.incoming))
            for record in source.records()]


@pytest.mark.parametrize("chunk_size", [1, 2, 7])
def test_records_do_not_depend_on_the_chunk_size(store: SQLiteRepository,
                                                 chunk_size: int) -> None:
    """Small chunks give the same assets, relationships and related names as one big chunk."""
    whole = RepositorySource(store, AssetQuery(), chunk_size=1000)
    assert summary(RepositorySource(store, AssetQuery(), chunk_size=chunk_size)) == \
        summary(whole)


def test_records_are_redacted_before_an_exporter_sees_them(store: SQLiteRepository) -> None:
    """No field of any record holds a planted secret."""
    for record in RepositorySource(store, AssetQuery()).records():
        assert SECRET not in repr(record)


def test_related_names_are_looked_up_only_when_read(store: SQLiteRepository,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Formats that show no related names (JSON) cost no lookup of them; reading a name
    looks the chunk's names up once."""
    lookups: list[list[str]] = []
    names_of = store.names_of
    monkeypatch.setattr(store, "names_of", lambda ids: lookups.append(ids) or names_of(ids))
    records = list(RepositorySource(store, AssetQuery(), chunk_size=1).records())
    assert lookups == []
    linked = next(r for r in records if r.outgoing)
    target = linked.outgoing[0].target_id
    assert linked.name_of(target) == (store.names_of([target]).get(target) or target)
    assert len(lookups) == 2  # the record's chunk, then the check above


def test_names_of_default_matches_the_sqlite_query(store: SQLiteRepository,
                                                   estate: Estate) -> None:
    """The port's default names_of (reading assets) and SQLite's (reading names) agree."""
    ids = [*estate.assets, "arn:aws:ec2:us-east-1:1:instance/i-missing"]
    expected = {a.id: a.name for a in estate.assets.values() if a.name}
    assert store.names_of(ids) == expected
    assert Repository.names_of(store, ids) == expected


def test_neighbourhood_counts_the_start_asset(store: SQLiteRepository, estate: Estate) -> None:
    """Depth 0 is the asset alone."""
    start = estate.ids(name="batch-1")[0]
    source = RepositorySource(store, AssetQuery())
    assert source.neighbourhood(start, 0, limit=10) == [start]
    assert len(source.neighbourhood(start, 1, limit=10)) == 2
