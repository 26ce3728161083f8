"""End to end at scale: a multi-cloud estate of up to a million assets, collected from files,
assessed and exported as CSV, on SQLite and on PostgreSQL.

The estate is the sample estate of ``examples/estate`` (AWS, Azure and GCP: networks,
instances, security groups and NSGs, firewalls, roles, buckets, users, keys, exposure
paths) repeated as many times as needed, each copy in its own AWS accounts, Azure
subscription and GCP project, with its own bucket names, principal ids and ``app`` tags
(the AWS managed policies, the tenant and the built-in role definitions exist once, as in
the clouds). It is written as JSON Lines, one file per cloud, in the
shape of ``docs/files.md`` (properties under each API's own field names).

Each step runs as the command a user types, in its own process, timed, with its peak RSS
(from ``os.wait4``):

- ``collect``: ``cloudscope collect file aws.jsonl azure.jsonl gcp.jsonl``;
- ``assess``: ``cloudscope assess --format json`` (detection, every rule, the findings and
  their change log stored);
- ``export``: ``cloudscope export csv --output estate.csv``.

Beside them, in the same run, a baseline: ``python -c pass`` (start-up of an interpreter),
so that figures from a shared machine can be compared as ratios. Prints one line per
step and size, the growth of each step per doubling of the estate, and writes the figures
as JSON (``--json``) and a plot of seconds per step against estate size (``--plot``,
needs matplotlib: ``pip install -r bench/requirements.txt``).

    python bench/estate_1m.py                          # 100k, 300k, 1M on SQLite
    python bench/estate_1m.py --postgres URL           # ... and on PostgreSQL
    python bench/estate_1m.py --quick                  # 5k and 20k, a smoke run
    python bench/estate_1m.py --sizes 100000,300000 --plot docs/performance-estate.png

PostgreSQL: ``--postgres URL`` or ``CLOUDSCOPE_TEST_POSTGRES_URL``; each size starts from
an empty store (the store's schema is dropped first: use a database you can spare). Locally, ``source
.ci/postgres.sh; start_postgres`` starts a throwaway server and exports the variable.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "estate" / "estate.json"
PROVIDERS = ("aws", "azure", "gcp")
STEPS = ("collect", "assess", "export")
# Strings that make an id belong to one copy of the sample estate: its accounts,
# subscription and project, and the names of its global resources (buckets).
PER_COPY = {"111122223333": "1{k:011d}", "444455556666": "2{k:011d}",
            "0b1f6471-1bf0-4dda-aec3-cb9272f09590": "0b1f6471-1bf0-4dda-aec3-{k:012d}",
            "acme-": "acme{k}-"}
APP_TAG = re.compile(r'("app":")([^"]*)(")')
# Every other GUID (principal ids, key ids...) is the copy's own, but the tenant and the
# built-in Owner role definition, which are the same in every subscription.
GUID = re.compile(r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-)([0-9a-f]{12})\b")
SHARED_GUIDS = {"72f988bf-86f1-41af-91ab-2d7cd011db47", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"}


@dataclass
class Step:
    """One measured command."""

    backend: str
    size: int
    step: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def copies_of_sample() -> tuple[list[str], list[str], int]:
    """(shared lines, lines of one copy with ``{k}`` placeholders, assets per copy)."""
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    shared: list[str] = []
    template: list[str] = []
    per_copy = 0
    for record in document["assets"] + document["relationships"]:
        text = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        if record.get("id", "").startswith("arn:aws:iam::aws:"):  # AWS managed policies
            shared.append(text)
            continue
        per_copy += "id" in record
        text = text.replace("{", "{{").replace("}", "}}")
        for fixed, varying in PER_COPY.items():
            text = text.replace(fixed, varying)
        text = GUID.sub(lambda m: m[0] if m[0] in SHARED_GUIDS else
                        m[1] + m[2][:4] + "{k:08d}", text)
        template.append(APP_TAG.sub(r"\1\2-{k}\3", text))
    return shared, template, per_copy


def provider_of(line: str) -> str:
    """The file a record goes to: its provider, or its source's for a relationship."""
    record = json.loads(line)
    if "provider" in record:
        return str(record["provider"])
    source = str(record["source_id"])
    return "aws" if source.startswith("arn:") else \
        "azure" if source.startswith("/subscriptions/") else "gcp"


def write_estate(directory: Path, size: int) -> list[Path]:
    """JSON Lines files of about ``size`` assets, one per cloud; their paths."""
    shared, template, per_copy = copies_of_sample()
    copies = max(1, math.ceil((size - len(shared)) / per_copy))
    routes = [provider_of(line.format(k=0)) for line in template]
    paths = {p: directory / f"{p}.jsonl" for p in PROVIDERS}
    outputs = {p: path.open("w", encoding="utf-8") for p, path in paths.items()}
    try:
        for line in shared:
            outputs["aws"].write(line + "\n")
        for k in range(copies):
            for route, line in zip(routes, template, strict=True):
                outputs[route].write(line.format(k=k) + "\n")
    finally:
        for output in outputs.values():
            output.close()
    return list(paths.values())


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Run ``command``: (wall seconds, CPU seconds, peak RSS in MB, stdout's start)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 3, 4):  # 3: incomplete assessment, 4: --fail-on; both still timed
            raise SystemExit(f"{' '.join(command)} exited {code}: "
                             f"{err.read().decode(errors='replace')[-2000:]}")
        return (seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                out.read(4000).decode(errors="replace"))


def reset_postgres(url: str) -> None:
    """Drop the store's schema at ``url`` (``cloudscope``, or the URL's ``?schema=``): a
    fresh store for each size."""
    from urllib.parse import parse_qs, urlsplit

    import psycopg

    schema = parse_qs(urlsplit(url).query).get("schema", ["cloudscope"])[0]
    plain = url.split("?", 1)[0]
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure(backend: str, url: str, size: int, files: list[Path], directory: Path,
            env: dict[str, str]) -> list[Step]:
    """Collect, assess and export ``files`` into a fresh store at ``url``."""
    cloudscope = shutil.which("cloudscope", path=str(Path(sys.executable).parent)) or "cloudscope"
    commands = {
        "collect": [cloudscope, "collect", "file", *map(str, files), "--db", url],
        "assess": [cloudscope, "assess", "--db", url, "--format", "json"],
        "export": [cloudscope, "export", "csv", "--db", url, "--output",
                   str(directory / "estate.csv")],
    }
    steps = []
    for name, command in commands.items():
        seconds, cpu, rss, out = run(command, env)
        steps.append(Step(backend, size, name, seconds, cpu, rss))
        detail = ""
        if name == "assess":
            # The report's summary comes before its findings (half a million at 1M assets).
            head = dict(re.findall(r'"(counts|new_findings|detected_relationships)":'
                                   r'\s*(\{[^}]*\}|\d+)', out))
            found = sum(json.loads(head.get("counts", "{}")).values())
            detail = (f"  ({found:,} findings, {head.get('new_findings')} new;"
                      f" {head.get('detected_relationships')} detected edges)")
        print(f"{backend:10} {size:>9,} {name:8} {seconds:8.1f} s  {cpu:8.1f} s CPU  "
              f"{rss:6.0f} MB peak RSS{detail}", flush=True)
    return steps


def growth(steps: list[Step]) -> None:
    """Time per doubling of the estate, per backend and step, smallest to largest size: of
    the CPU seconds (comparable on a shared machine) and of the wall seconds."""
    for backend in dict.fromkeys(s.backend for s in steps):
        for name in STEPS:
            points = sorted((s.size, s.cpu_seconds, s.seconds) for s in steps
                            if s.backend == backend and s.step == name)
            if len(points) >= 2 and min(points[0][1:]) > 0:
                (small, first_cpu, first_wall), (large, last_cpu, last_wall) = \
                    points[0], points[-1]
                doublings = 1 / math.log2(large / small)
                print(f"{backend:10} {name:8} x{(last_cpu / first_cpu) ** doublings:.2f} CPU, "
                      f"x{(last_wall / first_wall) ** doublings:.2f} wall per doubling "
                      f"({small:,} -> {large:,})")


def plot(steps: list[Step], path: Path, machine: str) -> None:
    """Seconds per step against estate size, wall and CPU side by side (on a shared machine
    the CPU seconds are the comparable ones), one line per backend and step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, panels = plt.subplots(1, 2, figsize=(11, 5))
    styles = {"sqlite": "-", "postgresql": "--"}
    for axes, field, label in ((panels[0], "seconds", "wall seconds"),
                               (panels[1], "cpu_seconds", "CPU seconds")):
        for backend in dict.fromkeys(s.backend for s in steps):
            for name in STEPS:
                points = sorted((s.size, getattr(s, field)) for s in steps
                                if s.backend == backend and s.step == name)
                axes.plot([p[0] for p in points], [p[1] for p in points],
                          styles.get(backend, ":"), marker="o", label=f"{name} ({backend})")
        axes.set_xlabel("assets in the estate")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:.0f}k"))
    panels[0].legend(fontsize=8)
    figure.suptitle(f"cloudscope collect file -> assess -> export csv\n{machine}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"plot written to {path}")


def machine() -> str:
    """nproc, memory and load average, as the figures need them said."""
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, {int(memory) / 1024 / 1024:.0f} GB, load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000",
                        help="comma-separated estate sizes (assets)")
    parser.add_argument("--quick", action="store_true", help="5,000 and 20,000 assets")
    parser.add_argument("--postgres", default=os.environ.get("CLOUDSCOPE_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: $CLOUDSCOPE_TEST_POSTGRES_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--plot", type=Path, help="write the plot to this PNG file")
    parser.add_argument("--keep", type=Path, help="write the estates here and keep them")
    args = parser.parse_args()
    sizes = [5_000, 20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    env.pop("CLOUDSCOPE_DB", None)
    print(f"machine: {machine()}", flush=True)
    baseline = run([sys.executable, "-c", "pass"], env)[0]
    print(f"baseline python -c pass: {baseline * 1000:.0f} ms", flush=True)
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="cloudscope-bench-estate-") as scratch:
        for size in sizes:
            directory = (args.keep or Path(scratch)) / f"estate-{size}"
            directory.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            files = write_estate(directory, size)
            assets = sum(1 for f in files for line in f.open(encoding="utf-8")
                         if '"provider"' in line[:300])
            megabytes = sum(f.stat().st_size for f in files) / 1e6
            print(f"estate of {assets:,} assets ({megabytes:.0f} MB of JSON Lines) written in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            if not args.no_sqlite:
                database = directory / "store.db"
                steps += measure("sqlite", f"sqlite:///{database}", size, files, directory, env)
                for leftover in directory.glob("store.db*"):
                    shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            if args.postgres:
                reset_postgres(args.postgres)
                steps += measure("postgresql", args.postgres, size, files, directory, env)
            if not args.keep:
                shutil.rmtree(directory)
            # After each size: a long run stopped halfway keeps what it measured.
            report(steps, baseline, args.json, args.plot)
    growth(steps)
    print(f"machine after the run: {machine()}")


def report(steps: list[Step], baseline: float, json_path: Path | None,
           plot_path: Path | None) -> None:
    """Write the figures so far as JSON and as a plot, when asked."""
    described = machine()
    if json_path:
        json_path.write_text(json.dumps({"machine": described, "baseline_seconds": baseline,
                                         "steps": [asdict(s) for s in steps]}, indent=1) + "\n",
                             encoding="utf-8")
    if plot_path:
        plot(steps, plot_path, described)


if __name__ == "__main__":
    main()
