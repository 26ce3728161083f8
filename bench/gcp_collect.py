"""GCP collection through the local Cloud Asset fake: an organization of 3 projects with
2,000 assets each, collected by `cloudscope collect gcp --scope organizations/ID` beside a
raw paged listing of the same Cloud Asset requests (google-auth AuthorizedSession, same
thread count, pages JSON-decoded and dropped) measured in the same run, and beside the
collector alone (plan and collect every scope, items dropped: the plugin's own cost,
without the store). A tenth of each project's assets are of types with no hand mapping
(Pub/Sub topics, BigQuery tables, GKE pods), collected by the naming rule.

All three run as whole child processes (interpreter start-up, imports and token exchange
included), alternating, median of the runs; peak RSS is each child's own (wait4). The
collector's extra work is mapping, relationships and writing SQLite. Target: ratio <= 1.3.

    python bench/gcp_collect.py [--runs N] [--quick] [--profile FILE]

``--profile FILE`` samples one ``cloudscope collect gcp`` child with py-spy (every thread,
raw stacks into FILE) and prints where its time goes (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "gcp"))

from gcp_estate import ORG, add_organization, add_project, self_link  # noqa: E402
from gcp_fake import FakeGcp, serve  # noqa: E402

CONCURRENCY = 8
RAW_LISTING = r"""
import json, sys, threading
from concurrent.futures import ThreadPoolExecutor
import google.auth
from google.auth.transport.requests import AuthorizedSession

listings = json.load(open(sys.argv[1]))
root = sys.argv[2]
credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
local = threading.local()

def listing(entry):
    session = getattr(local, "session", None)
    if session is None:
        session = local.session = AuthorizedSession(credentials)
    token, count = None, 0
    while True:
        params = entry["params"] + ([["pageToken", token]] if token else [])
        page = session.get(f"{root}/v1/{entry['parent']}/assets", params=params, timeout=60).json()
        count += len(page.get("assets") or ())
        token = page.get("nextPageToken")
        if not token:
            return count

total = listing(listings[0])  # the plan's project listing comes first, as in the collector
with ThreadPoolExecutor(int(sys.argv[3])) as pool:
    total += sum(pool.map(listing, listings[1:]))
print(total)
"""

PLUGIN_ONLY = r"""
import sys
from concurrent.futures import ThreadPoolExecutor
from cloudscope.api import CollectContext, RateLimiter
from cloudscope_gcp.collector import GcpCollector

class Quiet:
    def __getattr__(self, name):
        return lambda *args, **values: None

ctx = CollectContext("gcp", limiter=RateLimiter("gcp"),
                     config={"gcp": {"api_endpoint": sys.argv[1]}}, log=Quiet())
collector = GcpCollector(ctx, {"scope": [sys.argv[2]]})
scopes = collector.plan()
with ThreadPoolExecutor(int(sys.argv[3])) as pool:
    total = sum(pool.map(lambda scope: sum(1 for _ in collector.collect(scope)), scopes))
collector.close()
print(total)
"""


def make_key(directory: Path, fake: FakeGcp) -> Path:
    """A service-account key the fake trusts, written as a JSON key file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake.public_keys["bench-key"] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    path = directory / "key.json"
    path.write_text(json.dumps({
        "type": "service_account", "private_key_id": "bench-key",
        "private_key": key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode(),
        "client_email": "bench@ops-tools.iam.gserviceaccount.com", "token_uri": fake.token_uri,
    }))
    return path


def build_estate(fake: FakeGcp, per_project: int) -> None:
    """Three projects of ``per_project`` assets: instances, disks, firewalls, buckets with
    policies, service accounts and keys (about the mix of a real project)."""
    add_organization(fake)
    for index in range(3):
        project = add_project(fake, f"bench-p{index}", f"20000000000{index}")
        p = project.project_id
        email = f"app@{p}.iam.gserviceaccount.com"
        project.compute("Network", "global/networks/main", {}, location="global")
        counts = {"firewall": per_project // 40, "account": per_project // 20,
                  "bucket": per_project // 8, "unmapped": per_project // 30}
        instances = (per_project - 1 - counts["firewall"] - 2 * counts["account"]
                     - counts["bucket"] - 3 * counts["unmapped"]) // 2
        for n in range(counts["unmapped"]):
            project.add("pubsub.googleapis.com/Topic", f"projects/{p}/topics/t-{n}", {
                "name": f"projects/{p}/topics/t-{n}", "labels": {"team": f"t{n % 5}"}})
            project.add("bigquery.googleapis.com/Table",
                        f"projects/{p}/datasets/d{n % 4}/tables/t-{n}", {
                            "tableReference": {"projectId": p, "datasetId": f"d{n % 4}",
                                               "tableId": f"t-{n}"}, "numRows": str(n)},
                        location="us")
            project.add("k8s.io/Pod", f"projects/{p}/locations/us-central1/clusters/c/k8s/"
                        f"namespaces/web/pods/web-{n}", {
                            "metadata": {"name": f"web-{n}", "namespace": "web"},
                            "status": {"phase": "Running"}}, location="us-central1")
        for n in range(counts["firewall"]):
            project.compute("Firewall", f"global/firewalls/fw-{n}", {
                "network": self_link(p, "global/networks/main"), "direction": "INGRESS",
                "sourceRanges": ["0.0.0.0/0"], "targetTags": [f"tier-{n}"],
                "allowed": [{"IPProtocol": "tcp", "ports": [str(1000 + n)]}]}, location="global")
        for n in range(instances):
            zone = f"us-central1-{'abc'[n % 3]}"
            project.compute("Instance", f"zones/{zone}/instances/vm-{n}", {
                "status": "RUNNING", "labels": {"app": f"app-{n % 7}"},
                "tags": {"items": [f"tier-{n % counts['firewall']}"]},
                "networkInterfaces": [{"name": "nic0",
                                       "network": self_link(p, "global/networks/main"),
                                       "subnetwork": self_link(p, "regions/us-central1/subnetworks/a"),
                                       "networkIP": f"10.0.{n // 250}.{n % 250}"}],
                "disks": [{"boot": True, "source": self_link(p, f"zones/{zone}/disks/vm-{n}")}],
                "serviceAccounts": [{"email": email, "scopes": ["cloud-platform"]}]},
                location=zone)
            project.compute("Disk", f"zones/{zone}/disks/vm-{n}", {"sizeGb": "20"}, location=zone)
        for n in range(counts["bucket"]):
            project.add("storage.googleapis.com/Bucket", f"{p}-bucket-{n}", {
                "name": f"{p}-bucket-{n}", "location": "US"}, location="us", iam_policy={
                "bindings": [{"role": "roles/storage.objectViewer",
                              "members": ["allUsers" if n % 10 == 0 else f"serviceAccount:{email}"]}]})
        for n in range(counts["account"]):
            account = f"projects/{p}/serviceAccounts/10{index}{n:06d}"
            project.add("iam.googleapis.com/ServiceAccount", account,
                        {"email": f"sa-{n}@{p}.iam.gserviceaccount.com"})
            project.add("iam.googleapis.com/ServiceAccountKey", f"{account}/keys/k{n}",
                        {"keyType": "USER_MANAGED"}, parent=f"//iam.googleapis.com/{account}")


def spawn(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout) of one child, its rusage read by wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command[:4])} failed ({process.returncode}): "
                             f"{err.read().decode()[-800:]}")
        return elapsed, usage.ru_maxrss, out.read().decode()


def profile(path: str, directory: Path, env: dict[str, str]) -> None:
    """One collect child sampled by py-spy (all threads, raw stacks), then the functions
    with the most samples of their own and the most samples under them."""
    import collections
    import shutil

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    db = f"sqlite:///{directory / 'profiled.db'}"
    spawn([spy, "record", "--rate", "250", "--format", "raw", "--output", path, "--",
           sys.executable, "-m", "cloudscope", "collect", "gcp", "--scope", ORG, "--db", db,
           "--format", "json", "--concurrency", str(CONCURRENCY)], env)
    own: collections.Counter[str] = collections.Counter()
    under: collections.Counter[str] = collections.Counter()
    for line in Path(path).read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = stack.split(";")
        own[frames[-1]] += int(samples)
        for frame in set(frames):
            under[frame] += int(samples)
    total = sum(own.values())
    for title, counter in (("own", own), ("inclusive", under)):
        print(f"--- {title} samples of {total}")
        for frame, samples in counter.most_common(25):
            print(f"{samples / total:6.1%}  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 assets a project, 1 run")
    parser.add_argument("--profile", metavar="FILE",
                        help="sample one collect child with py-spy into FILE and summarize")
    args = parser.parse_args()
    per_project, runs = (200, 1) if args.quick else (2000, args.runs)
    fake = FakeGcp()
    with serve(fake), tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        build_estate(fake, per_project)
        env = {**os.environ, "GOOGLE_APPLICATION_CREDENTIALS": str(make_key(directory, fake)),
               "CLOUDSCOPE_GCP_API_ENDPOINT": fake.root, "NO_PROXY": "127.0.0.1",
               "XDG_CONFIG_HOME": str(directory / "config"),
               "CLOUDSDK_CONFIG": str(directory / "gcloud")}
        env.pop("CLOUDSCOPE_CONFIG", None)
        # Children compile each module once into a private cache and reuse it, as an
        # installed package does (this machine sets PYTHONDONTWRITEBYTECODE, which would
        # charge a full compile of every import to every run).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")

        def collect(run: int) -> tuple[float, int, dict[str, Any]]:
            db = f"sqlite:///{directory / f'run{run}.db'}"
            seconds, rss, out = spawn([sys.executable, "-m", "cloudscope", "collect", "gcp",
                                       "--scope", ORG, "--db", db, "--format", "json",
                                       "--concurrency", str(CONCURRENCY)], env)
            return seconds, rss, json.loads(out)

        _, _, summary = collect(-1)  # warm-up; its requests define the raw listings
        if args.profile:
            profile(args.profile, directory, env)
            return
        listings = [{"parent": r.parent, "params": [[k, v] for k, values in r.params.items()
                                                    for v in values]}
                    for r in fake.recorded if "pageToken" not in r.params]
        requests = len(fake.recorded)
        (directory / "listings.json").write_text(json.dumps(listings))
        raw_command = [sys.executable, "-c", RAW_LISTING, str(directory / "listings.json"),
                       fake.root, str(CONCURRENCY)]
        plugin_command = [sys.executable, "-c", PLUGIN_ONLY, fake.root, ORG, str(CONCURRENCY)]
        spawn(raw_command, env)  # warm-ups
        spawn(plugin_command, env)
        raw_times, raw_rss, collect_times, collect_rss = [], [], [], []
        plugin_times, plugin_rss = [], []
        for run in range(runs):
            seconds, rss, _out = spawn(raw_command, env)
            raw_times.append(seconds)
            raw_rss.append(rss)
            seconds, rss, _out = spawn(plugin_command, env)
            plugin_times.append(seconds)
            plugin_rss.append(rss)
            seconds, rss, summary = collect(run)
            collect_times.append(seconds)
            collect_rss.append(rss)
            assert summary["status"] == "ok", summary
    raw, collected = statistics.median(raw_times), statistics.median(collect_times)
    plugin = statistics.median(plugin_times)
    ratio = collected / raw
    print(f"estate: 3 projects x {per_project} assets; {summary['assets']} assets, "
          f"{summary['relationships']} relationships, {len(summary['scopes'])} scopes, "
          f"{requests} requests ({len(listings)} listings); median of {runs} run(s)")
    print(f"raw paged listing (baseline)    {raw:7.2f} s   peak RSS {max(raw_rss) / 1024:6.1f} MiB")
    print(f"collector alone (no store)      {plugin:7.2f} s   peak RSS "
          f"{max(plugin_rss) / 1024:6.1f} MiB   {plugin / raw:.2f}x baseline")
    print(f"cloudscope collect gcp          {collected:7.2f} s   peak RSS "
          f"{max(collect_rss) / 1024:6.1f} MiB   {ratio:.2f}x baseline  "
          f"target <= 1.3: {'met' if ratio <= 1.3 else 'MISSED'}")


if __name__ == "__main__":
    main()
