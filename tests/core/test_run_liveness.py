"""Runs whose process is gone: the owner's identity, the abandonment rule, the heartbeat, and
repositories that keep the API 1.0 defaults."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.run_liveness import (
    Heartbeat,
    abandonment,
    current_owner,
    interrupt_abandoned_runs,
    owner_is_alive,
)
from cloudscope.domain.scope import CollectionRun, RunOwner, RunStatus
from cloudscope.ports.repository import Repository, RunLiveness

HERE = current_owner()
linux_only = pytest.mark.skipif(HERE.process is None, reason="needs /proc (Linux)")


def dead_pid() -> int:
    """The pid of a process that has exited (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def liveness(owner: RunOwner | None, *, age: float | None = 5.0,
             alive: bool | None = None) -> RunLiveness:
    """A running run's evidence as a store would report it."""
    run = CollectionRun(run_id=uuid.uuid4().hex, collector="test",
                        started_at=datetime.now(UTC), owner=owner)
    return RunLiveness(run=run, heartbeat_age_s=age, alive=alive)


@linux_only
def test_owner_identity_names_boot_namespace_and_start_time() -> None:
    """On Linux the owner carries boot id, pid namespace and start ticks, and is stable."""
    boot, namespace, start = (HERE.process or "").split(":")
    assert len(boot) == 36 and namespace.isdigit() and start.isdigit()
    assert current_owner() == HERE and HERE.pid == os.getpid()


def test_this_process_is_alive() -> None:
    """An owner that is this very process is alive."""
    assert owner_is_alive(HERE, HERE) is True or HERE.process is None


def test_exited_process_is_gone() -> None:
    """An owner whose pid no longer exists on this machine is gone."""
    gone = HERE.model_copy(update={"pid": dead_pid()})
    assert owner_is_alive(gone, HERE) is False


@linux_only
def test_reused_pid_is_not_the_owner() -> None:
    """A live pid that started at another time (a reused pid) is not the owner."""
    boot, namespace, start = (HERE.process or "").split(":")
    earlier = HERE.model_copy(update={"process": f"{boot}:{namespace}:{int(start) - 1}"})
    assert owner_is_alive(earlier, HERE) is False


@pytest.mark.parametrize("change", ["host", "boot", "namespace"])
@linux_only
def test_owner_elsewhere_cannot_be_judged_here(change: str) -> None:
    """Another host, another boot of a host of the same name, or another pid namespace
    (a container): this machine cannot tell, whatever the pid."""
    boot, namespace, start = (HERE.process or "").split(":")
    owner = {"host": HERE.model_copy(update={"host": "elsewhere", "pid": dead_pid()}),
             "boot": HERE.model_copy(update={"process": f"{uuid.uuid4()}:{namespace}:{start}",
                                             "pid": dead_pid()}),
             "namespace": HERE.model_copy(update={"process": f"{boot}:1:{start}",
                                                  "pid": dead_pid()})}[change]
    assert owner_is_alive(owner, HERE) is None


def test_a_held_lock_keeps_even_a_silent_run() -> None:
    """A store's held lock proves the run alive, past any heartbeat timeout."""
    far = RunOwner(host="elsewhere", pid=1)
    assert abandonment(liveness(far, age=10_000, alive=True), HERE, 600) is None


def test_a_released_lock_ends_even_a_fresh_run() -> None:
    """A released lock proves the process gone, however recent its heartbeat."""
    assert "lock was released" in (abandonment(liveness(HERE, age=0.1, alive=False), HERE,
                                               600) or "")


def test_a_live_owner_here_keeps_its_run_past_the_timeout() -> None:
    """No lock evidence, but the owner process is alive on this machine: kept."""
    if HERE.process is None:
        pytest.skip("needs /proc (Linux) to prove a live pid is the owner")
    assert abandonment(liveness(HERE, age=10_000), HERE, 600) is None


def test_a_dead_owner_here_ends_its_run_at_once() -> None:
    """No lock evidence, the owner process gone from this machine: abandoned now."""
    gone = HERE.model_copy(update={"pid": dead_pid()})
    reason = abandonment(liveness(gone, age=0.1), HERE, 600)
    assert reason == f"its process {gone.pid} on {gone.host} is gone"


@pytest.mark.parametrize(("age", "abandoned"), [(599.0, False), (601.0, True), (None, False)])
def test_an_owner_elsewhere_is_judged_by_its_heartbeat(age: float | None,
                                                       abandoned: bool) -> None:
    """Another host: abandoned only once the heartbeat is older than the timeout."""
    far = RunOwner(host="elsewhere", pid=1)
    assert (abandonment(liveness(far, age=age), HERE, 600) is not None) is abandoned


def test_a_run_without_owner_or_heartbeat_is_never_guessed_abandoned() -> None:
    """A store that records neither owner nor heartbeat: nothing is interrupted."""
    assert abandonment(liveness(None, age=None), HERE, 0) is None


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteRepository]:
    """A fresh SQLite store."""
    repository = SQLiteRepository(f"sqlite:///{tmp_path / 'store.db'}")
    yield repository
    repository.close()


def age_of(store: Repository, run_id: str) -> float:
    """The heartbeat age of a running run, as the store reports it."""
    (found,) = [r for r in store.running_runs() if r.run.run_id == run_id]
    assert found.heartbeat_age_s is not None
    return found.heartbeat_age_s


def test_heartbeat_is_sent_only_when_due(store: SQLiteRepository) -> None:
    """The pacer sends nothing before its interval has passed, then one heartbeat."""
    beat = datetime.now(UTC) - timedelta(minutes=5)
    run = CollectionRun(run_id=uuid.uuid4().hex, collector="test", started_at=beat,
                        heartbeat_at=beat)
    store.restore(runs=[run])
    Heartbeat(store, run.run_id, interval_s=3600).beat()
    assert age_of(store, run.run_id) > 290
    Heartbeat(store, run.run_id, interval_s=0).beat()
    assert age_of(store, run.run_id) < 5


def test_failed_heartbeat_is_skipped_and_the_next_one_sent(tmp_path: Path) -> None:
    """A heartbeat the store refuses (another writer holds it) raises nothing; the next
    one goes through."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with SQLiteRepository(url + "?timeout=0.1") as repository:
        beat = datetime.now(UTC) - timedelta(minutes=5)
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="test", started_at=beat,
                            heartbeat_at=beat)
        repository.restore(runs=[run])
        pacer = Heartbeat(repository, run.run_id, interval_s=0)
        with SQLiteRepository(url) as blocker:
            blocker._connection.execute("BEGIN IMMEDIATE")
            pacer.beat()
            blocker._connection.execute("ROLLBACK")
        assert age_of(repository, run.run_id) > 290
        pacer.beat()
        assert age_of(repository, run.run_id) < 5


class Api10Repository(SQLiteRepository):
    """A repository written against API 1.0: none of the 1.1 run-liveness methods."""

    heartbeat = Repository.heartbeat
    running_runs = Repository.running_runs
    interrupt_run = Repository.interrupt_run


class NoOwnerRepository(Api10Repository):
    """An API 1.0 repository whose runs keep neither owner nor heartbeat."""

    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        return [r.model_copy(update={"owner": None, "heartbeat_at": None})
                for r in super().list_runs(limit)]


def test_api_1_0_repository_ends_a_dead_run_through_the_defaults(tmp_path: Path) -> None:
    """With the defaults, a run whose owner died on this machine is interrupted through
    list_runs, list_scopes, fail_scope and finish_run."""
    with Api10Repository(f"sqlite:///{tmp_path / 'store.db'}") as store:
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="old",
                            started_at=datetime.now(UTC),
                            owner=HERE.model_copy(update={"pid": dead_pid()}))
        store.start_run(run)
        store.run_locks.release_all()  # no lock evidence: the owner alone decides
        found = interrupt_abandoned_runs(store)
        assert [f.run_id for f in found] == [run.run_id]
        assert store.list_runs()[0].status is RunStatus.INTERRUPTED


def test_api_1_0_repository_without_owners_is_left_alone(tmp_path: Path) -> None:
    """A store that keeps no owner and no heartbeat gives no evidence: nothing is touched."""
    with NoOwnerRepository(f"sqlite:///{tmp_path / 'store.db'}") as store:
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="old",
                            started_at=datetime.now(UTC) - timedelta(days=3))
        store.start_run(run)
        assert interrupt_abandoned_runs(store, timeout_s=0) == []
        assert store.list_runs()[0].status is RunStatus.RUNNING
