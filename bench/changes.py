"""Change-log benchmark: what recording changes costs `cloudscope collect file`.

    python bench/changes.py                  # 100,000 assets into SQLite
    python bench/changes.py --quick          # 20,000 assets
    python bench/changes.py --store file     # the file store (meant for small estates)
    python bench/changes.py --store postgresql   # needs CLOUDSCOPE_TEST_POSTGRES_URL

The estate is bench/ingest.py's (EC2 instances, volumes and buckets of about 600 bytes) with
a relationship per volume and per instance. Two jobs, each run with the change log off
(``CLOUDSCOPE_CHANGES_TRACK=false``: the baseline, measured in the same run) and on:

- first collect: a new store, every asset and relationship ``added``;
- re-collect: the same store collected once before (not measured), then a file where 1% of
  the assets changed a property, 0.2% changed a tag, 0.1% are gone and 0.1% are new.

Each is measured in its own process by the CPU time it used (user and system; wall time on
a shared machine measures the neighbours), ``--repeat`` times alternating off and on, the
median kept. Target (issue 18): the log slows ingest by at most 15%.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from ingest import write_assets  # the sibling benchmark's estate

TARGET = 1.15


def edges(asset: dict[str, Any]) -> Iterator[dict[str, str]]:
    """The relationships an asset of the estate has (a volume's instance, an instance's
    security group)."""
    properties = asset["properties"]
    if asset["asset_type"] == "aws:ec2:volume":
        instance = properties["Attachments"][0]["InstanceId"]
        yield {"source_id": asset["id"], "type": "ATTACHED_TO",
               "target_id": asset["id"].rsplit(":", 1)[0] + f":instance/{instance}"}
    elif asset["asset_type"] == "aws:ec2:instance":
        group = properties["SecurityGroups"][0]["GroupId"]
        yield {"source_id": asset["id"], "type": "PROTECTED_BY",
               "target_id": asset["id"].rsplit(":", 1)[0] + f":security-group/{group}"}


def write_estate(path: Path, count: int, *, changed: bool) -> None:
    """The estate with its relationships; ``changed``: the edits of the re-collect job."""
    raw = path.with_suffix(".raw")
    write_assets(raw, count + count // 1000)
    with raw.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for index, line in enumerate(source):
            asset = json.loads(line)
            if index >= count and not changed:
                break  # the last 0.1% are new in the changed file
            if changed and index % 1000 == 7:
                continue  # gone
            if changed and index % 100 == 3:
                asset["properties"]["Revision"] = 2
            if changed and index % 500 == 11:
                asset["tags"]["owner"] = "alice"
            out.write(json.dumps(asset, separators=(",", ":")) + "\n")
            for edge in edges(asset):
                out.write(json.dumps(edge, separators=(",", ":")) + "\n")
    raw.unlink()


def collect(source: Path, url: str, *, track: bool) -> float:
    """One `cloudscope collect file` in its own process; the CPU seconds it used (user and
    system, from ``os.wait4``: on a shared machine, wall time measures the neighbours)."""
    env = {**os.environ, "CLOUDSCOPE_CHANGES_TRACK": "true" if track else "false"}
    env.pop("CLOUDSCOPE_CONFIG", None)
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-m", "cloudscope", "collect", "file",
                                    str(source), "--db", url], env=env,
                                   stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"collect failed: {err.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime


class Stores:
    """Fresh stores of one kind."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.workdir = kind, workdir
        self.server = os.environ.get("CLOUDSCOPE_TEST_POSTGRES_URL", "")
        if kind == "postgresql" and not self.server:
            sys.exit("--store postgresql needs CLOUDSCOPE_TEST_POSTGRES_URL")

    def new(self) -> str:
        """The URL of a new, empty store."""
        name = uuid.uuid4().hex[:12]
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        if self.kind == "file":
            return f"file://{self.workdir / name}"
        return f"{self.server}?schema=bench_{name}"

    def drop(self, url: str) -> None:
        """Delete a PostgreSQL store's schema (files go with the temporary directory)."""
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(self.server, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA IF EXISTS "{url.rsplit("=", 1)[1]}" CASCADE')


def measure(stores: Stores, first: Path, second: Path | None, repeat: int) -> dict[bool, float]:
    """The median seconds of collecting ``first`` (or, with ``second``, of collecting it
    into a store that holds ``first``), log off and on, alternating."""
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeat):
        for track in (False, True):
            url = stores.new()
            if second is None:
                times[track].append(collect(first, url, track=track))
            else:
                collect(first, url, track=track)
                times[track].append(collect(second, url, track=track))
            stores.drop(url)
    return {track: statistics.median(values) for track, values in times.items()}


def main() -> int:
    """Run both jobs and print the figures against the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 assets, a smoke run")
    parser.add_argument("--assets", type=int, help="estate size (overrides --quick)")
    parser.add_argument("--store", choices=("sqlite", "file", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs per job and mode")
    parser.add_argument("--job", choices=("first", "again"), action="append",
                        help="only this job (repeatable; default both)")
    args = parser.parse_args()
    count = args.assets or (20_000 if args.quick or args.store == "file" else 100_000)
    print(f"{count:,} assets into {args.store}, {os.cpu_count()} cores, "
          f"median of {args.repeat}", flush=True)
    ratios = {}
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-changes-") as directory:
        workdir = Path(directory)
        first, second = workdir / "estate.jsonl", workdir / "estate-changed.jsonl"
        write_estate(first, count, changed=False)
        write_estate(second, count, changed=True)
        stores = Stores(args.store, workdir)
        jobs = [(name, after) for key, name, after in (
            ("first", "first collect", None), ("again", "re-collect, 1% changed", second))
            if key in (args.job or ("first", "again"))]
        for job, after in jobs:
            seconds = measure(stores, first, after, args.repeat)
            ratios[job] = seconds[True] / seconds[False]
            print(f"  {job:<24} log off {seconds[False]:6.2f} CPU s "
                  f"({count / seconds[False]:>7,.0f} assets/s) | log on {seconds[True]:6.2f} "
                  f"CPU s ({count / seconds[True]:>7,.0f} assets/s) | ratio "
                  f"{ratios[job]:.3f}", flush=True)
    for job, ratio in ratios.items():
        print(f"  {'met   ' if ratio <= TARGET else 'MISSED'} {job}: the log costs "
              f"{(ratio - 1) * 100:+.1f}% (target <= {(TARGET - 1) * 100:.0f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
