"""The PostgreSQL store's write path: COPY-staged batches, staleness per scope, findings, restore."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cloudscope.adapters.postgresql_changes import PostgreSQLChangeLog
from cloudscope.adapters.postgresql_reads import where_clause
from cloudscope.adapters.postgresql_runs import RESTORE_RUNS, run_row
from cloudscope.adapters.postgresql_statements import (
    RESTORE_ASSETS,
    STAGE_ASSET_COLUMNS,
    UPSERT_ASSETS,
    UPSERT_RELATIONSHIPS,
    asset_row,
)
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, Scope, ScopeKey
from cloudscope.domain.serialization import dumps
from cloudscope.ports.repository import StoredAsset, StoredRelationship

if TYPE_CHECKING:
    import psycopg


class PostgreSQLWritePath(PostgreSQLChangeLog):
    """Everything that changes the inventory, each call one transaction (with the changes
    it makes, for a tracked run)."""

    covers_scopes: ClassVar[bool] = True

    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        """Upsert a batch in one transaction; ``last_seen`` is the server's transaction time."""
        asset_rows = [asset_row(ordinal, asset) for ordinal, asset in enumerate(assets)]
        edge_rows = [(ordinal, r.source_id, r.type, r.target_id, dumps(r.properties), None, None)
                     for ordinal, r in enumerate(relationships)]

        def work(connection: psycopg.Connection[Any]) -> None:
            if run_id in self._differs:
                self._hold_log(connection)  # before the batch's row locks
            changes = self._batch_changes(connection, run_id, assets, asset_rows, relationships)
            _copy_and_upsert(connection, asset_rows, edge_rows, UPSERT_ASSETS, scope.key)
            self._copy_changes(connection, changes)

        self._transaction(work, scope_key=scope.key)

    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,
                       finished_at: datetime, covered: Sequence[ScopeKey] = ()) -> int:
        """Mark the scope complete; remove what the run did not see since it started, in it
        and in the scopes it covers."""
        others = sorted({key.key for key in covered} - {scope.key})
        keys = [scope.key, *others]

        def work(connection: psycopg.Connection[Any]) -> int:
            # The covered scopes' locks too (the transaction holds the scope's own), so that
            # no batch of another run lands in them meanwhile; always taken in key order.
            for key in others:
                connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                                   (self._lock_prefix + key,))
            row = connection.execute("SELECT server_started_at FROM runs WHERE run_id = %s",
                                     (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"unknown run {run_id!r}")
            started = row[0]
            self._log_staleness(connection, run_id, keys, started)
            removed = connection.execute(
                "UPDATE assets SET deleted_at = now() WHERE scope_key = ANY(%s)"
                " AND last_seen < %s AND deleted_at IS NULL", (keys, started)).rowcount
            connection.execute("DELETE FROM relationships WHERE scope_key = ANY(%s)"
                               " AND last_seen < %s", (keys, started))
            connection.execute(
                "UPDATE scopes SET status = 'complete', assets = %s, error = NULL,"
                " finished_at = %s WHERE scope_key = %s AND run_id = %s",
                (assets, finished_at, scope.key, run_id))
            return int(removed)

        return self._transaction(work, scope_key=scope.key)

    def replace_findings(self, query: AssetQuery, findings: Iterable[Finding]) -> int:
        """Replace the findings of the assets matching ``query``, in one transaction."""
        where, parameters = where_clause(query.model_copy(update={"include_deleted": True}))

        def work(connection: psycopg.Connection[Any]) -> int:
            connection.execute(
                f"DELETE FROM findings WHERE asset_id IN (SELECT id FROM assets{where})"
                if where else "DELETE FROM findings", parameters)
            count = 0
            with connection.cursor() as cursor, cursor.copy(
                    "COPY findings (rule_id, asset_id, severity, severity_rank, title, detail,"
                    " remediation, evidence) FROM STDIN") as copy:
                for finding in findings:
                    copy.write_row((finding.rule_id, finding.asset_id, finding.severity.value,
                                    finding.severity.rank, finding.title, finding.detail,
                                    finding.remediation, dumps(finding.evidence)))
                    count += 1
            return count

        # Not retried: ``findings`` may be a stream that cannot be read twice.
        return self._transaction(work, retry=False)

    def restore(self, assets: Sequence[StoredAsset] = (),
                relationships: Sequence[StoredRelationship] = (), scopes: Sequence[Scope] = (),
                runs: Sequence[CollectionRun] = ()) -> None:
        """Upsert records verbatim, timestamps included, in one transaction."""
        asset_rows = [asset_row(ordinal, stored.asset, stored)
                      for ordinal, stored in enumerate(assets)]
        edge_rows = [(ordinal, s.relationship.source_id, s.relationship.type,
                      s.relationship.target_id, dumps(s.relationship.properties), s.scope_key,
                      s.last_seen) for ordinal, s in enumerate(relationships)]

        def work(connection: psycopg.Connection[Any]) -> None:
            _copy_and_upsert(connection, asset_rows, edge_rows, RESTORE_ASSETS, None)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO scopes (scope_key, provider, account, region, service, status,"
                    " run_id, assets, error, started_at, finished_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (scope_key) DO UPDATE SET status = excluded.status,"
                    " run_id = excluded.run_id, assets = excluded.assets,"
                    " error = excluded.error, started_at = excluded.started_at,"
                    " finished_at = excluded.finished_at",
                    [(s.key.key, s.key.provider, s.key.account, s.key.region, s.key.service,
                      s.status.value, s.run_id, s.assets, s.error, s.started_at, s.finished_at)
                     for s in scopes])
                cursor.executemany(RESTORE_RUNS, [(*run_row(r), r.started_at) for r in runs])

        self._transaction(work)


def _copy_and_upsert(connection: psycopg.Connection[Any], asset_rows: list[tuple[Any, ...]],
                     edge_rows: list[tuple[Any, ...]], upsert_assets: str,
                     scope_key: str | None) -> None:
    with connection.cursor() as cursor:
        if asset_rows:
            with cursor.copy(f"COPY asset_stage ({STAGE_ASSET_COLUMNS}) FROM STDIN") as copy:
                for row in asset_rows:
                    copy.write_row(row)
            cursor.execute(upsert_assets, {"scope": scope_key})
        if edge_rows:
            with cursor.copy("COPY relationship_stage (ordinal, source_id, type, target_id,"
                             " properties, scope_key, last_seen) FROM STDIN") as copy:
                for row in edge_rows:
                    copy.write_row(row)
            cursor.execute(UPSERT_RELATIONSHIPS, {"scope": scope_key})
