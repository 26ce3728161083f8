"""Hostile and broken input files: refused with exit code 2 with exit code 2, one line naming the problem, and the store unchanged.

Each case runs the real ``cloudscope collect file`` against a store that already holds
assets; the corpus is ``tests/core/bad_inputs/`` plus a few files generated here (huge,
deep). Issue 3's list: truncated or malformed files, wrong types, missing ids, duplicate
ids with conflicting data, invalid UTF-8, NUL bytes, one huge field, very deep nesting,
YAML tags that would run code, unbalanced CSV quotes, an empty file, a directory or a
missing path, an unknown --db scheme, a locked, read-only or foreign database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.file_formats import MAX_LINE_BYTES
from cloudscope.adapters.file_records import MAX_DEPTH

CORPUS = Path(__file__).parent / "bad_inputs"
GOOD = ('{"id": "arn:aws:s3:::kept", "provider": "aws", "asset_type": "aws:s3:bucket", '
        '"tags": {"env": "prod"}}\n')

# file in the corpus -> what the one line must say besides the file's name
CASES: dict[str, tuple[str, ...]] = {
    "truncated.jsonl": (":2:", "invalid JSON", "EOF"),
    "malformed.json": ("invalid JSON", "line 2"),
    "wrong-type.jsonl": (":2", "'tags.env'", "string"),
    "missing-id.csv": (":3", "'id'", "required"),
    "duplicate-conflict.jsonl": (":3", "arn:aws:s3:::one", "line 1"),
    "invalid-utf8.csv": (":2", "UTF-8"),
    "nul-byte.jsonl": (":2", "NUL"),
    "code-tag.yaml": (":4", "python/object/apply"),
    "unbalanced-quote.csv": (":3", "quote"),
    "empty.json": ("empty",),
    "wrong-asset-type.json": ("[0]", "'asset_type'", "provider:service:kind"),
    "unknown-column.csv": (":1", "colour"),
    "relationship-without-type.jsonl": (":2", "'type'", "required"),
    "not-a-number.json": ("assets[0]", "'properties.size'", "not a finite number"),
    "scalar.json": ("expected a list of assets",),
    "bad-indent.yaml": (":4", "invalid YAML"),
    "naive-timestamp.json": ("'first_seen'", "timezone"),
    "bad-properties-cell.csv": (":2", "'properties'", "JSON object"),
    "alias-bomb.yaml": ("aliases",),
}


def generated_files(directory: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """Cases too big or too deep to check in."""
    huge = directory / "huge-field.jsonl"
    with huge.open("w") as out:
        out.write(GOOD)
        out.write('{"id": "arn:aws:s3:::big", "provider": "aws", "asset_type": "aws:s3:bucket",'
                  ' "properties": {"blob": "' + "x" * MAX_LINE_BYTES + '"}}\n')
    deep = directory / "deep.json"
    nested = "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10)
    deep.write_text('[{"id": "x", "provider": "aws", "asset_type": "aws:s3:bucket", '
                    f'"properties": {{"deep": {nested}}}}}]')
    deeper = directory / "deeper.jsonl"  # beyond every parser's recursion limit
    nested = "[" * 100_000 + "]" * 100_000
    deeper.write_text('{"id": "x", "provider": "aws", "asset_type": "aws:s3:bucket", '
                      f'"properties": {{"deep": {nested}}}}}\n')
    folder = directory / "a-directory"
    folder.mkdir()
    return {"huge": (huge, (":2", "longer than 16 MiB")),
            "deep": (deep, ("deeper than 64",)),
            "deeper": (deeper, (":1", "deeper than 64")),
            "directory": (folder, ("is a directory",)),
            "missing": (directory / "no-such-file.json", ("no such file",))}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_refused_naming_file_and_place(name: str,
                                                   refuse: Callable[..., str]) -> None:
    """Each corpus file: exit 2, one line naming the file, line/record and field."""
    line = refuse(CORPUS / name)
    assert name in line
    for expected in CASES[name]:
        assert expected in line, line


@pytest.mark.parametrize("name", ["huge", "deep", "deeper", "directory", "missing"])
def test_generated_bad_input_is_refused(name: str, refuse: Callable[..., str],
                                        tmp_path: Path) -> None:
    """Huge fields, deep nesting, directories and missing paths: exit 2, one clear line."""
    path, expected = generated_files(tmp_path)[name]
    line = refuse(path)
    assert path.name in line
    for part in expected:
        assert part in line, line


def test_yaml_tag_does_not_run_code(refuse: Callable[..., str], tmp_path: Path) -> None:
    """A YAML tag that would call os.system is refused without running anything."""
    refuse(CORPUS / "code-tag.yaml")
    assert not (tmp_path / "pwned-by-yaml").exists()


def test_bad_file_among_good_ones_stops_everything(refuse: Callable[..., str],
                                                   good_file: Path) -> None:
    """One bad file among good ones collects nothing at all, the good ones included."""
    line = refuse(good_file, CORPUS / "wrong-type.jsonl")
    assert "wrong-type.jsonl:2" in line


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    """A valid file whose collection would change the store."""
    path = tmp_path / "good.jsonl"
    path.write_text(GOOD.replace("kept", "added"))
    return path


def test_unknown_db_scheme_is_refused(refuse: Callable[..., str], good_file: Path) -> None:
    """--db with a scheme no repository serves: exit 2, the available schemes listed."""
    line = refuse(good_file, db="mongodb://localhost/inventory")
    assert "mongodb" in line and "sqlite" in line


def test_read_only_store_is_refused(refuse: Callable[..., str], good_file: Path,
                                    store: str) -> None:
    """A store opened read-only (?mode=ro) refuses a collection and stays as it was."""
    assert "read-only" in refuse(good_file, db=store + "?mode=ro")


def test_locked_store_is_refused(refuse: Callable[..., str], good_file: Path,
                                 store: str) -> None:
    """A store another process holds locked: exit 2 naming the lock, nothing written."""
    holder = sqlite3.connect(store.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        line = refuse(good_file, db=store + "?timeout=0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in line


def test_foreign_database_is_refused_unchanged(run_cloudscope: Callable[..., Any],
                                               good_file: Path, tmp_path: Path) -> None:
    """A SQLite file of another application: exit 2, one line, its bytes untouched."""
    foreign = tmp_path / "invoices.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    before = foreign.read_bytes()
    result = run_cloudscope("collect", "file", str(good_file), "--db", f"sqlite:///{foreign}")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "not a CloudScope database" in result.stderr
    assert foreign.read_bytes() == before
