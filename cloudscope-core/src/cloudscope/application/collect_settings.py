"""What a collection is given besides its collector and store: its shard and a progress display."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cloudscope.domain.errors import CloudScopeError
from cloudscope.domain.scope import ScopeKey, ScopeStatus


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


@dataclass(frozen=True, slots=True)
class Shard:
    """``--shard I/N``: this process collects the scopes whose stable hash lands on ``index``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Parse ``I/N`` (I counts from 0)."""
        index, _, count = text.partition("/")
        try:
            shard = cls(int(index), int(count))
        except ValueError:
            raise CloudScopeError(f"--shard {text!r}: expected I/N, e.g. 0/3") from None
        if shard.count < 1 or not 0 <= shard.index < shard.count:
            raise CloudScopeError(f"--shard {text!r}: I must be between 0 and N-1, N at least 1")
        return shard

    def owns(self, scope: ScopeKey) -> bool:
        """True when ``scope`` belongs to this shard."""
        return scope.shard(self.count) == self.index
