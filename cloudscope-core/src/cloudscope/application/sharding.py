"""``--shard I/N``: which scopes of a plan one of N collect processes takes."""

from __future__ import annotations

from dataclasses import dataclass

from cloudscope.domain.errors import CloudScopeError
from cloudscope.domain.scope import ScopeKey


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
