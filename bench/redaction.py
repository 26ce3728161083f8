"""Redaction: throughput of `redact()` on realistic assets, and the corpus measured.

- throughput: `redact()` over EC2 instances as bench/export.py stores them (every id
  unique) and over variants of the sample estate's 113 assets (ids made unique), in assets
  per CPU second; and `redact_json()` over the same assets as stored JSON text (tags and
  properties, as `serve` answers a page), with the share that `plainly_clean` answers as
  stored;
- corpus: the planted secrets that survive and the harmless look-alikes that change, from
  tests/core/redaction_corpus.py;
- with `--detect-secrets` (needs `pip install detect-secrets`), the same corpus and a
  throughput figure for detect-secrets' `scan_line` over every string of the instances,
  with its default plugins and with its regular-expression plugins alone: the evidence
  for not building on it (docs/exporters.md, "Safety").

    python bench/redaction.py [--assets 20000] [--detect-secrets]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests" / "core")]

from cloudscope.domain.redaction import redact  # noqa: E402
from cloudscope.domain.redaction_json import plainly_clean, redact_json  # noqa: E402
from cloudscope.domain.serialization import dumps  # noqa: E402
from export import instance_properties  # noqa: E402  (bench/ beside this file)
from redaction_corpus import HARMLESS, PLANTED, visible  # noqa: E402


def instances(count: int) -> list[dict[str, Any]]:
    """EC2 DescribeInstances elements, every id unique."""
    return [instance_properties(i, f"subnet-{i // 100:08x}", f"sg-{i // 100:08x}")
            for i in range(count)]


def estate_variants(count: int) -> list[dict[str, Any]]:
    """The sample estate's properties, cycled, with account numbers made unique."""
    assets = json.loads((ROOT / "examples/estate/estate.json").read_text())["assets"]
    return [json.loads(json.dumps(assets[i % len(assets)]["properties"])
                       .replace("1111", f"{i % 10_000:04d}")) for i in range(count)]


def rate(function: Callable[[Any], Any], items: list[Any]) -> float:
    """Items per CPU second of ``function`` over ``items``."""
    started = time.process_time()
    for item in items:
        function(item)
    return len(items) / (time.process_time() - started)


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def corpus(scrub: Callable[[Any], Any]) -> tuple[int, int]:
    """(planted secrets that survive, look-alikes that change) under ``scrub``."""
    leaked = sum(secret in visible(scrub(value)) for _, value, secret in PLANTED)
    changed = sum(scrub(value) != value for _, value in HARMLESS)
    return leaked, changed


def detect_secrets_figures(items: list[dict[str, Any]]) -> None:
    """The corpus and a throughput figure for detect-secrets, two plugin sets."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import transient_settings

    def scrub(value: Any) -> Any:
        # Each line scanned as detect-secrets scans ad hoc strings; what it finds, removed.
        text = value if isinstance(value, str) else json.dumps(value, indent=2)
        for line in text.splitlines():
            for found in scan_line(line):
                if found.secret_value:
                    text = text.replace(found.secret_value, "[REDACTED]")
        return text if isinstance(value, str) else json.loads(text)

    plugins = [c.__name__ for c in get_mapping_from_secret_type_to_class().values()]
    for label, names in (("all plugins", plugins),
                         ("regex plugins", [n for n in plugins if "HighEntropy" not in n])):
        with transient_settings({"plugins_used": [{"name": name} for name in names]}):
            leaked, changed = corpus(scrub)
            sample = items[:300]
            speed = rate(lambda asset: [list(scan_line(s)) for s in strings(asset)], sample)
        print(f"detect-secrets ({label}, {len(names)}): {leaked}/{len(PLANTED)} planted secrets "
              f"survive, {changed}/{len(HARMLESS)} look-alikes change; {speed:,.0f} assets/CPU s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--detect-secrets", action="store_true",
                        help="compare with detect-secrets (must be installed)")
    args = parser.parse_args()
    leaked, changed = corpus(redact)
    print(f"cloudscope redact(): {leaked}/{len(PLANTED)} planted secrets survive, "
          f"{changed}/{len(HARMLESS)} look-alikes change")
    ec2 = instances(args.assets)
    tags = dumps({"env": "prod", "team": "team-1", "app": "bench"})
    for label, items in (("EC2 instances, ids unique", ec2),
                         ("sample estate variants", estate_variants(args.assets))):
        print(f"cloudscope redact(), {label}: {rate(redact, items):,.0f} assets/CPU s")
        texts = [dumps(item) for item in items]
        speed = rate(lambda text: redact_json(tags, text), texts)
        clean = sum(plainly_clean(tags + text) for text in texts) / len(texts)
        print(f"cloudscope redact_json(), {label}, stored text: {speed:,.0f} assets/CPU s, "
              f"{clean:.0%} answered as stored")
    if args.detect_secrets:
        detect_secrets_figures(ec2)


if __name__ == "__main__":
    main()
