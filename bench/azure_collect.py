"""Benchmark: `cloudscope collect azure` beside a raw azure-core listing of the same pages.

Two subscriptions with 2,000 resources each (virtual machines with their network
interfaces and disks, public IPs) are served by the tests' HTTPS fake of Resource Manager
and Entra ID (tests/azure/arm_fake.py), in this process. Each measured run is a child
process, so that its peak RSS is its own (os.wait4):

- baseline: azure-identity's ClientSecretCredential and one azure-core pipeline per thread
  (8 threads, as the collector), listing every (subscription, type) list call of the
  catalogue with nextLink paging and decoding the JSON, nothing more;
- collector alone: AzureCollector's plan and collect on the same threads, items dropped
  (separates the plugin's cost from the store's);
- collect: the real CLI, `cloudscope collect azure --subscription A --subscription B` into
  a fresh SQLite file (assets validated, relationships built, batches written).

Figures: the listing time measured inside each child (the collect run's `duration_s`,
the baseline's own clock from its first token request), whole-process wall times, their
ratios (target: collect / baseline <= 1.2), and each child's peak RSS.

    python bench/azure_collect.py            # 2 x 2,000 resources, median of 3 runs
    python bench/azure_collect.py --quick    # 2 x 200 resources, one run
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "azure"))

from arm_fake import FakeAzure  # noqa: E402
from estate import populate_bulk  # noqa: E402

SUBSCRIPTIONS = ["0b1f6471-1bf0-4dda-aec3-111111111111", "0b1f6471-1bf0-4dda-aec3-222222222222"]
THREADS = 8
PAGE_SIZE = 200

BASELINE = r"""
import json, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from azure.core import PipelineClient
from azure.core.pipeline.policies import (BearerTokenCredentialPolicy, HeadersPolicy,
    RetryPolicy, UserAgentPolicy)
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from cloudscope_azure.catalogue import CATALOGUE

setup = json.loads(sys.argv[1])
start = time.perf_counter()
credential = ClientSecretCredential(setup["tenant"], setup["client"], setup["secret"],
                                    authority=setup["url"], disable_instance_discovery=True)
local = threading.local()

def client():
    if not hasattr(local, "client"):
        local.client = PipelineClient(setup["url"], policies=[
            HeadersPolicy({"Accept": "application/json"}), UserAgentPolicy("bench"),
            RetryPolicy(), BearerTokenCredentialPolicy(
                credential, "https://management.azure.com/.default")],
            transport=RequestsTransport())
    return local.client

def pages(url):
    request = HttpRequest("GET", url)
    while True:
        body = client().send_request(request).json()
        yield body
        if not body.get("nextLink"):
            return
        request = HttpRequest("GET", body["nextLink"])

def list_scope(job):
    subscription, resource_type = job
    base = f"{setup['url']}/subscriptions/{subscription}"
    version = f"?api-version={resource_type.api_version}"
    if not resource_type.list_path:
        return 1 if client().send_request(HttpRequest("GET", base + version)).json() else 0
    if resource_type.parent is not None:
        parent = resource_type.parent
        found = 0
        for page in pages(base + parent.list_path + f"?api-version={parent.api_version}"):
            for body in page.get("value", []):
                for child in pages(setup["url"] + body["id"] + resource_type.list_path + version):
                    found += len(child.get("value", []))
        return found
    return sum(len(page.get("value", [])) for page in pages(base + resource_type.list_path
                                                              + version))

jobs = [(s, t) for s in setup["subscriptions"] for t in CATALOGUE]
with ThreadPoolExecutor(setup["threads"]) as pool:
    listed = sum(pool.map(list_scope, jobs))
print(json.dumps({"listed": listed, "seconds": time.perf_counter() - start}))
"""

# The plugin alone: AzureCollector's plan and collect on the same 8 threads, items counted
# and dropped (no store), to separate the plugin's cost from the store's.
COLLECTOR_ONLY = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
import azure.identity, cloudscope_azure.arm, cloudscope_azure.credentials
from cloudscope.api import CollectContext, RateLimiter
from cloudscope_azure.collector import AzureCollector

class Quiet:
    def info(self, *args, **values):
        pass

setup = json.loads(sys.argv[1])
start = time.perf_counter()
ctx = CollectContext("azure", limiter=RateLimiter("azure"), log=Quiet(), config={"azure": {
    "tenant_id": setup["tenant"], "client_id": setup["client"], "client_secret": setup["secret"],
    "resource_manager_url": setup["url"], "disable_instance_discovery": True}})
collector = AzureCollector(ctx, {"subscription": setup["subscriptions"]})
with ThreadPoolExecutor(setup["threads"]) as pool:
    items = sum(pool.map(lambda scope: sum(1 for _ in collector.collect(scope)),
                         collector.plan()))
print(json.dumps({"items": items, "seconds": time.perf_counter() - start}))
"""


def run_child(command: list[str], env: dict[str, str]) -> tuple[str, float, float, float]:
    """Run a child; return its stdout, wall seconds, peak RSS in MiB and CPU seconds (its own)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors = process.stderr.read().decode() if process.stderr else ""
        output.seek(0)
        text = output.read().decode()
    if process.returncode not in (0,):
        raise SystemExit(f"{command[:4]} exited {process.returncode}: {errors[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return text, wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 x 200 resources, one run")
    args = parser.parse_args()
    per_subscription, runs = (200, 1) if args.quick else (2000, 5)

    with tempfile.TemporaryDirectory() as directory, \
            FakeAzure(Path(directory), page_size=PAGE_SIZE) as fake:
        for subscription in SUBSCRIPTIONS:
            populate_bulk(fake, subscription, per_subscription)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AZURE_", "CLOUDSCOPE_"))}
        env.update({
            "REQUESTS_CA_BUNDLE": str(fake.ca_path), "CLOUDSCOPE_LOAD_PLUGINS": "azure",
            "HOME": directory, "XDG_CONFIG_HOME": directory,
            "CLOUDSCOPE_AZURE_TENANT_ID": fake.tenant_id,
            "CLOUDSCOPE_AZURE_CLIENT_ID": fake.client_id,
            "CLOUDSCOPE_AZURE_CLIENT_SECRET": fake.client_secret,
            "CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL": fake.url,
            "CLOUDSCOPE_AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
            "AZURE_AUTHORITY_HOST": fake.url,
        })
        setup = json.dumps({"tenant": fake.tenant_id, "client": fake.client_id,
                            "secret": fake.client_secret, "url": fake.url,
                            "subscriptions": SUBSCRIPTIONS, "threads": THREADS})
        # Runs alternate, and ratios are taken per pair: the machine is shared, and a pair
        # sees the same load.
        baseline: list[tuple[float, ...]] = []
        plugin: list[tuple[float, ...]] = []
        collect: list[tuple[float, ...]] = []
        assets = listed = items = 0
        for run in range(runs):
            text, wall, rss, cpu = run_child([sys.executable, "-c", BASELINE, setup], env)
            result = json.loads(text)
            listed = result["listed"]
            baseline.append((result["seconds"], wall, rss, cpu))
            text, wall, rss, cpu = run_child([sys.executable, "-c", COLLECTOR_ONLY, setup], env)
            items = json.loads(text)["items"]
            plugin.append((json.loads(text)["seconds"], wall, rss, cpu))
            database = Path(directory) / f"bench-{run}.db"
            text, wall, rss, cpu = run_child(
                [sys.executable, "-m", "cloudscope", "collect", "azure",
                 *(part for s in SUBSCRIPTIONS for part in ("--subscription", s)),
                 "--concurrency", str(THREADS), "--db", f"sqlite:///{database}",
                 "--format", "json"], env)
            summary = json.loads(text)
            assets = summary["assets"]
            collect.append((summary["duration_s"], wall, rss, cpu))

    def median(rows: list[tuple[float, ...]], column: int) -> float:
        return statistics.median(row[column] for row in rows)

    def ratio(column: int, rows: list[tuple[float, ...]] = collect) -> float:
        return statistics.median(c[column] / b[column] for c, b in zip(rows, baseline,
                                                                     strict=True))

    print(f"azure collect: {len(SUBSCRIPTIONS)} subscriptions x {per_subscription} resources, "
          f"page size {PAGE_SIZE}, {THREADS} threads, medians of {runs} paired run(s)")
    for label, rows, what, count in (("baseline (raw azure-core listing)", baseline, "items",
                                      listed),
                                     ("AzureCollector alone (no store)", plugin, "items", items),
                                     ("cloudscope collect azure", collect, "assets", assets)):
        print(f"  {label:<34} {count} {what}: {median(rows, 0):.2f} s listing, "
              f"{median(rows, 1):.2f} s process, {median(rows, 3):.2f} s CPU, "
              f"peak RSS {median(rows, 2):.0f} MiB")
    print(f"  ratio collect / baseline: {ratio(0):.2f} listing (target <= 1.2), "
          f"{ratio(1):.2f} process wall, {ratio(3):.2f} process CPU, {ratio(2):.2f} peak RSS")
    print(f"  ratio collector alone / baseline: {ratio(0, plugin):.2f} listing, "
          f"{ratio(3, plugin):.2f} process CPU (the rest of collect's cost is the store's)")


if __name__ == "__main__":
    main()
