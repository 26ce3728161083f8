"""The SQLite store's change log: written inside the write path's transactions, read by window.

A tracked run's batch costs one more lookup (the stored versions of its assets, which the
write path needed anyway for their tags) and one of its new relationships; assets whose
stored JSON text equals the new one are unchanged without being parsed, so re-collecting
an estate that did not change writes no change and parses nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any, Final

from cloudscope.adapters.sqlite_connection import (
    FETCH_SIZE,
    MAX_BATCH_LOOKUP,
    SQLiteConnection,
    chunks,
    parse_stamp,
)
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import Change, ChangeKind, ChangeQuery, change_from_detail
from cloudscope.domain.change_diff import AssetDiffer
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.timestamps import isoformat as stamp

CHANGE_COLUMNS: Final = ("id, run_id, at, change, asset_id, provider, asset_type, name, account,"
                         " region, detail")
INSERT_CHANGE: Final = (
    "INSERT INTO changes (run_id, at, change, asset_id, related_id, provider, asset_type, name,"
    " account, region, detail, asset_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
"""A change row (:func:`change_row`) and the number of its asset (None when not stored)."""
_INSERT_LOOKED_UP: Final = (
    "INSERT INTO changes (id, run_id, at, change, asset_id, related_id, provider, asset_type,"
    " name, account, region, detail, asset_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " (SELECT number FROM assets WHERE id = ?))")
"""A whole change (restored or an assessment's), its asset's number looked up."""
# Columns 3 to 10 in the order of the write path's rows (1 to 8), so that one slice
# comparison tells an unchanged asset.
_STORED: Final = ("SELECT id, number, deleted_at, provider, asset_type, native_type, name,"
                  " account, region, tags, properties FROM assets"
                  " WHERE id IN (SELECT value FROM json_each(?))")
# The batch's edges not stored yet (one probe of the primary key each), in batch order,
# logged with the number and facts of their source as stored: the write path upserts the
# batch's assets first, so a source in the batch has the batch's values. ``?`` is a JSON
# array of [source_id, type, target_id].
_LOG_NEW_EDGES: Final = (
    "INSERT INTO changes (run_id, at, change, asset_id, asset_number, related_id, provider,"
    " asset_type, name, account, region, detail) SELECT ?, ?, 'relationship-added', e.source,"
    " a.number, e.target, a.provider, a.asset_type, a.name, a.account, a.region,"
    " json_object('relationship', json_object('type', e.type, 'target_id', e.target))"
    " FROM (SELECT key, json_extract(value, '$[0]') AS source, json_extract(value, '$[1]')"
    " AS type, json_extract(value, '$[2]') AS target FROM json_each(?)) AS e"
    " LEFT JOIN assets AS a ON a.id = e.source WHERE NOT EXISTS (SELECT 1 FROM relationships"
    " AS r WHERE r.source_id = e.source AND r.type = e.type AND r.target_id = e.target)"
    " ORDER BY e.key")
_LOG_ADDED: Final = (
    "INSERT INTO changes (run_id, at, change, asset_id, asset_number, provider, asset_type,"
    " name, account, region) SELECT ?, ?, 'added', id, number, provider, asset_type, name,"
    " account, region FROM assets WHERE number >= ? ORDER BY number")
"""The ``added`` rows of a batch's new assets, from the rows just written."""
# The fallback's lookups: the stored edges of the batch's sources (the primary key's
# prefix), and the new edges' sources.
_KNOWN_EDGES: Final = ("SELECT source_id, type, target_id FROM relationships"
                       " WHERE source_id IN (SELECT value FROM json_each(?))")
_SOURCES: Final = ("SELECT id, number, provider, asset_type, name, account, region FROM assets"
                   " WHERE id IN (SELECT value FROM json_each(?))")
# Texts whose JSON SQLite must write as dumps does for _LOG_NEW_EDGES to be used: quotes,
# backslashes, control characters, non-ASCII (SQLite's escapes changed across versions).
_PROBES: Final = ('a"b\\c', "\b\t\n\f\r\x01\x1f\x7f", "é\u2028\U0001f600/<>&")
# Staleness, logged before it is applied: what it removes, with what the asset was.
_REMOVED_ASSETS: Final = (
    "INSERT INTO changes (run_id, at, change, asset_id, asset_number, provider, asset_type,"
    " name, account, region) SELECT ?, ?, 'removed', id, number, provider, asset_type, name,"
    " account, region FROM assets WHERE scope_key IN (SELECT value FROM json_each(?))"
    " AND last_seen < ? AND deleted_at IS NULL ORDER BY id")
_REMOVED_EDGES: Final = (
    "INSERT INTO changes (run_id, at, change, asset_id, asset_number, related_id, provider,"
    " asset_type, name, account, region, detail) SELECT ?, ?, 'relationship-removed',"
    " r.source_id, a.number, r.target_id, a.provider, a.asset_type, a.name, a.account, a.region,"
    " json_object('relationship', json_object('type', r.type, 'target_id', r.target_id))"
    " FROM relationships AS r LEFT JOIN assets AS a ON a.id = r.source_id"
    " WHERE r.scope_key IN (SELECT value FROM json_each(?)) AND r.last_seen < ?"
    " AND (a.id IS NULL OR a.deleted_at IS NOT NULL OR a.last_seen >= ?"
    " OR a.scope_key NOT IN (SELECT value FROM json_each(?)))"
    " ORDER BY r.source_id, r.type, r.target_id")
"""Relationships staleness removes, but those of an asset it removes: its removal says it."""

# The columns of the stored row (_STORED) that the differ compares, by field name.
_FIELDS: Final = (("provider", 3), ("asset_type", 4), ("native_type", 5), ("name", 6),
                  ("account", 7), ("region", 8))
_TAGS, _PROPERTIES = 9, 10


def change_row(run_id: str, at: str, kind: ChangeKind, asset: Asset | None, asset_id: str,
               *, related_id: str | None = None, detail: str | None = None) -> tuple[Any, ...]:
    """The values of :data:`INSERT_CHANGE` for a change of ``asset`` (None: not stored)."""
    if asset is None:
        return (run_id, at, kind.value, asset_id, related_id, None, None, None, None, None,
                detail)
    return (run_id, at, kind.value, asset_id, related_id, asset.provider, asset.asset_type,
            asset.name, asset.account, asset.region, detail)


def change_where(query: ChangeQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause and parameters of ``query``'s filters (limit aside)."""
    clauses: list[str] = []
    parameters: list[Any] = []
    if query.since is not None:
        # The first id of the window, from the index of times: the rows before it are
        # never read (a scan in id order would read the whole log).
        clauses.append("id >= (SELECT min(id) FROM changes INDEXED BY changes_at WHERE at > ?)"
                       " AND at > ?")
        parameters.extend((stamp(query.since), stamp(query.since)))
    if query.until is not None:
        clauses.append("at <= ?")
        parameters.append(stamp(query.until))
    if query.after is not None:
        clauses.append("id > ?")
        parameters.append(query.after)
    for column in ("provider", "asset_type", "account", "region"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            parameters.append(value)
    for key, value in query.tags.items():
        clauses.append("asset_number IN (SELECT asset FROM asset_tags WHERE key = ?"
                       " AND value = ?)")
        parameters.extend((key, value))
    if query.asset_ids is not None:
        wanted = "(SELECT value FROM json_each(?))"
        ids = dumps(list(query.asset_ids))
        terms = [f"asset_number IN (SELECT number FROM assets WHERE id IN {wanted})",
                 f"(asset_number IS NULL AND asset_id IN {wanted})"]
        parameters.extend((ids, ids))
        if query.related:
            terms.append(f"related_id IN {wanted}")
            parameters.append(ids)
        clauses.append(f"({' OR '.join(terms)})")
    for column, values in (("change", query.kinds), ("id", query.ids)):
        if values is not None:
            clauses.append(f"{column} IN (SELECT value FROM json_each(?))")
            parameters.append(dumps([str(v) if column == "change" else v for v in values]))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def change_from_row(row: Sequence[Any]) -> Change:
    """A change read back (columns of :data:`CHANGE_COLUMNS`)."""
    return change_from_detail(
        {"id": row[0], "run_id": row[1], "at": parse_stamp(row[2]), "change": ChangeKind(row[3]),
         "asset_id": row[4], "provider": row[5], "asset_type": row[6], "name": row[7],
         "account": row[8], "region": row[9]}, loads(row[10]) if row[10] else None)


class SQLiteChangeLog(SQLiteConnection):
    """The change log of a SQLite store: what tracked runs change, and reading it back."""

    @cached_property
    def _differs(self) -> dict[str, AssetDiffer]:
        """The differ of each tracked run, by run id."""
        return {}

    def has_change_log(self) -> bool:
        """SQLite stores keep one (schema 4)."""
        return True

    def track_changes(self, run_id: str, volatile_fields: Mapping[str, Sequence[str]]) -> None:
        """Log the changes ``run_id`` writes through this object."""
        self._differs[run_id] = AssetDiffer(volatile_fields)

    def _asset_changes(self, connection: sqlite3.Connection, run_id: str, seen: str,
                       assets: Sequence[Asset], rows: Sequence[tuple[Any, ...]]
                       ) -> tuple[dict[str, tuple[int, str]] | None, list[tuple[Any, ...]]]:
        """For a tracked run: the stored (number, tags) of the batch's assets, for the
        write path, and the change rows of its assets. ``rows`` are the write path's rows
        (tags and properties already encoded at 7 and 8)."""
        differ = self._differs.get(run_id)
        if differ is None:
            return None, []
        stored: dict[str, tuple[Any, ...]] = {}
        for chunk in chunks([a.id for a in assets], MAX_BATCH_LOOKUP):
            stored.update((row[0], row) for row in connection.execute(_STORED, (dumps(chunk),)))
        changes: list[tuple[Any, ...]] = []
        added = ChangeKind.ADDED.value
        for asset, row in zip(assets, rows, strict=True):
            old = stored.get(row[0])
            if old is None or old[2] is not None:
                # The row's values (id, provider, type, name, account, region): the commonest
                # change of a first collection, built without a call per asset.
                changes.append((run_id, seen, added, row[0], None, row[1], row[2], row[4],
                                row[5], row[6], None))
            elif old[3:] != row[1:9]:
                # Compared as stored (the JSON texts parsed), and only what differs is
                # parsed: equal fields are left out of both sides.
                before: dict[str, Any] = {name: old[index] for name, index in _FIELDS}
                after: dict[str, Any] = {name: getattr(asset, name) for name, _ in _FIELDS}
                if old[_TAGS] != row[7]:
                    before["tags"], after["tags"] = loads(old[_TAGS]), loads(row[7])
                if old[_PROPERTIES] != row[8]:
                    before["properties"] = loads(old[_PROPERTIES])
                    after["properties"] = loads(row[8])
                fields = differ.diff(asset.asset_type, before, after)
                if fields:
                    changes.append(change_row(
                        run_id, seen, ChangeKind.MODIFIED, asset, asset.id,
                        detail=dumps({"fields": [f.model_dump(mode="json") for f in fields]})))
        return {key: (row[1], row[_TAGS]) for key, row in stored.items()}, changes

    def _log_new_edges(self, connection: sqlite3.Connection, run_id: str, seen: str,
                       relationships: Sequence[Relationship],
                       changes: Sequence[tuple[Any, ...]]) -> None:
        """For a tracked run, after the batch's assets and before its edges are written: log
        the batch's relationships not stored yet, but those of an asset ``changes`` adds
        (its addition says it). Set-based: one statement finds them and writes their rows."""
        if run_id not in self._differs or not relationships:
            return
        added_kind = ChangeKind.ADDED.value
        added = {row[3] for row in changes if row[2] == added_kind}
        edges = [(r.source_id, r.type, r.target_id) for r in relationships
                 if r.source_id not in added]
        text = dumps(edges)
        # SQLite's strings end at U+0000 (the models refuse it; model_construct does not).
        if self._sqlite_writes_json_as_dumps and "\\u0000" not in text:
            connection.execute(_LOG_NEW_EDGES, (run_id, seen, text))
            return
        known: set[tuple[str, str, str]] = set()
        for chunk in chunks(sorted({edge[0] for edge in edges}), MAX_BATCH_LOOKUP):
            known.update(connection.execute(_KNOWN_EDGES, (dumps(chunk),)))
        new = [edge for edge in edges if edge not in known]
        sources: dict[str, tuple[Any, ...]] = {}
        for chunk in chunks(sorted({edge[0] for edge in new}), MAX_BATCH_LOOKUP):
            sources.update((row[0], row[1:]) for row in connection.execute(_SOURCES,
                                                                          (dumps(chunk),)))
        unknown = (None,) * 6
        connection.executemany(INSERT_CHANGE, [
            (run_id, seen, ChangeKind.RELATIONSHIP_ADDED.value, source, target,
             *(sources.get(source) or unknown)[1:],
             dumps({"relationship": {"type": kind, "target_id": target}}),
             (sources.get(source) or unknown)[0])
            for source, kind, target in new])

    @cached_property
    def _sqlite_writes_json_as_dumps(self) -> bool:
        """Whether this SQLite's ``json_object`` writes :data:`_PROBES` as dumps does."""
        written = self._connection.execute(
            "SELECT json_object('relationship', json_object('type', value, 'target_id', value))"
            " FROM json_each(?) ORDER BY key", (dumps(_PROBES),)).fetchall()
        return [row[0] for row in written] == [
            dumps({"relationship": {"type": probe, "target_id": probe}}) for probe in _PROBES]

    @staticmethod
    def _log_asset_changes(connection: sqlite3.Connection, changes: Sequence[tuple[Any, ...]],
                           stored: dict[str, tuple[int, str]] | None, new: range) -> None:
        """Write the batch's asset change rows, after the write path numbered the ``new``
        assets (``stored`` has every number). When they are exactly one ``added`` per new
        asset (a first collection: no asset back after removal, none twice in the batch),
        SQLite copies them from the rows just written, in the order of their numbers."""
        if not changes:
            return
        added = ChangeKind.ADDED.value
        if len(changes) == len(new) and all(row[2] == added for row in changes):
            connection.execute(_LOG_ADDED, (changes[0][0], changes[0][1], new.start))
            return
        numbers = stored or {}
        connection.executemany(INSERT_CHANGE, [(*row, numbers[row[3]][0]) for row in changes])

    def _log_staleness(self, connection: sqlite3.Connection, run_id: str, scope_keys: str,
                       started: str, finished: str) -> None:
        """For a tracked run: log what completing a scope is about to remove from
        ``scope_keys`` (a JSON array: the scope's key and those of the scopes it covers)."""
        if run_id in self._differs:
            connection.execute(_REMOVED_ASSETS, (run_id, finished, scope_keys, started))
            connection.execute(_REMOVED_EDGES, (run_id, finished, scope_keys, started, started,
                                                scope_keys))

    def record_changes(self, changes: Sequence[Change]) -> list[int]:
        """Append changes in one transaction; their ids.

        Changes without an id go in batches of ``executemany``: in a transaction holding
        the write lock, SQLite gives each new row the largest id plus one, so a batch's
        ids follow the largest id before it (half a million finding changes, one
        statement per change, cost a first assessment of a million assets 16 s).
        """
        ids: list[int] = []
        batch: list[tuple[Any, ...]] = []

        def flush(connection: sqlite3.Connection) -> None:
            if batch:
                first = int(connection.execute(
                    "SELECT coalesce(max(id), 0) + 1 FROM changes").fetchone()[0])
                connection.executemany(_INSERT_LOOKED_UP, batch)
                ids.extend(range(first, first + len(batch)))
                batch.clear()

        with self._transaction() as connection:
            for change in changes:
                if change.id is None:
                    batch.append(_full_row(change))
                    if len(batch) >= FETCH_SIZE:
                        flush(connection)
                else:
                    flush(connection)
                    cursor = connection.execute(_INSERT_LOOKED_UP, _full_row(change))
                    ids.append(int(cursor.lastrowid or 0))
            flush(connection)
        return ids

    def restore_changes(self, changes: Sequence[Change]) -> None:
        """Upsert changes verbatim, ids included."""
        with self._transaction() as connection:
            connection.executemany(_INSERT_LOOKED_UP.replace("INSERT", "INSERT OR REPLACE", 1),
                                   [_full_row(c) for c in changes])

    def iter_changes(self, query: ChangeQuery) -> Iterator[Change]:
        """Matching changes in the order they were recorded, streamed."""
        where, parameters = change_where(query)
        cursor = self._connection.cursor()
        try:
            cursor.execute(f"SELECT {CHANGE_COLUMNS} FROM changes{where} ORDER BY id LIMIT ?",
                           [*parameters, -1 if query.limit is None else query.limit])
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from (change_from_row(row) for row in rows)
        except sqlite3.Error as error:
            raise self._store_error(error) from None
        finally:
            cursor.close()

    def prune(self, before: datetime) -> dict[str, int]:
        """Delete changes recorded, and assets removed, before ``before``."""
        cutoff = stamp(before)
        removed = "SELECT id FROM assets WHERE deleted_at IS NOT NULL AND deleted_at < ?"
        with self._transaction() as connection:
            changes = connection.execute("DELETE FROM changes WHERE at < ?", (cutoff,)).rowcount
            # A later change of a pruned asset keeps its id, not its number (a new asset
            # may take the number again).
            connection.execute("UPDATE changes SET asset_number = NULL WHERE asset_number IN"
                               " (SELECT number FROM assets WHERE deleted_at IS NOT NULL"
                               " AND deleted_at < ?)", (cutoff,))
            connection.execute(f"DELETE FROM findings WHERE asset_id IN ({removed})", (cutoff,))
            connection.execute("DELETE FROM asset_tags WHERE asset IN (SELECT number FROM assets"
                               " WHERE deleted_at IS NOT NULL AND deleted_at < ?)", (cutoff,))
            assets = connection.execute("DELETE FROM assets WHERE deleted_at IS NOT NULL"
                                        " AND deleted_at < ?", (cutoff,)).rowcount
        return {"changes": int(changes), "assets": int(assets)}


# An assessment's half million finding changes share one time: formatted once.
_stamp: Final = lru_cache(maxsize=16)(stamp)


def _full_row(change: Change) -> tuple[Any, ...]:
    """The values of :data:`_INSERT_LOOKED_UP`."""
    detail = change.detail()
    return (change.id, change.run_id, _stamp(change.at), change.change.value, change.asset_id,
            change.related_id, change.provider, change.asset_type, change.name, change.account,
            change.region, dumps(detail) if detail else None, change.asset_id)

