"""``export csv --changed-since``: a column saying what changed about each asset since a
run, a time or a duration, from the store's change log."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.cli.main import main

BUCKET = "arn:aws:s3:::export-data"
QUEUE = "arn:aws:sqs:us-east-1:111122223333:export-queue"
EVERYONE = {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"}


def estate(version: int) -> dict[str, Any]:
    """A bucket made public and tagged in version 2; a queue that never changes."""
    return {"assets": [
        {"id": BUCKET, "provider": "aws", "asset_type": "aws:s3:bucket", "name": "export-data",
         "account": "111122223333", "region": "us-east-1",
         "tags": {"owner": "alice"} if version > 1 else {},
         "properties": {"Name": "export-data", "Acl": {"Grants": [EVERYONE] * (version > 1)}}},
        {"id": QUEUE, "provider": "aws", "asset_type": "aws:sqs:queue", "name": "export-queue",
         "account": "111122223333", "region": "us-east-1"}]}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """The real CLI in this process: ``code, stdout, stderr = cli(...)``."""
    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def changed(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> tuple[str, str]:
    """A store collected and assessed, then collected and assessed after the edits; its
    URL and the first assessment's run id."""
    db = f"sqlite:///{tmp_path / 'export.db'}"
    path = tmp_path / "estate.json"
    first = ""
    for version in (1, 2):
        path.write_text(json.dumps(estate(version)), encoding="utf-8")
        assert cli("collect", "file", str(path), "--db", db)[0] == 0
        code, out, _ = cli("assess", "--db", db, "--format", "json")
        assert code == 0
        first = first or json.loads(out)["run_id"]
    return db, first


def rows(text: str) -> dict[str, dict[str, str]]:
    """CSV rows by id."""
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_the_column_says_what_changed_since_the_run(cli: Any, changed: tuple[str, str]) -> None:
    """After the first assessment: the bucket's changed paths and its new finding; nothing
    for the queue. The column comes last."""
    db, first = changed
    code, out, err = cli("export", "csv", "--db", db, "--changed-since", first)
    assert code == 0, err
    assert out.splitlines()[0].split(",")[-1] == "changed_since"
    found = rows(out)
    assert found[BUCKET]["changed_since"] == (
        "modified(tags.owner, properties.Acl.Grants[0]); "
        "finding-new(high:aws.s3.bucket-acl-public)")
    assert found[QUEUE]["changed_since"] == ""


def test_the_column_can_be_chosen_and_a_duration_given(cli: Any, changed: tuple[str, str]) -> None:
    """--columns may place it; a duration covers the whole story (both collections)."""
    db, _ = changed
    code, out, _ = cli("export", "csv", "--db", db, "--changed-since", "1h",
                       "--columns", "changed_since,id")
    assert code == 0 and out.splitlines()[0] == "changed_since,id"
    assert rows(out)[QUEUE]["changed_since"] == "added"
    assert rows(out)[BUCKET]["changed_since"].startswith("added; finding-new(")


@pytest.mark.parametrize(("args", "message"), [
    (("--changed-since", "yesterday"), "--changed-since 'yesterday': not a run id"),
    (("--columns", "id,changed_since"), "--columns: unknown column changed_since (it needs "
                                        "--changed-since)"),
])
def test_bad_use_is_one_line_and_writes_nothing(cli: Any, changed: tuple[str, str],
                                                tmp_path: Path, args: tuple[str, ...],
                                                message: str) -> None:
    """A window that cannot be read, or the column without the option: exit 2, one line,
    no file."""
    db, _ = changed
    code, out, err = cli("export", "csv", "--db", db, *args, "--output", str(tmp_path / "o.csv"))
    assert (code, out) == (2, "")
    assert err.startswith(f"cloudscope: error: {message}") and len(err.splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_the_dictionary_explains_the_column(cli: Any, changed: tuple[str, str],
                                            tmp_path: Path) -> None:
    """--dictionary describes changed_since when it is written."""
    db, first = changed
    code, _, _ = cli("export", "csv", "--db", db, "--changed-since", first, "--output",
                     str(tmp_path / "o.csv"), "--dictionary", str(tmp_path / "o.md"))
    assert code == 0
    assert "| `changed_since` | With --changed-since: what changed" in \
        (tmp_path / "o.md").read_text(encoding="utf-8")
