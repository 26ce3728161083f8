"""The SQLite repository: the contract suite, plus what only SQLite has."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.domain.errors import StoreError
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.testing.repository_contract import (
    SCOPE_A,
    Collection,
    RepositoryContract,
    make_asset,
)


class TestSQLiteRepositoryContract(RepositoryContract):
    """SQLite passes the repository contract."""

    @pytest.fixture
    def repository_url(self, sqlite_url: str) -> str:
        return sqlite_url


def test_store_uses_write_ahead_logging(sqlite_url: str) -> None:
    """The file is in WAL mode, so readers do not block the writer."""
    with SQLiteRepository(sqlite_url) as repository:
        assert repository._connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_database_is_refused_unchanged(tmp_path: Path) -> None:
    """A SQLite file of another application is refused and left as it was."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a CloudScope database"):
        SQLiteRepository(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    """A text file given as --db is a clear error, not a crash."""
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not a database" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        SQLiteRepository(f"sqlite:///{path}")


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    """A store in a directory that does not exist is an error naming the directory."""
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteRepository(f"sqlite:///{tmp_path}/missing/x.db")


def test_read_only_store_can_be_queried_but_not_written(sqlite_url: str) -> None:
    """A store opened with ?mode=ro answers queries; a write is a StoreError naming read-only."""
    with SQLiteRepository(sqlite_url) as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(1)])
    with SQLiteRepository(sqlite_url + "?mode=ro") as repository:
        assert repository.count_assets(AssetQuery()) == 1
        with pytest.raises(StoreError, match="read-only"):
            Collection(repository).scope(SCOPE_A, [make_asset(2)])
    with SQLiteRepository(sqlite_url) as repository:
        assert repository.count_assets(AssetQuery()) == 1


def test_locked_store_is_a_clear_error(sqlite_url: str) -> None:
    """A writer that cannot get the lock in time fails with 'locked', nothing half written."""
    with SQLiteRepository(sqlite_url) as holder:
        holder._connection.execute("BEGIN IMMEDIATE")
        with SQLiteRepository(sqlite_url + "?timeout=0.2") as waiting, \
                pytest.raises(StoreError, match="locked"):
            Collection(waiting).scope(SCOPE_A, [make_asset(1)])
        holder._connection.execute("ROLLBACK")
        assert holder.count_assets(AssetQuery()) == 0


def test_newer_schema_is_refused(sqlite_url: str) -> None:
    """A store written by a newer CloudScope is refused with a hint to upgrade."""
    with SQLiteRepository(sqlite_url) as repository:
        repository._connection.execute(
            "UPDATE cloudscope_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer"):
        SQLiteRepository(sqlite_url)


def test_relationships_of_gives_each_edge_once_in_key_order(sqlite_url: str) -> None:
    """relationships_of answers every edge touching the ids once, in key order, whether
    one end or both are asked for, in one batch of ids or in two (over 900 ids)."""
    assets = [make_asset(index) for index in range(1000)]
    first, last = assets[0].id, assets[-1].id
    edges = [Relationship(source_id=first, type="ROUTES_TO", target_id=last,
                          properties={"port": 443}),  # its ends in different batches
             Relationship(source_id=assets[1].id, type="ATTACHED_TO", target_id=assets[2].id),
             Relationship(source_id=assets[3].id, type="RELATED_TO", target_id=assets[3].id),
             Relationship(source_id=assets[5].id, type="PROTECTED_BY", target_id=first),
             Relationship(source_id=assets[6].id, type="IN_SUBNET", target_id=assets[7].id)]
    with SQLiteRepository(sqlite_url) as repository:
        Collection(repository).scope(SCOPE_A, assets, edges)
        # 987 ids: the first and the last are in different batches of 900.
        found = repository.relationships_of([asset.id for asset in assets[:6]]
                                            + [asset.id for asset in assets[10:990]] + [last])
    expected = sorted(edges[:4], key=lambda edge: edge.key)
    assert [(edge.key, edge.properties) for edge in found] == \
        [(edge.key, edge.properties) for edge in expected]
