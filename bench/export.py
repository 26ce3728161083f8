"""Export throughput and memory: `cloudscope export csv|jsonl` over 100,000 and 1,000,000
assets in SQLite, beside raw `csv.writer` baselines over the same rows, in the same run.

The store is built through the SQLite repository's own schema (migrated by
`SQLiteRepository`, rows inserted with raw SQL for speed): 98 % EC2 instances with
realistic properties, a subnet and a security group per 100 assets, two relationships per
instance, a finding on one instance in twenty.

Each measurement is a child process (interpreter start-up and imports included); peak RSS
and CPU time are the child's own (`wait4`). Rates are rows per CPU second (user + system),
so that other work on a shared machine does not skew the ratios; wall time is shown too.
Baselines:
- raw: `sqlite3` SELECT of the asset columns (JSON cells as stored) into `csv.writer`;
- read: the same rows read through `Repository.iter_assets` (what every export reads:
  JSON decoded, models built) into `csv.writer` with the JSON re-encoded;
- read orjson: the same assets written as JSON Lines by orjson (`model_dump` of each).
Targets (issue 16): peak RSS under 150 MB and the same for both sizes; `export csv` costs
at most 1.6x the read csv.writer baseline, `export json` and `export jsonl` at most 1.3x
the read orjson one (CPU time: "x base"; "x raw" is the cost against the raw baseline;
lower is better).

    python bench/export.py [--quick] [--sizes 200000] [--repeat 3] [--keep DIR]
    python bench/export.py --compare /tmp/main --keep DIR   # also the exports of another tree

``--compare ROOT`` runs each export with the code of ROOT too (a tree holding
``cloudscope-core/src`` and ``plugins/cloudscope-exporters/src``, e.g. ``git archive main
cloudscope-core/src plugins/cloudscope-exporters/src | tar -x -C ROOT``), alternating with
this checkout's in each round, and prints the sha256 of each pair of outputs (``exported_at``
masked in JSON): a speed change must leave them equal.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STAMP = "2024-05-01T09:00:00.000000Z"
GROUP = 100  # assets per subnet/security group

RAW_BASELINE = r"""
import csv, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
cursor = connection.execute(
    "SELECT id, provider, account, region, asset_type, native_type, name, tags, properties,"
    " first_seen, last_seen FROM assets WHERE deleted_at IS NULL"
    " ORDER BY provider, account, asset_type, id")
with open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    rows = 0
    while batch := cursor.fetchmany(1000):
        writer.writerows(batch)
        rows += len(batch)
print(rows)
"""

READ_BASELINE = r"""
import csv, json, sys
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.domain.query import AssetQuery
with SQLiteRepository("sqlite:///" + sys.argv[1]) as repository, \
        open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    rows = 0
    for a in repository.iter_assets(AssetQuery()):
        writer.writerow((a.id, a.provider, a.account, a.region, a.asset_type, a.native_type,
                         a.name, json.dumps(a.tags), json.dumps(a.properties),
                         a.first_seen.isoformat(), a.last_seen.isoformat()))
        rows += 1
print(rows)
"""

READ_ORJSON = r"""
import sys, orjson
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.domain.query import AssetQuery
with SQLiteRepository("sqlite:///" + sys.argv[1]) as repository, open(sys.argv[2], "wb") as out:
    rows = 0
    for a in repository.iter_assets(AssetQuery()):
        out.write(orjson.dumps(a.model_dump(mode="json")) + b"\n")
        rows += 1
print(rows)
"""

EXPORT = r"""
import sys
from cloudscope.cli.main import main
code = main(["export", sys.argv[3], "--db", "sqlite:///" + sys.argv[1], "--output", sys.argv[2]])
if code:
    raise SystemExit(code)
"""


def instance_properties(index: int, subnet: str, group: str) -> dict[str, Any]:
    """An EC2 DescribeInstances element of typical size (about 900 bytes of JSON)."""
    return {
        "InstanceId": f"i-{index:017x}", "InstanceType": "t3.micro", "ImageId": "ami-12c6146b",
        "State": {"Code": 16, "Name": "running"}, "PrivateIpAddress": f"10.0.{index % 250}.{index % 200}",
        "PublicIpAddress": f"54.{index % 250}.{index % 240}.{index % 230}",
        "SubnetId": subnet, "VpcId": "vpc-0bench", "Architecture": "x86_64",
        "SecurityGroups": [{"GroupId": group, "GroupName": f"sg-name-{group}"}],
        "MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "enabled",
                            "HttpPutResponseHopLimit": 1},
        "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
        "LaunchTime": "2024-04-01T08:00:00Z", "Monitoring": {"State": "disabled"},
        "RootDeviceName": "/dev/xvda", "EbsOptimized": False,
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
            "VolumeId": f"vol-{index:017x}", "Status": "attached",
            "DeleteOnTermination": True, "AttachTime": "2024-04-01T08:00:01Z"}}],
        "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/web"},
        "UserData": "#!/bin/bash\nyum install -y nginx\nsystemctl start nginx\n",
    }


def build_store(path: Path, size: int) -> None:
    """A store of ``size`` assets in the repository's schema."""
    from cloudscope.adapters.sqlite_repository import SQLiteRepository

    SQLiteRepository(f"sqlite:///{path}").close()  # creates and migrates the schema
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    account, region = "111122223333", "us-east-1"
    scope = f"aws/{account}/{region}/ec2"
    assets, tags, edges, findings = [], [], [], []

    def flush() -> None:
        connection.executemany(
            "INSERT INTO assets (id, provider, asset_type, native_type, name, account, region,"
            " tags, properties, first_seen, last_seen, scope_key, deleted_at)"
            " VALUES (?, 'aws', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", assets)
        connection.executemany(  # schema 2: tags refer to the asset's number
            "INSERT INTO asset_tags SELECT ?2, ?3, number FROM assets WHERE id = ?1", tags)
        connection.executemany(
            "INSERT INTO relationships VALUES (?, ?, ?, '{}', ?, ?)", edges)
        connection.executemany(
            "INSERT INTO findings (rule_id, asset_id, severity, severity_rank, title, detail,"
            " remediation, evidence) VALUES (?, ?, 'high', 1, ?, '', '', '{}')", findings)
        for batch in (assets, tags, edges, findings):
            batch.clear()

    arn = f"arn:aws:ec2:{region}:{account}"
    for index in range(size):
        block = index // GROUP
        subnet, group = f"subnet-{block:08x}", f"sg-{block:08x}"
        position = index % GROUP
        if position == 0:
            kind, asset_id, name = "subnet", f"{arn}:subnet/{subnet}", f"subnet-{block}"
            properties: dict[str, Any] = {"SubnetId": subnet, "CidrBlock": "10.0.0.0/24",
                                          "MapPublicIpOnLaunch": True}
        elif position == 1:
            kind, asset_id, name = "security-group", f"{arn}:security-group/{group}", group
            properties = {"GroupId": group, "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
        else:
            kind, asset_id, name = "instance", f"{arn}:instance/i-{index:017x}", f"web-{index}"
            properties = instance_properties(index, subnet, group)
            edges.append((asset_id, "IN_SUBNET", f"{arn}:subnet/{subnet}", scope, STAMP))
            edges.append((asset_id, "PROTECTED_BY", f"{arn}:security-group/{group}", scope,
                          STAMP))
            if index % 20 == 0:
                findings.append(("aws.ec2.public-ssh", asset_id, "SSH open to the internet"))
        asset_tags = {"env": "prod", "team": f"team-{block % 7}", "app": "bench"}
        assets.append((asset_id, f"aws:ec2:{kind}", None, name, account, region,
                       json.dumps(asset_tags), json.dumps(properties), STAMP, STAMP, scope))
        tags += [(asset_id, key, value) for key, value in asset_tags.items()]
        if len(assets) >= 10_000:
            flush()
    flush()
    connection.execute("COMMIT")
    connection.close()


def measure(code: str, *arguments: str, source: str | None = None) -> dict[str, float]:
    """Run ``code`` in a child process (with the code of the tree ``source``, if given);
    its wall time and its own peak RSS."""
    environment = dict(os.environ)
    if source is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            str(Path(source) / part) for part in ("cloudscope-core/src",
                                                  "plugins/cloudscope-exporters/src"))
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *arguments],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    stdout, stderr = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {stderr.decode()[-2000:]}")
    _ = stdout
    return {"wall": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024}


def digest(path: str) -> str:
    """The sha256 of an output, a JSON document's ``exported_at`` masked."""
    hashed = hashlib.sha256()
    with open(path, "rb") as stream:
        head = stream.readline()  # a JSON document's metadata line holds exported_at
        if path.endswith(".json") and b'"exported_at":"' in head:
            start = head.index(b'"exported_at":"') + len(b'"exported_at":"')
            head = head[:start] + head[head.index(b'"', start):]
        hashed.update(head)
        while block := stream.read(1 << 20):
            hashed.update(block)
    return hashed.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 and 30,000 assets")
    parser.add_argument("--sizes", help="comma-separated sizes (default 200000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (median kept)")
    parser.add_argument("--keep", metavar="DIR", help="build stores in DIR and reuse them")
    parser.add_argument("--compare", metavar="ROOT",
                        help="also run the exports with the code of ROOT (see above)")
    parser.add_argument("--build", nargs=2, metavar=("PATH", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build_store(Path(args.build[0]), int(args.build[1]))
        return
    sizes = [int(s) for s in (args.sizes or ("10000,30000" if args.quick else
                                             "200000")).split(",")]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of "
          f"{args.repeat}; rates per CPU second", flush=True)
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-") as scratch:
        directory = Path(args.keep or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"{'assets':>9} {'run':<17} {'rows/cpu-s':>10} {'x raw':>7} {'x base':>7} "
              f"{'wall s':>7} {'peak RSS':>9}")
        for size in sizes:
            store = directory / f"export-{size}.db"
            if not store.exists():
                started = time.perf_counter()
                # In a child: the parent stays small, so the measured children (forked
                # from it) do not start with its memory counted in their peak RSS.
                subprocess.run([sys.executable, __file__, "--build", str(store), str(size)],
                               check=True)
                print(f"# built {size:,} assets in {time.perf_counter() - started:.1f} s",
                      flush=True)
            output = directory / "out"
            runs: dict[str, tuple[str, ...]] = {
                "raw csv.writer": (RAW_BASELINE, f"{output}.raw.csv"),
                "read csv.writer": (READ_BASELINE, f"{output}.read.csv"),
                "read orjson": (READ_ORJSON, f"{output}.read.jsonl"),
                "export csv": (EXPORT, f"{output}.csv", "csv"),
                "export json": (EXPORT, f"{output}.json", "json"),
                "export jsonl": (EXPORT, f"{output}.jsonl", "jsonl"),
            }
            sources: dict[str, str | None] = {name: None for name in runs}
            if args.compare:
                for kind in ("csv", "json", "jsonl"):
                    runs[f"compared {kind}"] = (EXPORT, f"{output}.compared.{kind}", kind)
                    sources[f"compared {kind}"] = args.compare
            measured: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
            for _ in range(args.repeat):  # alternating, so that a busy minute hits all
                for name, (code, *arguments) in runs.items():
                    measured[name].append(measure(code, str(store), *arguments,
                                                  source=sources[name]))
            results = {name: {key: statistics.median(m[key] for m in values)
                              for key in ("wall", "cpu")} | {
                                  "rss_mb": max(m["rss_mb"] for m in values)}
                       for name, values in measured.items()}
            base = {"export csv": "read csv.writer", "export json": "read orjson",
                    "export jsonl": "read orjson", "compared csv": "read csv.writer",
                    "compared json": "read orjson", "compared jsonl": "read orjson"}
            raw = results["raw csv.writer"]["cpu"]
            for name, result in results.items():
                versus = f"{result['cpu'] / results[base[name]]['cpu']:.2f}x" \
                    if name in base else ""
                print(f"{size:>9,} {name:<17} {size / result['cpu']:>10,.0f} "
                      f"{result['cpu'] / raw:>6.2f}x {versus:>7} "
                      f"{result['wall']:>7.1f} {result['rss_mb']:>6.1f} MB", flush=True)
            if args.compare:
                for kind in ("csv", "json", "jsonl"):
                    ours, theirs = digest(f"{output}.{kind}"), digest(f"{output}.compared.{kind}")
                    print(f"# {kind}: sha256 {ours[:16]} here, {theirs[:16]} compared: "
                          f"{'same' if ours == theirs else 'DIFFERENT'}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
