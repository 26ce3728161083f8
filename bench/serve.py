"""`cloudscope serve` under load: pages of 100 assets and single assets, 20 clients.

A SQLite store of 100,000 assets; `cloudscope serve` as its own process with JWT auth
(RS256 tokens checked against a JWKS file) and an audit log file, as in production; 20
clients (threads, one keep-alive connection each) for 30 s per workload:

- the floor: a bare uvicorn process (same loop, same HTTP parser, one worker) answering a
  page of 100 assets precomputed from the store (the same bytes the API answers, minus
  the cursor), no auth, no store, no redaction: what this machine and these clients can
  do at best with bodies of that size;
- `/healthz` (the HTTP stack and the audit, no auth, no store);
- `/v1/assets?limit=100`, each client walking the listing by cursor;
- `/v1/assets/{id}` for random ids.

Each workload runs `--repeat` times (3) in turn and the median run is printed: requests
per second, p50 and p99 latency, errors, the ratio to the floor, the server's RSS at the
start and end, and the load average. Targets (issue 15): at least 500 requests per second
for pages of 100, p99 under 100 ms, no error, RSS flat. The clients share the machine with
the server (2 cores here): compare the ratio to the floor rather than the absolute rate.

    python bench/serve.py [--quick] [--assets N] [--seconds S] [--clients C] [--repeat R]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import jwt
import yaml
from cloudscope.application.storage import open_repository
from cloudscope.domain.asset import Asset
from cloudscope.domain.scope import CollectionRun, ScopeKey
from cloudscope.host.plugin_host import PluginHost
from cryptography.hazmat.primitives.asymmetric import rsa


def make_store(url: str, count: int) -> list[str]:
    """``count`` EC2-like assets over 4 accounts and 4 regions; their ids."""
    ids = []
    with open_repository(PluginHost.from_environment(), url) as repository:
        now = datetime.now(UTC)
        run = CollectionRun(run_id="bench", collector="bench", started_at=now)
        repository.start_run(run)
        for account in range(4):
            for region in ("us-east-1", "eu-west-1", "eu-central-1", "ap-south-1"):
                scope = ScopeKey(provider="aws", account=f"{account:012d}", region=region,
                                 service="ec2")
                repository.start_scope(scope, "bench", now)
                share = count // 16
                batch = []
                for index in range(share):
                    asset_id = f"arn:aws:ec2:{region}:{account:012d}:instance/i-{index:017x}"
                    ids.append(asset_id)
                    batch.append(Asset(
                        id=asset_id, provider="aws", asset_type="aws:ec2:instance",
                        native_type="AWS::EC2::Instance", name=f"web-{index}",
                        account=f"{account:012d}", region=region,
                        tags={"env": "prod" if index % 3 else "dev", "team": f"t{index % 9}"},
                        properties={"InstanceId": f"i-{index:017x}", "InstanceType": "m5.large",
                                    "State": {"Code": 16, "Name": "running"},
                                    "PrivateIpAddress": f"10.{index % 250}.{index % 200}.7",
                                    "SubnetId": f"subnet-{index % 40:08x}",
                                    "SecurityGroups": [{"GroupId": f"sg-{index % 30:08x}"}],
                                    "Monitoring": {"State": "disabled"}}))
                    if len(batch) == 1000:
                        repository.write_batch(scope, "bench", batch, [], now)
                        batch = []
                if batch:
                    repository.write_batch(scope, "bench", batch, [], now)
                repository.complete_scope(scope, "bench", share, now)
    return ids


FLOOR_APP = """
import sys
import uvicorn
body = open(sys.argv[1], "rb").read()

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False, lifespan="off", server_header=False)
"""


def start_floor(workdir: Path, page: bytes) -> tuple[subprocess.Popen[str], str]:
    """The bare uvicorn answering ``page``; its process and base URL."""
    (workdir / "page.json").write_bytes(page)
    (workdir / "floor.py").write_text(FLOOR_APP)
    port = free_port()
    process = subprocess.Popen([sys.executable, str(workdir / "floor.py"),
                                str(workdir / "page.json"), str(port)], text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return process, base
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the floor server did not start")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """The resident set of process ``pid`` in KiB (Linux)."""
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+)", text)
    return int(found.group(1)) if found else 0


@dataclass
class Result:
    """What one workload measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 \
            if ordered else 0.0


def load(base: str, token: str, clients: int, seconds: float, next_path: object) -> Result:
    """``clients`` threads asking ``next_path(state)`` in turn for ``seconds``."""
    parts = urlsplit(base)
    result = Result()
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def client(seed: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        state: dict[str, object] = {"random": random.Random(seed), "cursor": None}
        latencies, errors = [], 0
        while time.monotonic() < stop:
            path = next_path(state)  # type: ignore[operator]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                errors += 1
            elif (at := body.rfind(b'"next_cursor":')) >= 0:
                # The last key of a page: read it without parsing the page (the clients
                # share this machine's cores with the server).
                state["cursor"] = json.loads(body[at + 14:-1])
        connection.close()
        with result.lock:
            result.latencies += latencies
            result.errors += errors

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs per workload (median shown)")
    parser.add_argument("--quick", action="store_true", help="10,000 assets, 5 s per workload")
    args = parser.parse_args()
    if args.quick:
        args.assets, args.seconds = 10_000, 5.0
    workdir = Path(tempfile.mkdtemp(prefix="cloudscope-bench-serve-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    started = time.perf_counter()
    ids = make_store(url, args.assets)
    print(f"store: {len(ids)} assets written in {time.perf_counter() - started:.1f} s")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
           "kid": "bench", "use": "sig"}
    (workdir / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    (workdir / "config.yaml").write_text(yaml.safe_dump({"serve": {
        "audit_log": str(workdir / "audit.jsonl"),
        "auth": {"issuer": "https://idp.bench/", "audience": "cloudscope",
                 "jwks_file": str(workdir / "jwks.json")}}}))
    now = int(time.time())
    token = jwt.encode({"iss": "https://idp.bench/", "aud": "cloudscope", "sub": "bench",
                        "exp": now + 3600, "roles": ["viewer"]}, key, algorithm="RS256",
                       headers={"kid": "bench"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "--config", str(workdir / "config.yaml"), "serve",
         "--db", url, "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        found = re.search(r"serving on (http://\S+)", line)
        if not found:
            raise SystemExit(f"serve did not start: {line}{server.stderr.read()}")
        base = found.group(1)

        def page(state: dict[str, object]) -> str:
            cursor = state["cursor"]
            return "/v1/assets?limit=100" + (f"&cursor={cursor}" if cursor else "")

        def one(state: dict[str, object]) -> str:
            return "/v1/assets/" + quote(state["random"].choice(ids), safe="")  # type: ignore[attr-defined]

        connection = http.client.HTTPConnection(urlsplit(base).hostname, urlsplit(base).port)
        connection.request("GET", "/v1/assets?limit=100", headers={"Authorization": f"Bearer {token}"})
        first_page = connection.getresponse().read()
        connection.close()
        floor, floor_base = start_floor(workdir, first_page)
        workloads = [("floor: bare uvicorn, same page", floor_base, floor.pid, "",
                      lambda state: "/"),
                     ("/healthz", base, server.pid, "", lambda state: "/healthz"),
                     ("/v1/assets?limit=100", base, server.pid, token, page),
                     ("/v1/assets/{id}", base, server.pid, token, one)]
        print(f"{args.clients} clients, {args.seconds:.0f} s per run, median of {args.repeat} "
              f"runs; page of 100: {len(first_page):,} bytes; server pid {server.pid}")
        for _, url_, _, credential, next_path in workloads:  # warm-up
            load(url_, credential, args.clients, min(2.0, args.seconds), next_path)
        runs: dict[str, list[tuple[Result, int, int, float]]] = {w[0]: [] for w in workloads}
        for _ in range(args.repeat):
            # Interleaved, so that a burst of other work on the machine falls on all alike.
            for label, url_, pid, credential, next_path in workloads:
                before = rss_kib(pid)
                result = load(url_, credential, args.clients, args.seconds, next_path)
                runs[label].append((result, before, rss_kib(pid), os.getloadavg()[0]))
        floor.terminate()
        floor.wait(timeout=30)
        baseline = statistics.median(r[0].rate() for r in runs[workloads[0][0]])
        for label, *_ in workloads:
            ordered = sorted(runs[label], key=lambda r: r[0].rate())
            result, before, after, loadavg = ordered[len(ordered) // 2]
            print(f"{label:32} {result.rate():6.0f} req/s  p50 {result.percentile(0.5):6.1f} ms"
                  f"  p99 {result.percentile(0.99):6.1f} ms  errors {result.errors}"
                  f"  {result.rate() / baseline:4.2f}x floor"
                  f"  RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB  load {loadavg:.1f}"
                  f"  (runs: {', '.join(f'{r[0].rate():.0f}' for r in runs[label])})")
            if label.startswith("/v1/assets?"):
                met = result.rate() >= 500 and result.percentile(0.99) < 100 and \
                    result.errors == 0
                print(f"{'':32} target >= 500 req/s, p99 < 100 ms, 0 errors: "
                      f"{'met' if met else 'MISSED'}")
        audit_lines = sum(1 for _ in (workdir / "audit.jsonl").open())
        print(f"audit log: {audit_lines} lines")
    finally:
        server.terminate()
        code = server.wait(timeout=60)
        print(f"server exit code after SIGTERM: {code}")


if __name__ == "__main__":
    main()
