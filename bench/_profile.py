"""Summarise a py-spy raw profile (``py-spy record --format raw``): the functions with the
most samples on the stack (inclusive) and at its top (self), by file and function.

    python bench/_profile.py PROFILE.txt [--top 25] [--filter cloudscope]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^():]*)(?::\d+)?\)$")


def frames(stack: str) -> list[str]:
    """``function (file)`` for each frame of a collapsed stack, line numbers dropped."""
    found = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame.strip())
        if match:
            short = "/".join(match["file"].split("/")[-2:])
            found.append(f"{match['function']} ({short})")
        else:
            found.append(frame.strip())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--filter", default="", help="keep frames whose text contains this")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in args.profile.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        found = frames(stack)
        if "idle" in stack or not found:
            continue
        own[found[-1]] += samples
        for frame in set(found):
            inclusive[frame] += samples
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"-- {title}")
        rows = [(frame, n) for frame, n in counter.most_common() if args.filter in frame]
        for frame, samples in rows[:args.top]:
            print(f"{100 * samples / max(total, 1):6.1f}%  {frame}")


if __name__ == "__main__":
    main()
