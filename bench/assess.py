"""Assessment at scale: relationship detection and every baseline rule over synthetic estates.

Builds SQLite stores of N assets in three clouds with realistic relationships (instances in
security groups, running as roles, volumes attached; Azure VMs behind NICs, NSGs and public
IPs; GCP instances with firewalls and service accounts; shared `app` tags), then measures in
a child process (so peak RSS is its own):

- baseline: streaming every asset and relationship out of the store, doing nothing;
- assess: detection, every baseline rule, findings stored (the `cloudscope assess` use case).

Prints time, assets/s and peak RSS per size, the assess time as a ratio to the baseline,
and the scaling: time per asset at the largest size over the smallest, and the implied
factor per doubling of the estate (target: at most 2.2).

    python bench/assess.py            # 100,000 and 1,000,000 assets (several minutes)
    python bench/assess.py --quick    # 5,000 and 20,000 assets
    python bench/assess.py --digest 90000   # assess once, print the digest of what it stored
    python bench/assess.py --compare /tmp/main/cloudscope-core/src --size 100000 --runs 3

``--digest N`` builds a store of N assets, assesses it and prints a SHA-256 of the rows it
stored (the findings, the relationships and the finding changes, in order, without the
run's id and times): two versions of CloudScope stored the same when their digests match.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

UNIT = 20
"""Assets per generated unit (one slice of each cloud)."""


def unit(n: int) -> Iterator[tuple[str, str, dict[str, Any], dict[str, str], str | None]]:
    """The assets of unit ``n``: (id, type, properties, tags, region)."""
    region, account = "eu-west-1", f"{100000000000 + n % 50}"
    arn = f"arn:aws:ec2:{region}:{account}:"
    app = {"app": f"app-{n // 3}"}
    public = n % 4 == 0
    yield (f"{arn}instance/i-{n}", "aws:ec2:instance", {
        "InstanceId": f"i-{n}", "SubnetId": f"subnet-{n % 100}", "State": {"Name": "running"},
        "MetadataOptions": {"HttpTokens": "optional" if n % 3 else "required"},
        "IamInstanceProfile": {"Arn": f"arn:aws:iam::{account}:instance-profile/p-{n % 200}"},
        **({"PublicIpAddress": f"52.0.{n % 250}.{n % 200}"} if public else {})}, app, region)
    yield (f"{arn}security-group/sg-{n}", "aws:ec2:security-group", {
        "GroupId": f"sg-{n}", "IpPermissions": [{
            "IpProtocol": "tcp", "FromPort": 22 if n % 5 == 0 else 443,
            "ToPort": 22 if n % 5 == 0 else 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}, {}, region)
    for disk in range(2):
        yield (f"{arn}volume/vol-{n}-{disk}", "aws:ec2:volume",
               {"Encrypted": n % 2 == 0, "Attachments": [{"InstanceId": f"i-{n}"}]}, app, region)
    yield (f"arn:aws:iam::{account}:role/r-{n}", "aws:iam:role", {
        "RoleName": f"r-{n}", "AttachedPolicies": [{
            "PolicyName": "x", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"
            if n % 10 == 0 else "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}, {}, None)
    yield (f"arn:aws:s3:::bucket-{n}", "aws:s3:bucket", {
        "Name": f"bucket-{n}", "PolicyStatus": {"IsPublic": n % 20 == 0},
        "Versioning": {"Status": "Enabled"}}, app, None)
    yield (f"arn:aws:iam::{account}:user/u-{n}", "aws:iam:user", {
        "UserName": f"u-{n}", "LoginProfile": {}, "MFADevices": [] if n % 3 else [{"S": 1}],
        "AccessKeys": [{"AccessKeyId": f"AK{n}", "Status": "Active",
                        "CreateDate": "2020-01-01T00:00:00Z"}]}, {}, None)
    base = f"/subscriptions/sub-{n % 20}/resourcegroups/rg-{n % 100}/providers/"
    vm, nic = f"{base}microsoft.compute/virtualmachines/vm-{n}", \
        f"{base}microsoft.network/networkinterfaces/nic-{n}"
    yield (vm, "azure:compute:virtual-machine", {"properties": {"networkProfile": {
        "networkInterfaces": [{"id": nic}]}}}, app, "westeurope")
    yield (nic, "azure:network:network-interface", {"properties": {
        "networkSecurityGroup": {"id": f"{base}microsoft.network/networksecuritygroups/nsg-{n}"}}},
        {}, "westeurope")
    yield (f"{base}microsoft.network/networksecuritygroups/nsg-{n}",
           "azure:network:network-security-group", {"properties": {"securityRules": [
               {"properties": {"access": "Allow", "direction": "Inbound", "protocol": "Tcp",
                               "sourceAddressPrefix": "*" if n % 7 == 0 else "10.0.0.0/8",
                               "destinationPortRange": "3389"}}]}}, {}, "westeurope")
    yield (f"{base}microsoft.network/publicipaddresses/pip-{n}", "azure:network:public-ip-address",
           {"properties": {"ipAddress": "20.0.0.1",
                           "ipConfiguration": {"id": f"{nic}/ipconfigurations/ip1"}}},
           {}, "westeurope")
    yield (f"{base}microsoft.storage/storageaccounts/sa{n}", "azure:storage:storage-account", {
        "properties": {"allowBlobPublicAccess": n % 9 == 0, "supportsHttpsTrafficOnly": True,
                       "minimumTlsVersion": "TLS1_2"}}, app, "westeurope")
    yield (f"{base}microsoft.compute/disks/d-{n}", "azure:compute:disk",
           {"managedBy": vm, "properties": {"encryption": {"type": "EncryptionAtRestWithPlatformKey"}}},
           {}, "westeurope")
    project = f"proj-{n % 30}"
    compute = f"//compute.googleapis.com/projects/{project}/"
    network = f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/default"
    yield (f"{compute}zones/europe-west1-b/instances/vm-{n}", "gcp:compute:instance", {
        "networkInterfaces": [{"network": network, "subnetwork": network.replace(
            "global/networks", "regions/europe-west1/subnetworks"),
            **({"accessConfigs": [{"natIP": "34.0.0.1"}]} if public else {})}],
        "tags": {"items": ["web"]},
        "serviceAccounts": [{"email": f"sa-{n % 40}@{project}.iam.gserviceaccount.com"}]},
        app, "europe-west1-b")
    yield (f"{compute}global/firewalls/fw-{n}", "gcp:compute:firewall", {
        "network": network, "direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"],
        "targetTags": [f"t-{n}"], "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]}, {}, None)
    yield (f"//storage.googleapis.com/projects/_/buckets/b-{n}", "gcp:storage:bucket", {
        "iamPolicy": {"bindings": [{"role": "roles/storage.objectViewer",
                                    "members": ["allUsers" if n % 11 == 0 else "user:a@b.c"]}]},
        "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True},
                             "publicAccessPrevention": "enforced"}}, app, None)
    yield (f"//iam.googleapis.com/projects/{project}/serviceAccounts/k-{n}/keys/1",
           "gcp:iam:service-account-key", {"keyType": "USER_MANAGED" if n % 2 else "SYSTEM_MANAGED",
                                           "validAfterTime": "2020-01-01T00:00:00Z"}, {}, None)
    yield (f"//sqladmin.googleapis.com/projects/{project}/instances/db-{n}", "gcp:sqladmin:instance",
           {"settings": {"ipConfiguration": {"ipv4Enabled": n % 6 == 0}}}, {}, "europe-west1")


def unit_edges(n: int) -> Iterator[tuple[str, str, str]]:
    """Collected relationships of unit ``n``."""
    account = f"{100000000000 + n % 50}"
    arn = f"arn:aws:ec2:eu-west-1:{account}:"
    instance = f"{arn}instance/i-{n}"
    yield (instance, "PROTECTED_BY", f"{arn}security-group/sg-{n}")
    yield (instance, "HAS_ROLE", f"arn:aws:iam::{account}:role/r-{n}")
    for disk in range(2):
        yield (f"{arn}volume/vol-{n}-{disk}", "ATTACHED_TO", instance)
    base = f"/subscriptions/sub-{n % 20}/resourcegroups/rg-{n % 100}/providers/"
    nic = f"{base}microsoft.network/networkinterfaces/nic-{n}"
    yield (nic, "ATTACHED_TO", f"{base}microsoft.compute/virtualmachines/vm-{n}")
    yield (nic, "PROTECTED_BY", f"{base}microsoft.network/networksecuritygroups/nsg-{n}")
    yield (f"{base}microsoft.network/publicipaddresses/pip-{n}", "ATTACHED_TO", nic)


def build(path: Path, assets: int) -> None:
    """Write a synthetic estate of about ``assets`` assets to a SQLite store at ``path``."""
    from cloudscope.adapters.sqlite_repository import SQLiteRepository
    from cloudscope.api import Asset, CollectionRun, Relationship, ScopeKey, utc_now

    store = SQLiteRepository(f"sqlite:///{path}")
    scope = ScopeKey(provider="bench", account="synthetic")
    run = CollectionRun(run_id="bench", collector="bench", started_at=utc_now())
    store.start_run(run)
    store.start_scope(scope, run.run_id, run.started_at)
    batch: list[Asset] = []
    edges: list[Relationship] = []
    for n in range(assets // UNIT):
        for asset_id, kind, properties, tags, region in unit(n):
            batch.append(Asset.model_construct(
                id=asset_id, provider=kind.split(":", 1)[0], asset_type=kind, native_type=None,
                name=asset_id.rsplit("/", 1)[-1], account=None, region=region, tags=tags,
                properties=properties, first_seen=None, last_seen=None))
        edges += [Relationship.model_construct(source_id=s, type=t, target_id=d, properties={})
                  for s, t, d in unit_edges(n)]
        if len(batch) >= 5000:
            store.write_batch(scope, run.run_id, batch, edges, utc_now())
            batch, edges = [], []
    store.write_batch(scope, run.run_id, batch, edges, utc_now())
    store.complete_scope(scope, run.run_id, assets, utc_now())
    store.close()


def child(path: str, mode: str) -> None:
    """Measured work, in its own process: print seconds, counts and peak RSS as JSON."""
    from cloudscope.adapters.rules.catalog import register_baseline
    from cloudscope.adapters.sqlite_repository import SQLiteRepository
    from cloudscope.api import AssetQuery
    from cloudscope.application.assess import Assessment, build_rules
    from cloudscope.domain.assessment import AssessmentSummary
    from cloudscope.host.registry import ComponentRegistry

    store = SQLiteRepository(f"sqlite:///{path}")
    start, cpu = time.perf_counter(), time.process_time()
    figures: dict[str, Any] = {}
    if mode == "baseline":
        figures["assets"] = sum(1 for _ in store.iter_assets(AssetQuery()))
        figures["relationships"] = sum(1 for _ in store.iter_relationships())
    else:
        registry = ComponentRegistry("rule")
        register_baseline(registry.register_for("builtin"))
        summary = AssessmentSummary()
        rules = build_rules(registry, [], set(), summary)
        result = Assessment(store, rules).run(AssetQuery(), summary)
        figures.update(assets=summary.assets, findings=summary.findings, counts=summary.counts,
                       detected=summary.detected_relationships, failures=len(summary.failures))
        result.close()
    figures["seconds"] = time.perf_counter() - start
    figures["cpu"] = time.process_time() - cpu
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store.close()
    print(json.dumps(figures))


DIGESTED = {
    # Ordered as stored (findings and changes in insertion order), every column but the
    # times and run ids each assessment gives anew.
    "findings": "SELECT rule_id, asset_id, severity, severity_rank, title, detail, remediation,"
                " evidence FROM findings ORDER BY id",
    "relationships": "SELECT source_id, type, target_id, properties, scope_key FROM relationships"
                     " ORDER BY source_id, type, target_id",
    "finding changes": "SELECT id, change, asset_id, asset_number, related_id, provider,"
                       " asset_type, name, account, region, detail FROM changes"
                       " WHERE change IN ('finding-new', 'finding-resolved') ORDER BY id",
}


def digest(path: Path) -> dict[str, Any]:
    """Rows and SHA-256 of each table :data:`DIGESTED` reads, and of all of them."""
    import sqlite3

    connection = sqlite3.connect(path)
    whole = hashlib.sha256()
    figures: dict[str, Any] = {}
    for name, sql in DIGESTED.items():
        part, rows = hashlib.sha256(), 0
        for row in connection.execute(sql):
            part.update(json.dumps(row).encode() + b"\n")
            rows += 1
        figures[name] = (rows, part.hexdigest()[:16])
        whole.update(part.digest())
    connection.close()
    figures["all"] = whole.hexdigest()
    return figures


def measure(path: Path, mode: str, source: str | None = None) -> dict[str, Any]:
    """Run the child on ``path``; ``source``: a cloudscope-core/src tree to import instead."""
    environment = {**os.environ, "PYTHONPATH": source} if source else None
    output = subprocess.run([sys.executable, __file__, "--child", str(path), mode],
                            capture_output=True, text=True, check=True, env=environment)
    return json.loads(output.stdout)  # type: ignore[no-any-return]


def compare(before: str, size: int, runs: int) -> None:
    """Assess one store of ``size`` assets ``runs`` times with the code of ``before`` (a
    cloudscope-core/src tree) and with this checkout's, alternately, each from a fresh copy
    of the store; print each run and the medians (CPU seconds: user + system)."""
    figures: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-assess-") as directory:
        pristine, path = Path(directory) / "pristine.db", Path(directory) / "estate.db"
        build(pristine, size)
        for run in range(runs):
            for side, source in (("before", before), ("after", None)):
                shutil.copyfile(pristine, path)
                result = measure(path, "assess", source)
                result["load"] = os.getloadavg()[0]
                figures[side].append(result)
                print(f"run {run + 1} {side:>6}: {result['cpu']:6.1f} s CPU "
                      f"{result['seconds']:6.1f} s wall {result['rss_mb']:5.0f} MB peak RSS "
                      f"{result['findings']:,} findings {result['detected']:,} detected edges "
                      f"load {result['load']:.1f}", flush=True)
                for leftover in Path(directory).glob("estate.db*"):
                    leftover.unlink()
    medians = {side: {key: statistics.median(r[key] for r in results)
                      for key in ("cpu", "seconds", "rss_mb")}
               for side, results in figures.items()}
    for side, median in medians.items():
        print(f"median {side:>6}: {median['cpu']:6.1f} s CPU {median['seconds']:6.1f} s wall "
              f"{median['rss_mb']:5.0f} MB peak RSS")
    print(f"after / before: CPU x{medians['after']['cpu'] / medians['before']['cpu']:.2f}, "
          f"wall x{medians['after']['seconds'] / medians['before']['seconds']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 and 20,000 assets")
    parser.add_argument("--digest", type=int, metavar="ASSETS",
                        help="assess a store of ASSETS assets once and print the digest of "
                             "the findings, relationships and finding changes it stored")
    parser.add_argument("--compare", metavar="SRC",
                        help="assess one store with the cloudscope-core/src tree SRC (e.g. "
                             "`git archive main cloudscope-core/src | tar -x -C /tmp/main`) "
                             "and with this checkout, alternately; see --size and --runs")
    parser.add_argument("--size", type=int, default=100_000, help="assets, with --compare")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, with --compare")
    parser.add_argument("--child", nargs=2, metavar=("DB", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.compare:
        compare(args.compare, args.size, args.runs)
        return
    if args.digest:
        with tempfile.TemporaryDirectory(prefix="cloudscope-bench-assess-") as directory:
            path = Path(directory) / "estate.db"
            build(path, args.digest)
            assessed = measure(path, "assess")
            print(f"{assessed['assets']:,} assets, {assessed['findings']:,} findings, "
                  f"{assessed['detected']:,} detected edges, {assessed['seconds']:.1f} s")
            for name, value in digest(path).items():
                print(f"{name}: {value}")
        return
    sizes = (5_000, 20_000) if args.quick else (100_000, 1_000_000)
    results: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-assess-") as directory:
        for size in sizes:
            path = Path(directory) / f"estate-{size}.db"
            started = time.perf_counter()
            build(path, size)
            print(f"{size:>9,} assets: store built in {time.perf_counter() - started:.1f} s",
                  flush=True)
            baseline, assessed = measure(path, "baseline"), measure(path, "assess")
            results.append((size, baseline, assessed))
            print(f"{'':>9}  baseline (stream assets + relationships): "
                  f"{baseline['seconds']:7.1f} s  {baseline['rss_mb']:6.0f} MB peak RSS")
            print(f"{'':>9}  assess (detect + {assessed['findings']:,} findings, "
                  f"{assessed['detected']:,} detected edges): {assessed['seconds']:7.1f} s  "
                  f"{assessed['rss_mb']:6.0f} MB peak RSS  "
                  f"{assessed['assets'] / assessed['seconds']:,.0f} assets/s  "
                  f"{assessed['seconds'] / baseline['seconds']:.1f}x baseline", flush=True)
            path.unlink()
    (small, _, first), (large, _, last) = results[0], results[-1]
    per_asset = (last["seconds"] / last["assets"]) / (first["seconds"] / first["assets"])
    doublings = math.log2(last["assets"] / first["assets"])
    per_doubling = (last["seconds"] / first["seconds"]) ** (1 / doublings)
    print(f"scaling {small:,} -> {large:,}: time per asset x{per_asset:.2f}; "
          f"x{per_doubling:.2f} time per doubling of assets (target <= 2.2: "
          f"{'met' if per_doubling <= 2.2 else 'MISSED'}); peak RSS "
          f"{first['rss_mb']:.0f} -> {last['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
