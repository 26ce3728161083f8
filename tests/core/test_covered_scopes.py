"""Covered scopes in the collect use case: a completed scope applies staleness to the stored
scopes its collector says it covers, and to no other (application/covered_scopes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.collect import CollectOptions, CollectRun
from cloudscope.application.collect_report import RunSummary
from cloudscope.application.sharding import Shard
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import ChangeQuery
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, ScopeKey, ScopeStatus
from cloudscope.host.ratelimit import RateLimiter
from cloudscope.ports.collector import CollectContext, Collector

ALL = "all"


class Cloud:
    """What the fake cloud holds: asset name -> (account, service)."""

    def __init__(self) -> None:
        self.assets: dict[str, tuple[str, str]] = {}

    def add(self, name: str, service: str, account: str = "acct") -> None:
        self.assets[name] = (account, service)


def thing(name: str, account: str = "acct") -> Asset:
    return Asset(id=f"demo:{name}", provider="demo", asset_type="demo:things:thing",
                 account=account, name=name)


class Narrowable(Collector):
    """Plans one scope per account (service ``all``) for a full run, or one per service
    named in ``services`` for a narrowed run; ``all`` covers every other service of its
    account, as GCP's does. ``covers`` may be scripted to raise."""

    def __init__(self, ctx: CollectContext, cloud: Cloud, *, services: Sequence[str] = (),
                 accounts: Sequence[str] = ("acct",), covers_raises: BaseException | None = None,
                 failing: Sequence[str] = ()) -> None:
        super().__init__(ctx, {})
        self.cloud, self.services, self.accounts = cloud, tuple(services) or (ALL,), accounts
        self.covers_raises, self.failing = covers_raises, set(failing)
        self.asked: list[tuple[str, str]] = []

    def plan(self) -> list[ScopeKey]:
        return [ScopeKey(provider="demo", account=account, service=service)
                for account in self.accounts for service in self.services]

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        for name, (account, service) in sorted(self.cloud.assets.items()):
            if account == scope.account and scope.service in (ALL, service):
                yield thing(name, account)
        if scope.service in self.failing:
            raise RuntimeError("AccessDenied")

    def covers(self, scope: ScopeKey, other: ScopeKey) -> bool:
        self.asked.append((scope.key, other.key))
        if self.covers_raises is not None:
            raise self.covers_raises
        return scope.service == ALL and other.service != ALL


@pytest.fixture
def cloud() -> Cloud:
    return Cloud()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SQLiteRepository]:
    repository = SQLiteRepository(sqlite_url)
    yield repository
    repository.close()


Run = Callable[..., tuple[RunSummary, Narrowable]]


@pytest.fixture
def run(cloud: Cloud, store: SQLiteRepository) -> Run:
    """Collect once: run(services=..., shard=..., repository=...) -> (summary, collector)."""

    def collect(*, shard: Shard | None = None, repository: Any = None,
                **options: Any) -> tuple[RunSummary, Narrowable]:
        ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
        collector = Narrowable(ctx, cloud, **options)
        summary = CollectRun("demo", collector, repository or store, ctx,
                             CollectOptions(shard=shard)).execute()
        return summary, collector

    return collect


def live(store: SQLiteRepository) -> set[str]:
    return {a.name for a in store.iter_assets(AssetQuery())}


def test_a_full_run_removes_what_a_narrowed_run_stored_and_the_cloud_deleted(
        run: Run, cloud: Cloud, store: SQLiteRepository) -> None:
    """An asset a --type run stored and the cloud deleted before the full run is removed
    when the covering scope completes, counted and logged ``removed`` by the full run; the
    assets the full run saw stay."""
    cloud.add("x", "compute")
    cloud.add("y", "storage")
    run(services=["compute", "storage"])
    del cloud.assets["x"]
    summary, _ = run()
    assert live(store) == {"y"}
    assert summary.run.counters.get("stale_removed") == 1
    removed = [(c.change.value, c.asset_id) for c in store.iter_changes(ChangeQuery())
               if c.run_id == summary.run.run_id]
    assert removed == [("removed", "demo:x")]


def test_an_asset_still_in_the_cloud_stays(run: Run, cloud: Cloud,
                                           store: SQLiteRepository) -> None:
    """The twin: the full run sees the narrowed run's asset, which stays live, unchanged."""
    cloud.add("x", "compute")
    run(services=["compute"])
    summary, _ = run()
    assert live(store) == {"x"}
    assert [c.change.value for c in store.iter_changes(ChangeQuery())
            if c.run_id == summary.run.run_id] == []


def test_a_failed_covering_scope_removes_nothing(run: Run, cloud: Cloud,
                                                 store: SQLiteRepository) -> None:
    """A covering scope that fails covers nothing: the narrowed run's assets stay."""
    cloud.add("x", "compute")
    run(services=["compute"])
    del cloud.assets["x"]
    summary, collector = run(failing=[ALL])
    assert summary.run.status is RunStatus.FAILED
    assert live(store) == {"x"}
    assert collector.asked == []


def test_a_scope_another_run_is_collecting_is_left_alone(run: Run, cloud: Cloud,
                                                         store: SQLiteRepository) -> None:
    """A stored scope whose status is running (another run may be writing it) is not
    covered: what it holds stays, and the collector is not asked about it."""
    cloud.add("x", "compute")
    run(services=["compute"])
    other = CollectionRun(run_id="other", collector="demo", started_at=datetime.now(UTC))
    store.start_run(other)
    compute = ScopeKey(provider="demo", account="acct", service="compute")
    store.start_scope(compute, "other", datetime.now(UTC))
    del cloud.assets["x"]
    _, collector = run()
    assert live(store) == {"x"}
    assert collector.asked == []


@pytest.mark.parametrize("fault", [ValueError("bad rule"), SystemExit(0), KeyboardInterrupt()])
def test_a_collector_whose_covers_raises_covers_nothing(run: Run, cloud: Cloud,
                                                        store: SQLiteRepository,
                                                        fault: BaseException) -> None:
    """covers() raising anything at all covers nothing; the scope still completes, and the
    run counts ``covers_failed``."""
    cloud.add("x", "compute")
    cloud.add("y", "storage")
    run(services=["compute"])
    del cloud.assets["x"]
    summary, _ = run(covers_raises=fault)
    assert [s.status for s in summary.scopes] == [ScopeStatus.COMPLETE]
    assert live(store) == {"x", "y"}
    assert summary.run.counters.get("covers_failed") == 1


def test_scopes_of_another_account_are_never_asked_about(run: Run, cloud: Cloud,
                                                         store: SQLiteRepository) -> None:
    """Only stored scopes of the completed scope's provider and account are candidates."""
    cloud.add("x", "compute", account="other")
    run(services=["compute"], accounts=["other"])
    del cloud.assets["x"]
    _, collector = run()
    assert live(store) == {"x"}
    assert collector.asked == []


def test_a_shard_never_covers_a_scope_of_the_plan(run: Run, cloud: Cloud,
                                                  store: SQLiteRepository) -> None:
    """A scope the run planned is collected by its own shard, never covered by another's:
    the shard owning ``all`` leaves the planned ``compute`` scope to the other shard."""
    cloud.add("x", "compute")
    run(services=["compute"])
    del cloud.assets["x"]
    keys = [ScopeKey(provider="demo", account="acct", service=s) for s in (ALL, "compute")]
    count = next(n for n in range(2, 50) if keys[0].shard(n) != keys[1].shard(n))
    summary, collector = run(services=[ALL, "compute"], shard=Shard(keys[0].shard(count), count))
    assert [s.key.service for s in summary.scopes] == [ALL]
    assert live(store) == {"x"}
    assert collector.asked == []


class Api10Store(SQLiteRepository):
    """A store written for API 1.0: complete_scope takes no ``covered``."""

    covers_scopes: ClassVar[bool] = False

    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,  # type: ignore[override]
                       finished_at: datetime) -> int:
        return super().complete_scope(scope, run_id, assets, finished_at)


def test_an_api_10_store_is_never_passed_covered(run: Run, cloud: Cloud, sqlite_url: str) -> None:
    """A store whose ``covers_scopes`` is False completes scopes as before: the covered
    scope keeps what it holds until a collection of its own completes."""
    cloud.add("x", "compute")
    old = Api10Store(sqlite_url)
    try:
        run(services=["compute"], repository=old)
        del cloud.assets["x"]
        summary, _ = run(repository=old)
        assert summary.run.status is RunStatus.OK
        assert {a.name for a in old.iter_assets(AssetQuery())} == {"x"}
    finally:
        old.close()
