"""`cloudscope export` end to end, in a subprocess: outputs, filters and bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from cloudscope.testing.exporter_contract import ACCOUNT_B, SECRET, Estate


@pytest.fixture
def read_only_directory(tmp_path: Path) -> Path:
    """A directory where files cannot be created, even by root (who ignores modes)."""
    if os.geteuid() == 0:
        # Root bypasses permission bits; sysfs refuses new files to everyone.
        if not Path("/sys/kernel").is_dir():
            pytest.skip("running as root without /sys: no directory refuses root's writes")
        return Path("/sys/kernel")
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    return directory


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cloudscope: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_csv_to_a_file_with_filters(run_cloudscope, estate_url: str, estate: Estate,
                                    tmp_path: Path) -> None:
    """`export csv --account A --output F` writes F with A's assets and says so on stderr."""
    result = run_cloudscope("export", "csv", "--db", estate_url, "--account", ACCOUNT_B,
                            "--output", "b.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "exported 2 assets" in result.stderr
    rows = list(csv.DictReader((tmp_path / "b.csv").open(encoding="utf-8", newline="")))
    assert [row["id"] for row in rows] == estate.ids(account=ACCOUNT_B)


def test_jsonl_to_stdout_by_default(run_cloudscope, estate_url: str, estate: Estate) -> None:
    """Without --output the export goes to stdout, and holds no secret."""
    result = run_cloudscope("export", "jsonl", "--db", estate_url)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == estate.ids()
    assert SECRET not in result.stdout


def test_empty_store_gives_a_valid_empty_export(run_cloudscope, sqlite_url: str) -> None:
    """An empty store exports a valid JSON document with no assets, exit 0."""
    assert run_cloudscope("db", "migrate", "--db", sqlite_url).exit_code == 0
    result = run_cloudscope("export", "json", "--db", sqlite_url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["assets"] == 0


def test_unknown_format_is_one_line_naming_the_formats(run_cloudscope, sqlite_url: str) -> None:
    """An unknown format: exit 2, one line listing or suggesting the formats."""
    result = run_cloudscope("export", "jsn", "--db", sqlite_url)
    assert_one_line_error(result, "no exporter named 'jsn'", "json")


def test_output_in_a_missing_directory_is_one_line(run_cloudscope, estate_url: str,
                                                   tmp_path: Path) -> None:
    """An output in a missing directory: exit 2, one line, nothing created."""
    result = run_cloudscope("export", "csv", "--db", estate_url, "--output",
                            str(tmp_path / "missing" / "x.csv"))
    assert_one_line_error(result, "does not exist")
    assert not (tmp_path / "missing").exists()


def test_output_in_a_read_only_directory_is_one_line(run_cloudscope, estate_url: str,
                                                     read_only_directory: Path) -> None:
    """An output in a read-only directory: exit 2, one line, no file."""
    result = run_cloudscope("export", "csv", "--db", estate_url, "--output",
                            str(read_only_directory / "x.csv"))
    assert_one_line_error(result, str(read_only_directory))
    assert not (read_only_directory / "x.csv").exists()


def test_max_tokens_too_small_is_one_line_and_leaves_no_file(run_cloudscope, estate_url: str,
                                                             tmp_path: Path) -> None:
    """A budget too small for one row: exit 2, one line, no part file left."""
    result = run_cloudscope("export", "csv", "--db", estate_url, "--max-tokens", "40",
                            "--output", "x.csv")
    assert_one_line_error(result, "--max-tokens 40 is too small")
    assert [p.name for p in tmp_path.iterdir() if "x" in p.name] == []


def test_bad_format_option_is_one_line(run_cloudscope, estate_url: str) -> None:
    """A malformed format option is a usage error on one line."""
    result = run_cloudscope("export", "csv", "--db", estate_url, "--max-tokens", "zero")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--max-tokens" in result.stderr


def test_format_help_lists_its_options(run_cloudscope) -> None:
    """`export csv --help` shows the output, filter and csv options."""
    result = run_cloudscope("export", "csv", "--help")
    assert result.exit_code == 0
    for option in ("--output", "--account", "--tag", "--columns", "--dictionary",
                   "--max-tokens"):
        assert option in result.stdout


def test_dot_to_stdout_around_an_asset(run_cloudscope, estate_url: str) -> None:
    """`export dot --around ID --depth 1` draws the neighbourhood on stdout."""
    vpc = "arn:aws:ec2:eu-west-1:444455556666:vpc/vpc-0batch"
    result = run_cloudscope("export", "dot", "--db", estate_url, "--around", vpc)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("[label=") == 3  # two nodes, one edge
    assert "IN_NETWORK" in result.stdout


def test_csv_opens_as_a_table_in_the_documented_shape(run_cloudscope, estate_url: str) -> None:
    """The CSV on stdout parses with the csv module into rows of equal width."""
    result = run_cloudscope("export", "csv", "--db", estate_url, "--columns",
                            "id,name,findings")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "name", "findings"]
    assert {len(row) for row in rows} == {3}


def test_output_onto_the_store_itself_is_refused(run_cloudscope, estate_url: str) -> None:
    """`--output` naming the SQLite store's file is refused; the store stays intact."""
    store = estate_url.removeprefix("sqlite:///")
    before = Path(store).stat().st_size
    result = run_cloudscope("export", "csv", "--db", estate_url, "--output", store)
    assert_one_line_error(result, "is the store itself")
    assert Path(store).stat().st_size == before
