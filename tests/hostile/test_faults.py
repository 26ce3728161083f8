"""Faults while a collection writes: processes killed (SIGKILL) or stopped (SIGTERM) mid-write,
a full disk, a read-only store, concurrent writers, two first collects racing to create a
store, a PostgreSQL server lost mid-run (issue 12, parts 6 and 7).

Every case runs the real ``cloudscope`` in processes of its own, against each store
available (SQLite, file, and PostgreSQL when ``CLOUDSCOPE_TEST_POSTGRES_URL`` names a
server), and asserts the documented outcome (exit code, one clean line), the store's
integrity, that what completed stays, and that no run and no scope is left ``running``:
either the process recorded its end, or the next command found its process gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.storage import open_repository
from cloudscope.domain.errors import CloudScopeError
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import CollectionRun, RunOwner, RunStatus, ScopeStatus
from cloudscope.host.plugin_host import PluginHost
from cloudscope.ports.repository import Repository
from cloudscope.testing.plugin import CliResult, FakeDistribution

# The TCP proxy the PostgreSQL tests cut to play a lost server (a plain module beside them).
sys.path.insert(0, str(Path(__file__).parents[1] / "postgres"))
from postgres_proxy import TcpProxy

KEPT = "arn:aws:s3:::kept"
GOOD = ('{"id": "arn:aws:s3:::kept", "provider": "aws", "asset_type": "aws:s3:bucket", '
        '"tags": {"env": "prod"}}\n')
BATCH = 25

# A collector of three scopes: r0 is small and quick; r1 and r2 hold DRIP_COUNT assets of
# DRIP_PAD bytes each, DRIP_DELAY seconds apart: slow enough to be caught mid-run.
DRIP_PLUGIN = """
import os, time
from cloudscope.api import hookimpl, Collector, ScopeKey, Asset
CLOUDSCOPE_API = ">=1.0,<2"
DELAY = float(os.environ.get("DRIP_DELAY", "0"))
COUNT = int(os.environ.get("DRIP_COUNT", "1000"))
PAD = int(os.environ.get("DRIP_PAD", "10"))

class Drip(Collector):
    def plan(self):
        return [ScopeKey(provider="drip", account="a", region=f"r{i}", service="s")
                for i in range(3)]
    def collect(self, scope):
        quick = scope.region == "r0"
        for i in range(50 if quick else COUNT):
            if DELAY and not quick:
                time.sleep(DELAY)
            yield Asset(id=f"drip:{scope.region}:{i}", provider="drip",
                        asset_type="drip:s:thing", properties={"pad": "x" * PAD})

@hookimpl
def cloudscope_register_collectors(register):
    register("drip", Drip)
"""


@dataclass(frozen=True)
class Store:
    """A store under test: its kind and URL."""

    kind: str
    url: str

    def open(self) -> Repository:
        """Another connection to the store, as a later command would open it."""
        return open_repository(PluginHost.from_environment(), self.url)


def store_url(kind: str, directory: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a new store of ``kind`` in ``directory`` (PostgreSQL: a fresh schema)."""
    if kind == "sqlite":
        return f"sqlite:///{directory / 'store.db'}"
    if kind == "file":
        return f"file://{directory / 'store'}"
    server = os.environ.get("CLOUDSCOPE_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("CLOUDSCOPE_TEST_POSTGRES_URL is not set: start a throwaway server with "
                    "`source .ci/postgres.sh && start_postgres`")
    psycopg = pytest.importorskip("psycopg")
    schema = f"faults_{uuid.uuid4().hex[:12]}"

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    request.addfinalizer(drop)
    return f"{server}{'&' if '?' in server else '?'}schema={schema}"


@pytest.fixture(params=["sqlite", "file", "postgresql"])
def populated(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A store of each kind that already holds an asset (collected from a file)."""
    from cloudscope.cli.main import main

    store = Store(request.param, store_url(request.param, tmp_path, request))
    good = tmp_path / "good.jsonl"
    good.write_text(GOOD)
    assert main(["collect", "file", str(good), "--db", store.url, "--format", "json"]) == 0
    return store


@pytest.fixture
def drip_env(fake_distribution: Callable[..., FakeDistribution]) -> dict[str, str]:
    """The environment of a process that sees the 'drip' collector installed."""
    dist = fake_distribution("cloudscope-drip", entry_points={"drip": "drip_plugin"},
                             modules={"drip_plugin": DRIP_PLUGIN})
    return {**os.environ, "PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "drip"}


def start_collect(url: str, env: dict[str, str], *options: str) -> subprocess.Popen[str]:
    """``cloudscope collect drip`` in a process of its own, JSON summary on stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "drip", "--db", url, "--format", "json",
         "--batch-size", str(BATCH), *options],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def peek(store: Store, look: Callable[[Repository], Any]) -> Any:
    """What ``look`` sees in the store now, or None while it cannot be read."""
    url = store.url
    if store.kind != "postgresql":
        url += ("&" if "?" in url else "?") + "mode=ro&timeout=1"
    try:
        with open_repository(PluginHost.from_environment(), url) as repository:
            return look(repository)
    except CloudScopeError:
        return None


def wait_until(condition: Callable[[], Any], process: subprocess.Popen[str],
               timeout: float = 60) -> None:
    """Poll ``condition`` until true; fail if the process ends or time runs out first."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def scope_status(repository: Repository, region: str) -> ScopeStatus | None:
    """The status of the drip scope of ``region``."""
    return next((s.status for s in repository.list_scopes() if s.key.region == region), None)


def drip_count(repository: Repository) -> int:
    """How many drip assets are stored."""
    return repository.count_assets(AssetQuery(provider="drip"))


def assert_intact(store: Store, *, kept: bool = True) -> Repository:
    """The store passes its integrity check, holds what it held (``kept``), and has no run
    or scope left running; returns it open (closed by the caller's ``with``)."""
    if store.kind == "sqlite":
        with SQLiteRepository(store.url + "?mode=ro") as check:
            assert check.execute_integrity_check() == "ok"
    if store.kind == "file":
        directory = Path(store.url.removeprefix("file://"))
        leftovers = [p.name for p in directory.iterdir()
                     if p.name.endswith(".tmp") or p.name == "commit.json"]
        assert leftovers == [], "an interrupted commit was left behind"
        assert json.loads((directory / "meta.json").read_text())["application"] == "cloudscope"
    repository = store.open()
    listed = [a.id for a in repository.iter_assets(AssetQuery(include_deleted=True))]
    assert len(listed) == len(set(listed)) == repository.count_assets(
        AssetQuery(include_deleted=True))
    if kept:
        assert repository.get_asset(KEPT) is not None
    assert [r.run_id for r in repository.list_runs() if r.status is RunStatus.RUNNING] == []
    assert [s.key.key for s in repository.list_scopes() if s.status is ScopeStatus.RUNNING] == []
    return repository


def later_command(run_cloudscope: Callable[..., CliResult], store: Store) -> None:
    """A later command on the store (``assets list``), which settles abandoned runs."""
    result = run_cloudscope("assets", "list", "--db", store.url, "--format", "json")
    assert result.exit_code == 0, result.stderr


# SIGKILL and SIGTERM mid-write -------------------------------------------------------------
def test_sigkill_mid_write_leaves_whole_batches_and_the_next_command_ends_the_run(
        populated: Store, drip_env: dict[str, str],
        run_cloudscope: Callable[..., CliResult]) -> None:
    """SIGKILL while batches are written: whole batches only, the store intact, and the run
    and its running scopes `interrupted` by the next command (its process is gone)."""
    process = start_collect(populated.url, {**drip_env, "DRIP_DELAY": "0.001",
                                            "DRIP_COUNT": "20000", "DRIP_PAD": "500"})
    wait_until(lambda: (peek(populated, drip_count) or 0) > 100, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    running = peek(populated, lambda r: [x.status for x in r.list_runs()])
    assert RunStatus.RUNNING in running  # nobody recorded its end
    later_command(run_cloudscope, populated)
    with assert_intact(populated) as repository:
        assert drip_count(repository) % BATCH == 0, "a batch was half written"
        (run,) = [r for r in repository.list_runs() if r.collector == "drip"]
        assert run.status is RunStatus.INTERRUPTED
        assert run.error is not None and "gone" in run.error
        assert {s.status for s in repository.list_scopes() if s.key.provider == "drip"} <= \
            {ScopeStatus.COMPLETE, ScopeStatus.INTERRUPTED}


def test_sigterm_mid_collect_stops_like_ctrl_c(populated: Store,
                                               drip_env: dict[str, str]) -> None:
    """SIGTERM (Kubernetes, systemd): exit 130, the finished scope complete, the others
    interrupted, the run recorded `interrupted` by the process itself."""
    process = start_collect(populated.url, {**drip_env, "DRIP_DELAY": "0.01"},
                            "--concurrency", "3")
    wait_until(lambda: peek(populated, lambda r: scope_status(r, "r0")) is
               ScopeStatus.COMPLETE, process)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "cloudscope: interrupted"
    summary = json.loads(stdout)
    assert summary["status"] == "interrupted"
    assert {s["region"]: s["status"] for s in summary["scopes"]} == \
        {"r0": "complete", "r1": "interrupted", "r2": "interrupted"}
    with assert_intact(populated) as repository:  # no later command needed
        (run,) = [r for r in repository.list_runs() if r.collector == "drip"]
        assert run.status is RunStatus.INTERRUPTED and run.finished_at is not None
        assert drip_count(repository) == summary["assets"]


def test_stopped_process_keeps_its_run_until_it_finishes(
        drip_env: dict[str, str], tmp_path: Path,
        run_cloudscope: Callable[..., CliResult]) -> None:
    """A collect frozen by SIGSTOP is alive: a later command leaves its run running, however
    old its heartbeat; resumed, it finishes `ok`."""
    store = Store("sqlite", f"sqlite:///{tmp_path / 'store.db'}")
    process = start_collect(store.url, {**drip_env, "DRIP_DELAY": "0.001", "DRIP_COUNT": "3000"})
    wait_until(lambda: (peek(store, drip_count) or 0) > 0, process)
    process.send_signal(signal.SIGSTOP)
    try:
        result = run_cloudscope("assets", "list", "--db", store.url, "--format", "json",
                                env={"CLOUDSCOPE_COLLECT_HEARTBEAT_TIMEOUT_S": "120"})
        assert result.exit_code == 0, result.stderr
        assert peek(store, lambda r: [x.status for x in r.list_runs()]) == [RunStatus.RUNNING]
    finally:
        process.send_signal(signal.SIGCONT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["status"] == "ok"
    with assert_intact(store, kept=False) as repository:
        assert drip_count(repository) == 6050


# A full disk -------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB filesystem (tmpfs), unmounted afterwards; root only."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs root to mount a small tmpfs (TESTING.md)")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("kind", ["sqlite", "file"])
def test_full_disk_is_one_line_exit_3_and_keeps_what_completed(
        kind: str, small_disk: Path, drip_env: dict[str, str],
        request: pytest.FixtureRequest,
        one_clean_line: Callable[[Any, int], str]) -> None:
    """The disk fills up mid-run: exit 3 with one line saying so, the scope that completed
    stays, the store intact, and the run recorded `failed` (not left running)."""
    store = Store(kind, store_url(kind, small_disk, request))
    process = start_collect(store.url, {**drip_env, "DRIP_COUNT": "5000", "DRIP_PAD": "2000"},
                            "--concurrency", "1")
    stdout, stderr = process.communicate(timeout=120)
    line = one_clean_line(CliResult(process.returncode, stdout, stderr), 3)
    assert "the store failed mid-run" in line
    assert "disk is full" in line or "No space left on device" in line
    with assert_intact(store, kept=False) as repository:
        (run,) = repository.list_runs()
        assert run.status is RunStatus.PARTIAL and run.error is not None
        scopes = {s.key.region: s for s in repository.list_scopes()}
        assert scopes["r0"].status is ScopeStatus.COMPLETE
        assert scopes["r1"].status is ScopeStatus.FAILED
        assert {a.id for a in repository.iter_assets(AssetQuery())} >= \
            {f"drip:r0:{i}" for i in range(50)}


# A read-only store -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sqlite", "file"])
def test_store_on_a_read_only_filesystem_is_refused_unchanged(
        kind: str, small_disk: Path, drip_env: dict[str, str],
        request: pytest.FixtureRequest, run_cloudscope: Callable[..., CliResult],
        one_clean_line: Callable[[Any, int], str]) -> None:
    """A store on a filesystem mounted read-only: exit 2, one line, nothing changed."""
    from cloudscope.cli.main import main

    store = Store(kind, store_url(kind, small_disk, request))
    good = small_disk.parent / "good.jsonl"
    good.write_text(GOOD)
    assert main(["collect", "file", str(good), "--db", store.url, "--format", "json"]) == 0
    before = sorted((p.relative_to(small_disk), p.read_bytes()) for p in small_disk.rglob("*")
                    if p.is_file())
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_cloudscope("collect", "drip", "--db", store.url, env=drip_env)
    line = one_clean_line(result, 2)
    assert "read-only" in line
    after = sorted((p.relative_to(small_disk), p.read_bytes()) for p in small_disk.rglob("*")
                   if p.is_file())
    assert after == before
    reader = Store(kind, store.url + "?mode=ro")  # what the line's hint suggests
    with reader.open() as repository:
        assert [r.status for r in repository.list_runs()] == [RunStatus.OK]
        assert repository.get_asset(KEPT) is not None


def test_file_store_opened_read_only_refuses_a_collection(
        drip_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest,
        run_cloudscope: Callable[..., CliResult],
        one_clean_line: Callable[[Any, int], str]) -> None:
    """A file store given as ?mode=ro refuses a collection in one line (exit 2), unchanged."""
    from cloudscope.cli.main import main

    store = Store("file", store_url("file", tmp_path, request))
    good = tmp_path / "good.jsonl"
    good.write_text(GOOD)
    assert main(["collect", "file", str(good), "--db", store.url]) == 0
    before = sorted((p.name, p.read_bytes()) for p in Path(store.url[7:]).iterdir()
                    if p.is_file())
    line = one_clean_line(run_cloudscope("collect", "drip", "--db",
                                                store.url + "?mode=ro", env=drip_env), 2)
    assert "read-only" in line
    assert sorted((p.name, p.read_bytes()) for p in Path(store.url[7:]).iterdir()
                  if p.is_file()) == before
    assert_intact(store).close()


# Concurrent writers and the race to create a store -------------------------------------------
def start_file_collect(url: str, path: Path) -> subprocess.Popen[str]:
    """``cloudscope collect file PATH`` in a process of its own."""
    return subprocess.Popen([sys.executable, "-m", "cloudscope", "collect", "file", str(path),
                             "--db", url, "--batch-size", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def estate(path: Path, prefix: str, count: int) -> Path:
    """A JSON Lines file of ``count`` buckets named ``prefix-N``."""
    with path.open("w") as out:
        for index in range(count):
            out.write(json.dumps({"id": f"arn:aws:s3:::{prefix}-{index}", "provider": "aws",
                                  "asset_type": "aws:s3:bucket"}) + "\n")
    return path


def test_concurrent_collects_into_one_store_both_complete(populated: Store,
                                                          tmp_path: Path) -> None:
    """Two collects writing one store at once both finish `ok`; nothing is lost."""
    first = estate(tmp_path / "one.jsonl", "one", 600)
    second = estate(tmp_path / "two.jsonl", "two", 600)
    processes = [start_file_collect(populated.url, path) for path in (first, second)]
    outcomes = [(p.wait(timeout=120), p.communicate()[1]) for p in processes]
    assert outcomes == [(0, ""), (0, "")]
    with assert_intact(populated) as repository:
        assert repository.count_assets(AssetQuery()) == 1201
        assert [r.status for r in repository.list_runs()] == [RunStatus.OK] * 3


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_two_first_collects_into_a_new_store_never_corrupt_it(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest,
        one_clean_line: Callable[[Any, int], str]) -> None:
    """Two collects started together on a store that does not exist yet, five times over:
    each succeeds or fails cleanly (exit 2 or 3, one line); the store is always sound."""
    first = estate(tmp_path / "one.jsonl", "one", 100)
    second = estate(tmp_path / "two.jsonl", "two", 100)
    for attempt in range(5):
        directory = tmp_path / f"attempt-{attempt}"
        directory.mkdir()
        store = Store(kind, store_url(kind, directory, request))
        processes = [start_file_collect(store.url, path) for path in (first, second)]
        expected = 1
        for process in processes:
            stdout, stderr = process.communicate(timeout=120)
            if process.returncode == 0:
                expected += 100
            else:
                one_clean_line(CliResult(process.returncode, stdout, stderr),
                                      process.returncode)
                assert process.returncode in (2, 3)
        with assert_intact(store, kept=False) as repository:
            assert repository.count_assets(AssetQuery()) == expected - 1


# Runs elsewhere, and a lost PostgreSQL server ----------------------------------------------
def test_run_of_another_host_ends_only_after_the_heartbeat_timeout(
        populated: Store, run_cloudscope: Callable[..., CliResult]) -> None:
    """A run recorded by a host we cannot look into (no lock here) is interrupted once its
    heartbeat is older than collect.heartbeat_timeout_s, and not before."""
    now = datetime.now(UTC)
    owner = RunOwner(host="collector-7.elsewhere.example", pid=4242)

    def run(minutes: int) -> CollectionRun:
        beat = now - timedelta(minutes=minutes)
        return CollectionRun(run_id=uuid.uuid4().hex, collector="far", started_at=beat,
                             heartbeat_at=beat, owner=owner)

    silent, beating = run(15), run(1)
    with populated.open() as repository:
        repository.restore(runs=[silent, beating])  # as `db copy` brings them
    later_command(run_cloudscope, populated)
    with populated.open() as repository:
        status = {r.run_id: (r.status, r.error) for r in repository.list_runs()}
    assert status[beating.run_id] == (RunStatus.RUNNING, None)
    assert status[silent.run_id][0] is RunStatus.INTERRUPTED
    # PostgreSQL also finds its lock free, which with a stale heartbeat is proof enough.
    reason = "lock was released" if populated.kind == "postgresql" else "no heartbeat for 9"
    assert reason in (status[silent.run_id][1] or "")


def test_lost_postgresql_server_ends_the_run_once_it_is_back(
        drip_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest,
        run_cloudscope: Callable[..., CliResult],
        one_clean_line: Callable[[Any, int], str]) -> None:
    """The server goes away mid-collect: exit 3 in one line, whole batches kept; once the
    server answers again, the next command ends the run (not left running)."""
    url = store_url("postgresql", tmp_path, request)
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    request.addfinalizer(proxy.cut)
    store = Store("postgresql", url)
    store.open().close()  # migrated directly, so that the cut hits the collection
    process = start_collect(proxy.route(url) + "&retry_window=1",
                            {**drip_env, "DRIP_DELAY": "0.001", "DRIP_COUNT": "20000"})
    wait_until(lambda: (peek(store, drip_count) or 0) > 100, process)
    proxy.cut()
    stdout, stderr = process.communicate(timeout=120)
    line = one_clean_line(CliResult(process.returncode, stdout, stderr), 3)
    assert "the store failed mid-run" in line and "PostgreSQL" in line
    later_command(run_cloudscope, store)
    with assert_intact(store, kept=False) as repository:
        assert drip_count(repository) % BATCH == 0
        (run,) = repository.list_runs()
        assert run.status is RunStatus.INTERRUPTED
