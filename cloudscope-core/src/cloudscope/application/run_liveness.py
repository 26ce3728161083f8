"""Runs whose process is gone: each run names its owner and keeps a heartbeat while it runs;
a later command finds the abandoned ones and marks them ``interrupted`` with their running
scopes.

A collect killed by SIGKILL, by the machine's loss or by a store that stopped answering
cannot record its own end, and its run would read ``running`` for ever. The decision is
made on evidence, never on a run merely being old. A run recorded as running is abandoned
when, in this order:

1. the store says its liveness lock was released (SQLite and file stores: a lock file the
   owner holds; PostgreSQL: a session advisory lock, free while the heartbeat is stale);
   a lock the store says is held proves the run alive;
2. its owner ran on this machine (same host name, boot and pid namespace) and that process
   is gone: no process with its pid, or one that started at another time (a reused pid);
   an owner process still alive here proves the run alive;
3. otherwise (an owner on another host, a store without locks) its heartbeat is older than
   the timeout: ``collect.heartbeat_timeout_s``, ten minutes by default.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cloudscope.domain.errors import StoreError
from cloudscope.domain.scope import RunOwner
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.repository import HEARTBEAT_INTERVAL_S, Repository, RunLiveness

HEARTBEAT_TIMEOUT_S: Final = 600.0
"""A run on another host whose heartbeat is older than this (seconds) is abandoned."""
_PROC: Final = Path("/proc")


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot; None if there is none."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count after the last ')'.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def current_owner() -> RunOwner:
    """This process as the owner of a run: host name, pid and, on Linux, its identity
    (boot id, pid namespace, start time), which a reused pid does not share."""
    pid = os.getpid()
    process = None
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink(_PROC / "self/ns/pid").partition("[")[2].rstrip("]")
    except OSError:
        boot = namespace = ""
    start = _start_ticks(pid)
    if boot and namespace and start:
        process = f"{boot}:{namespace}:{start}"
    return RunOwner(host=socket.gethostname(), pid=pid, process=process)


def owner_is_alive(owner: RunOwner, here: RunOwner) -> bool | None:
    """True when ``owner`` is a process alive on this machine, False when it provably is
    gone, None when this machine cannot tell (another host, another pid namespace, another
    boot of a host of the same name, or no process identity to compare)."""
    if owner.host != here.host or bool(owner.process) != bool(here.process):
        return None
    if owner.process and here.process:
        boot, namespace, start = owner.process.split(":", 2)
        if [boot, namespace] != here.process.split(":", 2)[:2]:
            return None
        return _start_ticks(owner.pid) == start
    # No process identity here (not Linux): a missing pid is proof; a live one may be reused.
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return None


def abandonment(liveness: RunLiveness, here: RunOwner, timeout_s: float) -> str | None:
    """Why the run is abandoned, or None while it may be alive (the module's rule)."""
    if liveness.alive is not None:
        return None if liveness.alive else "its process is gone (its lock was released)"
    owner = liveness.run.owner
    if owner is not None:
        alive = owner_is_alive(owner, here)
        if alive is not None:
            return None if alive else f"its process {owner.pid} on {owner.host} is gone"
    age = liveness.heartbeat_age_s
    if age is not None and age > timeout_s:
        return f"no heartbeat for {age:.0f} s (timeout {timeout_s:g} s)"
    return None


@dataclass(frozen=True, slots=True)
class AbandonedRun:
    """A run found abandoned and marked interrupted."""

    run_id: str
    collector: str
    reason: str


def interrupt_abandoned_runs(repository: Repository, *,
                             timeout_s: float = HEARTBEAT_TIMEOUT_S,
                             here: RunOwner | None = None) -> list[AbandonedRun]:
    """Mark every abandoned run of ``repository`` interrupted, with its running scopes;
    return them. A run that finished meanwhile is left as it finished."""
    here = here or current_owner()
    found: list[AbandonedRun] = []
    for liveness in repository.running_runs():
        reason = abandonment(liveness, here, timeout_s)
        run = liveness.run
        if reason and repository.interrupt_run(run.run_id, f"abandoned: {reason}", utc_now()):
            found.append(AbandonedRun(run.run_id, run.collector, reason))
    return found


class Heartbeat:
    """Sends a running run's heartbeat at most every ``interval_s``, from the thread that
    owns the repository. A heartbeat that fails is skipped: the run's own writes report a
    broken store, and a missed heartbeat only brings the run closer to the timeout."""

    def __init__(self, repository: Repository, run_id: str,
                 interval_s: float = HEARTBEAT_INTERVAL_S) -> None:
        self.repository = repository
        self.run_id = run_id
        self.interval_s = interval_s
        self._due = time.monotonic() + interval_s

    def beat(self) -> None:
        """Send the heartbeat if it is due."""
        now = time.monotonic()
        if now < self._due:
            return
        self._due = now + self.interval_s
        try:
            self.repository.heartbeat(self.run_id)
        except StoreError:
            pass
