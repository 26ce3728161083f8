"""Sharded collection into one PostgreSQL: N processes give exactly one unsharded run's
inventory (the built-in file collector: each file is a scope)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import ScopeKey
from cloudscope.testing.plugin import CliResult

SHARDS = 3


def file_scope(path: Path) -> ScopeKey:
    """The scope the file collector plans for ``path``."""
    return ScopeKey(provider="file", account=str(path.resolve()), region=None, service="file")


def write_estate(folder: Path) -> list[Path]:
    """Two JSON Lines files per shard, each with assets and an edge into another file."""
    folder.mkdir()
    per_shard: dict[int, list[Path]] = {shard: [] for shard in range(SHARDS)}
    candidate = 0
    while any(len(paths) < 2 for paths in per_shard.values()):
        path = folder / f"estate-{candidate}.jsonl"
        shard = file_scope(path).shard(SHARDS)
        if len(per_shard[shard]) < 2:
            per_shard[shard].append(path)
        candidate += 1
    files = sorted(p for paths in per_shard.values() for p in paths)
    for number, path in enumerate(files):
        lines = [{"id": f"arn:aws:ec2:eu-west-1:{number:012d}:instance/i-{i}", "provider": "aws",
                  "asset_type": "aws:ec2:instance", "account": f"{number:012d}",
                  "region": "eu-west-1", "tags": {"shard": str(number % SHARDS)},
                  "properties": {"InstanceId": f"i-{i}"}} for i in range(4)]
        lines.append({"source_id": lines[0]["id"], "type": "ROUTES_TO",
                      "target_id": f"arn:aws:ec2:eu-west-1:{(number + 1) % len(files):012d}"
                                   ":instance/i-0"})
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return files


def inventory(run_cloudscope: Callable[..., CliResult], url: str) -> list[dict[str, object]]:
    """`assets list --format jsonl` without the timestamps, which differ between runs."""
    result = run_cloudscope("assets", "list", "--db", url, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assets = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    for asset in assets:
        asset.pop("first_seen", None)
        asset.pop("last_seen", None)
    return assets


def collect(files: list[Path], url: str, *extra: str) -> subprocess.Popen[str]:
    """Start `cloudscope collect file FILES --db URL` in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "file", *map(str, files), "--db", url,
         "--format", "json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})


@pytest.fixture
def estate(tmp_path: Path) -> list[Path]:
    return write_estate(tmp_path / "estate")


def test_three_shards_collect_exactly_what_one_run_does(
        estate: list[Path], make_database: Callable[[], str],
        run_cloudscope: Callable[..., CliResult]) -> None:
    """Shards 0/3, 1/3 and 2/3, run at once, store exactly the unsharded inventory."""
    sharded, whole = make_database(), make_database()
    processes = [collect(estate, sharded, "--shard", f"{i}/{SHARDS}") for i in range(SHARDS)]
    summaries = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        summaries.append(json.loads(stdout))
    assert [len(s["scopes"]) for s in summaries] == [2, 2, 2]
    unsharded = collect(estate, whole)
    assert unsharded.wait(timeout=120) == 0
    expected = inventory(run_cloudscope, whole)
    assert len(expected) == 4 * len(estate)
    assert inventory(run_cloudscope, sharded) == expected


def test_a_shard_prunes_only_its_own_scopes(estate: list[Path], postgres_url: str) -> None:
    """A shard collecting again removes the stale assets of its scopes, no one else's."""
    first = collect(estate, postgres_url)
    assert first.wait(timeout=120) == 0
    changed = estate[0]
    shard = file_scope(changed).shard(SHARDS)
    lines = changed.read_text(encoding="utf-8").splitlines()
    changed.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # drop i-0
    again = collect(estate, postgres_url, "--shard", f"{shard}/{SHARDS}")
    assert again.wait(timeout=120) == 0
    with PostgreSQLRepository(postgres_url) as repository:
        ids = {asset.id for asset in repository.iter_assets(AssetQuery())}
    assert "arn:aws:ec2:eu-west-1:000000000000:instance/i-0" not in ids
    assert len(ids) == 4 * len(estate) - 1
