"""The file store's record of collection runs and of the scopes they collected.

``runs.jsonl`` and ``scopes.jsonl``; a run's liveness lock is a lock file in the store's
``.cloudscope-runs/`` (see :mod:`run_locks`), its heartbeat the run record's
``heartbeat_at``, stamped with this machine's clock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from cloudscope.adapters.file_store import Directory, Table
from cloudscope.adapters.run_locks import RunLocks
from cloudscope.domain.scope import (
    CollectionRun,
    RunOwner,
    RunStatus,
    Scope,
    ScopeKey,
    ScopeStatus,
)
from cloudscope.domain.timestamps import isoformat as stamp
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.repository import RunLiveness

RUN_LOCKS: Final = ".cloudscope-runs"


def parse_stamp(text: str | None) -> datetime | None:
    """A stored time, or None."""
    return datetime.fromisoformat(text) if text else None


class FileRunLog:
    """Runs and scopes of a file store: started, finished, failed, listed; runs' liveness.

    A part of :class:`~cloudscope.adapters.file_repository.FileRepository`, which provides
    the tables and their transactions.
    """

    path: Path
    directory: Directory
    runs: Table
    scopes: Table

    def _reading(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _writing(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    @cached_property
    def run_locks(self) -> RunLocks:
        """The lock files of this store's runs (``.cloudscope-runs/``)."""
        return RunLocks(self.path / RUN_LOCKS)

    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts, its lock taken first."""
        if not self.directory.read_only:
            self.run_locks.hold(run.run_id)
        with self._writing():
            self.runs.put(run_record(run))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome (even on a full disk), then drop its lock."""
        def write() -> None:
            with self._writing():
                stored = self.runs.records.get(run.run_id, {})
                self.runs.put({**run_record(run), "heartbeat_at": stored.get("heartbeat_at")})

        self.run_locks.through_full_disk(write)
        if run.status is not RunStatus.RUNNING:
            self.run_locks.release(run.run_id)

    def heartbeat(self, run_id: str) -> None:
        """The run's heartbeat becomes now (this machine's clock)."""
        with self._writing():
            record = self.runs.records.get(run_id)
            if record is not None and record["status"] == RunStatus.RUNNING.value:
                self.runs.put({**record, "heartbeat_at": stamp(utc_now())})

    def running_runs(self) -> list[RunLiveness]:
        """Runs recorded as running, with their lock's state and heartbeat age."""
        with self._reading():
            records = [r for r in self.runs.records.values()
                       if r["status"] == RunStatus.RUNNING.value]
        now = utc_now()
        found = []
        for record in records:
            run = parse_run(record)
            beat = run.heartbeat_at or run.started_at
            found.append(RunLiveness(run=run, heartbeat_age_s=(now - beat).total_seconds(),
                                     alive=self.run_locks.is_held(run.run_id)))
        return found

    def interrupt_run(self, run_id: str, error: str, finished_at: datetime) -> bool:
        """Mark the run and its running scopes interrupted, if it still runs; one commit."""
        finished = stamp(finished_at)

        def write() -> bool:
            with self._writing():
                record = self.runs.records.get(run_id)
                if record is None or record["status"] != RunStatus.RUNNING.value:
                    return False
                self.runs.put({**record, "status": RunStatus.INTERRUPTED.value,
                               "finished_at": finished, "error": error})
                for scope in list(self.scopes.records.values()):
                    if scope["run_id"] == run_id and \
                            scope["status"] == ScopeStatus.RUNNING.value:
                        self.scopes.put({**scope, "status": ScopeStatus.INTERRUPTED.value,
                                         "error": error, "finished_at": finished})
            return True

        changed = self.run_locks.through_full_disk(write, abandoned=run_id)
        if changed:
            self.run_locks.forget(run_id)
        return changed

    def start_scope(self, scope: ScopeKey, run_id: str, started_at: datetime) -> None:
        """Record that ``run_id`` starts ``scope``."""
        with self._writing():
            previous = self.scopes.records.get(scope.key, {})
            self.scopes.put({**scope.model_dump(), "scope_key": scope.key, "status": "running",
                             "run_id": run_id, "assets": previous.get("assets", 0),
                             "error": None, "started_at": stamp(started_at),
                             "finished_at": None})

    def fail_scope(self, scope: ScopeKey, run_id: str, error: str, finished_at: datetime,
                   *, interrupted: bool = False) -> None:
        """Mark the scope failed (even on a full disk); keep everything stored."""
        status = ScopeStatus.INTERRUPTED if interrupted else ScopeStatus.FAILED

        def write() -> None:
            with self._writing():
                self._update_scope(scope, run_id, status=status.value, error=error,
                                   finished_at=stamp(finished_at))

        self.run_locks.through_full_disk(write)

    def _update_scope(self, scope: ScopeKey, run_id: str, **changes: Any) -> None:
        record = self.scopes.records.get(scope.key)
        if record is not None and record["run_id"] == run_id:
            self.scopes.put({**record, **changes})

    def list_scopes(self) -> list[Scope]:
        """Every scope and its last status."""
        with self._reading():
            records = [self.scopes.records[key] for key in sorted(self.scopes.records)]
        return [_scope(record) for record in records]

    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        """Runs, newest first."""
        with self._reading():
            records = sorted(self.runs.records.values(), key=lambda r: r["started_at"],
                             reverse=True)
        return [parse_run(record) for record in records[:limit]]


def _scope(record: dict[str, Any]) -> Scope:
    return Scope(key=ScopeKey(provider=record["provider"], account=record["account"],
                              region=record["region"], service=record["service"]),
                 status=ScopeStatus(record["status"]), run_id=record["run_id"],
                 assets=record["assets"], error=record["error"],
                 started_at=parse_stamp(record["started_at"]),
                 finished_at=parse_stamp(record["finished_at"]))


def run_record(run: CollectionRun) -> dict[str, Any]:
    """A run as a ``runs.jsonl`` record."""
    return {"run_id": run.run_id, "collector": run.collector, "status": run.status.value,
            "started_at": stamp(run.started_at),
            "finished_at": stamp(run.finished_at) if run.finished_at else None,
            "assets": run.assets, "relationships": run.relationships, "error": run.error,
            "counters": run.counters,
            "owner": run.owner.model_dump() if run.owner else None,
            "heartbeat_at": stamp(run.heartbeat_at or run.started_at)}


def parse_run(record: dict[str, Any]) -> CollectionRun:
    """A ``runs.jsonl`` record as a run (records written before API 1.1 have no owner)."""
    owner = record.get("owner")
    return CollectionRun(run_id=record["run_id"], collector=record["collector"],
                         status=RunStatus(record["status"]),
                         started_at=datetime.fromisoformat(record["started_at"]),
                         finished_at=parse_stamp(record["finished_at"]), assets=record["assets"],
                         relationships=record["relationships"], error=record["error"],
                         counters=record["counters"],
                         owner=RunOwner(**owner) if owner else None,
                         heartbeat_at=parse_stamp(record.get("heartbeat_at")))
