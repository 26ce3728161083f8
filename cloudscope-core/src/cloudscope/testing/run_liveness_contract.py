"""The repository contract's cases for runs whose process is gone (API 1.1).

:class:`~cloudscope.testing.repository_contract.RepositoryContract` includes them. A
repository that keeps the API 1.0 defaults of ``heartbeat`` and ``running_runs`` skips the
cases that need them, and still passes the others (``interrupt_run`` has a working default).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from cloudscope.application.run_liveness import current_owner, interrupt_abandoned_runs
from cloudscope.domain.scope import CollectionRun, RunStatus, ScopeKey, ScopeStatus
from cloudscope.ports.repository import Repository

Process = subprocess.Popen[str]
SCOPE_DONE = ScopeKey(provider="aws", account="111111111111", region="eu-west-1", service="s3")
SCOPE_BUSY = ScopeKey(provider="aws", account="111111111111", region="eu-west-1", service="ec2")

# Started in a process of its own: records a run (this process its owner), completes one
# scope, starts another, says so, and waits to be killed.
OWNER_SCRIPT = """
import sys, time, uuid
from datetime import datetime, timezone
from cloudscope.application.run_liveness import current_owner
from cloudscope.application.storage import open_repository
from cloudscope.domain.scope import CollectionRun
from cloudscope.host.plugin_host import PluginHost
from cloudscope.testing.run_liveness_contract import SCOPE_BUSY, SCOPE_DONE
repository = open_repository(PluginHost.from_environment(), sys.argv[1])
now = datetime.now(timezone.utc)
run = CollectionRun(run_id=uuid.uuid4().hex, collector="victim", started_at=now,
                    owner=current_owner())
repository.start_run(run)
repository.start_scope(SCOPE_DONE, run.run_id, now)
repository.complete_scope(SCOPE_DONE, run.run_id, 0, datetime.now(timezone.utc))
repository.start_scope(SCOPE_BUSY, run.run_id, datetime.now(timezone.utc))
print(run.run_id, flush=True)
time.sleep(600)
"""


def _implements(store: Repository, method: str) -> None:
    if getattr(type(store), method) is getattr(Repository, method):
        pytest.skip(f"{type(store).__name__} keeps the API 1.0 default of {method}")


def _run(store: Repository, run_id: str) -> CollectionRun:
    (run,) = [r for r in store.list_runs() if r.run_id == run_id]
    return run


class RunLivenessContract:
    """How a repository records runs' owners and heartbeats, and ends abandoned runs."""

    @pytest.fixture
    def owned_run(self, repository_url: str) -> Iterator[Callable[[], tuple[str, Process]]]:
        """``owned_run()`` starts a run in another process, which then sleeps; returns its
        run id and the process. Every such process is killed afterwards."""
        processes: list[Process] = []

        def start() -> tuple[str, Process]:
            process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(OWNER_SCRIPT),
                                        repository_url], stdout=subprocess.PIPE, text=True,
                                       env={**os.environ})
            processes.append(process)
            assert process.stdout is not None
            return process.stdout.readline().strip(), process

        yield start
        for process in processes:
            process.kill()
            process.wait()

    def test_running_runs_lists_runs_with_owner_and_a_fresh_heartbeat(
            self, store: Repository) -> None:
        """A run that starts is listed as running with its owner and a recent heartbeat;
        once finished it is not listed."""
        _implements(store, "running_runs")
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="contract",
                            started_at=datetime.now(UTC), owner=current_owner())
        store.start_run(run)
        (listed,) = [r for r in store.running_runs() if r.run.run_id == run.run_id]
        assert listed.run.owner == run.owner
        assert listed.heartbeat_age_s is not None and 0 <= listed.heartbeat_age_s < 60
        assert listed.alive is not False  # its owner, this process, is alive
        store.finish_run(run.model_copy(update={"status": RunStatus.OK,
                                                "finished_at": datetime.now(UTC)}))
        assert run.run_id not in [r.run.run_id for r in store.running_runs()]
        assert _run(store, run.run_id).owner == run.owner

    def test_heartbeat_makes_the_heartbeat_younger(self, store: Repository) -> None:
        """heartbeat() resets the run's heartbeat age."""
        _implements(store, "heartbeat")
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="contract",
                            started_at=datetime.now(UTC), owner=current_owner())
        store.start_run(run)
        time.sleep(1.2)

        def age() -> float:
            (listed,) = [r for r in store.running_runs() if r.run.run_id == run.run_id]
            assert listed.heartbeat_age_s is not None
            return listed.heartbeat_age_s

        before = age()
        store.heartbeat(run.run_id)
        assert before >= 1.0 and age() < before - 0.5

    def test_interrupt_run_ends_the_run_and_its_running_scopes(self, store: Repository) -> None:
        """interrupt_run marks the run and its running scopes interrupted with the reason;
        completed scopes stay complete; a second call changes nothing."""
        now = datetime.now(UTC)
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="contract", started_at=now)
        store.start_run(run)
        store.start_scope(SCOPE_DONE, run.run_id, now)
        store.complete_scope(SCOPE_DONE, run.run_id, 0, datetime.now(UTC))
        store.start_scope(SCOPE_BUSY, run.run_id, now)
        assert store.interrupt_run(run.run_id, "abandoned: test", datetime.now(UTC))
        stored = _run(store, run.run_id)
        assert stored.status is RunStatus.INTERRUPTED and stored.error == "abandoned: test"
        assert stored.finished_at is not None
        scopes = {s.key: s for s in store.list_scopes()}
        assert scopes[SCOPE_DONE].status is ScopeStatus.COMPLETE
        assert scopes[SCOPE_BUSY].status is ScopeStatus.INTERRUPTED
        assert scopes[SCOPE_BUSY].error == "abandoned: test"
        assert not store.interrupt_run(run.run_id, "again", datetime.now(UTC))
        assert _run(store, run.run_id).error == "abandoned: test"

    def test_interrupt_run_leaves_a_finished_run_as_it_finished(self, store: Repository) -> None:
        """A run that finished before the interruption arrived keeps its own outcome."""
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="contract",
                            started_at=datetime.now(UTC))
        store.start_run(run)
        store.finish_run(run.model_copy(update={"status": RunStatus.OK,
                                                "finished_at": datetime.now(UTC)}))
        assert not store.interrupt_run(run.run_id, "too late", datetime.now(UTC))
        assert _run(store, run.run_id).status is RunStatus.OK

    def test_run_of_a_killed_process_is_interrupted_by_a_later_one(
            self, store: Repository, owned_run: Callable[[], tuple[str, Process]]) -> None:
        """SIGKILL leaves the run `running`; the next process finds its owner gone (by its
        lock or its pid, not by its age) and marks it and its running scope interrupted."""
        _implements(store, "running_runs")
        if sys.platform == "win32":
            pytest.skip("SIGKILL does not exist on Windows")
        run_id, process = owned_run()
        assert interrupt_abandoned_runs(store) == []  # alive: left alone
        process.send_signal(signal.SIGKILL)
        process.wait()
        found = interrupt_abandoned_runs(store, timeout_s=3600)
        assert [f.run_id for f in found] == [run_id]
        assert _run(store, run_id).status is RunStatus.INTERRUPTED
        scopes = {s.key: s.status for s in store.list_scopes()}
        assert scopes == {SCOPE_DONE: ScopeStatus.COMPLETE, SCOPE_BUSY: ScopeStatus.INTERRUPTED}

    def test_live_run_is_never_interrupted_whatever_its_age(
            self, store: Repository, owned_run: Callable[[], tuple[str, Process]]) -> None:
        """A run whose process lives on this machine is kept, even past the heartbeat
        timeout: liveness is proven, not guessed."""
        _implements(store, "running_runs")
        run_id, _ = owned_run()
        time.sleep(0.2)
        assert interrupt_abandoned_runs(store, timeout_s=0.0) == []
        assert _run(store, run_id).status is RunStatus.RUNNING

    def test_restored_runs_keep_owner_and_heartbeat(self, store: Repository) -> None:
        """restore() (``db copy``) keeps a run's owner and heartbeat time."""
        _implements(store, "running_runs")
        beat = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
        run = CollectionRun(run_id=uuid.uuid4().hex, collector="copied",
                            started_at=datetime(2026, 1, 2, tzinfo=UTC), heartbeat_at=beat,
                            owner=current_owner().model_copy(update={"host": "elsewhere"}))
        try:
            store.restore(runs=[run])
        except Exception as error:  # a store that cannot be copied into: nothing to check
            pytest.skip(f"restore: {error}")
        stored = _run(store, run.run_id)
        assert (stored.owner, stored.heartbeat_at) == (run.owner, beat)

