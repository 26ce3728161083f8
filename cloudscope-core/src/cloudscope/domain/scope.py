"""Scopes and collection runs: the unit of collection, status and staleness."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cloudscope.domain.timestamps import UtcDatetime


class ScopeStatus(StrEnum):
    """The outcome of a scope's last collection. Added in API 1.0."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class RunStatus(StrEnum):
    """The outcome of a collection run. Added in API 1.0."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    # Added in API 1.1: stopped by Ctrl-C or SIGTERM, or found abandoned by a later
    # command (its process died while the run was recorded as running).
    INTERRUPTED = "interrupted"


class ScopeKey(BaseModel):
    """What one unit of collection covers: (provider, account, region, service). Added in API 1.0.

    ``region`` is None for global services. For the file collector the scope is the file:
    ``provider="file"``, ``account`` the absolute path.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    account: str = ""
    region: str | None = None
    service: str = ""

    @property
    def key(self) -> str:
        """A stable string form, used for storage, sharding and locks."""
        return "/".join((self.provider, self.account, self.region or "-", self.service))

    def shard(self, count: int) -> int:
        """The shard (0 to count - 1) this scope belongs to, stable across processes and hosts."""
        digest = hashlib.sha256(self.key.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % count


class Scope(BaseModel):
    """A scope with the status of its last collection. Added in API 1.0."""

    model_config = ConfigDict(extra="forbid")

    key: ScopeKey
    status: ScopeStatus
    run_id: str
    assets: int = 0
    error: str | None = None
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None


class RunOwner(BaseModel):
    """The process that records a run: where a later command looks to tell whether the run
    is still alive. Added in API 1.1.

    ``process`` identifies the process beyond its pid, which the system reuses: on Linux
    ``BOOT_ID:PID_NAMESPACE:START_TICKS`` (the boot, the pid namespace, e.g. a container's,
    and the start time in clock ticks since boot); None where that cannot be read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str
    pid: int
    process: str | None = None


class CollectionRun(BaseModel):
    """One ``cloudscope collect`` invocation. Added in API 1.0.

    ``owner`` and ``heartbeat_at`` (the last time the owner said it was alive, by the
    store's clock) were added in API 1.1; a store that does not keep them reads None.
    """

    model_config = ConfigDict(extra="forbid")

    run_id: str
    collector: str
    status: RunStatus = RunStatus.RUNNING
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    assets: int = 0
    relationships: int = 0
    error: str | None = None
    counters: dict[str, int] = Field(default_factory=dict)
    owner: RunOwner | None = None
    heartbeat_at: UtcDatetime | None = None

    def duration_s(self) -> float:
        """Seconds from start to finish (or zero while running)."""
        end: datetime | None = self.finished_at
        return round((end - self.started_at).total_seconds(), 3) if end else 0.0
