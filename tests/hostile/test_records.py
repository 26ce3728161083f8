"""Hostile values inside records (issue 12): what a store accepts it reads back, and one
record never makes a store unreadable.

Every path by which a value enters the store is tried with the values JSON or Python allow
but no store holds as given (NaN, Infinity, numbers that overflow, integers beyond 64 bits,
lone surrogates, U+0000 in text fields, nesting beyond 64 levels): files of every format
are refused whole with one line naming the file, the line (or record) and the field path
(exit code 2); a plugin's collector that yields such a value fails its scope with that
reason while the other scopes are stored (exit code 3). Values at the edges of what is
allowed are stored and read back exactly. After every case the store passes SQLite's
integrity check and still lists, exports and assesses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.testing.plugin import FakeDistribution

GOOD = ('{"id": "arn:aws:s3:::kept", "provider": "aws", "asset_type": "aws:s3:bucket", '
        '"tags": {"env": "prod"}}\n')
ASSET = '"id": "arn:aws:s3:::hostile", "provider": "aws", "asset_type": "aws:s3:bucket"'
DEEP = "[" * 63 + "]" * 63  # properties (level 2) + 63 lists: level 65, one too many


def line(properties: str, asset: str = ASSET) -> str:
    """One JSON Lines record with these properties (JSON text, written as given)."""
    return "{" + asset + ', "properties": ' + properties + "}\n"


def edge(properties: str = "{}", target: str = "arn:aws:s3:::x") -> str:
    """One JSON Lines relationship."""
    return ('{"source_id": "arn:aws:s3:::kept", "type": "ROUTES_TO", "target_id": "' + target
            + '", "properties": ' + properties + "}\n")


CSV_HEADER = "id,provider,asset_type,properties\nx,x,x:y:z,"

# name -> (file name, content, what the one line must say besides the file's name)
FILE_CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "jsonl-nan": ("a.jsonl", GOOD + line('{"ratio": NaN}'),
                  (":2,", "'properties.ratio'", "not a finite number")),
    "jsonl-infinity": ("a.jsonl", line('{"r": Infinity}'), (":1,", "'properties.r'", "finite")),
    "jsonl-negative-infinity": ("a.jsonl", line('{"r": [-Infinity]}'),
                                (":1,", "'properties.r.0'", "finite")),
    "jsonl-overflowing-float": ("a.jsonl", line('{"r": 1e400}'),
                                (":1,", "'properties.r'", "overflows")),
    "jsonl-overflowing-negative": ("a.jsonl", line('{"r": -2e308}'),
                                   (":1,", "'properties.r'", "finite")),
    "jsonl-integer-2**64": ("a.jsonl", line(f'{{"n": {2**64}}}'),
                            (":1,", "'properties.n'", "64 bits", "as a string")),
    "jsonl-integer-below-i64": ("a.jsonl", line(f'{{"n": {-(2**63) - 1}}}'),
                                (":1,", "'properties.n'", "64 bits")),
    "jsonl-huge-integer-nested": ("a.jsonl", line('{"a": [{"b": ' + "9" * 100 + "}]}"),
                                  (":1,", "'properties.a.0.b'", "digits")),
    "jsonl-integer-beyond-the-parser": ("a.jsonl", line('{"b": ' + "9" * 5000 + "}"),
                                        (":1", "out of range")),
    "jsonl-lone-surrogate": ("a.jsonl", line('{"s": "\\ud800"}'), (":1", "invalid JSON")),
    "jsonl-nul-in-name": ("a.jsonl", line("{}", ASSET + ', "name": "a\\u0000b"'),
                          (":1,", "'name'", "U+0000")),
    "jsonl-nul-in-relationship-id": ("a.jsonl", GOOD + edge(target="arn:aws:s3:::x\\u0000"),
                                     (":2,", "'target_id'", "U+0000")),
    "jsonl-relationship-nan": ("a.jsonl", GOOD + edge('{"w": NaN}'),
                               (":2,", "'properties.w'", "finite")),
    "jsonl-too-deep": ("a.jsonl", line('{"d": ' + DEEP + "}"),
                       (":1,", "'properties.d.0.0", "deeper than 64")),
    "yaml-issue-example": ("a.yaml", "- id: x\n  provider: x\n  asset_type: x:y:z\n  properties:"
                           "\n    big: 123456789012345678901234567890\n    bad: .nan\n",
                           ("[0]", "'properties.big'", "64 bits")),
    "yaml-nan": ("a.yaml", "- {id: x, provider: x, asset_type: 'x:y:z', properties: {v: .nan}}\n",
                 ("[0]", "'properties.v'", "finite")),
    "yaml-infinity": ("a.yaml", "assets:\n- {id: x, provider: x, asset_type: 'x:y:z', "
                      "properties: {v: [1, -.inf]}}\n", ("assets[0]", "'properties.v.1'")),
    "yaml-relationship-infinity": ("a.yaml", "assets: []\nrelationships:\n- {source_id: a, "
                                   "type: ROUTES_TO, target_id: b, properties: {w: .inf}}\n",
                                   ("relationships[0]", "'properties.w'")),
    "json-big-negative": ("a.json", "[" + GOOD.strip() + ", " + line(f'{{"n": {-(2**70)}}}')
                          + "]", ("[1]", "'properties.n'", "64 bits")),
    "json-overflow-nested": ("a.json", '{"assets": [' + line('{"x": {"y": 1E999}}') + "]}",
                             ("assets[0]", "'properties.x.y'")),
    "csv-overflowing-float": ("a.csv", CSV_HEADER + '"{""r"": 1e400}"\n',
                              (":2,", "'properties.r'", "finite")),
    "csv-big-integer": ("a.csv", CSV_HEADER + '"{""n"": 99999999999999999999}"\n',
                        (":2,", "'properties.n'")),
    "csv-lone-surrogate-in-tags": ("a.csv", 'id,provider,asset_type,tags\nx,x,x:y:z,'
                                   '"{""k"": ""\\udc00""}"\n', (":2,", "'tags'")),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_file_with_a_value_no_store_holds_is_refused(case: str, refuse: Callable[..., str],
                                                     usable: Callable[[], Any],
                                                     tmp_path: Path) -> None:
    """Each format, each kind of value: exit 2, one line naming the file, the line or
    record and the field path; nothing stored; the store still works."""
    name, text, expected = FILE_CASES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    line = refuse(path)
    assert name in line
    for part in expected:
        assert part in line, line
    usable()


EDGE_RECORD = {
    "id": "arn:aws:s3:::edges", "provider": "aws", "asset_type": "aws:s3:bucket",
    "tags": {"": "empty key", "nul": "a\u0000b", "astral": "😀"},
    "properties": {"max_u64": 2**64 - 1, "min_i64": -(2**63), "tiny": 5e-324,
                   "huge": 1.7976931348623157e308, "negative_zero": -0.0, "one": 1.0,
                   "text": "a\u0000b 😀 \U0010ffff \u202e", "": {"\u0000": []},
                   "deep": json.loads("[" * 62 + "]" * 62)},
}


def test_values_at_the_edges_are_collected_and_read_back_exactly(
        run_cloudscope: Callable[..., Any], store: str, usable: Callable[[], Any],
        tmp_path: Path) -> None:
    """The largest integers, extreme floats, -0.0, astral text, U+0000 inside strings and
    keys, empty keys and the deepest allowed nesting are stored and shown as written."""
    path = tmp_path / "edges.jsonl"
    path.write_text(json.dumps(EDGE_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run_cloudscope("collect", "file", str(path), "--db", store)
    assert result.exit_code == 0, result.stderr
    shown = run_cloudscope("assets", "show", EDGE_RECORD["id"], "--db", store, "--format", "json")
    asset = json.loads(shown.stdout)["asset"]
    assert asset["properties"] == EDGE_RECORD["properties"]
    assert str(asset["properties"]["negative_zero"]) == "-0.0"
    assert isinstance(asset["properties"]["one"], float)
    assert asset["tags"] == EDGE_RECORD["tags"]
    assert EDGE_RECORD["id"] in usable()


def test_yaml_timestamps_and_binary_are_stored_as_their_json_form(
        run_cloudscope: Callable[..., Any], store: str, usable: Callable[[], Any],
        tmp_path: Path) -> None:
    """YAML values that are not JSON (a timestamp, !!binary) are stored as the ISO 8601
    string and the base64 text, and read back as such."""
    path = tmp_path / "typed.yaml"
    path.write_text("- id: typed\n  provider: x\n  asset_type: x:y:z\n  properties:\n"
                    "    when: 2025-11-02T08:15:00Z\n    day: 2025-11-02\n"
                    "    blob: !!binary aGk=\n", encoding="utf-8")
    assert run_cloudscope("collect", "file", str(path), "--db", store).exit_code == 0
    assert usable()["typed"]["properties"] == {"when": "2025-11-02T08:15:00Z",
                                                "day": "2025-11-02", "blob": "aGk="}


def test_the_same_asset_with_keys_reordered_is_not_a_conflict(
        run_cloudscope: Callable[..., Any], store: str, usable: Callable[[], Any],
        tmp_path: Path) -> None:
    """An asset listed twice with its keys (and its properties' keys) in another order is
    the same asset: collected once."""
    one = {"id": "twice", "provider": "x", "asset_type": "x:y:z", "properties": {"a": 1, "b": 2}}
    two = {"properties": {"b": 2, "a": 1}, "asset_type": "x:y:z", "provider": "x", "id": "twice"}
    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps(one) + "\n" + json.dumps(two) + "\n")
    assert run_cloudscope("collect", "file", str(path), "--db", store).exit_code == 0
    assert usable()["twice"]["properties"] == {"a": 1, "b": 2}


def test_conflict_after_thousands_of_harmless_repeats_is_refused(
        refuse: Callable[..., str], usable: Callable[[], Any], tmp_path: Path) -> None:
    """5,000 ids each listed twice with keys reordered, then an id listed with different
    data: the conflict is found (no cap on the suspects examined)."""
    path = tmp_path / "repeats.jsonl"
    with path.open("w") as out:
        for index in range(5000):
            out.write(json.dumps({"id": f"r{index}", "provider": "x", "asset_type": "x:y:z"})
                      + "\n")
            out.write(json.dumps({"asset_type": "x:y:z", "provider": "x", "id": f"r{index}"})
                      + "\n")
        out.write('{"id": "late", "provider": "x", "asset_type": "x:y:z", "name": "one"}\n')
        out.write('{"id": "late", "provider": "x", "asset_type": "x:y:z", "name": "two"}\n')
    line = refuse(path)
    assert "repeats.jsonl:10002" in line and "'late'" in line and "line 10001" in line
    usable()


def test_number_and_boolean_of_equal_value_are_different_data(
        refuse: Callable[..., str], usable: Callable[[], Any], tmp_path: Path) -> None:
    """The same id with ``1`` and then ``true`` (equal in Python) is listed with different
    data: they would read back differently."""
    path = tmp_path / "types.jsonl"
    path.write_text('{"id": "t", "provider": "x", "asset_type": "x:y:z", "properties": {"v": 1}}\n'
                    '{"id": "t", "provider": "x", "asset_type": "x:y:z", "properties": {"v": true}}\n')
    assert "types.jsonl:2" in refuse(path)
    usable()


HOSTILE_PLUGIN = """
import os
from datetime import datetime
from decimal import Decimal
from cloudscope.api import Asset, Collector, Relationship, ScopeKey, hookimpl

CLOUDSCOPE_API = ">=1.0,<2"


def deep(levels):
    value = "bottom"
    for _ in range(levels):
        value = [value]
    return value


def asset(index, **fields):
    return Asset(id=f"hostile:{index}", provider="hostile", asset_type="hostile:s:thing",
                 **fields)


def constructed(properties):
    return Asset.model_construct(**{**asset(9).__dict__, "properties": properties})


CASES = {
    "nan": lambda: asset(1, properties={"v": float("nan")}),
    "infinity": lambda: asset(1, properties={"v": {"w": [float("inf")]}}),
    "negative-infinity": lambda: asset(1, properties={"v": float("-inf")}),
    "integer-2**64": lambda: asset(1, properties={"v": 2**64}),
    "integer-below-i64": lambda: asset(1, properties={"v": -(2**63) - 1}),
    "decimal-nan": lambda: asset(1, properties={"v": Decimal("NaN")}),
    "decimal-infinity": lambda: asset(1, properties={"v": Decimal("-Infinity")}),
    "lone-surrogate": lambda: asset(1, properties={"v": "\\ud800"}),
    "surrogate-in-tag": lambda: asset(1, tags={"k": "\\udfff"}),
    "nul-in-name": lambda: asset(1, name="a\\x00b"),
    "too-deep": lambda: asset(1, properties={"v": deep(70)}),
    "non-string-key": lambda: asset(1, properties={"v": {1: "one"}}),
    "relationship-nan": lambda: Relationship(source_id="hostile:0", type="ROUTES_TO",
                                             target_id="hostile:1", properties={"v": float("nan")}),
    "unvalidated-integer": lambda: constructed({"v": 2**70}),
    "unvalidated-surrogate": lambda: constructed({"v": "\\udc00"}),
    "sdk-types": lambda: asset(1, properties={
        "when": datetime(2025, 1, 2, 3, 4, 5), "price": Decimal("1.5"), "count": Decimal("3"),
        "raw": b"hi", "pair": (1, 2), "set": {"b", "a"}}),
}


class Hostile(Collector):
    def plan(self):
        return [ScopeKey(provider="hostile", account="a", region=region, service="s")
                for region in ("good", "bad")]

    def collect(self, scope):
        yield asset(0 if scope.region == "good" else 2)
        if scope.region == "bad":
            yield CASES[os.environ["HOSTILE_CASE"]]()


@hookimpl
def cloudscope_register_collectors(register):
    register("hostile", Hostile)
"""

# case -> what the failed scope's error must say
PLUGIN_CASES: dict[str, tuple[str, ...]] = {
    "nan": ("Asset 'hostile:1'", "'properties.v'", "not a finite number"),
    "infinity": ("'properties.v.w.0'", "finite"),
    "negative-infinity": ("'properties.v'", "finite"),
    "integer-2**64": ("'properties.v'", "64 bits"),
    "integer-below-i64": ("'properties.v'", "64 bits"),
    "decimal-nan": ("'properties.v'", "finite"),
    "decimal-infinity": ("'properties.v'", "finite"),
    "lone-surrogate": ("'properties.v'", "lone surrogate"),
    "surrogate-in-tag": ("'tags.k'", "lone surrogate"),
    "nul-in-name": ("'name'", "U+0000"),
    "too-deep": ("'properties.v.0", "deeper than 64"),
    "non-string-key": ("'properties.v.1'", "keys must be strings"),
    "relationship-nan": ("Relationship 'hostile:0'", "'properties.v'"),
    "unvalidated-integer": ("cannot store a record", "64-bit"),
    "unvalidated-surrogate": ("cannot store a record", "surrogates"),
}


@pytest.fixture
def hostile_env(fake_distribution: Callable[..., FakeDistribution]) -> dict[str, str]:
    """Environment for a subprocess that sees the 'hostile' collector installed."""
    dist = fake_distribution("cloudscope-hostile", entry_points={"hostile": "hostile_plugin"},
                             modules={"hostile_plugin": HOSTILE_PLUGIN})
    return {"PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "hostile"}


@pytest.mark.parametrize("case", sorted(PLUGIN_CASES))
def test_plugin_value_no_store_holds_fails_its_scope_only(
        case: str, run_cloudscope: Callable[..., Any], hostile_env: dict[str, str], store: str,
        usable: Callable[[], Any]) -> None:
    """A collector yielding such a value: its scope fails naming the record and field path,
    the other scope is stored, exit code 3; the store still works."""
    result = run_cloudscope("collect", "hostile", "--db", store, "--format", "json",
                            env={**hostile_env, "HOSTILE_CASE": case})
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    scopes = {scope["region"]: scope for scope in summary["scopes"]}
    assert scopes["good"]["status"] == "complete"
    assert scopes["bad"]["status"] == "failed"
    assert "\n" not in scopes["bad"]["error"]
    for part in PLUGIN_CASES[case]:
        assert part in scopes["bad"]["error"], scopes["bad"]["error"]
    listed = usable()
    assert "hostile:0" in listed and "hostile:9" not in listed


def test_plugin_sdk_types_are_stored_as_their_json_form(
        run_cloudscope: Callable[..., Any], hostile_env: dict[str, str], store: str,
        usable: Callable[[], Any]) -> None:
    """Times, Decimals, bytes, tuples and sets from an SDK become their JSON form when the
    asset is built: stored and read back as that form."""
    result = run_cloudscope("collect", "hostile", "--db", store,
                            env={**hostile_env, "HOSTILE_CASE": "sdk-types"})
    assert result.exit_code == 0, result.stderr
    assert usable()["hostile:1"]["properties"] == {
        "when": "2025-01-02T03:04:05Z", "price": 1.5, "count": 3, "raw": "aGk=",
        "pair": [1, 2], "set": ["a", "b"]}


def test_store_poisoned_by_an_older_version_fails_with_one_line(
        run_cloudscope: Callable[..., Any], store: str,
        one_clean_line: Callable[[Any, int], str]) -> None:
    """A row holding NaN (written before values were checked) is one clean line naming the
    asset, exit 2, not an internal error; collecting its source again repairs the store."""
    import sqlite3

    database = sqlite3.connect(store.removeprefix("sqlite:///"))
    with database:
        database.execute("UPDATE assets SET properties = '{\"bad\":NaN}'")
    database.close()
    line = one_clean_line(run_cloudscope("assets", "list", "--db", store), 2)
    assert "arn:aws:s3:::kept" in line and "collect its source again" in line


@pytest.fixture
def edited_file_store(run_cloudscope: Callable[..., Any], tmp_path: Path) -> Callable[..., str]:
    """``edited_file_store(old, new)``: a file store holding two assets whose
    ``assets.jsonl`` was then edited by hand (``old`` replaced by ``new``); its URL."""

    def make(old: str, new: str) -> str:
        source = tmp_path / "two.jsonl"
        source.write_text(GOOD + line('{"n": 1}'))
        directory = tmp_path / "files-store"
        url = f"file://{directory}"
        assert run_cloudscope("collect", "file", str(source), "--db", url).exit_code == 0
        assets = directory / "assets.jsonl"
        text = assets.read_text(encoding="utf-8")
        assert old in text
        assets.write_text(text.replace(old, new), encoding="utf-8")
        return url

    return make


@pytest.mark.parametrize(("new", "expected"), [
    ('"properties":{"n":' + str(2**70) + "}", ("'properties.n'", "64 bits")),
    ('"properties":{"n":"\\ud800"}', ("'properties.n'", "lone surrogate")),
    ('"properties":{"n":' + "[" * 70 + "]" * 70 + "}", ("'properties.n.0", "deeper than 64")),
], ids=["big-integer", "lone-surrogate", "too-deep"])
def test_db_copy_stops_at_a_record_no_store_holds(
        new: str, expected: tuple[str, ...], edited_file_store: Callable[..., str],
        run_cloudscope: Callable[..., Any], one_clean_line: Callable[[Any, int], str],
        tmp_path: Path) -> None:
    """A file store edited by hand to hold what no store may hold: `db copy` stops with
    exit 3 and one line naming the asset and the field; the target stays readable."""
    source = edited_file_store('"properties":{"n":1}', new)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    message = one_clean_line(run_cloudscope("db", "copy", source, target), 3)
    assert "Asset 'arn:aws:s3:::hostile'" in message
    for part in expected:
        assert part in message, message
    listed = run_cloudscope("assets", "list", "--db", target, "--format", "json")
    assert listed.exit_code == 0 and "hostile" not in listed.stdout


def test_nan_written_into_a_file_store_by_hand_is_one_clean_line(
        edited_file_store: Callable[..., str], run_cloudscope: Callable[..., Any],
        one_clean_line: Callable[[Any, int], str]) -> None:
    """NaN typed into a file store's assets.jsonl: reading it is one line naming the file
    and line (exit 2), not an internal error."""
    url = edited_file_store('"properties":{"n":1}', '"properties":{"n":NaN}')
    message = one_clean_line(run_cloudscope("assets", "list", "--db", url), 2)
    assert "assets.jsonl:" in message and "NaN" in message
