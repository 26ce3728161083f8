"""Asset files read the same on every run, and a run that fails never stays `running`.

Issue 12: JSON and JSON Lines files with a UTF-8 byte order mark were refused with an
unclear message (CSV accepted them); a YAML ``!!set`` was stored in a different order on
each run (a set iterates in hash order, which changes per process); a non-UTF-8 file name
crashed collect and left the run ``running``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.collect import CollectOptions, CollectRun
from cloudscope.application.collect_report import NoProgress
from cloudscope.domain.asset import Asset
from cloudscope.domain.scope import RunStatus, ScopeKey, ScopeStatus
from cloudscope.host.ratelimit import RateLimiter
from cloudscope.ports.collector import CollectContext, Collector

BOM = b"\xef\xbb\xbf"
RECORD = {"id": "arn:aws:s3:::bom", "provider": "aws", "asset_type": "aws:s3:bucket"}


@pytest.mark.parametrize(("name", "body"), [
    ("with-bom.json", json.dumps([RECORD]).encode()),
    ("with-bom.jsonl", (json.dumps(RECORD) + "\n").encode()),
    ("with-bom.yaml", b"- {id: 'arn:aws:s3:::bom', provider: aws, asset_type: aws:s3:bucket}\n"),
    ("with-bom.csv", b"id,provider,asset_type\narn:aws:s3:::bom,aws,aws:s3:bucket\n"),
])
def test_a_byte_order_mark_is_accepted_in_every_format(name: str, body: bytes,
                                                       run_cloudscope: Callable[..., Any],
                                                       tmp_path: Path) -> None:
    """Files that editors and spreadsheets start with a UTF-8 BOM collect like any other."""
    path = tmp_path / name
    path.write_bytes(BOM + body)
    url = f"sqlite:///{tmp_path / 'bom.db'}"
    result = run_cloudscope("collect", "file", str(path), "--db", url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assets"] == 1


SET_FILE = """\
- id: arn:aws:s3:::sets
  provider: aws
  asset_type: aws:s3:bucket
  properties:
    Regions: !!set {us-east-1, eu-west-1, ap-south-1, sa-east-1, eu-central-1, us-west-2}
    Mixed: !!set {10, 9, b, a, 2024-01-01}
"""


def test_a_yaml_set_is_stored_sorted_whatever_the_hash_seed(run_cloudscope: Callable[..., Any],
                                                            tmp_path: Path) -> None:
    """The same YAML file gives the same stored asset under three hash seeds: sets become
    lists sorted by type, then value."""
    path = tmp_path / "sets.yaml"
    path.write_text(SET_FILE, encoding="utf-8")
    stored = []
    for seed in ("1", "2", "3"):
        url = f"sqlite:///{tmp_path / f'seed{seed}.db'}"
        collected = run_cloudscope("collect", "file", str(path), "--db", url,
                                   env={"PYTHONHASHSEED": seed})
        assert collected.exit_code == 0, collected.stderr
        listed = run_cloudscope("assets", "list", "--db", url, "--format", "jsonl")
        stored.append(json.loads(listed.stdout)["properties"])
    assert stored[0] == stored[1] == stored[2]
    assert stored[0]["Regions"] == sorted(stored[0]["Regions"])
    assert stored[0]["Mixed"] == ["2024-01-01", 9, 10, "a", "b"]  # date, int, str


@pytest.mark.parametrize(("value", "expected"), [
    (".nan", "not a finite number"), ("-.inf", "not a finite number"),
    ("2024-02-30", "cannot be read"), ("!!binary 'not base64!'", "invalid YAML"),
])
def test_yaml_values_json_cannot_hold_are_refused(value: str, expected: str,
                                                  refuse: Callable[..., str],
                                                  tmp_path: Path) -> None:
    """NaN and Infinity (refused in JSON too, by the models), impossible dates and broken
    binaries: exit 2, one line naming the file, not a silent null or an internal error."""
    path = tmp_path / "odd.yaml"
    path.write_text("- {id: x, provider: aws, asset_type: aws:s3:bucket, "
                    f"properties: {{v: {value}}}}}\n", encoding="utf-8")
    line = refuse(path)
    assert "odd.yaml" in line and expected in line, line


@pytest.mark.parametrize(("name", "body"), [
    ("overflow.jsonl", '{"id": "x", "provider": "aws", "asset_type": "aws:s3:bucket", '
                       '"properties": {"n": 1e400}}\n'),
    ("overflow.json", '[{"id": "x", "provider": "aws", "asset_type": "aws:s3:bucket", '
                      '"properties": {"n": -1E+999}}]'),
    ("overflow.csv", 'id,provider,asset_type,properties\nx,aws,aws:s3:bucket,"{""n"": 2e308}"\n'),
])
def test_a_number_that_overflows_to_infinity_is_refused(name: str, body: str,
                                                        refuse: Callable[..., str],
                                                        tmp_path: Path) -> None:
    """1e400 parses as Infinity, which JSON refuses by name: refused, not stored as null."""
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    line = refuse(path)
    assert name in line and "Infinity" in line, line


class _OneScope(Collector):
    """One scope, one asset."""

    def plan(self) -> Iterable[ScopeKey]:
        return [ScopeKey(provider="demo", account="a", region=None, service="s")]

    def collect(self, scope: ScopeKey) -> Iterator[Asset]:
        yield Asset(id="demo:x", provider="demo", asset_type="demo:s:thing")


class _BrokenProgress(NoProgress):
    """A progress display that fails when the first batch is written: a bug in the writer's
    thread, neither the store's failure nor the collector's."""

    def scope_progressed(self, scope: ScopeKey, assets: int) -> None:
        raise RuntimeError("progress display broke")


def test_a_run_that_fails_on_a_bug_is_recorded_failed(sqlite_url: str) -> None:
    """An unexpected error in the middle of a run reaches the caller, and the run and its
    scope are recorded `failed` with that error: no run is left `running`."""
    ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
    run = CollectRun("demo", _OneScope(ctx, {}), lambda: SQLiteRepository(sqlite_url), ctx,
                     CollectOptions(), progress=_BrokenProgress())
    with pytest.raises(RuntimeError, match="progress display broke"):
        run.execute()
    assert run.opened_repository is not None
    run.opened_repository.close()
    with SQLiteRepository(sqlite_url) as repository:
        runs = repository.list_runs()
        assert [r.status for r in runs] == [RunStatus.FAILED]
        assert "progress display broke" in (runs[0].error or "")
        assert [s.status for s in repository.list_scopes()] == [ScopeStatus.FAILED]
