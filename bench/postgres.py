"""PostgreSQL ingest against SQLite, and sharded writers into one PostgreSQL.

Through the Repository port (``write_batch`` in batches, then ``complete_scope``), each job
in its own process so that its peak RSS is its own (``os.wait4``):

- sqlite: one writer, N assets, into a SQLite file (the baseline);
- postgresql x1: one writer, N assets, into an empty PostgreSQL database;
- postgresql x4: four writer processes at once, each N/4 assets on its own shard (scope),
  into another empty database; throughput = N / wall time from the first start to the last
  finish. Target: at least 2.5 times the one-writer throughput.

Uses CLOUDSCOPE_TEST_POSTGRES_URL when set; otherwise starts (and stops) a throwaway
cluster with `.ci/postgres.sh`. The figures depend on the cores available: PostgreSQL and
the writers share them (``os.cpu_count()`` is printed).

    python bench/postgres.py            # 1,000,000 assets (a few minutes)
    python bench/postgres.py --quick    # 50,000 assets
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 5000
WRITERS = 4
TARGET = 2.5


# The measured child ---------------------------------------------------------------------
def assets(shard: int, count: int) -> Iterator[Any]:
    """``count`` EC2-instance-like assets of about 600 bytes, ids unique per shard."""
    from cloudscope.domain.asset import Asset

    account = f"{100000000000 + shard}"
    for index in range(count):
        yield Asset.model_construct(
            id=f"arn:aws:ec2:eu-west-1:{account}:instance/i-{index:012x}", provider="aws",
            asset_type="aws:ec2:instance", native_type="AWS::EC2::Instance",
            name=f"web-{index}", account=account, region="eu-west-1",
            tags={"env": "prod" if index % 3 else "dev", "team": f"team-{index % 40}"},
            properties={"InstanceId": f"i-{index:012x}", "InstanceType": "m5.large",
                        "State": {"Name": "running", "Code": 16},
                        "SubnetId": f"subnet-{index % 500:08x}", "VpcId": "vpc-0a1b2c3d",
                        "PrivateIpAddress": f"10.{index % 250}.{index % 200}.{index % 100}",
                        "SecurityGroups": [{"GroupId": f"sg-{index % 90:08x}",
                                            "GroupName": "web"}],
                        "MetadataOptions": {"HttpTokens": "required"},
                        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda",
                                                 "Ebs": {"VolumeId": f"vol-{index:012x}"}}]},
            first_seen=None, last_seen=None)


def child(url: str, shard: int, count: int) -> None:
    """Write ``count`` assets of shard ``shard`` into ``url`` as one collection run would."""
    from cloudscope.application.storage import open_repository
    from cloudscope.domain.scope import CollectionRun, RunStatus, ScopeKey
    from cloudscope.host.plugin_host import PluginHost

    repository = open_repository(PluginHost(load_only=set()), url)
    # Ready (imported, connected, migrated): wait for the driver's go, so that concurrent
    # writers start together and start-up is not measured.
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    now = datetime.now(UTC)
    run = CollectionRun(run_id=uuid.uuid4().hex, collector="bench", started_at=now)
    scope = ScopeKey(provider="aws", account=f"{100000000000 + shard}", region="eu-west-1",
                     service="ec2")
    repository.start_run(run)
    repository.start_scope(scope, run.run_id, now)
    batch: list[Any] = []
    for asset in assets(shard, count):
        batch.append(asset)
        if len(batch) == BATCH:
            repository.write_batch(scope, run.run_id, batch, [], datetime.now(UTC))
            batch = []
    if batch:
        repository.write_batch(scope, run.run_id, batch, [], datetime.now(UTC))
    repository.complete_scope(scope, run.run_id, count, datetime.now(UTC))
    run.status, run.finished_at, run.assets = RunStatus.OK, datetime.now(UTC), count
    repository.finish_run(run)
    print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
    repository.close()


# The driver ------------------------------------------------------------------------------
def measure(url: str, count: int, writers: int = 1) -> dict[str, float]:
    """Throughput of ``writers`` concurrent children writing ``count`` assets between them,
    from a common start to the last finish, and the largest peak RSS among them."""
    share = count // writers
    processes = [subprocess.Popen([sys.executable, __file__, "--child", url, str(shard),
                                   str(share)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True) for shard in range(writers)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    peak_kib = 0
    for process in processes:
        assert process.stdout is not None
        process.stdout.readline()  # its own time; the wall time below is what counts
        seconds = time.perf_counter() - started
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"a writer failed (exit {process.returncode})")
        peak_kib = max(peak_kib, usage.ru_maxrss)
    return {"seconds": seconds, "assets_per_s": share * writers / seconds,
            "peak_rss_mib": peak_kib / 1024}


@contextmanager
def postgres_server() -> Iterator[str]:
    """CLOUDSCOPE_TEST_POSTGRES_URL, or a throwaway cluster started with .ci/postgres.sh."""
    if os.environ.get("CLOUDSCOPE_TEST_POSTGRES_URL"):
        yield os.environ["CLOUDSCOPE_TEST_POSTGRES_URL"]
        return
    script = ROOT / ".ci" / "postgres.sh"
    started = subprocess.run(
        ["bash", "-c", f'source "{script}" && start_postgres >&2 && '
                       'echo "$CLOUDSCOPE_TEST_POSTGRES_URL $PG_DIR $PG_BINDIR"'],
        capture_output=True, text=True, check=True)
    url, directory, bindir = started.stdout.split()
    try:
        yield url
    finally:
        subprocess.run(["bash", "-c", f'source "{script}" && stop_postgres'], check=False,
                       env={**os.environ, "PG_DIR": directory, "PG_BINDIR": bindir})


@contextmanager
def database(server: str) -> Iterator[str]:
    """An empty database on ``server``, dropped afterwards."""
    import psycopg

    name = f"cloudscope_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.split("?", 1)[0].rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 assets")
    parser.add_argument("--count", type=int, help="assets per measurement")
    parser.add_argument("--child", nargs=3, metavar=("URL", "SHARD", "COUNT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    count = args.count or (50_000 if args.quick else 1_000_000)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite x1"] = measure(f"sqlite:///{folder}/bench.db", count)
    with postgres_server() as server:
        with database(server) as url:
            results["postgresql x1"] = measure(url, count)
        with database(server) as url:
            results[f"postgresql x{WRITERS}"] = measure(url, count, WRITERS)
    baseline = results["sqlite x1"]["assets_per_s"]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{count:,} assets, batches of {BATCH:,}, {os.cpu_count()} CPUs, "
          f"load average {load} (other work on the machine skews the figures)")
    print(f"{'store':<16}{'seconds':>9}{'assets/s':>11}{'vs sqlite':>11}{'peak RSS':>12}")
    for name, figures in results.items():
        print(f"{name:<16}{figures['seconds']:>9.1f}{figures['assets_per_s']:>11,.0f}"
              f"{figures['assets_per_s'] / baseline:>10.2f}x"
              f"{figures['peak_rss_mib']:>9.0f} MiB")
    scaling = (results[f"postgresql x{WRITERS}"]["assets_per_s"]
               / results["postgresql x1"]["assets_per_s"])
    print(f"{WRITERS} writers / 1 writer on PostgreSQL: {scaling:.2f}x "
          f"(target {TARGET}x: {'met' if scaling >= TARGET else 'NOT met'})")
    print(json.dumps({"count": count, "cpus": os.cpu_count(), "results": results,
                      "writers_scaling": scaling}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
