"""The PostgreSQL store's record of collection runs and of the scopes they collected."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cloudscope.adapters.postgresql_store import PostgreSQLStore
from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeKey, ScopeStatus
from cloudscope.domain.serialization import dumps

if TYPE_CHECKING:
    pass


class PostgreSQLRunLog(PostgreSQLStore):
    """Runs and scopes: started, finished, failed, listed."""

    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts; the server's clock marks its start for staleness."""
        self._transaction(lambda connection: connection.execute(
            "INSERT INTO runs (run_id, collector, status, started_at, assets, relationships,"
            " counters) VALUES (%s, %s, %s, %s, 0, 0, '{}') ON CONFLICT (run_id) DO NOTHING",
            (run.run_id, run.collector, run.status.value, run.started_at)))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome."""
        self._transaction(lambda connection: connection.execute(
            "UPDATE runs SET status = %s, finished_at = %s, assets = %s, relationships = %s,"
            " error = %s, counters = %s WHERE run_id = %s",
            (run.status.value, run.finished_at, run.assets, run.relationships, run.error,
             dumps(run.counters), run.run_id)))

    def start_scope(self, scope: ScopeKey, run_id: str, started_at: datetime) -> None:
        """Record that ``run_id`` starts ``scope``."""
        self._transaction(lambda connection: connection.execute(
            "INSERT INTO scopes (scope_key, provider, account, region, service, status, run_id,"
            " assets, error, started_at, finished_at)"
            " VALUES (%s, %s, %s, %s, %s, 'running', %s, 0, NULL, %s, NULL)"
            " ON CONFLICT (scope_key) DO UPDATE SET status = 'running',"
            " run_id = excluded.run_id, error = NULL, started_at = excluded.started_at,"
            " finished_at = NULL",
            (scope.key, scope.provider, scope.account, scope.region, scope.service, run_id,
             started_at)))

    def fail_scope(self, scope: ScopeKey, run_id: str, error: str, finished_at: datetime,
                   *, interrupted: bool = False) -> None:
        """Mark the scope failed; keep everything stored."""
        status = ScopeStatus.INTERRUPTED if interrupted else ScopeStatus.FAILED
        self._transaction(lambda connection: connection.execute(
            "UPDATE scopes SET status = %s, error = %s, finished_at = %s"
            " WHERE scope_key = %s AND run_id = %s",
            (status.value, error, finished_at, scope.key, run_id)))

    def list_scopes(self) -> list[Scope]:
        """Every scope and its last status."""
        rows = self._fetch(
            "SELECT provider, account, region, service, status, run_id, assets, error,"
            " started_at, finished_at FROM scopes ORDER BY scope_key")
        return [Scope(key=ScopeKey(provider=r[0], account=r[1], region=r[2], service=r[3]),
                      status=ScopeStatus(r[4]), run_id=r[5], assets=r[6], error=r[7],
                      started_at=r[8], finished_at=r[9]) for r in rows]

    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        """Runs, newest first."""
        rows = self._fetch(
            "SELECT run_id, collector, status, started_at, finished_at, assets, relationships,"
            " error, counters FROM runs ORDER BY started_at DESC LIMIT %s", (limit,))
        return [CollectionRun(run_id=r[0], collector=r[1], status=RunStatus(r[2]),
                              started_at=r[3], finished_at=r[4], assets=r[5],
                              relationships=r[6], error=r[7], counters=r[8]) for r in rows]
