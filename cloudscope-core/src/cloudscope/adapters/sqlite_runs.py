"""The SQLite store's record of collection runs and of the scopes they collected.

A run's liveness lock is a lock file in ``.STORE-runs/`` beside the database (see
:mod:`run_locks`), held from before the run is recorded until its end is; its heartbeat is
``runs.heartbeat_at``, stamped with this machine's clock.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from cloudscope.adapters.run_locks import RunLocks
from cloudscope.adapters.sqlite_connection import SQLiteConnection, parse_stamp
from cloudscope.domain.scope import (
    CollectionRun,
    RunOwner,
    RunStatus,
    Scope,
    ScopeKey,
    ScopeStatus,
)
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.timestamps import isoformat as stamp
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.repository import RunLiveness

RUN_COLUMNS: Final = ("run_id, collector, status, started_at, finished_at, assets, relationships,"
                      " error, counters, owner_host, owner_pid, owner_process, heartbeat_at")


def run_row(run: CollectionRun) -> tuple[Any, ...]:
    """A run as the values of :data:`RUN_COLUMNS`."""
    owner = run.owner
    return (run.run_id, run.collector, run.status.value, stamp(run.started_at),
            stamp(run.finished_at) if run.finished_at else None, run.assets, run.relationships,
            run.error, dumps(run.counters), owner.host if owner else None,
            owner.pid if owner else None, owner.process if owner else None,
            stamp(run.heartbeat_at or run.started_at))


def _run(row: tuple[Any, ...]) -> CollectionRun:
    owner = RunOwner(host=row[9], pid=row[10], process=row[11]) if row[9] is not None else None
    return CollectionRun(run_id=row[0], collector=row[1], status=RunStatus(row[2]),
                         started_at=datetime.fromisoformat(row[3]), finished_at=parse_stamp(row[4]),
                         assets=row[5], relationships=row[6], error=row[7],
                         counters=loads(row[8]), owner=owner, heartbeat_at=parse_stamp(row[12]))


class SQLiteRunLog(SQLiteConnection):
    """Runs and scopes: started, finished, failed, listed; runs' liveness."""

    @cached_property
    def run_locks(self) -> RunLocks:
        """The lock files of this store's runs (``.STORE-runs/``, hidden, beside the file)."""
        path = Path(self.path)
        return RunLocks(path.parent / f".{path.name}-runs")

    def local_paths(self) -> tuple[Path, ...]:
        """The database, its journals and its runs' lock directory."""
        return (*super().local_paths(), self.run_locks.directory.absolute())

    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts, its lock taken first."""
        if self.path != ":memory:" and not self.read_only:
            self.run_locks.hold(run.run_id)
        with self._transaction() as connection:
            connection.execute(f"INSERT INTO runs ({RUN_COLUMNS}) VALUES"
                               " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", run_row(run))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome (even on a full disk), then drop its lock."""
        def write() -> None:
            with self._transaction() as connection:
                connection.execute(
                    "UPDATE runs SET status = ?, finished_at = ?, assets = ?, relationships = ?,"
                    " error = ?, counters = ? WHERE run_id = ?",
                    (run.status.value, stamp(run.finished_at) if run.finished_at else None,
                     run.assets, run.relationships, run.error, dumps(run.counters), run.run_id))

        self.run_locks.through_full_disk(write)
        if run.status is not RunStatus.RUNNING:
            self.run_locks.release(run.run_id)

    def heartbeat(self, run_id: str) -> None:
        """The run's heartbeat becomes now (this machine's clock)."""
        with self._transaction() as connection:
            connection.execute("UPDATE runs SET heartbeat_at = ? WHERE run_id = ?"
                               " AND status = 'running'", (stamp(utc_now()), run_id))

    def running_runs(self) -> list[RunLiveness]:
        """Runs recorded as running, with their lock's state and heartbeat age."""
        rows = self._connection.execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE status = 'running'").fetchall()
        now = utc_now()
        found = []
        for row in rows:
            run = _run(row)
            beat = run.heartbeat_at or run.started_at
            found.append(RunLiveness(run=run, heartbeat_age_s=(now - beat).total_seconds(),
                                     alive=self.run_locks.is_held(run.run_id)))
        return found

    def interrupt_run(self, run_id: str, error: str, finished_at: datetime) -> bool:
        """Mark the run and its running scopes interrupted, if it still runs; one transaction."""
        def write() -> int:
            with self._transaction() as connection:
                changed = connection.execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ?"
                    " WHERE run_id = ? AND status = 'running'",
                    (stamp(finished_at), error, run_id)).rowcount
                if changed:
                    connection.execute(
                        "UPDATE scopes SET status = 'interrupted', error = ?, finished_at = ?"
                        " WHERE run_id = ? AND status = 'running'",
                        (error, stamp(finished_at), run_id))
            return int(changed)

        changed = self.run_locks.through_full_disk(write, abandoned=run_id)
        if changed:
            self.run_locks.forget(run_id)
        return bool(changed)

    def close(self) -> None:
        """Drop the locks of runs this process did not finish, then close."""
        self.run_locks.release_all()
        super().close()

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
        """Mark the scope failed (even on a full disk); keep everything stored."""
        status = ScopeStatus.INTERRUPTED if interrupted else ScopeStatus.FAILED

        def write() -> None:
            with self._transaction() as connection:
                connection.execute(
                    "UPDATE scopes SET status = ?, error = ?, finished_at = ?"
                    " WHERE scope_key = ? AND run_id = ?",
                    (status.value, error, stamp(finished_at), scope.key, run_id))

        self.run_locks.through_full_disk(write)

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
            f"SELECT {RUN_COLUMNS} FROM runs ORDER BY started_at DESC LIMIT ?",
            (-1 if limit is None else limit,)).fetchall()
        return [_run(row) for row in rows]
