"""Covered scopes: the stored scopes whose staleness a completed scope also applies.

A collector may plan different scope keys for the same assets (GCP's ``--type`` run stores
a project's instances under ``compute.googleapis.com``, its full run under ``all``). When a
scope completes, the stored scopes it covers (``Collector.covers``) lose what the run did
not write, so an asset deleted between a narrowed and a full run does not stay listed.

Only stored scopes of the completed scope's provider and account are asked about: both
clouds' rules stay inside an account, asking about every pair would cost the square of the
number of scopes (8,000 Azure scopes: 64 million calls), and a shard then prunes only
inside the accounts of its own scopes. Left alone: the scopes this run planned (in any
shard: their own collection decides, and may still be writing), and those another run was
collecting when this run read the scopes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime

from cloudscope.domain.errors import describe_error
from cloudscope.domain.scope import Scope, ScopeKey, ScopeStatus
from cloudscope.ports.collector import CollectContext, Collector
from cloudscope.ports.repository import Repository


class CoveredScopes:
    """The stored scopes that a run's completed scopes may cover, read once per run."""

    __slots__ = ("_by_account", "_collector", "_ctx")

    def __init__(self, collector: Collector, stored: Iterable[Scope], planned: Iterable[ScopeKey],
                 ctx: CollectContext) -> None:
        self._collector = collector
        self._ctx = ctx
        own = {key.key for key in planned}
        self._by_account: dict[tuple[str, str], list[ScopeKey]] = defaultdict(list)
        for scope in stored:
            if scope.status is not ScopeStatus.RUNNING and scope.key.key not in own:
                self._by_account[(scope.key.provider, scope.key.account)].append(scope.key)

    @classmethod
    def read(cls, repository: Repository, collector: Collector, planned: Sequence[ScopeKey],
             ctx: CollectContext) -> CoveredScopes:
        """The candidates of a run from the store's scopes; none when the store cannot
        apply staleness to covered scopes (``covers_scopes`` False: an API 1.0 store)."""
        stored = repository.list_scopes() if type(repository).covers_scopes else ()
        return cls(collector, stored, planned, ctx)

    def of(self, scope: ScopeKey) -> tuple[ScopeKey, ...]:
        """The stored scopes that a complete collection of ``scope`` covers.

        Plugin code: anything it raises (``BaseException`` included, STYLE.md pitfall 9)
        covers nothing, counted ``covers_failed`` and logged; an answer other than True is
        False. Covered scopes are logged (``scope covers``).
        """
        candidates = self._by_account.get((scope.provider, scope.account), ())
        try:
            covered = tuple(other for other in candidates if other.key != scope.key
                            and self._collector.covers(scope, other) is True)
        except BaseException as error:  # a plugin's fault: nothing is covered, the scope completes
            self._ctx.count("covers_failed")
            self._log("warning", "covers failed, nothing covered", scope=scope.key,
                      error=describe_error(error))
            return ()
        if covered:
            self._log("info", "scope covers", scope=scope.key, covered=[c.key for c in covered])
        return covered

    def _log(self, level: str, event: str, **values: object) -> None:
        with suppress(Exception):  # an embedding caller's logger (or none) must not stop the run
            getattr(self._ctx.log, level)(event, **values)


def complete_scope(repository: Repository, scope: ScopeKey, run_id: str, assets: int,
                   finished_at: datetime, *, covered: Sequence[ScopeKey]) -> int:
    """``repository.complete_scope``, passing ``covered`` only to a store that takes it."""
    if covered and type(repository).covers_scopes:
        return repository.complete_scope(scope, run_id, assets, finished_at, covered=covered)
    return repository.complete_scope(scope, run_id, assets, finished_at)
