"""What a collection reports: progress events while it runs, and its run summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from cloudscope.domain.scope import CollectionRun, Scope, ScopeKey, ScopeStatus


class Progress(Protocol):
    """Receives progress events; the CLI shows them on a terminal."""

    def scope_started(self, scope: ScopeKey) -> None: ...
    def scope_progressed(self, scope: ScopeKey, assets: int) -> None: ...
    def scope_finished(self, scope: ScopeKey, status: ScopeStatus) -> None: ...


class NoProgress:
    """Progress that shows nothing (output is not a terminal)."""

    def scope_started(self, scope: ScopeKey) -> None:
        """Ignore."""

    def scope_progressed(self, scope: ScopeKey, assets: int) -> None:
        """Ignore."""

    def scope_finished(self, scope: ScopeKey, status: ScopeStatus) -> None:
        """Ignore."""


@dataclass(slots=True)
class RunSummary:
    """What ``collect`` prints: the run and each scope's outcome."""

    run: CollectionRun
    scopes: list[Scope] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The documented JSON form (DESIGN.md section 4)."""
        return {
            "run_id": self.run.run_id,
            "collector": self.run.collector,
            "status": self.run.status.value,
            "assets": self.run.assets,
            "relationships": self.run.relationships,
            "scopes": [
                {"provider": s.key.provider, "account": s.key.account, "region": s.key.region,
                 "service": s.key.service, "status": s.status.value, "assets": s.assets,
                 "error": s.error}
                for s in self.scopes
            ],
            "counters": self.run.counters,
            "error": self.run.error,
            "duration_s": self.run.duration_s(),
        }
