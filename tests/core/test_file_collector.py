"""The file collector: formats, scopes, staleness per file, and the guard between passes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.file_collector import FileCollector
from cloudscope.adapters.file_formats import CHUNK_LINES
from cloudscope.adapters.file_records import asset_from_json_line, item_from_validated_line
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.collect import CollectOptions, CollectRun
from cloudscope.domain.errors import CollectionError, InputError
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import RunStatus, ScopeKey
from cloudscope.host.ratelimit import RateLimiter
from cloudscope.ports.collector import CollectContext

BUCKET = {"id": "arn:aws:s3:::logs", "provider": "aws", "asset_type": "aws:s3:bucket",
          "name": "logs", "account": "111122223333", "tags": {"env": "prod"},
          "properties": {"Name": "logs", "PolicyStatus": {"IsPublic": False}}}
VOLUME = {"id": "arn:aws:ec2:us-east-1:111122223333:volume/vol-1", "provider": "aws",
          "asset_type": "aws:ec2:volume", "name": "vol-1", "account": "111122223333",
          "region": "us-east-1", "tags": {}, "properties": {"Encrypted": True, "Size": 8}}
EDGE = {"source_id": VOLUME["id"], "type": "RELATED_TO", "target_id": BUCKET["id"],
        "properties": {"why": "backups"}}


def as_csv(assets: list[dict[str, Any]]) -> str:
    """Assets as CSV: a header of field names, JSON cells for tags and properties."""
    import csv
    import io

    out = io.StringIO()
    fields = ["id", "provider", "asset_type", "name", "account", "region", "tags", "properties"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for asset in assets:
        writer.writerow({**{k: asset.get(k) or "" for k in fields},
                         "tags": json.dumps(asset["tags"]),
                         "properties": json.dumps(asset["properties"])})
    return out.getvalue()


WRITERS: dict[str, Callable[[list[dict[str, Any]], list[dict[str, Any]]], str]] = {
    "assets.json": lambda a, r: json.dumps({"assets": a, "relationships": r}),
    "assets.jsonl": lambda a, r: "".join(json.dumps(x) + "\n" for x in [*a, *r]),
    "assets.ndjson": lambda a, r: "".join(json.dumps(x) + "\n" for x in [*a, *r]),
    "assets.yaml": lambda a, r: json.dumps({"assets": a, "relationships": r}),  # JSON is YAML
    "assets.yml": lambda a, r: __import__("yaml").safe_dump({"assets": a, "relationships": r}),
}


@pytest.fixture
def repository(sqlite_url: str) -> Iterator[SQLiteRepository]:
    """A fresh SQLite store."""
    with SQLiteRepository(sqlite_url) as store:
        yield store


@pytest.fixture
def collect(repository: SQLiteRepository) -> Callable[..., Any]:
    """Run the collect use case with the file collector on ``paths``; return the summary."""

    def run(*paths: Path, **options: Any) -> Any:
        ctx = CollectContext("builtin", limiter=RateLimiter("builtin"), config={}, log=None)
        collector = FileCollector(ctx, {"paths": [str(p) for p in paths], **options})
        return CollectRun("file", collector, repository, ctx, CollectOptions()).execute()

    return run


def stored(repository: SQLiteRepository) -> dict[str, Any]:
    """Live assets by id, as dicts without timestamps."""
    return {a.id: a.model_dump(exclude={"first_seen", "last_seen"})
            for a in repository.iter_assets(AssetQuery())}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_format_collects_assets_and_relationships(name: str, tmp_path: Path,
                                                       collect: Callable[..., Any],
                                                       repository: SQLiteRepository) -> None:
    """JSON, JSON Lines and YAML files give the same assets and relationships."""
    path = tmp_path / name
    path.write_text(WRITERS[name]([BUCKET, VOLUME], [EDGE]))
    summary = collect(path)
    assert summary.run.status is RunStatus.OK
    expected = {a["id"]: {"native_type": None, "region": None, **a} for a in (BUCKET, VOLUME)}
    assert stored(repository) == expected
    assert [(r.key, r.properties) for r in repository.iter_relationships()] == \
        [((VOLUME["id"], "RELATED_TO", BUCKET["id"]), {"why": "backups"})]


def test_csv_cells_hold_json_tags_and_properties(tmp_path: Path, collect: Callable[..., Any],
                                                 repository: SQLiteRepository) -> None:
    """A CSV header names Asset fields; tags and properties cells are JSON; empty is absent."""
    path = tmp_path / "assets.csv"
    path.write_text(as_csv([BUCKET, VOLUME]))
    assert collect(path).run.status is RunStatus.OK
    assert stored(repository)[BUCKET["id"]]["properties"] == BUCKET["properties"]
    assert stored(repository)[BUCKET["id"]]["region"] is None


def test_csv_with_relationship_header_holds_relationships(tmp_path: Path,
                                                          collect: Callable[..., Any],
                                                          repository: SQLiteRepository) -> None:
    """A CSV whose header has source_id and target_id lists relationships."""
    path = tmp_path / "edges.csv"
    path.write_text(f'source_id,type,target_id,properties\n{VOLUME["id"]},RELATED_TO,'
                    f'{BUCKET["id"]},"{{""why"": ""backups""}}"\n')
    collect(path)
    assert [r.properties for r in repository.iter_relationships()] == [{"why": "backups"}]


def test_each_file_is_its_own_scope(tmp_path: Path, collect: Callable[..., Any]) -> None:
    """The scope of a file is provider 'file', account its absolute resolved path."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps(BUCKET) + "\n")
    second.write_text(json.dumps(VOLUME) + "\n")
    summary = collect(first, second)
    assert [s.key for s in summary.scopes] == [
        ScopeKey(provider="file", account=str(p.resolve()), region=None, service="file")
        for p in (first, second)]
    assert [s.assets for s in summary.scopes] == [1, 1]


def test_newer_version_of_a_file_removes_what_it_no_longer_lists(
        tmp_path: Path, collect: Callable[..., Any], repository: SQLiteRepository) -> None:
    """Collecting the same path again replaces what it listed before; other files stay."""
    path, other = tmp_path / "estate.jsonl", tmp_path / "other.json"
    path.write_text(json.dumps(BUCKET) + "\n" + json.dumps(VOLUME) + "\n")
    other.write_text(json.dumps([{**BUCKET, "id": "arn:aws:s3:::other"}]))
    collect(path, other)
    path.write_text(json.dumps(VOLUME) + "\n")
    summary = collect(path)
    assert summary.run.counters.get("stale_removed") == 1
    assert sorted(stored(repository)) == sorted([VOLUME["id"], "arn:aws:s3:::other"])


def test_empty_list_is_a_valid_empty_inventory(tmp_path: Path, collect: Callable[..., Any],
                                               repository: SQLiteRepository) -> None:
    """'[]' means the file now lists nothing: its earlier assets are removed."""
    path = tmp_path / "estate.json"
    path.write_text(json.dumps([BUCKET]))
    collect(path)
    path.write_text("[]")
    assert collect(path).run.status is RunStatus.OK
    assert stored(repository) == {}


def test_csv_header_alone_is_a_valid_empty_inventory(tmp_path: Path,
                                                     collect: Callable[..., Any]) -> None:
    """A CSV with only its header lists nothing, and is not an error."""
    path = tmp_path / "estate.csv"
    path.write_text("id,provider,asset_type\n")
    assert collect(path).run.status is RunStatus.OK


def test_same_asset_twice_with_the_same_data_is_accepted(tmp_path: Path,
                                                         collect: Callable[..., Any],
                                                         repository: SQLiteRepository) -> None:
    """A repeated id is a conflict only when its data differs (key order does not count)."""
    reordered = dict(reversed(list(BUCKET.items())))
    path = tmp_path / "estate.jsonl"
    path.write_text(json.dumps(BUCKET) + "\n" + json.dumps(reordered) + "\n")
    assert collect(path).run.status is RunStatus.OK
    assert list(stored(repository)) == [BUCKET["id"]]


def test_file_format_option_overrides_the_extension(tmp_path: Path,
                                                    collect: Callable[..., Any]) -> None:
    """--file-format reads a file whatever its extension."""
    path = tmp_path / "export.txt"
    path.write_text(json.dumps(BUCKET) + "\n")
    assert collect(path, file_format="jsonl").run.assets == 1


def test_unknown_extension_is_an_input_error(tmp_path: Path, collect: Callable[..., Any]) -> None:
    """Without --file-format, an unknown extension is a clear error naming the file."""
    path = tmp_path / "export.txt"
    path.write_text(json.dumps(BUCKET) + "\n")
    with pytest.raises(InputError, match=r"export\.txt.*--file-format"):
        collect(path)


@pytest.fixture
def planned(tmp_path: Path) -> tuple[FileCollector, ScopeKey, Path]:
    """A file collector that has validated (planned) one JSON Lines file."""
    path = tmp_path / "estate.jsonl"
    path.write_text(json.dumps(BUCKET) + "\n" + json.dumps(VOLUME) + "\n")
    ctx = CollectContext("builtin", limiter=RateLimiter("builtin"), config={}, log=None)
    collector = FileCollector(ctx, {"paths": [str(path)]})
    (scope,) = collector.plan()
    return collector, scope, path


def test_file_changed_after_validation_fails_its_scope(
        planned: tuple[FileCollector, ScopeKey, Path]) -> None:
    """A file rewritten between the validating pass and collection fails before any item."""
    collector, scope, path = planned
    path.write_text(json.dumps(BUCKET) + "\n")
    with pytest.raises(CollectionError, match="changed after it was validated"):
        next(iter(collector.collect(scope)))


def test_file_changed_while_collected_fails_its_scope(
        planned: tuple[FileCollector, ScopeKey, Path]) -> None:
    """A file that changes during the second pass fails the scope at its end (no staleness)."""
    collector, scope, path = planned
    items = iter(collector.collect(scope))
    next(items)
    with path.open("a") as out:
        out.write(json.dumps({**BUCKET, "id": "arn:aws:s3:::late"}) + "\n")
    with pytest.raises(CollectionError, match="changed"):
        list(items)


def test_bytes_changed_in_place_are_refused_before_their_chunk_is_yielded(
        tmp_path: Path) -> None:
    """A chunk rewritten with the same size and time is never yielded: the second pass
    builds items without validating them, only from bytes proven to be the validated ones."""
    path = tmp_path / "estate.jsonl"
    good = [{**VOLUME, "id": f"{VOLUME['id']}{i:05d}"} for i in range(CHUNK_LINES + 10)]
    path.write_text("".join(json.dumps(asset) + "\n" for asset in good))
    ctx = CollectContext("builtin", limiter=RateLimiter("builtin"), config={}, log=None)
    collector = FileCollector(ctx, {"paths": [str(path)]})
    (scope,) = collector.plan()
    info = path.stat()
    data = path.read_bytes()
    # The second chunk's first asset gets a provider its type does not start with: invalid,
    # the same length, the same modification time.
    start = data.index(b'"aws"', len(data) - 10 * len(data) // len(good))
    path.write_bytes(data[:start] + b'"gcp"' + data[start + 5:])
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    items = []
    with pytest.raises(CollectionError, match="changed after it was validated"):
        for item in collector.collect(scope):
            items.append(item)
    assert len(items) == CHUNK_LINES
    assert all(item.provider == "aws" for item in items)


@pytest.mark.parametrize("record", [
    BUCKET, VOLUME, EDGE, {"id": "x", "provider": "p", "asset_type": "p:s:k"},
    {**BUCKET, "name": None, "tags": {"é": "ü"}, "properties": {"a": [1, 2.5, None, {"b": ""}]}},
    {**BUCKET, "first_seen": "2024-05-01T09:00:00+02:00", "last_seen": None},
    {**BUCKET, "properties": {"big": 2**64 - 1, "small": -(2**63), "text": "\u0000\ud83d\ude00"}},
    {"source_id": "a", "type": "IN_SUBNET", "target_id": "b"},
])
def test_second_pass_builds_the_items_validation_builds(record: dict[str, Any]) -> None:
    """An item built from a validated line equals the validated item, field for field and
    with the same fields set."""
    line = json.dumps(record).encode()
    validated = asset_from_json_line(line, "f:1")
    built = item_from_validated_line(line, "f:1")
    assert type(built) is type(validated)
    assert built.__dict__ == validated.__dict__
    assert list(built.__dict__) == list(validated.__dict__)
    assert built.model_fields_set == validated.model_fields_set
    assert built.model_dump_json() == validated.model_dump_json()


def test_collect_file_through_the_cli_prints_the_summary(run_cloudscope: Callable[..., Any],
                                                         tmp_path: Path, sqlite_url: str) -> None:
    """`cloudscope collect file PATH --format json` stores the file and summarises it."""
    path = tmp_path / "estate.csv"
    path.write_text(as_csv([BUCKET, VOLUME]))
    result = run_cloudscope("collect", "file", str(path), "--db", sqlite_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["assets"]) == ("ok", 2)
    assert summary["scopes"][0]["account"] == str(path.resolve())


def test_collect_file_into_a_file_store(run_cloudscope: Callable[..., Any],
                                        tmp_path: Path) -> None:
    """The file collector and the file repository work together from the CLI."""
    path = tmp_path / "estate.jsonl"
    path.write_text(json.dumps(BUCKET) + "\n")
    store = f"file://{tmp_path / 'inventory'}"
    assert run_cloudscope("collect", "file", str(path), "--db", store).exit_code == 0
    listing = run_cloudscope("assets", "list", "--db", store, "--format", "jsonl")
    assert [json.loads(line)["id"] for line in listing.stdout.splitlines()] == [BUCKET["id"]]
