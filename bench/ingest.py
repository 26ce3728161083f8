"""Ingest benchmark: synthetic assets from JSON Lines into SQLite through `cloudscope collect file`.

    python bench/ingest.py            # 100,000 and 1,000,000 assets
    python bench/ingest.py --quick    # 10,000 and 50,000 assets, a smoke run
    python bench/ingest.py --sizes 200000 --repeated   # the duplicate check's worst case

Each measured job runs in its own process, whose peak RSS comes from os.wait4. Beside
CloudScope, the same run measures a raw baseline: a plain script that reads the same file,
parses each line and inserts the same rows with sqlite3 `executemany` (1,000 rows per
transaction, WAL), the least work any ingest of this file into SQLite must do.

Targets (issue 3): at least 50,000 assets/s, at least 0.3 of the baseline's throughput,
and the same peak RSS (under 150 MB) for every size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_RATE = 50_000
TARGET_RATIO = 0.3
TARGET_RSS_MB = 150

BASELINE = r"""
import json, sqlite3, sys
path, database = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(database, isolation_level=None)
connection.execute("PRAGMA journal_mode = WAL")
connection.execute("PRAGMA synchronous = NORMAL")
connection.execute(
    "CREATE TABLE assets (id TEXT PRIMARY KEY, provider TEXT NOT NULL, asset_type TEXT NOT NULL,"
    " native_type TEXT, name TEXT, account TEXT, region TEXT, tags TEXT NOT NULL,"
    " properties TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,"
    " scope_key TEXT NOT NULL, deleted_at TEXT)")
seen = "2026-01-01T00:00:00.000000Z"
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
def flush(rows):
    connection.execute("BEGIN")
    connection.executemany("INSERT OR REPLACE INTO assets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
                           rows)
    connection.execute("COMMIT")
rows = []
with open(path, "rb") as stream:
    for line in stream:
        a = json.loads(line)
        rows.append((a["id"], a["provider"], a["asset_type"], a.get("native_type"),
                     a.get("name"), a.get("account"), a.get("region"), dumps(a.get("tags", {})),
                     dumps(a.get("properties", {})), seen, seen, path))
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
    peak_rss_mb: float
    stdout: str


def write_assets(path: Path, count: int, *, repeated: bool = False) -> None:
    """Synthetic EC2 instances, volumes and buckets over 2 accounts and 4 regions, each line
    about 600 bytes, like a real DescribeInstances element trimmed to the common fields.
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
    """Run ``command`` with wait4 for its own peak RSS (ru_maxrss is in KiB on Linux)."""
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
        return Measure(seconds, usage.ru_maxrss * scale / 1e6, out.read().decode())


def run_size(count: int, workdir: Path, *, repeated: bool = False) -> dict[str, float]:
    """Generate ``count`` assets and measure CloudScope and the baseline on them."""
    source = workdir / f"assets-{count}.jsonl"
    write_assets(source, count, repeated=repeated)
    baseline = measure_rss([sys.executable, "-c", BASELINE, str(source),
                            str(workdir / f"baseline-{count}.db")])
    assert int(baseline.stdout) == (count // 2 if repeated else count), baseline.stdout
    database = workdir / f"cloudscope-{count}.db"
    cloudscope = measure_rss([sys.executable, "-m", "cloudscope", "collect", "file", str(source),
                              "--db", f"sqlite:///{database}", "--format", "json"])
    summary = json.loads(cloudscope.stdout)
    assert summary["status"] == "ok", summary
    result = {"assets": count, "seconds": cloudscope.seconds,
              "rate": count / cloudscope.seconds, "rss_mb": cloudscope.peak_rss_mb,
              "baseline_seconds": baseline.seconds, "baseline_rate": count / baseline.seconds,
              "baseline_rss_mb": baseline.peak_rss_mb,
              "file_mb": source.stat().st_size / 1e6}
    result["ratio"] = result["rate"] / result["baseline_rate"]
    source.unlink()
    return result


def main() -> int:
    """Run the benchmark and print the figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--sizes", help="comma-separated asset counts (overrides --quick)")
    parser.add_argument("--repeated", action="store_true",
                        help="every asset listed twice, keys reordered (duplicate check)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else \
        [10_000, 50_000] if args.quick else [100_000, 1_000_000]
    results = []
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-") as directory:
        for count in sizes:
            result = run_size(count, Path(directory), repeated=args.repeated)
            results.append(result)
            print(f"{count:>9,} assets ({result['file_mb']:.0f} MB): "
                  f"cloudscope {result['seconds']:.2f} s = {result['rate']:,.0f} assets/s, "
                  f"peak RSS {result['rss_mb']:.0f} MB | raw sqlite3 executemany "
                  f"{result['baseline_seconds']:.2f} s = {result['baseline_rate']:,.0f} "
                  f"assets/s, RSS {result['baseline_rss_mb']:.0f} MB | "
                  f"ratio {result['ratio']:.2f}", flush=True)
    rss = [r["rss_mb"] for r in results]
    growth = max(rss) / min(rss)
    checks = {
        f"rate >= {TARGET_RATE:,}/s": min(r["rate"] for r in results) >= TARGET_RATE,
        f"ratio to baseline >= {TARGET_RATIO}": min(r["ratio"] for r in results) >= TARGET_RATIO,
        f"peak RSS < {TARGET_RSS_MB} MB": max(rss) < TARGET_RSS_MB,
        f"RSS growth across sizes {growth:.2f}x <= 1.15x": growth <= 1.15,
    }
    for name, ok in checks.items():
        print(f"  {'met   ' if ok else 'MISSED'} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
