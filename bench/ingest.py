"""Ingest benchmark: synthetic assets from JSON Lines into SQLite through `cloudscope collect file`.

    python bench/ingest.py            # 50,000 and 200,000 assets of about 1 KB, 3 runs each
    python bench/ingest.py --quick    # 10,000 and 30,000 assets, one run, a smoke run
    python bench/ingest.py --sizes 200000 --repeated   # the duplicate check's worst case
    python bench/ingest.py --narrow   # the assets of about 600 bytes of issue 3

Each measured job runs in its own process, whose CPU time (user + system) and peak RSS
come from os.wait4. Beside CloudScope, the same run measures a raw baseline: a plain script
that reads the same file, parses each line with orjson and inserts the asset rows with one
sqlite3 `executemany` per 1,000 lines into a store of the repository's own schema (the same
tables and indexes; WAL, synchronous NORMAL), the least work any ingest of this file into
that store must do. It writes neither the tag index nor the change log, which CloudScope does.

Rates are assets per CPU second, so that the other work of a shared machine does not skew
the ratio (wall time is shown too; on an idle machine CloudScope's writer thread runs SQLite
beside the parsing thread, so its wall time is lower than its CPU time). Each size runs
``--repeat`` times, the baseline and CloudScope alternating; medians are reported.

Targets (issue 16): at least 25,000 assets/s, at least 0.5 of the baseline's throughput,
and the same peak RSS (at most 150 MB) for every size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_RATE = 25_000
TARGET_RATIO = 0.5
TARGET_RSS_MB = 150

BASELINE = r"""
import sqlite3, sys, orjson
from cloudscope.adapters.sqlite_repository import SQLiteRepository
path, database = sys.argv[1], sys.argv[2]
SQLiteRepository("sqlite:///" + database).close()  # the repository's schema and indexes
connection = sqlite3.connect(database, isolation_level=None)
connection.execute("PRAGMA journal_mode = WAL")
connection.execute("PRAGMA synchronous = NORMAL")
seen = "2026-01-01T00:00:00.000000Z"
dumps = orjson.dumps
def flush(rows):
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT OR REPLACE INTO assets (id, provider, asset_type, native_type, name, account,"
        " region, tags, properties, first_seen, last_seen, scope_key)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    connection.execute("COMMIT")
rows = []
with open(path, "rb") as stream:
    for line in stream:
        a = orjson.loads(line)
        rows.append((a["id"], a["provider"], a["asset_type"], a.get("native_type"),
                     a.get("name"), a.get("account"), a.get("region"),
                     dumps(a.get("tags", {})).decode(), dumps(a.get("properties", {})).decode(),
                     seen, seen, path))
        if len(rows) == 1000:
            flush(rows)
            rows = []
flush(rows)
print(connection.execute("SELECT count(*) FROM assets").fetchone()[0])
"""


@dataclass
class Measure:
    """One measured process."""

    seconds: float
    cpu: float
    peak_rss_mb: float
    stdout: str


def write_assets(path: Path, count: int, *, repeated: bool = False, wide: bool = False) -> None:
    """Synthetic EC2 instances, volumes and buckets over 2 accounts and 4 regions, each line
    about 600 bytes, like a real DescribeInstances element trimmed to the common fields
    (``wide``: about 1 KB, with the placement, network interface and block devices).
    ``repeated``: ``count`` lines of ``count // 2`` assets, each written twice with its keys
    in reverse order, so that every record is a suspect of the duplicate check."""
    regions = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
    with path.open("w", encoding="utf-8") as out:
        for index in range(count // 2 if repeated else count):
            account = ("111122223333", "444455556666")[index % 2]
            region = regions[index % 4]
            kind = index % 10
            if kind < 7:
                instance = f"i-{index:017x}"
                record = {
                    "id": f"arn:aws:ec2:{region}:{account}:instance/{instance}",
                    "provider": "aws", "asset_type": "aws:ec2:instance",
                    "native_type": "AWS::EC2::Instance", "name": f"web-{index}",
                    "account": account, "region": region,
                    "tags": {"env": ("prod", "dev", "test")[index % 3], "team": "core",
                             "app": f"app-{index % 50}"},
                    "properties": {
                        "InstanceId": instance, "InstanceType": "t3.micro",
                        "State": {"Name": "running"}, "SubnetId": f"subnet-{index % 97:08x}",
                        "VpcId": f"vpc-{index % 13:08x}",
                        "SecurityGroups": [{"GroupId": f"sg-{index % 31:08x}", "GroupName": "web"}],
                        "PrivateIpAddress": f"10.{index % 250}.{index // 250 % 250}.{index % 7}",
                        "MetadataOptions": {"HttpTokens": "required"},
                        "LaunchTime": "2025-11-02T08:15:00Z"},
                }
                if wide:
                    record["properties"].update({
                        "ImageId": f"ami-{index % 17:08x}", "Architecture": "x86_64",
                        "Placement": {"AvailabilityZone": f"{region}a", "Tenancy": "default"},
                        "NetworkInterfaces": [{
                            "NetworkInterfaceId": f"eni-{index:017x}",
                            "MacAddress": f"0a:{index % 256:02x}:00:00:00:01",
                            "Status": "in-use", "SourceDestCheck": True}],
                        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
                            "VolumeId": f"vol-{index:017x}", "Status": "attached",
                            "DeleteOnTermination": True,
                            "AttachTime": "2025-11-02T08:15:01Z"}}],
                        "IamInstanceProfile": {
                            "Arn": f"arn:aws:iam::{account}:instance-profile/web"},
                        "Monitoring": {"State": "disabled"}, "EbsOptimized": False})
            elif kind < 9:
                volume = f"vol-{index:017x}"
                record = {
                    "id": f"arn:aws:ec2:{region}:{account}:volume/{volume}",
                    "provider": "aws", "asset_type": "aws:ec2:volume",
                    "native_type": "AWS::EC2::Volume", "name": volume, "account": account,
                    "region": region, "tags": {"env": "prod"},
                    "properties": {"VolumeId": volume, "Size": 8 + index % 100, "Encrypted": True,
                                   "VolumeType": "gp3", "State": "in-use",
                                   "Attachments": [{"InstanceId": f"i-{index - 1:017x}",
                                                    "Device": "/dev/xvda"}]},
                }
                if wide:
                    record["properties"].update({
                        "AvailabilityZone": f"{region}a", "Iops": 3000, "Throughput": 125,
                        "CreateTime": "2025-11-02T08:15:00Z", "MultiAttachEnabled": False,
                        "KmsKeyId": f"arn:aws:kms:{region}:{account}:key/{index:032x}"})
            else:
                record = {
                    "id": f"arn:aws:s3:::bucket-{index}", "provider": "aws",
                    "asset_type": "aws:s3:bucket", "native_type": "AWS::S3::Bucket",
                    "name": f"bucket-{index}", "account": account, "region": region,
                    "tags": {},
                    "properties": {"Name": f"bucket-{index}", "BucketRegion": region,
                                   "PolicyStatus": {"IsPublic": False},
                                   "Versioning": {"Status": "Enabled"}},
                }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            if repeated:
                out.write(json.dumps(dict(reversed(record.items())), separators=(",", ":"))
                          + "\n")


def measure_rss(command: list[str]) -> Measure:
    """Run ``command`` with wait4 for its own CPU time and peak RSS (ru_maxrss is in KiB
    on Linux)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            sys.exit(f"{' '.join(command[:5])} failed ({process.returncode}):\n"
                     f"{err.read().decode()[-2000:]}")
        scale = 1024 if sys.platform != "darwin" else 1
        return Measure(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale / 1e6,
                       out.read().decode())


def run_size(count: int, workdir: Path, *, repeated: bool, wide: bool,
             repeat: int) -> dict[str, float]:
    """Generate ``count`` assets and measure CloudScope and the baseline on them, ``repeat``
    times each (alternating); the medians."""
    source = workdir / f"assets-{count}.jsonl"
    write_assets(source, count, repeated=repeated, wide=wide)
    runs: dict[str, list[Measure]] = {"baseline": [], "cloudscope": []}
    for attempt in range(repeat):
        stores = workdir / f"stores-{count}-{attempt}"
        stores.mkdir()
        database = stores / "baseline.db"
        baseline = measure_rss([sys.executable, "-c", BASELINE, str(source), str(database)])
        assert int(baseline.stdout) == (count // 2 if repeated else count), baseline.stdout
        runs["baseline"].append(baseline)
        database = stores / "cloudscope.db"
        cloudscope = measure_rss([sys.executable, "-m", "cloudscope", "collect", "file",
                                  str(source), "--db", f"sqlite:///{database}",
                                  "--format", "json"])
        summary = json.loads(cloudscope.stdout)
        assert summary["status"] == "ok", summary
        runs["cloudscope"].append(cloudscope)
        shutil.rmtree(stores)

    result = {"assets": count, "file_mb": source.stat().st_size / 1e6,
              "line_bytes": source.stat().st_size / count}
    for name, measures in runs.items():
        result[f"{name}_cpu"] = statistics.median(m.cpu for m in measures)
        result[f"{name}_wall"] = statistics.median(m.seconds for m in measures)
        result[f"{name}_rss"] = max(m.peak_rss_mb for m in measures)
    result["rate"] = count / result["cloudscope_cpu"]
    result["wall_rate"] = count / result["cloudscope_wall"]
    result["ratio"] = result["baseline_cpu"] / result["cloudscope_cpu"]
    result["wall_ratio"] = result["baseline_wall"] / result["cloudscope_wall"]
    source.unlink()
    return result


def main() -> int:
    """Run the benchmark and print the figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke run")
    parser.add_argument("--sizes", help="comma-separated asset counts (overrides --quick)")
    parser.add_argument("--repeat", type=int, help="runs per size (default 3, 1 with --quick)")
    parser.add_argument("--narrow", action="store_true", help="lines of about 600 bytes")
    parser.add_argument("--repeated", action="store_true",
                        help="every asset listed twice, keys reordered (duplicate check)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else \
        [10_000, 30_000] if args.quick else [50_000, 200_000]
    repeat = args.repeat or (1 if args.quick else 3)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of "
          f"{repeat}; rates per CPU second (wall in brackets)", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-") as directory:
        for count in sizes:
            result = run_size(count, Path(directory), repeated=args.repeated,
                              wide=not args.narrow, repeat=repeat)
            results.append(result)
            print(f"{count:>9,} assets ({result['file_mb']:.0f} MB, "
                  f"{result['line_bytes']:.0f} B/line): cloudscope {result['cloudscope_cpu']:.2f}"
                  f" CPU s = {result['rate']:,.0f}/s ({result['wall_rate']:,.0f}/s wall), "
                  f"peak RSS {result['cloudscope_rss']:.0f} MB | raw orjson + executemany "
                  f"{result['baseline_cpu']:.2f} CPU s = {count / result['baseline_cpu']:,.0f}/s"
                  f" ({count / result['baseline_wall']:,.0f}/s wall), RSS "
                  f"{result['baseline_rss']:.0f} MB | ratio {result['ratio']:.2f} "
                  f"({result['wall_ratio']:.2f} wall)", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    rss = [r["cloudscope_rss"] for r in results]
    growth = max(rss) / min(rss)
    checks = {
        f"rate >= {TARGET_RATE:,}/s": min(r["rate"] for r in results) >= TARGET_RATE,
        f"ratio to baseline >= {TARGET_RATIO}": min(r["ratio"] for r in results) >= TARGET_RATIO,
        f"peak RSS <= {TARGET_RSS_MB} MB": max(rss) <= TARGET_RSS_MB,
        f"RSS growth across sizes {growth:.2f}x <= 1.15x": growth <= 1.15,
    }
    for name, ok in checks.items():
        print(f"  {'met   ' if ok else 'MISSED'} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
