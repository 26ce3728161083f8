"""The collect use case: scopes collected concurrently, written in batches, staleness per scope.

Collector threads (a bounded pool, one scope each) stream items into batches and hand them
over a bounded queue to one writer, the calling thread, which owns the repository. Memory
is bounded by (concurrency + queue_batches) x batch_size items, whatever the estate's size.
A scope becomes complete only when its iterator is exhausted and every batch is written;
only then is staleness applied to it, and to the stored scopes it covers (covered_scopes.py;
STYLE.md pitfall 8: cleanup after a partial failure is the bug cartography's users report
most).
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from cloudscope.application.circuit_breaker import DEFAULT_THRESHOLD, CircuitBreaker
from cloudscope.application.collect_report import NoProgress, Progress, RunSummary
from cloudscope.application.covered_scopes import CoveredScopes, complete_scope
from cloudscope.application.garbage import fewer_garbage_collections
from cloudscope.application.run_liveness import Heartbeat, current_owner
from cloudscope.application.sharding import Shard
from cloudscope.domain.asset import Asset
from cloudscope.domain.change_diff import compile_volatile_fields
from cloudscope.domain.errors import EXIT_USAGE, CloudScopeError, StoreError, StoreFailedError, describe_error
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeKey, ScopeStatus
from cloudscope.domain.serialization import JsonDataError
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.collector import CollectContext, Collector
from cloudscope.ports.repository import Repository


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """How to run a collection."""

    concurrency: int = 8
    batch_size: int = 1000
    queue_batches: int = 4
    shard: Shard | None = None
    scope_timeout_s: float | None = None
    circuit_breaker_threshold: int = DEFAULT_THRESHOLD  # 0: never (circuit_breaker.py)
    track_changes: bool = True  # log changes in a store that keeps a change log


class _Interrupted(Exception):
    """Raised inside collector threads when the run is cancelled."""


@dataclass(slots=True)
class _Message:
    kind: str  # "started", "batch", "done", "failed"
    scope: ScopeKey
    assets: list[Asset] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    count: int = 0
    error: str | None = None
    covered: tuple[ScopeKey, ...] = ()  # "done": the stored scopes it covers


class CollectRun:
    """One collection: plan, shard, collect concurrently, write, apply staleness."""

    def __init__(self, name: str, collector: Collector,
                 repository: Repository | Callable[[], Repository],
                 ctx: CollectContext, options: CollectOptions, *,
                 progress: Progress | None = None) -> None:
        self.name = name
        self.collector = collector
        # A callable opens the store only when the run first needs it, after planning: bad
        # input found while planning then leaves no trace, not even a new empty store.
        self._repository: Repository | None = \
            repository if isinstance(repository, Repository) else None
        self._open_repository: Callable[[], Repository] | None = \
            None if isinstance(repository, Repository) else repository
        self.ctx = ctx
        self.options = options
        self.progress = progress or NoProgress()
        self.summary = RunSummary(CollectionRun(run_id=uuid.uuid4().hex, collector=name,
                                                started_at=utc_now(), owner=current_owner()))
        self._queue: queue.Queue[_Message] = queue.Queue(
            maxsize=max(1, options.queue_batches + options.concurrency))
        self._breaker = CircuitBreaker(options.circuit_breaker_threshold)
        self._volatile: dict[str, Sequence[str]] = {}  # by asset type, from the collector
        self._records: dict[str, Scope] = {}  # the summary's scopes by their key's string
        self._planned: list[ScopeKey] = []  # every shard's scopes
        self._covering: CoveredScopes | None = None  # read when the collection starts

    @property
    def repository(self) -> Repository:
        """The store, opened on first use when the run was given a way to open it."""
        if self._repository is None:
            if self._open_repository is None:  # unreachable: one of the two is always set
                raise RuntimeError("CollectRun has no repository")
            self._repository = self._open_repository()
        return self._repository

    @property
    def opened_repository(self) -> Repository | None:
        """The store if it was opened (for the caller to close), else None."""
        return self._repository

    @property
    def run(self) -> CollectionRun:
        """The run record."""
        return self.summary.run

    def execute(self) -> RunSummary:
        """Run the collection to the end; Ctrl-C interrupts it cleanly (KeyboardInterrupt
        is re-raised after the store is left consistent)."""
        with fewer_garbage_collections():
            return self._execute()

    def _execute(self) -> RunSummary:
        try:
            scopes = self._plan()
        except CloudScopeError as error:
            # Bad usage or input found while planning (a file collector's validation) is
            # the user's to fix: exit code 2 with one line, and the store is not touched.
            if error.exit_code == EXIT_USAGE:
                raise
            return self._fail_run(error)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # plugin code, even sys.exit(): fails the run, not the host
            return self._fail_run(error)
        self.repository.start_run(self.run)
        if self.options.track_changes and self.repository.has_change_log():
            self.repository.track_changes(self.run.run_id, self._volatile)
        interrupted = False
        broken: StoreError | None = None  # the store failed mid-run: a full disk, a lost server
        try:
            self._collect(scopes)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the CLI turns it into this)
            interrupted = True
        except StoreError as error:
            broken = error
        except BaseException as error:  # a bug: recorded failed, never left `running`
            self._abandon(error)
            raise
        finally:
            self._close_collector()
        failed = [s for s in self.summary.scopes if s.status is not ScopeStatus.COMPLETE]
        if interrupted:
            self.run.error = "interrupted by the user"
        elif broken is not None:
            self.run.error = describe_error(broken)
        status = RunStatus.INTERRUPTED if interrupted else RunStatus.OK if not failed else \
            RunStatus.FAILED if len(failed) == len(self.summary.scopes) else RunStatus.PARTIAL
        try:
            self._finish(status)
        except StoreError:
            if broken is None:
                raise
            # The store cannot record the end either: the run reads `running` until a later
            # command finds its process gone (run_liveness) and marks it interrupted.
        if interrupted:
            raise KeyboardInterrupt
        if broken is not None:
            raise StoreFailedError(f"the store failed mid-run: {broken.message}",
                                   hint="what was written before stays; run collect again "
                                        "once the store is fixed") from broken
        return self.summary

    def _abandon(self, error: BaseException) -> None:
        """Fail a run that cannot go on (its running scopes failed in ``_drain``): no run
        stays ``running`` (issue 12). Best effort; the caller re-raises the error."""
        with suppress(Exception):
            self.run.error = describe_error(error)
            self._finish(RunStatus.FAILED)

    def _close_collector(self) -> None:
        try:
            self.collector.close()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # plugin code: its failure to close is counted, no more
            self.run.counters["close_errors"] = self.run.counters.get("close_errors", 0) + 1
            self._log("warning", "collector close failed", error=describe_error(error))

    def _fail_run(self, error: BaseException) -> RunSummary:
        self.repository.start_run(self.run)
        self.run.error = describe_error(error)
        self._finish(RunStatus.FAILED)
        return self.summary

    def _plan(self) -> list[ScopeKey]:
        self.ctx.limiter.acquire()
        self.ctx.sharded = self.options.shard is not None and self.options.shard.count > 1
        self._volatile = dict(type(self.collector).volatile_fields())
        try:
            compile_volatile_fields(self._volatile)
        except ValueError as error:
            raise CloudScopeError(f"collector {self.name!r}: {error}") from None
        planned: list[ScopeKey] = []
        seen: set[str] = set()
        for scope in self.collector.plan():
            if not isinstance(scope, ScopeKey):
                raise CloudScopeError(f"collector {self.name!r} planned {type(scope).__name__}, "
                                      "expected ScopeKey")
            if scope.key not in seen:
                seen.add(scope.key)
                planned.append(scope)
        self._planned = planned
        shard = self.options.shard
        return [s for s in planned if shard is None or shard.owns(s)]

    def _finish(self, status: RunStatus) -> None:
        self.run.status = status
        self.run.finished_at = utc_now()
        self.run.counters = {**self.ctx.counters, **self.run.counters}
        self.repository.finish_run(self.run)

    # Collector threads -------------------------------------------------------------
    def _collect(self, scopes: list[ScopeKey]) -> None:
        self._covering = CoveredScopes.read(self.repository, self.collector, self._planned,
                                            self.ctx)
        pending: queue.SimpleQueue[ScopeKey] = queue.SimpleQueue()
        for scope in scopes:
            pending.put(scope)
        workers = [threading.Thread(target=self._work, args=(pending,), daemon=True,
                                    name=f"cloudscope-collect-{i}")
                   for i in range(min(self.options.concurrency, len(scopes)))]
        for worker in workers:
            worker.start()
        try:
            self._write(len(scopes))
        except BaseException as error:
            self.ctx.cancelled.set()
            self._drain(workers, error)
            raise

    def _work(self, pending: queue.SimpleQueue[ScopeKey]) -> None:
        while not self.ctx.cancelled.is_set():
            try:
                scope = pending.get_nowait()
            except queue.Empty:
                return
            self._put(_Message("started", scope))
            refusal = self._breaker.refusal(scope)
            if refusal is not None:
                self.ctx.count("circuit_open")
                self._put(_Message("failed", scope, error=refusal))
                continue
            try:
                count = self._collect_scope(scope)
            except _Interrupted:
                self._put(_Message("failed", scope, error="interrupted by the user"))
            except BaseException as error:  # even SystemExit: the writer must hear back
                # The summary shows one line; the debug log (--debug) shows where it came
                # from. Logged first: once the writer hears back, the run may end.
                self._log("debug", "scope failed", scope=scope.key, exc_info=error)
                description = describe_error(error)
                self._breaker.record_failure(scope, error, description)
                self._put(_Message("failed", scope, error=description))
            else:
                self._breaker.record_success(scope)
                covered = self._covering.of(scope) if self._covering is not None else ()
                self._put(_Message("done", scope, count=count, covered=covered))

    def _log(self, level: str, event: str, **values: Any) -> None:
        try:
            getattr(self.ctx.log, level)(event, **values)
        except Exception:  # an embedding caller's logger (or none) must not stop the run
            pass

    def _collect_scope(self, scope: ScopeKey) -> int:
        self.ctx.limiter.acquire()
        size = self.options.batch_size
        assets: dict[str, Asset] = {}
        relationships: dict[tuple[str, str, str], Relationship] = {}
        count = 0
        for item in self.collector.collect(scope):
            if self.ctx.cancelled.is_set():
                raise _Interrupted
            if isinstance(item, Asset):
                # Last one wins inside a batch: a repeated id must not fail the upsert.
                assets[item.id] = item
            elif isinstance(item, Relationship):
                relationships[item.key] = item
            else:
                raise CloudScopeError(f"collector {self.name!r} yielded {type(item).__name__}, "
                                      "expected Asset or Relationship")
            if len(assets) + len(relationships) >= size:
                count += len(assets)
                self._put(_Message("batch", scope, list(assets.values()),
                                   list(relationships.values())))
                assets, relationships = {}, {}
        if assets or relationships:
            count += len(assets)
            self._put(_Message("batch", scope, list(assets.values()), list(relationships.values())))
        return count

    def _put(self, message: _Message) -> None:
        while True:
            if self.ctx.cancelled.is_set() and message.kind == "batch":
                raise _Interrupted
            try:
                self._queue.put(message, timeout=0.1)
                return
            except queue.Full:
                continue

    def _drain(self, workers: Sequence[threading.Thread], cause: BaseException) -> None:
        deadline = time.monotonic() + 5
        while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
            try:
                message = self._queue.get(timeout=0.05)
            except queue.Empty:
                continue
            self._settle_cancelled(message)
        while True:
            try:
                self._settle_cancelled(self._queue.get_nowait())
            except queue.Empty:
                break
        now = utc_now()
        # Anything but Ctrl-C failed the run (the store, or a bug): its scopes failed too.
        broken = not isinstance(cause, KeyboardInterrupt)
        for scope in self.summary.scopes:
            if scope.status is ScopeStatus.RUNNING:
                scope.status = ScopeStatus.FAILED if broken else ScopeStatus.INTERRUPTED
                scope.error = scope.error or (describe_error(cause) if broken
                                              else "interrupted by the user")
                scope.finished_at = now
                try:
                    self.repository.fail_scope(scope.key, self.run.run_id, scope.error, now,
                                               interrupted=not broken)
                except StoreError:
                    if not broken:
                        raise

    def _settle_cancelled(self, message: _Message) -> None:
        if message.kind == "started":
            self._scope_record(message.scope)

    # The writer --------------------------------------------------------------------
    def _scope_record(self, key: ScopeKey) -> Scope:
        # By the key's string, as planning deduplicates (scanning the summary per message
        # was quadratic: a third of the writer's time in a run of 700 scopes).
        if (scope := self._records.get(key.key)) is not None:
            return scope
        now = utc_now()
        scope = Scope(key=key, status=ScopeStatus.RUNNING, run_id=self.run.run_id,
                      started_at=now)
        self._records[key.key] = scope
        self.summary.scopes.append(scope)
        self.repository.start_scope(key, self.run.run_id, now)
        self.progress.scope_started(key)
        return scope

    def _write(self, total: int) -> None:
        finished = 0
        started_at: dict[str, float] = {}
        timeout = self.options.scope_timeout_s
        heartbeat = Heartbeat(self.repository, self.run.run_id)
        while finished < total:
            heartbeat.beat()
            try:
                message = self._queue.get(timeout=0.5)
            except queue.Empty:
                finished += self._expire(started_at, timeout)
                continue
            scope = self._scope_record(message.scope)
            if scope.status is not ScopeStatus.RUNNING:
                continue  # a scope that timed out and later woke up: ignore what it sends
            if message.kind == "started":
                started_at[message.scope.key] = time.monotonic()
            elif message.kind == "batch":
                if not self._write_batch(scope, message):
                    finished += 1  # failed now: what the scope sends later is ignored
            elif message.kind == "done":
                finished += 1
                removed = complete_scope(self.repository, message.scope, self.run.run_id,
                                         scope.assets, utc_now(), covered=message.covered)
                scope.status = ScopeStatus.COMPLETE
                scope.finished_at = utc_now()
                if removed:
                    self.run.counters["stale_removed"] = \
                        self.run.counters.get("stale_removed", 0) + removed
                self.progress.scope_finished(scope.key, scope.status)
            else:
                finished += 1
                self._fail(scope, message.error or "failed")

    def _write_batch(self, scope: Scope, message: _Message) -> bool:
        """Write one batch; False when the store refused a record and the scope failed."""
        try:
            self.repository.write_batch(message.scope, self.run.run_id, message.assets,
                                        message.relationships, utc_now())
        except JsonDataError as error:
            # A value the models did not check (built with model_construct, or changed
            # after validation) that the store refused: nothing of the batch was written.
            # Its scope fails and keeps what it had; the run goes on.
            self._fail(scope, f"cannot store a record of this scope: {describe_error(error)}")
            return False
        except StoreError:
            raise
        except Exception as error:
            raise StoreError(f"cannot write to the store: {describe_error(error)}") from error
        scope.assets += len(message.assets)
        self.run.assets += len(message.assets)
        self.run.relationships += len(message.relationships)
        self.progress.scope_progressed(scope.key, scope.assets)
        return True

    def _fail(self, scope: Scope, error: str) -> None:
        scope.status = ScopeStatus.FAILED
        scope.error = error
        scope.finished_at = utc_now()
        self.repository.fail_scope(scope.key, self.run.run_id, error, scope.finished_at)
        self.progress.scope_finished(scope.key, scope.status)

    def _expire(self, started_at: dict[str, float], timeout: float | None) -> int:
        if timeout is None:
            return 0
        expired = 0
        now = time.monotonic()
        for scope in self.summary.scopes:
            began = started_at.get(scope.key.key)
            if scope.status is ScopeStatus.RUNNING and began is not None and now - began > timeout:
                self._fail(scope, f"timed out after {timeout:g} s")
                expired += 1
        return expired

