"""Stores made before change tracking open migrated: their inventory kept, an empty change
log, and the next tracked collection compares with what they held."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from cloudscope.adapters import sqlite_schema
from cloudscope.adapters.file_repository import FileRepository
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import ChangeQuery, Repository
from cloudscope.testing.change_log_contract import stream, tracked
from cloudscope.testing.contract_support import SCOPE_A, make_asset

STAMP = "2026-01-01T00:00:00.000000Z"


def collect_again(store: Repository) -> list[tuple[object, ...]]:
    """A tracked collection of asset 1 renamed; the changes it logged."""
    assert list(store.iter_changes(ChangeQuery())) == []
    tracked(store).scope(SCOPE_A, [make_asset(1, name="renamed")])
    return stream(store)


def test_a_schema_3_sqlite_store_gains_an_empty_change_log(tmp_path: Path) -> None:
    """Schema 3 (before change tracking) migrates to 4; the stored asset is the before."""
    path = tmp_path / "old.db"
    asset = make_asset(1)
    with sqlite3.connect(path, isolation_level=None) as connection:
        for version in (1, 2, 3):
            for statement in sqlite_schema.MIGRATIONS[version]:
                connection.execute(statement)
        connection.executemany("INSERT INTO cloudscope_meta VALUES (?, ?)",
                               [("application", "cloudscope"), ("schema_version", "3")])
        connection.execute(
            "INSERT INTO assets (id, provider, asset_type, native_type, name, account, region,"
            " tags, properties, first_seen, last_seen, scope_key) VALUES"
            " (?, 'aws', 'aws:ec2:instance', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (asset.id, asset.native_type, asset.name, asset.account, asset.region,
             json.dumps(asset.tags), json.dumps(asset.properties), STAMP, STAMP, SCOPE_A.key))
    connection.close()
    with SQLiteRepository(f"sqlite:///{path}") as store:
        assert store.schema_version() == 4
        assert collect_again(store) == [("modified", asset.id, [("name", "web-1", "renamed")])]


def test_a_schema_1_file_store_gains_an_empty_change_log(tmp_path: Path) -> None:
    """A file store of schema 1 (no changes.jsonl) migrates to 2; its assets stay."""
    directory = tmp_path / "store"
    directory.mkdir()
    (directory / "meta.json").write_text(json.dumps({"application": "cloudscope",
                                                     "schema_version": 1}), encoding="utf-8")
    asset = make_asset(1)
    record = {**asset.model_dump(mode="json", exclude={"first_seen", "last_seen"}),
              "first_seen": STAMP, "last_seen": STAMP, "scope_key": SCOPE_A.key,
              "deleted_at": None}
    (directory / "assets.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with FileRepository(f"file://{directory}") as store:
        assert store.schema_version() == 2
        assert store.get_asset(asset.id) is not None
        assert collect_again(store) == [("modified", asset.id, [("name", "web-1", "renamed")])]
    assert datetime.fromisoformat(json.loads((directory / "changes.jsonl").read_text(
        encoding="utf-8"))["at"]) > datetime(2026, 1, 1, tzinfo=UTC)
