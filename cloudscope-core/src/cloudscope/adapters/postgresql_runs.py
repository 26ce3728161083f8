"""The PostgreSQL store's record of collection runs and of the scopes they collected.

A run's liveness lock is a session-level advisory lock, keyed by the schema and the run id,
held by a connection of its own (one more connection per running collect) from before the
run is recorded until its end is. The server releases it when that session ends: the
process died, or its host is lost once the server notices (TCP keepalive). The session can
also end while the process lives (a server restart, a terminated backend); the process then
takes the lock again with its next heartbeat. So a free lock proves the process gone only
once the heartbeat is also older than :func:`lock_grace_s`; a held lock proves nothing
(the session of a vanished host may linger), and the heartbeat timeout decides.
Heartbeats are stamped with the server's clock, so hosts' clocks never matter.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from cloudscope.adapters.postgresql_store import PostgreSQLStore
from cloudscope.domain.errors import StoreError
from cloudscope.domain.scope import (
    CollectionRun,
    RunOwner,
    RunStatus,
    Scope,
    ScopeKey,
    ScopeStatus,
)
from cloudscope.domain.serialization import dumps
from cloudscope.ports.repository import HEARTBEAT_INTERVAL_S, RunLiveness

if TYPE_CHECKING:
    import psycopg

RUN_COLUMNS: Final = ("run_id, collector, status, started_at, finished_at, assets, relationships,"
                      " error, counters, owner_host, owner_pid, owner_process, heartbeat_at")
# A restored run keeps its times; a copied run's start on the server is its own start.
RESTORE_RUNS: Final = (
    f"INSERT INTO runs ({RUN_COLUMNS}, server_started_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (run_id) DO UPDATE SET status = excluded.status,"
    " finished_at = excluded.finished_at, assets = excluded.assets,"
    " relationships = excluded.relationships, error = excluded.error,"
    " counters = excluded.counters, owner_host = excluded.owner_host,"
    " owner_pid = excluded.owner_pid, owner_process = excluded.owner_process,"
    " heartbeat_at = excluded.heartbeat_at")


def run_row(run: CollectionRun) -> tuple[Any, ...]:
    """A run as the values of :data:`RUN_COLUMNS`."""
    owner = run.owner
    return (run.run_id, run.collector, run.status.value, run.started_at, run.finished_at,
            run.assets, run.relationships, run.error, dumps(run.counters),
            owner.host if owner else None, owner.pid if owner else None,
            owner.process if owner else None, run.heartbeat_at or run.started_at)


def _run(row: Any) -> CollectionRun:
    owner = RunOwner(host=row[9], pid=row[10], process=row[11]) if row[9] is not None else None
    return CollectionRun(run_id=row[0], collector=row[1], status=RunStatus(row[2]),
                         started_at=row[3], finished_at=row[4], assets=row[5],
                         relationships=row[6], error=row[7], counters=row[8], owner=owner,
                         heartbeat_at=row[12])


class PostgreSQLRunLog(PostgreSQLStore):
    """Runs and scopes: started, finished, failed, listed; runs' liveness."""

    @cached_property
    def _run_sessions(self) -> dict[str, psycopg.Connection[Any]]:
        """The connection holding each running run's lock, by run id."""
        return {}

    def lock_grace_s(self) -> float:
        """How long a run whose lock is free may still come back: two heartbeats, and the
        retry window a write may spend waiting for the server."""
        return 2 * HEARTBEAT_INTERVAL_S + self.settings.retry_window_s

    def _run_lock_key(self, run_id: str) -> str:
        return self._lock_prefix + "run:" + run_id

    def _hold_run_lock(self, run_id: str) -> psycopg.Connection[Any] | None:
        """The run's lock session, (re)connected and locked; None when no connection can be
        had (the heartbeat then keeps the run alive alone)."""
        import psycopg

        session = self._run_sessions.get(run_id)
        if session is not None and not session.closed and not session.broken:
            return session
        if session is not None:
            session.close()
        try:
            session = psycopg.connect(self.settings.conninfo, autocommit=True,
                                      **self.settings.connection_options())
            session.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                            (self._run_lock_key(run_id),))
        except psycopg.Error:
            self._run_sessions.pop(run_id, None)
            return None
        self._run_sessions[run_id] = session
        return session

    def _release_run_lock(self, run_id: str) -> None:
        session = self._run_sessions.pop(run_id, None)
        if session is not None:
            session.close()  # ending the session releases its lock

    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts, its lock taken first; the server's clock marks its
        start for staleness and its first heartbeat."""
        self._hold_run_lock(run.run_id)
        row = run_row(run)[:-1]
        self._transaction(lambda connection: connection.execute(
            f"INSERT INTO runs ({RUN_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, clock_timestamp()) ON CONFLICT (run_id) DO NOTHING", row))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome, then drop its lock."""
        self._transaction(lambda connection: connection.execute(
            "UPDATE runs SET status = %s, finished_at = %s, assets = %s, relationships = %s,"
            " error = %s, counters = %s WHERE run_id = %s",
            (run.status.value, run.finished_at, run.assets, run.relationships, run.error,
             dumps(run.counters), run.run_id)))
        if run.status is not RunStatus.RUNNING:
            self._release_run_lock(run.run_id)

    def heartbeat(self, run_id: str) -> None:
        """The run's heartbeat becomes the server's now, through its lock session (taken
        again if the session was lost), so that a live run keeps its lock."""
        import psycopg

        session = self._hold_run_lock(run_id)
        if session is None:
            raise StoreError(f"cannot reach PostgreSQL at {self.settings.where} for the "
                             "run's heartbeat")
        try:
            session.execute("UPDATE runs SET heartbeat_at = clock_timestamp()"
                            " WHERE run_id = %s AND status = 'running'", (run_id,))
        except psycopg.Error as error:
            raise self._store_error(error) from None

    def running_runs(self) -> list[RunLiveness]:
        """Runs recorded as running, with the age of their heartbeat by the server's clock
        and whether their lock is free (tried, and released at once, by this transaction)."""
        rows = self._fetch(
            f"SELECT {RUN_COLUMNS}, extract(epoch FROM clock_timestamp()"
            " - coalesce(heartbeat_at, server_started_at))::float8,"
            " pg_try_advisory_xact_lock(hashtextextended(%s || run_id, 0))"
            " FROM runs WHERE status = 'running'", (self._lock_prefix + "run:",))
        grace = self.lock_grace_s()
        return [RunLiveness(run=_run(row), heartbeat_age_s=row[13],
                            alive=False if row[14] and row[13] > grace else None)
                for row in rows]

    def interrupt_run(self, run_id: str, error: str, finished_at: datetime) -> bool:
        """Mark the run and its running scopes interrupted, if it still runs; one transaction."""
        def work(connection: psycopg.Connection[Any]) -> bool:
            changed = connection.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = %s, error = %s"
                " WHERE run_id = %s AND status = 'running'",
                (finished_at, error, run_id)).rowcount
            if changed:
                connection.execute(
                    "UPDATE scopes SET status = 'interrupted', error = %s, finished_at = %s"
                    " WHERE run_id = %s AND status = 'running'", (error, finished_at, run_id))
            return bool(changed)

        return self._transaction(work)

    def close(self) -> None:
        """End the lock sessions of runs this process did not finish, then the pool."""
        for run_id in list(self._run_sessions):
            self._release_run_lock(run_id)
        super().close()

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
        rows = self._fetch(f"SELECT {RUN_COLUMNS} FROM runs ORDER BY started_at DESC LIMIT %s",
                           (limit,))
        return [_run(row) for row in rows]
