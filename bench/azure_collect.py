"""Benchmark: `cloudscope collect azure` beside a raw azure-core listing of the same pages.

Two subscriptions with 2,000 resources of mapped types each (virtual machines with their
network interfaces and disks, public IPs) and 200 of the types without a hand mapping
(the tests' seeding list, round robin; `--mapped-only` leaves them out) are served by the
tests' HTTPS fake of Resource Manager and Entra ID (tests/azure/arm_fake.py), in this
process. Each measured run is a child process, so that its peak RSS is its own (os.wait4):

- baseline: azure-identity's ClientSecretCredential and one azure-core pipeline per thread
  (8 threads, as the collector), listing every (subscription, type) list call of the
  catalogue with nextLink paging and decoding the JSON, and the generic path's calls (the
  resources list, the providers' metadata once, a GET per resource of an unmapped type on
  4 threads, as the collector), nothing more;
- collector alone: AzureCollector's plan and collect on the same threads, items dropped
  (separates the plugin's cost from the store's);
- collect: the real CLI, `cloudscope collect azure --subscription A --subscription B` into
  a fresh SQLite file (assets validated, relationships built, batches written).

Figures: the listing time measured inside each child (the collect run's `duration_s`,
the baseline's own clock from its first token request), whole-process wall times, their
ratios (target: collect / baseline <= 1.2), and each child's peak RSS.

    python bench/azure_collect.py            # 2 x 2,200 resources, median of 5 runs
    python bench/azure_collect.py --quick    # 2 x 220 resources, one run
    python bench/azure_collect.py --mapped-only   # without the unmapped types

Requests per collect are the run summary's `requests` counter (every answer, retries
included) beside the baseline's own count. bench/README.md has the profiling commands.
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
from generic_estate import populate_generic_bulk  # noqa: E402

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
from cloudscope_azure.catalogue import BY_SERVICE, CATALOGUE

setup = json.loads(sys.argv[1])
lock = threading.Lock()
provider_lock = threading.Lock()
sent = [0]
versions = {}
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

def send(request):
    with lock:
        sent[0] += 1
    return client().send_request(request)

def pages(url):
    request = HttpRequest("GET", url)
    while True:
        body = send(request).json()
        yield body
        if not body.get("nextLink"):
            return
        request = HttpRequest("GET", body["nextLink"])

def full(entry):
    version = versions[entry["type"].lower()]
    return 1 if send(HttpRequest("GET", f"{setup['url']}{entry['id']}?api-version={version}")
                     ).json() else 0

def generic(subscription):
    base = f"{setup['url']}/subscriptions/{subscription}"
    with provider_lock:
        if not versions:
            for page in pages(base + "/providers?api-version=2021-04-01"):
                for provider in page["value"]:
                    for entry in provider["resourceTypes"]:
                        stable = sorted(v for v in entry["apiVersions"] if "-" not in v[10:])
                        versions[f"{provider['namespace']}/{entry['resourceType']}".lower()] = \
                            stable[-1]
    entries = [entry for page in pages(base + "/resources?api-version=2021-04-01")
               for entry in page["value"] if entry["type"].lower() not in BY_SERVICE]
    with ThreadPoolExecutor(4) as pool:
        return sum(pool.map(full, entries))

def list_scope(job):
    subscription, resource_type = job
    if resource_type is None:
        return generic(subscription)
    base = f"{setup['url']}/subscriptions/{subscription}"
    version = f"?api-version={resource_type.api_version}"
    if getattr(resource_type, "tenant_level", False):
        return 0  # not planned when subscriptions are named
    if not resource_type.list_path:
        return 1 if send(HttpRequest("GET", base + version)).json() else 0
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

jobs = [(s, t) for s in setup["subscriptions"] for t in [*CATALOGUE, None]]
with ThreadPoolExecutor(setup["threads"]) as pool:
    listed = sum(pool.map(list_scope, jobs))
print(json.dumps({"listed": listed, "seconds": time.perf_counter() - start,
                  "requests": sent[0]}))
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
    parser.add_argument("--quick", action="store_true", help="2 x 220 resources, one run")
    parser.add_argument("--mapped-only", action="store_true",
                        help="no resource of a type without a hand mapping")
    parser.add_argument("--runs", type=int, help="paired runs (default 5, --quick 1)")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="instead of measuring, run collect once under py-spy (samples "
                             "holding the GIL, every thread, 250/s) and write its raw profile to FILE")
    args = parser.parse_args()
    per_subscription, runs = (200, 1) if args.quick else (2000, 5)
    runs = args.runs or runs
    generic = 0 if args.mapped_only else per_subscription // 10

    with tempfile.TemporaryDirectory() as directory, \
            FakeAzure(Path(directory), page_size=PAGE_SIZE) as fake:
        for subscription in SUBSCRIPTIONS:
            populate_bulk(fake, subscription, per_subscription)
            if generic:
                populate_generic_bulk(fake, subscription, generic)
        # Children import from bytecode, as an installed cloudscope does (pip compiles on
        # install): with PYTHONDONTWRITEBYTECODE set and packages installed without .pyc,
        # every child compiled its imports from source, which cost collect (it imports the
        # core, pydantic, SQLite's adapter...) about 12% of its samples.
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AZURE_", "CLOUDSCOPE_"))
               and key != "PYTHONDONTWRITEBYTECODE"}
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
        command = [sys.executable, "-m", "cloudscope", "collect", "azure",
                   *(part for s in SUBSCRIPTIONS for part in ("--subscription", s)),
                   "--concurrency", str(THREADS), "--format", "json"]
        if args.profile:
            run_child([*command, "--db", f"sqlite:///{Path(directory) / 'warm.db'}"], env)
            subprocess.run(["py-spy", "record", "--rate", "250", "--format", "raw", "--gil",
                            "--output", str(args.profile), "--", *command, "--db",
                            f"sqlite:///{Path(directory) / 'profiled.db'}"], env=env,
                           check=True, stdout=subprocess.DEVNULL)
            print(f"profile written to {args.profile}: python bench/_profile.py {args.profile}")
            return
        # Runs alternate, and ratios are taken per pair: the machine is shared, and a pair
        # sees the same load.
        # One unmeasured run of each child first: bytecode written, files in the page cache.
        run_child([sys.executable, "-c", BASELINE, setup], env)
        run_child([*command, "--db", f"sqlite:///{Path(directory) / 'warm.db'}"], env)
        baseline: list[tuple[float, ...]] = []
        plugin: list[tuple[float, ...]] = []
        collect: list[tuple[float, ...]] = []
        assets = listed = items = 0
        requests: dict[str, list[int]] = {"baseline": [], "collect": []}
        for run in range(runs):
            text, wall, rss, cpu = run_child([sys.executable, "-c", BASELINE, setup], env)
            result = json.loads(text)
            listed = result["listed"]
            requests["baseline"].append(result["requests"])
            baseline.append((result["seconds"], wall, rss, cpu))
            text, wall, rss, cpu = run_child([sys.executable, "-c", COLLECTOR_ONLY, setup], env)
            items = json.loads(text)["items"]
            plugin.append((json.loads(text)["seconds"], wall, rss, cpu))
            database = Path(directory) / f"bench-{run}.db"
            text, wall, rss, cpu = run_child([*command, "--db", f"sqlite:///{database}"], env)
            summary = json.loads(text)
            assets = summary["assets"]
            requests["collect"].append(summary["counters"]["requests"])
            collect.append((summary["duration_s"], wall, rss, cpu))

    def median(rows: list[tuple[float, ...]], column: int) -> float:
        return statistics.median(row[column] for row in rows)

    def ratio(column: int, rows: list[tuple[float, ...]] = collect) -> float:
        return statistics.median(c[column] / b[column] for c, b in zip(rows, baseline,
                                                                     strict=True))

    print(f"azure collect: {len(SUBSCRIPTIONS)} subscriptions x {per_subscription} resources "
          f"of mapped types + {generic} of unmapped types, page size {PAGE_SIZE}, "
          f"{THREADS} threads, medians of {runs} paired run(s), load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"  requests per run: baseline {statistics.median(requests['baseline']):.0f}, "
          f"collect {statistics.median(requests['collect']):.0f}")
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
