"""Start-up time: `cloudscope --help` and `cloudscope plugins --format json`, whole process.

Prints the median wall time of each beside `python -c pass` measured in the same run, and
the ratio to it (this machine is shared and noisy: compare ratios, not seconds).
Targets: --help at most 0.10 s, plugins at most 0.25 s (the four plugins installed).

    python bench/startup.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time of `command` over `runs` runs, after one warm-up."""
    subprocess.run(command, capture_output=True, check=True, env=env)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    script = shutil.which("cloudscope", path=str(Path(sys.executable).parent)) or "cloudscope"
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "cloudscope --help": [script, "--help"],
        "cloudscope plugins --format json": [script, "plugins", "--format", "json"],
    }
    targets = {"cloudscope --help": 0.10, "cloudscope plugins --format json": 0.25}
    baseline = None
    # As installed for users: compiled modules cached (some machines disable writing them).
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "",
           "PYTHONPYCACHEPREFIX": str(Path(".nox", "pycache").resolve())}
    print(f"median of {runs} runs")
    for label, command in cases.items():
        seconds = median_seconds(command, runs, env)
        baseline = baseline or seconds
        target = targets.get(label)
        verdict = "" if target is None else \
            f"  target <= {target:.2f} s: {'met' if seconds <= target else 'MISSED'}"
        print(f"{label:34} {seconds * 1000:7.1f} ms  {seconds / baseline:5.1f}x baseline{verdict}")


if __name__ == "__main__":
    main()
