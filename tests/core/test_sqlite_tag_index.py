"""The SQLite tag index (schema 2): always equal to the assets' tags, and migrated from schema 1."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters import sqlite_schema
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import Scope, ScopeStatus
from cloudscope.ports.repository import StoredAsset
from cloudscope.testing.repository_contract import SCOPE_A, Collection, make_asset


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SQLiteRepository]:
    """A fresh store."""
    repository = SQLiteRepository(sqlite_url)
    yield repository
    repository.close()


def tag_rows(store: SQLiteRepository) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """(rows of asset_tags, rows the assets' tags call for)."""
    connection = store._connection
    indexed = set(connection.execute("SELECT key, value, asset FROM asset_tags"))
    expected = set(connection.execute(
        "SELECT t.key, t.value, a.number FROM assets AS a, json_each(a.tags) AS t"))
    return indexed, expected


def tagged(store: SQLiteRepository, **tags: str) -> set[str]:
    """Ids of the live assets with these tags."""
    return {asset.id for asset in store.iter_assets(AssetQuery(tags=tags))}


def test_changed_tags_replace_the_old_ones_in_the_index(store: SQLiteRepository) -> None:
    """Added, removed, changed and reordered tags leave the index equal to the assets' tags."""
    Collection(store).scope(SCOPE_A, [make_asset(i) for i in range(4)])
    Collection(store).scope(SCOPE_A, [
        make_asset(0),  # unchanged
        make_asset(1, tags={"env": "dev", "team": "core"}),  # a value changed
        make_asset(2, tags={"team": "core", "env": "dev", "cost": "low"}),  # reordered, added
        make_asset(3, tags={}),  # every tag removed
    ])
    indexed, expected = tag_rows(store)
    assert indexed == expected
    assert tagged(store, env="dev") == {make_asset(i).id for i in (0, 1, 2)}
    assert tagged(store, cost="low") == {make_asset(2).id}
    assert tagged(store, team="core") == {make_asset(i).id for i in (0, 1, 2)}


def test_same_id_twice_in_one_batch_indexes_the_last_tags(store: SQLiteRepository) -> None:
    """A batch holding an id twice stores the last one, and only its tags are indexed."""
    Collection(store).scope(SCOPE_A, [make_asset(1, tags={"env": "dev"}),
                                      make_asset(1, tags={"env": "prod"})])
    indexed, expected = tag_rows(store)
    assert indexed == expected == {("env", "prod", 1)}
    assert store.count_assets(AssetQuery()) == 1


def test_restore_over_stored_assets_keeps_their_numbers_and_tags(
        store: SQLiteRepository) -> None:
    """Restoring assets that are stored updates them in place; the index follows their tags."""
    Collection(store).scope(SCOPE_A, [make_asset(i) for i in range(3)])
    numbers = dict(store._connection.execute("SELECT id, number FROM assets"))
    now = datetime.now(UTC)
    store.restore(assets=[
        StoredAsset(asset=make_asset(i, tags={"restored": "yes"}, first_seen=now, last_seen=now),
                    scope_key=SCOPE_A.key, deleted_at=None) for i in range(1, 4)],
        scopes=[Scope(key=SCOPE_A, status=ScopeStatus.COMPLETE, run_id="r", assets=4)])
    assert dict(store._connection.execute(
        "SELECT id, number FROM assets WHERE number <= 3")) == numbers
    indexed, expected = tag_rows(store)
    assert indexed == expected
    assert tagged(store, restored="yes") == {make_asset(i).id for i in range(1, 4)}


def test_store_of_schema_1_is_migrated_with_its_tags(tmp_path: Path) -> None:
    """A schema 1 store opens migrated: assets, numbers and tag filters are kept."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path, isolation_level=None) as connection:
        for statement in sqlite_schema.MIGRATIONS[1]:
            connection.execute(statement)
        connection.executemany("INSERT INTO cloudscope_meta VALUES (?, ?)",
                               [("application", "cloudscope"), ("schema_version", "1")])
        for number, (asset_id, env) in enumerate([("a", "prod"), ("b", "dev")], start=1):
            connection.execute(
                "INSERT INTO assets (rowid, id, provider, asset_type, tags, properties,"
                " first_seen, last_seen, scope_key) VALUES (?, ?, 'aws', 'aws:s3:bucket', ?,"
                " '{}', '2026-01-01', '2026-01-01', 'k')", (number * 10, asset_id,
                                                             f'{{"env":"{env}"}}'))
            connection.execute("INSERT INTO asset_tags VALUES (?, 'env', ?)", (asset_id, env))
    connection.close()
    store = SQLiteRepository(f"sqlite:///{path}")
    try:
        assert store.schema_version() == sqlite_schema.CURRENT_VERSION == 4
        assert dict(store._connection.execute("SELECT id, number FROM assets")) == \
            {"a": 10, "b": 20}
        assert tagged(store, env="prod") == {"a"}
        Collection(store).scope(SCOPE_A, [make_asset(1)])
        indexed, expected = tag_rows(store)
        assert indexed == expected
        assert store.execute_integrity_check() == "ok"
    finally:
        store.close()


def test_a_nul_in_an_unvalidated_tag_is_indexed_whole(store: SQLiteRepository) -> None:
    """New assets' tags are indexed from their stored text by SQLite, whose strings end at
    U+0000: a batch holding an unvalidated tag with one is indexed by Python, whole."""
    valid = make_asset(1)
    unchecked = make_asset(2).model_copy(update={"tags": {"env": "a\0b"}})
    Collection(store).scope(SCOPE_A, [valid, unchecked])
    indexed, _ = tag_rows(store)
    numbers = dict(store._connection.execute("SELECT id, number FROM assets"))
    assert indexed == {("env", "prod", numbers[valid.id]), ("team", "core", numbers[valid.id]),
                       ("env", "a\0b", numbers[unchecked.id])}
