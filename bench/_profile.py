"""Summarise a py-spy profile in its raw (collapsed stacks) format: the share of samples
per thread, then the functions with the most samples of their own and in total.

    py-spy record -r 100 --format raw -o profile.txt -- python -m cloudscope ...
    python bench/_profile.py profile.txt [TOP]

Not a benchmark (the leading underscore keeps `nox -s bench` from running it).
"""

from __future__ import annotations

import re
import sys
from collections import Counter


def main() -> None:
    """Print the summary of the profile named on the command line."""
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    samples = 0
    with open(path, encoding="utf-8") as profile:
        for line in profile:
            stack, _, count = line.rstrip().rpartition(" ")
            weight = int(count)
            samples += weight
            frames = stack.split(";")
            threads[frames[0]] += weight
            # "function (path/to/module.py:12)" -> "function (module.py:12)"
            names = [re.sub(r" \((?:.*/)?([^/]*)\)$", r" (\1)", frame) for frame in frames[1:]]
            if names:
                own[names[-1]] += weight
            for name in set(names):
                total[name] += weight
    print(f"{samples} samples")
    for thread, weight in threads.most_common(4):
        print(f"  {100 * weight / samples:5.1f}% thread {thread}")
    for title, counter in (("own samples", own), ("with callees", total)):
        print(f"--- {title}")
        for name, weight in counter.most_common(top):
            print(f"{100 * weight / samples:5.1f}% {name}")


if __name__ == "__main__":
    main()
