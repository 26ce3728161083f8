"""AWS collection against moto's server: `cloudscope collect aws` versus a serial raw boto3
listing of the same resources with the fewest calls, in the same run.

Starts `moto_server` in a subprocess on a free 127.0.0.1 port, builds an estate of 3
regions with 300 instances (each with its root volume and network interface) in VPCs with
subnets and security groups, plus buckets, IAM roles and Lambda functions, and two of every
type moto can create (``tests/aws/aws_seed.py``) in the first region, then measures each
side in its own child process (so peak RSS is its own):

- baseline: one paginated list call per resource type and region (``DescribeInstances``,
  ``ListBuckets``, ``GetAccountAuthorizationDetails``, then each declarative type's
  listing, per parent for child types), serially, counting the resources; no secondary
  calls (bucket ACLs, policies, tags, describes), no storage;
- cloudscope: `cloudscope collect aws --region ...` into a fresh SQLite store: every
  catalogued type moto can list (``aws_seed.MOTO_CANNOT_LIST`` are left out on both sides)
  with its secondary calls and relationships, written to disk.

Prints wall time, requests and peak RSS of each, the ratio of the two wall times (target:
at most 1.0; peak RSS at most 1.5 times the listing's, which parses the same botocore service
models, about 140 MB for the 80 services), and the ratio of the work after start-up (the
run's own `duration_s` over the listing's time after boto3 is imported), since the CLI's
start-up (botocore and the core's imports, plugin discovery, the store) is a fixed cost.

    python bench/aws_collect.py           # 3 regions, 300 instances
    python bench/aws_collect.py --quick   # 2 regions, 10 instances (a smoke run)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "aws"))

from aws_proxy import s3_control_environment

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


@dataclass(frozen=True)
class Size:
    """An estate's size."""

    regions: tuple[str, ...]
    instances: int  # in all
    buckets: int
    roles: int
    functions: int  # per region


FULL = Size(REGIONS, 300, 30, 30, 10)
QUICK = Size(REGIONS[:2], 10, 3, 3, 2)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    """moto's server in its own process; returns it and its URL once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                               "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("moto_server did not start")


def environment(url: str, home: Path) -> dict[str, str]:
    """The children's environment: moto's endpoint, fake credentials, no local config, and
    bytecode cached in a private folder (an installed package has its .pyc files; with
    PYTHONDONTWRITEBYTECODE, set on this machine, every start-up compiles botocore anew)."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environ, "PYTHONPYCACHEPREFIX": str(home / "pycache"),
            "AWS_ENDPOINT_URL": url, **s3_control_environment(url),
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(home / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "none")}


def collected_types(catalogue: str) -> list[str]:
    """Every asset type both sides read: the catalogue's (or the hand-written units' only),
    less the units moto cannot list."""
    from aws_seed import MOTO_CANNOT_LIST
    from cloudscope_aws.services import units

    chosen = [unit for unit in units().values()
              if catalogue == "all" or unit.resource is None]
    skipped = {doc.asset_type for name in MOTO_CANNOT_LIST for doc in units()[name].types}
    return sorted({doc.asset_type for unit in chosen for doc in unit.types} - skipped)


def build(size: Size, *, wide: bool) -> None:
    """The estate, built through boto3 (the environment points it at moto)."""
    import boto3
    from aws_estate import AMI, TRUST_LAMBDA, function_zip
    from aws_seed import seed

    session = boto3.Session(region_name="us-east-1")
    iam = session.client("iam")
    roles = [iam.create_role(RoleName=f"role-{n}", AssumeRolePolicyDocument=json.dumps(
        TRUST_LAMBDA))["Role"]["Arn"] for n in range(size.roles)]
    per_region = size.instances // len(size.regions)
    for index, region in enumerate(size.regions):
        ec2 = session.client("ec2", region_name=region)
        vpc = ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{index}.{n}.0/24"
                                     )["Subnet"]["SubnetId"] for n in range(2)]
        group = ec2.create_security_group(GroupName="app", Description="app",
                                          VpcId=vpc)["GroupId"]
        for start in range(0, per_region, 100):
            count = min(100, per_region - start)
            ec2.run_instances(ImageId=AMI, MinCount=count, MaxCount=count,
                              SubnetId=subnets[start // 100 % 2], SecurityGroupIds=[group])
        functions = session.client("lambda", region_name=region)
        for n in range(size.functions):
            functions.create_function(FunctionName=f"fn-{n}", Runtime="python3.12",
                                      Role=roles[n % len(roles)], Handler="handler.handler",
                                      Code={"ZipFile": function_zip()})
    for n in range(size.buckets):
        region = size.regions[n % len(size.regions)]
        configuration = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        session.client("s3", region_name=region).create_bucket(Bucket=f"bench-{n}",
                                                               **configuration)
    if wide:
        seed(session, size.regions[0])


def baseline(regions: list[str], catalogue: str) -> dict[str, int]:
    """The serial raw listing: one paginated call per type and region; counts resources."""
    import boto3

    started = time.perf_counter()
    session = boto3.Session(region_name="us-east-1")
    requests = 0
    resources = 0

    def count(client: Any, operation: str, key: str, **kwargs: Any) -> None:
        nonlocal requests, resources
        pages = client.get_paginator(operation).paginate(**kwargs) \
            if client.can_paginate(operation) else [getattr(client, operation)(**kwargs)]
        for page in pages:
            requests += 1
            items = page.get(key) or []
            if key == "Reservations":
                items = [i for reservation in items for i in reservation["Instances"]]
            resources += len(items)

    session.client("sts").get_caller_identity()
    requests += 1
    for region in regions:
        ec2 = session.client("ec2", region_name=region)
        for operation, key in (
                ("describe_instances", "Reservations"), ("describe_vpcs", "Vpcs"),
                ("describe_subnets", "Subnets"), ("describe_security_groups", "SecurityGroups"),
                ("describe_network_interfaces", "NetworkInterfaces"),
                ("describe_volumes", "Volumes"), ("describe_addresses", "Addresses"),
                ("describe_internet_gateways", "InternetGateways"),
                ("describe_nat_gateways", "NatGateways"),
                ("describe_route_tables", "RouteTables"),
                ("describe_network_acls", "NetworkAcls")):
            count(ec2, operation, key)
        count(session.client("lambda", region_name=region), "list_functions", "Functions")
        rds = session.client("rds", region_name=region)
        count(rds, "describe_db_instances", "DBInstances")
        count(rds, "describe_db_subnet_groups", "DBSubnetGroups")
        elb = session.client("elbv2", region_name=region)
        count(elb, "describe_load_balancers", "LoadBalancers")
        count(elb, "describe_target_groups", "TargetGroups")
        count(session.client("kms", region_name=region), "list_keys", "Keys")
        count(session.client("eks", region_name=region), "list_clusters", "clusters")
        count(session.client("cloudtrail", region_name=region), "describe_trails", "trailList",
              includeShadowTrails=False)
    iam = session.client("iam")
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        count(iam, "get_account_authorization_details", key)
    requests -= 3  # one paginated call read four times above
    count(iam, "list_instance_profiles", "InstanceProfiles")
    count(session.client("s3"), "list_buckets", "Buckets")
    if catalogue == "all":
        requests, resources = declarative_listing(session, regions, requests, resources)
    return {"requests": requests, "resources": resources,
            "seconds": round(time.perf_counter() - started, 3)}


def declarative_listing(session: Any, regions: list[str], requests: int,
                        resources: int) -> tuple[int, int]:
    """Each declarative type's listing with plain boto3 calls (its parent's first), in
    every region (once for a global type); counts requests and elements."""
    from botocore import xform_name
    from botocore.exceptions import ClientError
    from cloudscope_aws.services import units

    wanted = set(collected_types("all"))
    account = session.client("sts").get_caller_identity()["Account"]

    def listing(client: Any, resource: Any, extra: dict[str, Any]) -> list[Any]:
        nonlocal requests
        method = xform_name(resource.listing)
        params = {k: v for k, v in resource.params.items() if "{" not in json.dumps(v)}
        if resource.listing == "DescribeManagedPrefixLists":
            params = {"Filters": [{"Name": "owner-id", "Values": [account]}]}
        params.update(extra)
        found: list[Any] = []
        try:
            pages = list(client.get_paginator(method).paginate(**params)
                         if client.can_paginate(method) else [getattr(client, method)(**params)])
        except ClientError as error:  # the service is not turned on: nothing to list
            if error.response["Error"]["Code"] not in resource.absent:
                raise
            pages = []
            requests += 1
        for page in pages:
            requests += 1
            value: Any = page
            for part in resource.key.split(".") if resource.key else ():
                value = value.get(part) if isinstance(value, dict) else None
            found += value if isinstance(value, list) else [value] if value else []
        found = [e if isinstance(e, dict) else {resource.element: e} for e in found]
        return [e for e in found if not resource.owner or e.get(resource.owner) == account]

    for unit in units().values():
        resource = unit.resource
        if resource is None or resource.asset_type not in wanted:
            continue
        for region in regions[:1] if resource.is_global else regions:
            client = session.client(resource.client, region_name=region)
            if resource.parent is None:
                resources += len(listing(client, resource, {}))
                continue
            for parent in listing(client, resource.parent, {}):
                extra = {k: parent[v.strip("{}")] if isinstance(v, str) and v.startswith("{")
                         else v for k, v in resource.parent_params.items()}
                resources += len(listing(client, resource, extra))
    return requests, resources


@dataclass(frozen=True)
class Measure:
    """One measured child process."""

    seconds: float
    peak_rss_mb: float
    output: str


def measure(command: list[str], env: dict[str, str]) -> Measure:
    """Run ``command``, timing it; peak RSS is the child's own (``wait4``)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode()
    if child.returncode != 0:
        raise SystemExit(f"{command[:4]} exited {child.returncode}: {output[-500:]}")
    return Measure(seconds, usage.ru_maxrss / 1024, output)


def main() -> None:
    """Build the estate, measure both sides ``--repeat`` times, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estate", choices=("instances", "wide"), default="wide",
                        help="instances: 300 instances and what they use in 3 regions; "
                             "wide: the same plus two of every type moto can create")
    parser.add_argument("--catalogue", choices=("all", "handwritten"), default="all",
                        help="the types both sides read: every type moto can list, or the "
                             "hand-written services' only (the benchmark before issue 14)")
    parser.add_argument("--quick", action="store_true", help="a tiny estate (smoke run)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="measured runs of each side, alternated (default: 3; medians)")
    parser.add_argument("--profile", metavar="FILE",
                        help="then run cloudscope once more under py-spy (every thread, "
                             "on-CPU samples), writing collapsed stacks to FILE")
    parser.add_argument("--summarize", metavar="FILE",
                        help="only print the summary of a profile written by --profile")
    parser.add_argument("--focus", metavar="FRAME", default="",
                        help="with --summarize: the stacks through FRAME, below it")
    parser.add_argument("--baseline-child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.summarize:
        summarize(Path(args.summarize), args.focus)
        return
    if args.baseline_child:
        catalogue, *regions = args.baseline_child
        print(json.dumps(baseline(regions, catalogue)))
        return
    size = QUICK if args.quick else FULL
    server, url = start_moto()
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = environment(url, Path(folder))
            os.environ.update(env)
            started = time.perf_counter()
            build(size, wide=args.estate == "wide")
            print(f"estate {args.estate}, catalogue {args.catalogue}: {len(size.regions)} "
                  f"regions, {size.instances} instances, {size.buckets} buckets, "
                  f"{size.roles} roles, {size.functions * len(size.regions)} functions"
                  f"{', two of every type moto can create' if args.estate == 'wide' else ''} "
                  f"(built in {time.perf_counter() - started:.1f} s)")
            options = [arg for region in size.regions for arg in ("--region", region)]
            options += [arg for asset_type in collected_types(args.catalogue)
                        for arg in ("--type", asset_type)]
            baseline_command = [sys.executable, __file__, "--baseline-child", args.catalogue,
                                *size.regions]
            tool_command = [sys.executable, "-m", "cloudscope", "collect", "aws", *options,
                            "--format", "json", "--db"]

            def store(name: str) -> str:
                return f"sqlite:///{Path(folder) / name}.db"

            # One unmeasured run of each side first: moto's per-region backends and the
            # bytecode caches are then warm for both.
            measure(baseline_command, env)
            measure([*tool_command, store("warm")], env)
            raws: list[Measure] = []
            tools: list[Measure] = []
            loads: list[float] = []
            for run in range(args.repeat):
                loads.append(os.getloadavg()[0])
                raws.append(measure(baseline_command, env))
                tools.append(measure([*tool_command, store(f"bench-{run}")], env))
            if args.profile:
                spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw",
                       "--rate", "250", "--output", args.profile, "--"]
                measure([*spy, *tool_command, store("profiled")], env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # moto busy with keep-alive connections
            server.kill()
            server.wait(timeout=10)
    report(raws, tools, loads)
    if args.profile:
        print(f"profile: {args.profile}")
        summarize(Path(args.profile))


def report(raws: list[Measure], tools: list[Measure], loads: list[float]) -> None:
    """Each run's figures, then the medians."""
    print(f"{'':<30}{'wall s':>8}{'work s':>8}{'requests':>10}{'items':>8}"
          f"{'peak RSS MB':>13}{'load':>6}")
    ratios: list[float] = []
    work_ratios: list[float] = []
    for number, (raw, tool, load) in enumerate(zip(raws, tools, loads, strict=True), 1):
        counts = json.loads(raw.output)
        summary = json.loads(tool.output)
        print(f"{f'{number}. raw boto3 listing (serial)':<30}{raw.seconds:>8.2f}"
              f"{counts['seconds']:>8.2f}{counts['requests']:>10}{counts['resources']:>8}"
              f"{raw.peak_rss_mb:>13.0f}{load:>6.1f}")
        print(f"{f'{number}. cloudscope collect aws':<30}{tool.seconds:>8.2f}"
              f"{summary['duration_s']:>8.2f}{summary['counters'].get('requests', 0):>10}"
              f"{summary['assets']:>8}{tool.peak_rss_mb:>13.0f}"
              f"   {summary['status']}, {len(summary['scopes'])} scopes, "
              f"{summary['relationships']} relationships")
        ratios.append(tool.seconds / raw.seconds)
        work_ratios.append(summary["duration_s"] / counts["seconds"])
    print(f"ratio cloudscope / raw, whole processes: median {statistics.median(ratios):.2f} "
          f"of {', '.join(f'{r:.2f}' for r in ratios)} (target <= 1.0)")
    print(f"ratio of the work after start-up (collection and storage / listing): median "
          f"{statistics.median(work_ratios):.2f} of {', '.join(f'{r:.2f}' for r in work_ratios)}")
    print(f"peak RSS MB: cloudscope {max(t.peak_rss_mb for t in tools):.0f}, "
          f"raw {max(r.peak_rss_mb for r in raws):.0f}; load average (1 min) "
          f"{', '.join(f'{load:.1f}' for load in loads)}")


def summarize(path: Path, focus: str = "", top: int = 25) -> None:
    """The functions with the most on-CPU samples, inclusive (py-spy's raw format: one
    ``frame;frame;... count`` line per stack); with ``focus``, only the stacks through the
    frame containing it, and the frames below it."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not stack.strip():  # threads without a Python frame
            continue
        if focus:
            through = [index for index, frame in enumerate(frames) if focus in frame]
            if not through:
                continue
            frames = frames[through[-1]:]
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    for frame, count in inclusive.most_common(top):
        print(f"{100 * count / total:6.1f}%  {frame}")


if __name__ == "__main__":
    main()
