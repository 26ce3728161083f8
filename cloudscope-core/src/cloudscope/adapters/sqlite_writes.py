"""The SQLite store's write path: batches, staleness when a scope completes, findings, restore."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Final, cast

from cloudscope.adapters.sqlite_changes import SQLiteChangeLog
from cloudscope.adapters.sqlite_connection import FETCH_SIZE, chunks
from cloudscope.adapters.sqlite_reads import ASSET_COLUMNS, where_clause
from cloudscope.adapters.sqlite_runs import RUN_COLUMNS, run_row
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, Scope, ScopeKey
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.timestamps import isoformat as stamp
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.repository import Repository, StoredAsset, StoredRelationship
from cloudscope.ports.rule import DETECTED_BY

# Ids looked up per statement when a batch is written (passed as one JSON array).
MAX_BATCH_LOOKUP: Final = 10_000
_INSERT_ASSET: Final = (
    f"INSERT INTO assets (number, {ASSET_COLUMNS}, scope_key, deleted_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " provider = excluded.provider, asset_type = excluded.asset_type,"
    " native_type = excluded.native_type, name = excluded.name, account = excluded.account,"
    " region = excluded.region, tags = excluded.tags, properties = excluded.properties,"
    " last_seen = excluded.last_seen, scope_key = excluded.scope_key,"
    " deleted_at = excluded.deleted_at, ")
_UPSERT_EDGE: Final = (
    "INSERT INTO relationships (source_id, type, target_id, properties, scope_key, last_seen)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, type, target_id) DO UPDATE SET"
    " properties = excluded.properties, scope_key = excluded.scope_key,"
    " last_seen = excluded.last_seen")
# A detected edge replaces only a detected one: a collector's (no detected_by) is its own.
_UPSERT_DETECTED: Final = (
    f"{_UPSERT_EDGE} WHERE json_type(relationships.properties, '$.{DETECTED_BY}') IS NOT NULL")
UPSERT_SEEN: Final = _INSERT_ASSET + "first_seen = min(assets.first_seen, excluded.first_seen)"
"""Upsert of a collected asset: it is live again, and keeps the first time it was seen."""
UPSERT_VERBATIM: Final = _INSERT_ASSET + "first_seen = excluded.first_seen"
"""Upsert of a restored asset: every column as given."""


class SQLiteWritePath(SQLiteChangeLog):
    """Everything that changes the inventory, each call one transaction (with the changes
    it makes, for a tracked run)."""

    covers_scopes: ClassVar[bool] = True

    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        """Upsert a batch in one transaction."""
        seen = stamp(seen_at)
        key = scope.key
        rows = [
            (a.id, a.provider, a.asset_type, a.native_type, a.name, a.account, a.region,
             dumps(a.tags), dumps(a.properties), stamp(a.first_seen) if a.first_seen else seen,
             seen, key, None)
            for a in assets
        ]
        edge_rows = [(r.source_id, r.type, r.target_id, dumps(r.properties), key, seen)
                     for r in relationships]
        with self._transaction() as connection:
            stored, changes = self._asset_changes(connection, run_id, seen, assets, rows)
            numbers = _write_assets(connection, UPSERT_SEEN, rows, [a.tags for a in assets],
                                    stored)
            self._log_asset_changes(connection, changes, stored, numbers)
            # The new edges' changes follow the assets' (their ids in that order) and are
            # found before the edges are written.
            self._log_new_edges(connection, run_id, seen, relationships, changes)
            connection.executemany(_UPSERT_EDGE, edge_rows)

    def write_detected(self, scope: ScopeKey, run_id: str,
                       relationships: Sequence[Relationship], seen_at: datetime) -> int:
        """Upsert detected relationships in one transaction; the upsert's condition leaves
        a collector's edges alone (no lookup of the stored edges, a third of the cost)."""
        if run_id in self._differs:  # a tracked run records its new edges: write_batch does
            return Repository.write_detected(cast(Repository, self), scope, run_id,
                                             relationships, seen_at)
        seen, key = stamp(seen_at), scope.key
        rows = [(r.source_id, r.type, r.target_id, dumps(r.properties), key, seen)
                for r in {r.key: r for r in relationships}.values()]
        if not rows:
            return 0
        with self._transaction() as connection:
            # Rows an upsert leaves unchanged are not counted: the count is of those written.
            written: int = connection.executemany(_UPSERT_DETECTED, rows).rowcount
        return written

    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,
                       finished_at: datetime, covered: Sequence[ScopeKey] = ()) -> int:
        """Mark the scope complete; remove what the run did not see, in it and in the
        scopes it covers."""
        # One JSON array of keys: the index on (scope_key, last_seen) serves each of them.
        keys = dumps(sorted({scope.key, *(key.key for key in covered)}))
        with self._transaction() as connection:
            row = connection.execute("SELECT started_at FROM runs WHERE run_id = ?",
                                     (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"unknown run {run_id!r}")
            started = row[0]
            self._log_staleness(connection, run_id, keys, started, stamp(finished_at))
            removed = connection.execute(
                "UPDATE assets SET deleted_at = ? WHERE scope_key IN"
                " (SELECT value FROM json_each(?)) AND last_seen < ? AND deleted_at IS NULL",
                (stamp(finished_at), keys, started)).rowcount
            connection.execute("DELETE FROM relationships WHERE scope_key IN"
                               " (SELECT value FROM json_each(?)) AND last_seen < ?",
                               (keys, started))
            connection.execute(
                "UPDATE scopes SET status = 'complete', assets = ?, error = NULL, finished_at = ?"
                " WHERE scope_key = ? AND run_id = ?",
                (assets, stamp(finished_at), scope.key, run_id))
        return int(removed)

    def replace_findings(self, query: AssetQuery, findings: Iterable[Finding]) -> int:
        """Replace the findings of the assets matching ``query``, in one transaction."""
        where, parameters = where_clause(query.model_copy(update={"include_deleted": True}))
        count = 0
        with self._transaction() as connection:
            connection.execute(
                f"DELETE FROM findings WHERE asset_id IN (SELECT id FROM assets{where})"
                if where else "DELETE FROM findings", parameters)
            batch: list[tuple[Any, ...]] = []
            for finding in findings:
                batch.append((finding.rule_id, finding.asset_id, finding.severity.value,
                              finding.severity.rank, finding.title, finding.detail,
                              finding.remediation, dumps(finding.evidence)))
                if len(batch) >= FETCH_SIZE:
                    count += self._insert_findings(connection, batch)
                    batch = []
            count += self._insert_findings(connection, batch)
        return count

    @staticmethod
    def _insert_findings(connection: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
        connection.executemany(
            "INSERT INTO findings (rule_id, asset_id, severity, severity_rank, title, detail,"
            " remediation, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        return len(batch)

    def restore(self, assets: Sequence[StoredAsset] = (),
                relationships: Sequence[StoredRelationship] = (), scopes: Sequence[Scope] = (),
                runs: Sequence[CollectionRun] = ()) -> None:
        """Upsert records verbatim, timestamps included, in one transaction."""
        now = stamp(utc_now())
        asset_rows = [
            (s.asset.id, s.asset.provider, s.asset.asset_type, s.asset.native_type, s.asset.name,
             s.asset.account, s.asset.region, dumps(s.asset.tags), dumps(s.asset.properties),
             stamp(s.asset.first_seen) if s.asset.first_seen else now,
             stamp(s.asset.last_seen) if s.asset.last_seen else now, s.scope_key,
             stamp(s.deleted_at) if s.deleted_at else None)
            for s in assets
        ]
        with self._transaction() as connection:
            _write_assets(connection, UPSERT_VERBATIM, asset_rows,
                          [s.asset.tags for s in assets])
            connection.executemany(
                "INSERT OR REPLACE INTO relationships (source_id, type, target_id, properties,"
                " scope_key, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                [(s.relationship.source_id, s.relationship.type, s.relationship.target_id,
                  dumps(s.relationship.properties), s.scope_key, stamp(s.last_seen))
                 for s in relationships])
            connection.executemany(
                "INSERT OR REPLACE INTO scopes (scope_key, provider, account, region, service,"
                " status, run_id, assets, error, started_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(s.key.key, s.key.provider, s.key.account, s.key.region, s.key.service,
                  s.status.value, s.run_id, s.assets, s.error,
                  stamp(s.started_at) if s.started_at else None,
                  stamp(s.finished_at) if s.finished_at else None) for s in scopes])
            connection.executemany(
                f"INSERT OR REPLACE INTO runs ({RUN_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [run_row(r) for r in runs])


def _write_assets(connection: sqlite3.Connection, statement: str,
                  rows: Sequence[tuple[Any, ...]], tags: Sequence[dict[str, str]],
                  stored: dict[str, tuple[int, str]] | None = None) -> range:
    """Upsert asset rows (in ASSET_COLUMNS order, then scope_key and deleted_at) and keep
    ``asset_tags`` equal to their tags, inside the caller's transaction; the numbers the
    new assets took, in the order of their first row.

    One lookup per batch finds the assets already stored, their number and tags text (or
    ``stored`` gives them: the change log looked them up already). New
    assets take the next numbers (the write lock is held, so nobody else takes them); tag
    rows are written only for the difference between the stored tags and the batch's last
    tags of each asset: re-collecting an estate whose tags did not change writes none.
    """
    if stored is None:
        stored = {}
        for chunk in chunks([row[0] for row in rows], MAX_BATCH_LOOKUP):
            stored.update((asset_id, (number, text)) for asset_id, number, text in connection.execute(
                "SELECT id, number, tags FROM assets WHERE id IN (SELECT value FROM json_each(?))",
                (dumps(chunk),)))
    next_number = first_new = connection.execute(
        "SELECT coalesce(max(number), 0) + 1 FROM assets").fetchone()[0]
    numbered: list[tuple[Any, ...]] = []
    before: dict[int, str | None] = {}  # tags text stored before this batch, by number
    after: dict[int, tuple[str, dict[str, str]]] = {}  # the batch's last tags, by number
    for row, asset_tags in zip(rows, tags, strict=True):
        known = stored.get(row[0])
        if known is None:
            number = next_number
            next_number += 1
            before[number] = None
            numbered.append((number, *row))
        else:
            # A NULL number never conflicts: the row conflicts on its id and is updated.
            number = known[0]
            before.setdefault(number, known[1])
            numbered.append((None, *row))
        stored[row[0]] = (number, row[7])
        after[number] = (row[7], asset_tags)
    removed: list[tuple[str, str, int]] = []
    added: list[tuple[str, str, int]] = []
    # New assets' tags are read from their stored text by SQLite, in one statement: the
    # index is by definition json_each(tags) (a Python row per tag cost a first collection
    # more than the statement). SQLite's strings end at U+0000, which only an unvalidated
    # asset can hold: then Python writes them.
    in_sql = next_number > first_new and not any(
        "\\u0000" in after[number][0] for number in range(first_new, next_number))
    for number, (text, new) in after.items():
        old_text = before[number]
        if old_text is None:
            if not in_sql:
                added.extend((name, value, number) for name, value in new.items())
        elif old_text != text:
            old = loads(old_text)
            removed.extend((name, value, number) for name, value in old.items() - new.items())
            added.extend((name, value, number) for name, value in new.items() - old.items())
    connection.executemany(statement, numbered)
    connection.executemany("DELETE FROM asset_tags WHERE key = ? AND value = ? AND asset = ?",
                           removed)
    connection.executemany("INSERT INTO asset_tags (key, value, asset) VALUES (?, ?, ?)", added)
    if in_sql:
        connection.execute("INSERT INTO asset_tags (key, value, asset) SELECT t.key, t.value,"
                           " a.number FROM assets AS a, json_each(a.tags) AS t"
                           " WHERE a.number >= ?", (first_new,))
    return range(first_new, next_number)
