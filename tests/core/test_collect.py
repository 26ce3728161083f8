"""The collect use case: batches, per-scope status, staleness, isolation of collector faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.collect import CollectOptions, CollectRun
from cloudscope.application.sharding import Shard
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import CloudScopeError, StoreError, StoreFailedError
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import RunStatus, ScopeKey, ScopeStatus
from cloudscope.host.ratelimit import RateLimiter
from cloudscope.ports.collector import CollectContext, Collector
from cloudscope.testing.plugin import FakeDistribution


def scope(name: str) -> ScopeKey:
    return ScopeKey(provider="demo", account="acct", region=name, service="things")


def asset(scope_name: str, index: int) -> Asset:
    return Asset(id=f"demo:{scope_name}:{index}", provider="demo", asset_type="demo:things:thing",
                 account="acct", region=scope_name, name=f"thing {index}")


class ScriptedCollector(Collector):
    """Collects scopes as scripted: a count of assets, or an exception to raise half way."""

    def __init__(self, ctx: CollectContext, script: dict[str, Any]) -> None:
        super().__init__(ctx, {})
        self.script = script
        self.closed = False

    def plan(self) -> Iterable[ScopeKey]:
        if "plan" in self.script:
            raise self.script["plan"]
        return [scope(name) for name in self.script]

    def collect(self, key: ScopeKey) -> Iterator[Asset | Relationship]:
        step = self.script[key.region or ""]
        count = step if isinstance(step, int) else 3
        for index in range(count):
            yield asset(key.region or "", index)
            if index:
                yield Relationship(source_id=asset(key.region or "", index).id, type="RELATED_TO",
                                   target_id=asset(key.region or "", 0).id)
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            yield step()

    def close(self) -> None:
        self.closed = True


class RecordingRepository(SQLiteRepository):
    """The real SQLite repository, remembering the size of every batch written."""

    batches: list[int]

    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        self.batches.append(len(assets) + len(relationships))
        super().write_batch(scope, run_id, assets, relationships, seen_at)


@pytest.fixture
def repository(sqlite_url: str) -> Iterator[RecordingRepository]:
    store = RecordingRepository(sqlite_url)
    store.batches = []
    yield store
    store.close()


@pytest.fixture
def collect(repository: RecordingRepository) -> Callable[..., Any]:
    """Run a scripted collection: collect(script, **options) -> (summary, collector, ctx)."""

    def run(script: dict[str, Any], **options: Any) -> Any:
        ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
        collector = ScriptedCollector(ctx, script)
        summary = CollectRun("demo", collector, repository, ctx, CollectOptions(**options)).execute()
        return summary, collector, ctx

    return run


def stored_ids(repository: SQLiteRepository) -> set[str]:
    return {a.id for a in repository.iter_assets(AssetQuery())}


def test_all_scopes_complete_gives_ok_and_stores_everything(collect: Callable[..., Any],
                                                            repository: RecordingRepository) -> None:
    """Every scope complete: status ok, counts match what is stored, the collector is closed."""
    summary, collector, _ = collect({"a": 5, "b": 7})
    assert summary.run.status is RunStatus.OK
    assert (summary.run.assets, summary.run.relationships) == (12, 10)
    assert {s.key.region: (s.status, s.assets) for s in summary.scopes} == \
        {"a": (ScopeStatus.COMPLETE, 5), "b": (ScopeStatus.COMPLETE, 7)}
    assert len(stored_ids(repository)) == 12
    assert collector.closed
    assert [run.status for run in repository.list_runs()] == [RunStatus.OK]


def test_batches_never_exceed_the_batch_size(collect: Callable[..., Any],
                                             repository: RecordingRepository) -> None:
    """Items are written in batches of at most batch_size: memory stays bounded."""
    collect({"a": 500, "b": 300}, batch_size=64, concurrency=2)
    assert max(repository.batches) <= 64
    assert sum(repository.batches) == 800 + 798


def test_failing_scope_is_partial_and_keeps_its_stored_assets(collect: Callable[..., Any],
                                                              repository: RecordingRepository) -> None:
    """A scope that raises half way fails alone; its previous assets stay; others complete."""
    collect({"a": 4, "b": 4})
    summary, _, _ = collect({"a": 2, "b": RuntimeError("AccessDenied: not allowed")})
    by_region = {s.key.region: s for s in summary.scopes}
    assert summary.run.status is RunStatus.PARTIAL
    assert by_region["b"].status is ScopeStatus.FAILED
    assert by_region["b"].error == "RuntimeError: AccessDenied: not allowed"
    assert stored_ids(repository) == {asset("a", i).id for i in range(2)} | \
        {asset("b", i).id for i in range(4)}


def test_every_scope_failing_fails_the_run(collect: Callable[..., Any]) -> None:
    """When no scope completes, the run status is failed."""
    summary, _, _ = collect({"a": ValueError("x"), "b": ValueError("y")})
    assert summary.run.status is RunStatus.FAILED


def test_plan_failure_fails_the_run_without_touching_the_store(collect: Callable[..., Any],
                                                               repository: RecordingRepository) -> None:
    """A collector that cannot plan fails the run with its error; nothing is written."""
    summary, _, _ = collect({"plan": RuntimeError("no credentials found")})
    assert summary.run.status is RunStatus.FAILED
    assert summary.run.error == "RuntimeError: no credentials found"
    assert repository.batches == []


class FillingRepository(RecordingRepository):
    """The real SQLite repository, whose disk is full from the third batch on."""

    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        if len(self.batches) >= 2:
            raise StoreError(f"{self.path}: database or disk is full")
        super().write_batch(scope, run_id, assets, relationships, seen_at)


def test_store_failing_mid_run_is_exit_3_and_records_the_end(sqlite_url: str) -> None:
    """A store that fails mid-run (a full disk) stops the run with StoreFailedError (exit
    3): written batches stay, running scopes and the run are recorded failed."""
    with FillingRepository(sqlite_url) as store:
        store.batches = []
        ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
        collector = ScriptedCollector(ctx, {"a": 100})
        with pytest.raises(StoreFailedError) as caught:
            CollectRun("demo", collector, store, ctx, CollectOptions(batch_size=40)).execute()
        assert caught.value.exit_code == 3 and "disk is full" in str(caught.value)
        (run,) = store.list_runs()
        assert run.status is RunStatus.FAILED and "disk is full" in (run.error or "")
        assert 0 < len(stored_ids(store)) == run.assets < 100 and collector.closed
        assert [(s.status, s.error) for s in store.list_scopes()] == \
            [(ScopeStatus.FAILED, f"{store.path}: database or disk is full")]


def test_collector_that_yields_the_wrong_type_fails_its_scope(collect: Callable[..., Any]) -> None:
    """A lying collector (yielding a dict) fails its scope with a clear message."""
    summary, _, _ = collect({"a": 2, "b": lambda: {"id": "not an asset"}})
    failed = [s for s in summary.scopes if s.status is ScopeStatus.FAILED]
    assert [s.key.region for s in failed] == ["b"]
    assert "yielded dict, expected Asset or Relationship" in (failed[0].error or "")


def test_secrets_in_collector_errors_are_redacted(collect: Callable[..., Any]) -> None:
    """An error message carrying a secret is redacted in the summary."""
    summary, _, _ = collect({"a": RuntimeError("auth failed for postgresql://u:hunter2@h/db")})
    assert "hunter2" not in json.dumps(summary.as_json())


def test_hanging_scope_times_out_and_the_others_finish(repository: RecordingRepository) -> None:
    """A scope that hangs past the scope timeout is failed; the run still ends."""
    release = threading.Event()
    ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
    collector = ScriptedCollector(ctx, {"a": 2, "b": lambda: release.wait(30) and asset("b", 99)})
    summary = CollectRun("demo", collector, repository, ctx,
                         CollectOptions(scope_timeout_s=0.5)).execute()
    release.set()
    statuses = {s.key.region: (s.status, s.error) for s in summary.scopes}
    assert statuses["a"] == (ScopeStatus.COMPLETE, None)
    assert statuses["b"] == (ScopeStatus.FAILED, "timed out after 0.5 s")


def test_core_takes_a_rate_limit_token_per_call_into_the_plugin(collect: Callable[..., Any]) -> None:
    """The core acquires a token for plan() and for each collect(scope)."""
    _, _, ctx = collect({"a": 1, "b": 1, "c": 1})
    assert ctx.limiter.acquired == 4


def test_shards_partition_the_plan_exactly(collect: Callable[..., Any], sqlite_url: str) -> None:
    """N shards together collect every scope exactly once."""
    script = {f"r{i}": 1 for i in range(12)}
    collected: list[str] = []
    for index in range(3):
        summary, _, _ = collect(script, shard=Shard(index, 3))
        collected += [s.key.region or "" for s in summary.scopes]
    assert sorted(collected) == sorted(script)


@pytest.mark.parametrize("text", ["3/3", "-1/2", "a/b", "1", "0/0"])
def test_invalid_shard_is_rejected(text: str) -> None:
    """--shard must be I/N with 0 <= I < N."""
    with pytest.raises(CloudScopeError, match="--shard"):
        Shard.parse(text)


SLOW_PLUGIN = """
import os, time
from cloudscope.api import hookimpl, Collector, ScopeKey, Asset
DELAY = float(os.environ.get("SLOW_DELAY", "0"))
CLOUDSCOPE_API = ">=1.0,<2"

class Slow(Collector):
    def plan(self):
        return [ScopeKey(provider="slow", account="a", region=f"r{i}", service="s") for i in range(4)]
    def collect(self, scope):
        for i in range(1000):
            if scope.region != "r0" and DELAY:
                time.sleep(DELAY)
            yield Asset(id=f"slow:{scope.region}:{i}", provider="slow", asset_type="slow:s:thing")
        if scope.region == "r3":
            raise RuntimeError("region r3 is unreachable")

@hookimpl
def cloudscope_register_collectors(register):
    register("slow", Slow)
"""


@pytest.fixture
def slow_plugin_env(fake_distribution: Callable[..., FakeDistribution]) -> dict[str, str]:
    """Environment for a subprocess that sees the 'slow' plugin installed."""
    dist = fake_distribution("cloudscope-slow", entry_points={"slow": "slow_plugin"},
                             modules={"slow_plugin": SLOW_PLUGIN})
    return {"PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "slow"}


def test_cli_reports_partial_collection_with_exit_3(run_cloudscope: Callable[..., Any],
                                                     slow_plugin_env: dict[str, str],
                                                     sqlite_url: str) -> None:
    """`collect --format json` prints the documented summary; a failed scope means exit 3."""
    result = run_cloudscope("collect", "slow", "--db", sqlite_url, "--format", "json",
                            "--concurrency", "4", env=slow_plugin_env)
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) >= {"run_id", "status", "assets", "relationships", "scopes", "duration_s"}
    assert summary["status"] == "partial" and summary["assets"] == 4000
    failed = [s for s in summary["scopes"] if s["status"] == "failed"]
    assert failed == [{"provider": "slow", "account": "a", "region": "r3", "service": "s",
                       "status": "failed", "assets": 1000,
                       "error": "RuntimeError: region r3 is unreachable"}]


def scope_completed(url: str, region: str) -> bool:
    """True once the store records the scope of `region` as complete (read-only peek)."""
    path = url.removeprefix("sqlite:///")
    if not os.path.exists(path):
        return False
    try:
        with SQLiteRepository(url + "?mode=ro&timeout=1") as store:
            return any(s.key.region == region and s.status is ScopeStatus.COMPLETE
                       for s in store.list_scopes())
    except CloudScopeError:
        return False  # not migrated yet


def test_ctrl_c_stops_cleanly_and_leaves_the_store_consistent(slow_plugin_env: dict[str, str],
                                                               sqlite_url: str) -> None:
    """SIGINT mid-run: exit 130, finished scopes complete, running ones interrupted, store readable."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "slow", "--db", sqlite_url, "--format",
         "json", "--concurrency", "4", "--batch-size", "50"],
        env={**os.environ, **slow_plugin_env, "SLOW_DELAY": "0.01"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    # Interrupt once r0 (fast) is complete: the others (10 s each) are then mid-way.
    deadline = time.monotonic() + 60
    while not scope_completed(sqlite_url, "r0") and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    summary = json.loads(stdout)
    statuses = {s["region"]: s["status"] for s in summary["scopes"]}
    assert statuses["r0"] == "complete"
    assert "interrupted" in statuses.values()
    assert summary["status"] == "interrupted"
    with SQLiteRepository(sqlite_url) as store:
        scopes = {s.key.region: s.status for s in store.list_scopes()}
        assert ScopeStatus.RUNNING not in scopes.values()
        assert [r.status for r in store.list_runs()] == [RunStatus.INTERRUPTED]
        assert store.count_assets(AssetQuery()) == summary["assets"]


MANY_PLUGIN = """
import os
from cloudscope.api import hookimpl, Collector, ScopeKey, Asset
CLOUDSCOPE_API = ">=1.0,<2"

class Many(Collector):
    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--prefix", required=True)
    def plan(self):
        return [ScopeKey(provider="many", account=self.options["prefix"], region=f"r{i}",
                         service="s") for i in range(3)]
    def collect(self, scope):
        for i in range(3000):
            yield Asset(id=f"many:{scope.account}:{scope.region}:{i}", provider="many",
                        asset_type="many:s:thing")

@hookimpl
def cloudscope_register_collectors(register):
    register("many", Many)
"""


@pytest.fixture
def many_plugin_env(fake_distribution: Callable[..., FakeDistribution]) -> dict[str, str]:
    """Environment for a subprocess that sees the 'many' plugin installed."""
    dist = fake_distribution("cloudscope-many", entry_points={"many": "many_plugin"},
                             modules={"many_plugin": MANY_PLUGIN})
    return {**os.environ, "PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "many"}


def test_two_concurrent_collect_processes_on_one_sqlite_file_lose_nothing(
        many_plugin_env: dict[str, str], sqlite_url: str) -> None:
    """Two `collect` runs writing one SQLite file at once both succeed, every batch stored."""
    processes = [subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "many", "--prefix", prefix, "--db",
         sqlite_url, "--batch-size", "100", "--format", "json"],
        env=many_plugin_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for prefix in ("a", "b")]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    with SQLiteRepository(sqlite_url) as store:
        assert store.count_assets(AssetQuery()) == 18000
        assert store.execute_integrity_check() == "ok"


def test_progress_is_shown_on_a_terminal_and_not_otherwise(many_plugin_env: dict[str, str],
                                                           sqlite_url: str) -> None:
    """stderr on a terminal shows assets per scope; piped stderr shows no progress."""
    import pty

    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "many", "--prefix", "t", "--db", sqlite_url],
        env={**many_plugin_env, "COLUMNS": "120"}, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=60)
    os.close(primary)
    assert process.returncode == 0
    assert b"3000 assets" in shown and b"r2" in shown
    piped = subprocess.run(
        [sys.executable, "-m", "cloudscope", "collect", "many", "--prefix", "t", "--db", sqlite_url],
        env=many_plugin_env, capture_output=True, text=True, check=False)
    assert piped.returncode == 0 and piped.stderr == ""


def test_bad_input_found_while_planning_never_opens_the_store(sqlite_url: str) -> None:
    """A usage error from plan() propagates before the store is opened (no new empty store)."""
    from cloudscope.domain.errors import InputError

    opened: list[str] = []
    ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
    collector = ScriptedCollector(ctx, {"plan": InputError("bad record", location="f.json:3")})

    def open_store() -> SQLiteRepository:
        opened.append(sqlite_url)
        return SQLiteRepository(sqlite_url)

    run = CollectRun("demo", collector, open_store, ctx, CollectOptions())
    with pytest.raises(InputError, match=r"f\.json:3"):
        run.execute()
    assert opened == [] and run.opened_repository is None


def test_a_store_opener_is_used_once_planning_succeeded(sqlite_url: str) -> None:
    """Given a way to open the store, the run opens it once and writes through it."""
    ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
    run = CollectRun("demo", ScriptedCollector(ctx, {"a": 2}), lambda: SQLiteRepository(sqlite_url),
                     ctx, CollectOptions())
    assert run.execute().run.assets == 2
    assert run.opened_repository is not None
    assert run.opened_repository.count_assets(AssetQuery()) == 2
    run.opened_repository.close()
