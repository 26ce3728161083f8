"""The export source: chunked reads that give the same records whatever the chunk size."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import AssetQuery, Relationship, Repository
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


def both_directions(store: Repository, asset_id: str) -> list[tuple[str, str, str]]:
    """An asset's relationships as API 1.0 records carried them: read from either end."""
    return [r.key for r in store.relationships_of([asset_id])]


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_records_carry_both_directions_in_key_order(store: SQLiteRepository,
                                                    chunk_size: int) -> None:
    """Each record's relationships are those of relationships_of seen from its asset, in
    key order, outgoing and incoming split as the port's filters split them."""
    for record in RepositorySource(store, AssetQuery(), chunk_size=chunk_size).records():
        own = record.asset.id
        assert [r.key for r in record.relationships] == both_directions(store, own)
        assert [r.key for r in record.outgoing] == [
            key for key in both_directions(store, own) if key[0] == own]
        assert [r.key for r in record.incoming] == [
            key for key in both_directions(store, own) if key[2] == own and key[0] != own]
        assert len(record.relationships) == len(both_directions(store, own))


@pytest.fixture
def reads_to(store: SQLiteRepository, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of ids of each relationships_to call made on ``store``."""
    calls: list[int] = []
    relationships_to = store.relationships_to
    monkeypatch.setattr(store, "relationships_to",
                        lambda ids: calls.append(len(ids)) or relationships_to(ids))
    return calls


def test_incoming_relationships_are_read_only_when_used(store: SQLiteRepository,
                                                        reads_to: list[int]) -> None:
    """Records read through outgoing and as_json (what JSON, JSON Lines and the graphs
    use) read no incoming relationship; the first record to use them reads its chunk's."""
    records = list(RepositorySource(store, AssetQuery(), chunk_size=7).records())
    for record in records:
        record.as_json()
        assert record.outgoing is not None
    assert reads_to == []
    assert records[0].incoming is not None and records[1].relationships[:1] is not None
    assert reads_to == [7]  # the first chunk's, once
    list(records[8].relationships)
    assert reads_to == [7, 7]


def test_reading_names_reads_the_incoming_relationships(store: SQLiteRepository,
                                                        reads_to: list[int]) -> None:
    """The related names include the sources of incoming relationships, so reading them
    reads those relationships (once per chunk)."""
    target = next(record for record in RepositorySource(store, AssetQuery()).records()
                  if record.incoming)
    reads_to.clear()
    record = next(r for r in RepositorySource(store, AssetQuery(ids=(target.asset.id,)))
                  .records())
    source_id = record.incoming[0].source_id
    assert reads_to == [1]
    assert record.name_of(source_id) == (store.names_of([source_id]).get(source_id) or source_id)
    assert reads_to == [1]


def test_a_store_without_directional_queries_is_read_once(estate_url: str) -> None:
    """A store that keeps the port's default relationships_from/to (API 1.0 stores) is
    read in both directions by one relationships_of per chunk, and gives the same records."""

    class Api10Store(SQLiteRepository):
        relationships_from = Repository.relationships_from  # type: ignore[assignment]
        relationships_to = Repository.relationships_to  # type: ignore[assignment]

        def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
            self.reads += 1
            return super().relationships_of(asset_ids)

    with Api10Store(estate_url) as legacy, SQLiteRepository(estate_url) as current:
        legacy.reads = 0
        assert not legacy.reads_relationships_by_direction
        assert current.reads_relationships_by_direction
        old = list(RepositorySource(legacy, AssetQuery(), chunk_size=5).records())
        new = list(RepositorySource(current, AssetQuery(), chunk_size=5).records())
        assert [(r.asset, list(r.relationships), r.outgoing, r.incoming) for r in old] == \
            [(r.asset, list(r.relationships), r.outgoing, r.incoming) for r in new]
        assert legacy.reads == -(-len(old) // 5)
