"""``cloudscope changes``, ``assets history`` and ``db prune`` as a user meets them: the
formats, the windows, the filters, the errors (one line, exit 2) and retention."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cloudscope.cli.main import main

BUCKET = "arn:aws:s3:::cli-data"
QUEUE = "arn:aws:sqs:us-east-1:111122223333:=cmd|calc"


def estate(version: int) -> dict[str, Any]:
    """A bucket whose ACL opens in version 2, and a queue (its name a spreadsheet formula)
    tagged in version 2."""
    grants = [{"Grantee": {"Type": "Group",
                           "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
               "Permission": "READ"}] * (version > 1)
    return {"assets": [
        {"id": BUCKET, "provider": "aws", "asset_type": "aws:s3:bucket", "name": "cli-data",
         "account": "111122223333", "region": "us-east-1", "tags": {"env": "prod"},
         "properties": {"Name": "cli-data", "Acl": {"Grants": grants}}},
        {"id": QUEUE, "provider": "aws", "asset_type": "aws:sqs:queue", "name": "=cmd|calc",
         "account": "111122223333", "region": "us-east-1",
         "tags": {"env": "dev", **({"team": "ops"} if version > 1 else {})}}]}


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
def store(cli: Callable[..., tuple[int, str, str]], tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A store collected twice (the second time after the edits) and assessed after each:
    its URL and the run ids (``collect1``, ``assess1``, ``collect2``, ``assess2``)."""
    monkeypatch.delenv("CLOUDSCOPE_CHANGES_KEEP_DAYS", raising=False)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "estate.json"
    runs = {"db": db}
    for version in (1, 2):
        path.write_text(json.dumps(estate(version)), encoding="utf-8")
        code, out, err = cli("collect", "file", str(path), "--db", db, "--format", "json")
        assert code == 0, err
        runs[f"collect{version}"] = json.loads(out)["run_id"]
        code, out, err = cli("assess", "--db", db, "--format", "json")
        assert code == 0, err
        runs[f"assess{version}"] = json.loads(out)["run_id"]
    return runs


def kinds(out: str) -> list[tuple[str, str]]:
    """(change, asset id) of each line of JSON Lines output."""
    return [(c["change"], c["asset_id"]) for c in map(json.loads, out.splitlines())]


def test_json_is_one_document_with_the_window_and_counts(cli: Any, store: dict[str, str]) -> None:
    """``--format json``: since, until, the changes in order, and the counts by kind."""
    code, out, _ = cli("changes", "--db", store["db"], "--since", store["assess1"],
                       "--format", "json")
    document = json.loads(out)
    assert code == 0 and list(document) == ["since", "until", "changes", "counts"]
    assert document["until"] is None and document["since"].endswith("Z")
    assert [(c["change"], c["asset_id"]) for c in document["changes"]] == [
        ("modified", BUCKET), ("modified", QUEUE), ("finding-new", BUCKET)]
    assert document["counts"] == {"finding-new": 1, "modified": 2}
    first = document["changes"][0]
    assert list(first)[:7] == ["change", "asset_id", "asset_type", "name", "run_id", "at",
                               "fields"]
    assert first["run_id"] == store["collect2"] and first["findings"][0]["severity"] == "high"


def test_csv_has_one_row_per_change_with_a_readable_diff(cli: Any, store: dict[str, str]) -> None:
    """CSV for spreadsheets and models: fixed columns, ``path: before -> after`` diffs, the
    risk a change brought, and a cell that would be a formula neutralised."""
    code, out, _ = cli("changes", "--db", store["db"], "--since", store["assess1"],
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["change"] for r in rows] == ["modified", "modified", "finding-new"]
    assert rows[0]["diff"] == ('properties.Acl.Grants[0]: null -> {"Grantee":{"Type":"Group",'
                               '"URI":"http://acs.amazonaws.com/groups/global/AllUsers"},'
                               '"Permission":"READ"}')
    assert rows[0]["risk"] == "new high:aws.s3.bucket-acl-public"
    assert rows[1]["diff"] == "tags.team: null -> ops" and rows[1]["name"] == "'=cmd|calc"
    assert rows[2]["risk"] == "caused by modified cli-data (properties.Acl.Grants[0])"


def test_table_lists_changes_their_risk_and_a_count(cli: Any, store: dict[str, str]) -> None:
    """The table: one line per change, the risk under it, a summary line."""
    code, out, _ = cli("changes", "--db", store["db"], "--since", store["assess1"])
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["AT", "CHANGE", "ASSET", "WHAT"]
    assert "=> new high:aws.s3.bucket-acl-public" in lines[2]
    assert lines[-1] == "3 changes: 2 modified, 1 finding-new"
    assert cli("changes", "--db", store["db"], "--since", "2099-01-01")[1].splitlines()[-1] == \
        "(no changes)"


@pytest.mark.parametrize(("window", "expected"), [
    (("--until", "collect1"), [("added", BUCKET), ("added", QUEUE)]),
    (("--since", "collect1", "--until", "assess1"), [("finding-new", BUCKET)] * 3),
    (("--since", "assess1", "--until", "collect2"), [("modified", BUCKET), ("modified", QUEUE)]),
    (("--since", "collect2", "--until", "assess2"), [("finding-new", BUCKET)]),
    (("--since", "1h"), None),
    (("--since", "2000-01-01"), None),
])
def test_windows_take_run_ids_times_and_durations(cli: Any, store: dict[str, str],
                                                  window: tuple[str, ...],
                                                  expected: list[tuple[str, str]] | None) -> None:
    """--since (exclusive) and --until (inclusive) take run ids, ISO times and durations;
    everything recorded in the last hour, or since 2000, is the whole log."""
    args = [store.get(part, part) for part in window]
    code, out, err = cli("changes", "--db", store["db"], *args, "--format", "jsonl")
    assert code == 0, err
    everything = kinds(cli("changes", "--db", store["db"], "--format", "jsonl")[1])
    assert kinds(out) == (everything if expected is None else expected)


def test_a_run_id_prefix_names_its_run(cli: Any, store: dict[str, str]) -> None:
    """A unique prefix of at least six characters stands for the run id."""
    whole = cli("changes", "--db", store["db"], "--since", store["collect2"])[1]
    assert cli("changes", "--db", store["db"], "--since", store["collect2"][:8])[1] == whole


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "last tuesday"), "--since 'last tuesday': not a run id, an ISO 8601 time or "
                                  "a duration"),
    (("--since", "1h", "--until", "2h"), "--until '2h' is not after --since '1h'"),
    (("--tag", "novalue"), "--tag 'novalue': expected KEY=VALUE"),
])
def test_bad_windows_and_filters_are_one_line_exit_2(cli: Any, store: dict[str, str],
                                                     args: tuple[str, ...], message: str) -> None:
    """A window or filter that cannot be read: exit 2, one line naming it."""
    code, out, err = cli("changes", "--db", store["db"], *args)
    assert (code, out) == (2, "")
    assert err.startswith(f"cloudscope: error: {message}") and len(err.splitlines()) == 1


def test_filters_select_by_type_and_current_tags(cli: Any, store: dict[str, str]) -> None:
    """The filters of ``assets list``: type, tags the asset has now, account, region."""
    db = store["db"]
    assert kinds(cli("changes", "--db", db, "--type", "aws:sqs:queue", "--format", "jsonl")[1]) \
        == [("added", QUEUE), ("modified", QUEUE)]
    assert kinds(cli("changes", "--db", db, "--tag", "team=ops", "--format", "jsonl")[1]) == \
        [("added", QUEUE), ("modified", QUEUE)]
    assert cli("changes", "--db", db, "--region", "eu-west-1", "--format", "jsonl")[1] == ""


def test_findings_only_lists_finding_changes_with_their_causes(cli: Any,
                                                                store: dict[str, str]) -> None:
    """Only new and resolved findings, each with the changes that caused it."""
    out = cli("changes", "--db", store["db"], "--since", store["collect2"], "--findings-only",
              "--format", "jsonl")[1]
    (finding,) = map(json.loads, out.splitlines())
    assert (finding["change"], finding["run_id"]) == ("finding-new", store["assess2"])
    assert [(c["change"], c["paths"]) for c in finding["causes"]] == [
        ("modified", ["properties.Acl.Grants[0]"])]


def test_assets_history_tells_one_asset_oldest_first(cli: Any, store: dict[str, str]) -> None:
    """An asset's history: its changes and its findings' changes, in order (the first
    assessment found three findings of the bucket, the second a fourth)."""
    code, out, _ = cli("assets", "history", BUCKET, "--db", store["db"], "--format", "json")
    history = json.loads(out)
    assert code == 0 and history["asset_id"] == BUCKET
    assert [c["change"] for c in history["changes"]] == \
        ["added", *["finding-new"] * 3, "modified", "finding-new"]
    table = cli("assets", "history", BUCKET, "--db", store["db"])[1]
    assert table.splitlines()[-1] == "6 changes: 1 added, 1 modified, 4 finding-new"


def test_history_of_an_unknown_asset_is_one_line_exit_2(cli: Any, store: dict[str, str]) -> None:
    """An id the store never held: exit 2, one line."""
    code, out, err = cli("assets", "history", "arn:aws:s3:::nope", "--db", store["db"])
    assert (code, out) == (2, "")
    assert err.startswith("cloudscope: error: no asset with id 'arn:aws:s3:::nope'")


def test_db_prune_deletes_older_history(cli: Any, store: dict[str, str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``db prune --keep-days N`` deletes changes older than N days (none here, yet); the
    configured ``changes.keep_days`` is its default; without either it is exit 2."""
    code, out, _ = cli("db", "prune", "--keep-days", "30", "--db", store["db"], "--format", "json")
    report = json.loads(out)
    assert code == 0 and (report["changes"], report["assets"]) == (0, 0)
    cutoff = datetime.fromisoformat(report["before"])
    assert abs(cutoff - (datetime.now(UTC) - timedelta(days=30))) < timedelta(minutes=1)
    code, _, err = cli("db", "prune", "--db", store["db"])
    assert code == 2 and "give --keep-days N, or set changes.keep_days" in err
    monkeypatch.setenv("CLOUDSCOPE_CHANGES_KEEP_DAYS", "7")
    code, out, _ = cli("db", "prune", "--db", store["db"])
    assert code == 0 and out.startswith("pruned 0 changes and 0 removed assets older than ")


def test_retention_applies_after_collect(cli: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With changes.keep_days set, each collect deletes the history older than that: with
    the clock moved 10 days on, everything recorded before is older than 7 days and goes."""
    import cloudscope.application.changes as changes

    db = f"sqlite:///{tmp_path / 'retained.db'}"
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(estate(1)), encoding="utf-8")
    assert cli("collect", "file", str(path), "--db", db)[0] == 0
    later = datetime.now(UTC) + timedelta(days=10)
    monkeypatch.setattr(changes, "utc_now", lambda: later)
    monkeypatch.setenv("CLOUDSCOPE_CHANGES_KEEP_DAYS", "7")
    path.write_text(json.dumps(estate(2)), encoding="utf-8")
    assert cli("collect", "file", str(path), "--db", db)[0] == 0
    assert kinds(cli("changes", "--db", db, "--format", "jsonl")[1]) == []


def test_a_store_without_a_change_log_says_so(cli: Any, tmp_path: Path,
                                              fake_distribution: Callable[..., Any]) -> None:
    """A repository plugin that keeps the API 1.0 default: ``changes``, ``assets history``
    and ``db prune`` answer with one line and exit 2; collecting into it still works."""
    fake_distribution("cloudscope-legacy-store", entry_points={"legacy": "legacy_store"},
                      modules={"legacy_store": """
        from cloudscope.api import Repository, hookimpl
        from cloudscope.adapters.sqlite_repository import SQLiteRepository

        CLOUDSCOPE_API = ">=1.0,<2"

        class LegacyRepository(SQLiteRepository):
            has_change_log = Repository.has_change_log
            iter_changes = Repository.iter_changes
            prune = Repository.prune

        @hookimpl
        def cloudscope_register_repositories(register):
            register("legacy", LegacyRepository)
        """})
    db = f"legacy:///{tmp_path / 'legacy.db'}"
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(estate(1)), encoding="utf-8")
    assert cli("collect", "file", str(path), "--db", db)[0] == 0
    for args in (("changes",), ("assets", "history", BUCKET), ("db", "prune", "--keep-days", "1")):
        code, out, err = cli(*args, "--db", db)
        assert (code, out) == (2, ""), args
        assert err == ("cloudscope: error: this store (LegacyRepository) keeps no change log "
                       "(change tracking needs a sqlite://, postgresql:// or file:// store, or "
                       "a repository plugin that keeps one (API 1.1))\n")
