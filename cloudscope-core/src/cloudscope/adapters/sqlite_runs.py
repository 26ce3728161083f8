"""The SQLite store's record of collection runs and of the scopes they collected."""

from __future__ import annotations

from datetime import datetime

from cloudscope.adapters.sqlite_connection import SQLiteConnection, parse_stamp
from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeKey, ScopeStatus
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.timestamps import isoformat as stamp


class SQLiteRunLog(SQLiteConnection):
    """Runs and scopes: started, finished, failed, listed."""

    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO runs (run_id, collector, status, started_at, assets, relationships,"
                " counters) VALUES (?, ?, ?, ?, 0, 0, '{}')",
                (run.run_id, run.collector, run.status.value, stamp(run.started_at)))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome."""
        with self._transaction() as connection:
            connection.execute(
                "UPDATE runs SET status = ?, finished_at = ?, assets = ?, relationships = ?,"
                " error = ?, counters = ? WHERE run_id = ?",
                (run.status.value, stamp(run.finished_at) if run.finished_at else None,
                 run.assets, run.relationships, run.error, dumps(run.counters), run.run_id))

    def start_scope(self, scope: ScopeKey, run_id: str, started_at: datetime) -> None:
        """Record that ``run_id`` starts ``scope``."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO scopes (scope_key, provider, account, region, service, status,"
                " run_id, assets, error, started_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?, 0, NULL, ?, NULL)"
                " ON CONFLICT (scope_key) DO UPDATE SET status = 'running',"
                " run_id = excluded.run_id, error = NULL, started_at = excluded.started_at,"
                " finished_at = NULL",
                (scope.key, scope.provider, scope.account, scope.region, scope.service, run_id,
                 stamp(started_at)))

    def fail_scope(self, scope: ScopeKey, run_id: str, error: str, finished_at: datetime,
                   *, interrupted: bool = False) -> None:
        """Mark the scope failed; keep everything stored."""
        status = ScopeStatus.INTERRUPTED if interrupted else ScopeStatus.FAILED
        with self._transaction() as connection:
            connection.execute(
                "UPDATE scopes SET status = ?, error = ?, finished_at = ?"
                " WHERE scope_key = ? AND run_id = ?",
                (status.value, error, stamp(finished_at), scope.key, run_id))

    def list_scopes(self) -> list[Scope]:
        """Every scope and its last status."""
        rows = self._connection.execute(
            "SELECT provider, account, region, service, status, run_id, assets, error,"
            " started_at, finished_at FROM scopes ORDER BY scope_key").fetchall()
        return [Scope(key=ScopeKey(provider=r[0], account=r[1], region=r[2], service=r[3]),
                      status=ScopeStatus(r[4]), run_id=r[5], assets=r[6], error=r[7],
                      started_at=parse_stamp(r[8]), finished_at=parse_stamp(r[9])) for r in rows]

    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        """Runs, newest first."""
        rows = self._connection.execute(
            "SELECT run_id, collector, status, started_at, finished_at, assets, relationships,"
            " error, counters FROM runs ORDER BY started_at DESC LIMIT ?",
            (-1 if limit is None else limit,)).fetchall()
        return [CollectionRun(run_id=r[0], collector=r[1], status=RunStatus(r[2]),
                              started_at=datetime.fromisoformat(r[3]), finished_at=parse_stamp(r[4]),
                              assets=r[5], relationships=r[6], error=r[7],
                              counters=loads(r[8])) for r in rows]
