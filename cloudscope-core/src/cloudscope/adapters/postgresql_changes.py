"""The PostgreSQL store's change log: written in the write path's transactions, read by window.

A tracked run's batch looks up the stored versions of its assets (``properties`` as the
json text it was written as, so that an unchanged asset is told by one string comparison
and never parsed) and which of its relationships are stored, inside the batch's
transaction and under its scope's advisory lock; the change rows are COPYed in the same
transaction. ``at`` is the server's transaction time, the clock of ``last_seen``.

Ids come from a sequence, so concurrent transactions may commit them out of order: a
reader could see change 101 before 100 commits, and a walk by id (``after``) would then
skip 100 for good. Every transaction that writes changes therefore holds the log's
advisory lock in shared mode (writers never wait for each other), and a reader takes it
exclusively for the instant its query takes its snapshot: no writer is then half-way, so
the snapshot holds every id below the largest it holds. The reader releases it at once
and streams from its snapshot; a writer waits at most for that instant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from cloudscope.adapters.postgresql_store import FETCH_SIZE, PostgreSQLStore
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import Change, ChangeKind, ChangeQuery, change_from_detail
from cloudscope.domain.change_diff import AssetDiffer
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import dumps, loads

if TYPE_CHECKING:
    import psycopg

CHANGE_COLUMNS: Final = ("id, run_id, at, change, asset_id, provider, asset_type, name, account,"
                         " region, detail")
_INSERT_RETURNING_ID: Final = (
    "INSERT INTO changes (run_id, at, change, asset_id, related_id, provider, asset_type, name,"
    " account, region, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " RETURNING id")
_RECORD_CHUNK: Final = 1000
COPY_CHANGES: Final = ("COPY changes (run_id, change, asset_id, related_id, provider, asset_type,"
                       " name, account, region, detail) FROM STDIN")
_STORED: Final = ("SELECT id, provider, asset_type, native_type, name, account, region, tags,"
                  " tags_exact, properties::text, deleted_at FROM assets WHERE id = ANY(%s)")
_FIELDS: Final = (("provider", 1), ("asset_type", 2), ("native_type", 3), ("name", 4),
                  ("account", 5), ("region", 6))
# Staleness, logged before it is applied: what it removes, with what the asset was.
_REMOVED_ASSETS: Final = (
    "INSERT INTO changes (run_id, change, asset_id, provider, asset_type, name, account, region)"
    " SELECT %s, 'removed', id, provider, asset_type, name, account, region FROM assets"
    " WHERE scope_key = ANY(%s) AND last_seen < %s AND deleted_at IS NULL ORDER BY id")
_REMOVED_EDGES: Final = (
    "INSERT INTO changes (run_id, change, asset_id, related_id, provider, asset_type, name,"
    " account, region, detail) SELECT %s, 'relationship-removed', r.source_id, r.target_id,"
    " a.provider, a.asset_type, a.name, a.account, a.region,"
    " json_build_object('relationship', json_build_object('type', r.type,"
    " 'target_id', r.target_id)) FROM relationships AS r LEFT JOIN assets AS a"
    " ON a.id = r.source_id WHERE r.scope_key = ANY(%s) AND r.last_seen < %s"
    " AND (a.id IS NULL OR a.deleted_at IS NOT NULL OR a.scope_key != ALL(%s)"
    " OR a.last_seen >= %s)"
    " ORDER BY r.source_id, r.type, r.target_id")
"""Relationships staleness removes, but those of an asset it removes: its removal says it."""


def _about(asset: Asset | None) -> tuple[Any, ...]:
    if asset is None:
        return (None, None, None, None, None)
    return (asset.provider, asset.asset_type, asset.name, asset.account, asset.region)


def change_where(query: ChangeQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause and parameters of ``query``'s filters (limit aside)."""
    clauses: list[str] = []
    parameters: list[Any] = []
    for clause, value in (("at > %s", query.since), ("at <= %s", query.until)):
        if value is not None:
            clauses.append(clause)
            parameters.append(value)
    for column in ("provider", "asset_type", "account", "region"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"{column} = %s")
            parameters.append(value)
    if query.tags:
        from cloudscope.adapters.postgresql_statements import index_tags

        clauses.append("asset_id IN (SELECT id FROM assets WHERE tags @> %s::jsonb)")
        parameters.append(index_tags(query.tags))
    if query.asset_ids is not None:
        if query.related:
            clauses.append("(asset_id = ANY(%s::text[]) OR related_id = ANY(%s::text[]))")
            parameters.extend((list(query.asset_ids), list(query.asset_ids)))
        else:
            clauses.append("asset_id = ANY(%s::text[])")
            parameters.append(list(query.asset_ids))
    if query.kinds is not None:
        clauses.append("change = ANY(%s::text[])")
        parameters.append([kind.value for kind in query.kinds])
    if query.ids is not None:
        clauses.append("id = ANY(%s::bigint[])")
        parameters.append(list(query.ids))
    if query.after is not None:
        clauses.append("id > %s")
        parameters.append(query.after)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def change_from_row(row: Sequence[Any]) -> Change:
    """A change read back (columns of :data:`CHANGE_COLUMNS`)."""
    return change_from_detail(
        {"id": row[0], "run_id": row[1], "at": row[2], "change": ChangeKind(row[3]),
         "asset_id": row[4], "provider": row[5], "asset_type": row[6], "name": row[7],
         "account": row[8], "region": row[9]}, row[10])


class PostgreSQLChangeLog(PostgreSQLStore):
    """The change log of a PostgreSQL store: what tracked runs change, and reading it back."""

    def _hold_log(self, connection: psycopg.Connection[Any]) -> None:
        """Hold the change log's lock, shared, until the transaction ends: taken before a
        transaction writes its first change (and before its row locks, so that a reader
        waiting between two writers never closes a cycle)."""
        connection.execute("SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))",
                           (self._lock_prefix + "changes",))

    @cached_property
    def _differs(self) -> dict[str, AssetDiffer]:
        """The differ of each tracked run, by run id."""
        return {}

    def has_change_log(self) -> bool:
        """PostgreSQL stores keep one (schema 3)."""
        return True

    def track_changes(self, run_id: str, volatile_fields: Mapping[str, Sequence[str]]) -> None:
        """Log the changes ``run_id`` writes through this object."""
        self._differs[run_id] = AssetDiffer(volatile_fields)

    def _batch_changes(self, connection: psycopg.Connection[Any], run_id: str,
                       assets: Sequence[Asset], asset_rows: Sequence[tuple[Any, ...]],
                       relationships: Sequence[Relationship]) -> list[tuple[Any, ...]]:
        """For a tracked run: the change rows of a batch, read before it is written.
        ``asset_rows`` are the staging rows (properties encoded at 10)."""
        differ = self._differs.get(run_id)
        if differ is None:
            return []
        stored = {row[0]: row for row in connection.execute(_STORED, ([a.id for a in assets],))}
        rows: list[tuple[Any, ...]] = []
        latest = {asset.id: (asset, row) for asset, row in zip(assets, asset_rows, strict=True)}
        for asset, row in latest.values():
            old = stored.get(asset.id)
            if old is None or old[10] is not None:
                rows.append((run_id, ChangeKind.ADDED.value, asset.id, None, *_about(asset),
                             None))
                continue
            old_tags = old[8] if old[8] is not None else old[7]
            if old_tags == asset.tags and old[9] == row[10] and \
                    all(old[index] == getattr(asset, name) for name, index in _FIELDS):
                continue
            before: dict[str, Any] = {name: old[index] for name, index in _FIELDS}
            after: dict[str, Any] = {name: getattr(asset, name) for name, _ in _FIELDS}
            if old_tags != asset.tags:
                before["tags"], after["tags"] = old_tags, asset.tags
            if old[9] != row[10]:
                before["properties"], after["properties"] = loads(old[9]), loads(row[10])
            fields = differ.diff(asset.asset_type, before, after)
            if fields:
                rows.append((run_id, ChangeKind.MODIFIED.value, asset.id, None, *_about(asset),
                             dumps({"fields": [f.model_dump(mode="json") for f in fields]})))
        added = {row[2] for row in rows if row[1] == ChangeKind.ADDED.value}
        return rows + self._edge_changes(connection, run_id, latest, [
            r for r in relationships if r.source_id not in added])

    @staticmethod
    def _edge_changes(connection: psycopg.Connection[Any], run_id: str,
                      batch: Mapping[str, tuple[Asset, Any]],
                      relationships: Sequence[Relationship]) -> list[tuple[Any, ...]]:
        """The change rows of the relationships not stored yet (those of an asset the batch
        adds are left out by the caller: its addition says it)."""
        if not relationships:
            return []
        edges = {r.key: r for r in relationships}
        known = {tuple(row) for row in connection.execute(
            "SELECT r.source_id, r.type, r.target_id FROM relationships AS r"
            " JOIN unnest(%s::text[], %s::text[], %s::text[]) AS k (s, t, d)"
            " ON r.source_id = k.s AND r.type = k.t AND r.target_id = k.d",
            [[key[0] for key in edges], [key[1] for key in edges], [key[2] for key in edges]])}
        new = [edge for key, edge in edges.items() if key not in known]
        sources = {asset_id: asset for asset_id, (asset, _) in batch.items()}
        missing = sorted({r.source_id for r in new} - sources.keys())
        if missing:
            sources.update((row[0], Asset.model_construct(
                id=row[0], provider=row[1], asset_type=row[2], name=row[3], account=row[4],
                region=row[5])) for row in connection.execute(
                    "SELECT id, provider, asset_type, name, account, region FROM assets"
                    " WHERE id = ANY(%s)", (missing,)))
        return [(run_id, ChangeKind.RELATIONSHIP_ADDED.value, r.source_id, r.target_id,
                 *_about(sources.get(r.source_id)),
                 dumps({"relationship": {"type": r.type, "target_id": r.target_id}}))
                for r in new]

    @staticmethod
    def _copy_changes(connection: psycopg.Connection[Any], rows: Sequence[tuple[Any, ...]]) -> None:
        """COPY the rows (the caller holds the log's lock: :meth:`_hold_log`)."""
        if rows:
            with connection.cursor() as cursor, cursor.copy(COPY_CHANGES) as copy:
                for row in rows:
                    copy.write_row(row)

    def _log_staleness(self, connection: psycopg.Connection[Any], run_id: str,
                       scope_keys: list[str], started: datetime) -> None:
        """For a tracked run: log what completing a scope is about to remove from
        ``scope_keys`` (the scope's key and those of the scopes it covers)."""
        if run_id in self._differs:
            self._hold_log(connection)
            connection.execute(_REMOVED_ASSETS, (run_id, scope_keys, started))
            connection.execute(_REMOVED_EDGES, (run_id, scope_keys, started, scope_keys,
                                                started))

    def record_changes(self, changes: Sequence[Change]) -> list[int]:
        """Append changes in one transaction; their ids, in order."""
        def work(connection: psycopg.Connection[Any]) -> list[int]:
            self._hold_log(connection)
            # Pipelined executemany, not a round trip per change: an assessment of a million
            # assets records a third of a million. psycopg keeps each statement's RETURNING
            # result until it is read (libpq allocates kilobytes per result), hence chunks.
            ids: list[int] = []
            with connection.cursor() as cursor:
                for start in range(0, len(changes), _RECORD_CHUNK):
                    cursor.executemany(_INSERT_RETURNING_ID, [
                        _row(change)[1:] for change in changes[start:start + _RECORD_CHUNK]],
                        returning=True)
                    while True:
                        ids.append(int(cursor.fetchone()[0]))  # type: ignore[index]
                        if not cursor.nextset():
                            break
            return ids

        return self._transaction(work, retry=False)

    def restore_changes(self, changes: Sequence[Change]) -> None:
        """Upsert changes verbatim, ids included; new ids continue after the largest."""
        def work(connection: psycopg.Connection[Any]) -> None:
            self._hold_log(connection)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO changes (id, run_id, at, change, asset_id, related_id,"
                    " provider, asset_type, name, account, region, detail)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id,"
                    " at = excluded.at, change = excluded.change, asset_id = excluded.asset_id,"
                    " related_id = excluded.related_id, provider = excluded.provider,"
                    " asset_type = excluded.asset_type, name = excluded.name,"
                    " account = excluded.account, region = excluded.region,"
                    " detail = excluded.detail", [_row(change) for change in changes])
            connection.execute("SELECT setval(pg_get_serial_sequence('changes', 'id'),"
                               " (SELECT coalesce(max(id), 0) + 1 FROM changes), false)")

        self._transaction(work)

    def iter_changes(self, query: ChangeQuery) -> Iterator[Change]:
        """Matching changes in the order they were recorded, streamed from a snapshot that
        holds every change below the largest id it holds (see the module docstring)."""
        import psycopg  # present: this store was opened

        where, parameters = change_where(query)
        statement = f"SELECT {CHANGE_COLUMNS} FROM changes{where} ORDER BY id LIMIT %s"
        key = self._lock_prefix + "changes"
        unlock = "SELECT pg_advisory_unlock(hashtextextended(%s, 0))"
        try:
            with self._pool.connection() as connection:
                locked = False
                try:
                    with connection.transaction():
                        # Session-level, so that it is released as soon as the cursor is
                        # declared (a declared cursor reads from its declaration's snapshot).
                        connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                                           (key,))
                        locked = True
                        cursor = connection.cursor(name=f"cloudscope_{uuid.uuid4().hex}")
                        cursor.itersize = FETCH_SIZE
                        cursor.execute(statement, [*parameters, query.limit])
                        connection.execute(unlock, (key,))
                        locked = False
                        with cursor:
                            for row in cursor:
                                yield change_from_row(row)
                finally:
                    if locked and not connection.broken:
                        # The declaration failed: the transaction is rolled back, and a
                        # session lock outlives it; release it before the pool reuses this.
                        connection.execute(unlock, (key,))
                        connection.commit()
        except psycopg.Error as error:
            raise self._store_error(error) from None

    def prune(self, before: datetime) -> dict[str, int]:
        """Delete changes recorded, and assets removed, before ``before``."""
        def work(connection: psycopg.Connection[Any]) -> dict[str, int]:
            changes = connection.execute("DELETE FROM changes WHERE at < %s", (before,)).rowcount
            connection.execute("DELETE FROM findings WHERE asset_id IN (SELECT id FROM assets"
                               " WHERE deleted_at < %s)", (before,))
            assets = connection.execute("DELETE FROM assets WHERE deleted_at < %s",
                                        (before,)).rowcount
            return {"changes": int(changes), "assets": int(assets)}

        return self._transaction(work)


def _row(change: Change) -> tuple[Any, ...]:
    detail = change.detail()
    return (change.id, change.run_id, change.at, change.change.value, change.asset_id,
            change.related_id, change.provider, change.asset_type, change.name, change.account,
            change.region, dumps(detail) if detail else None)
