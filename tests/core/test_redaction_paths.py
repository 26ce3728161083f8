"""No planted secret reaches the user by any way out of the command line: exports,
``assets show`` and ``list``, ``assess``, one-line errors, usage errors and ``--debug``
tracebacks. Log lines are covered in test_redaction.py."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.cli.main import main
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.redaction import REDACTED
from cloudscope.domain.relationship import Relationship
from cloudscope.testing.exporter_contract import Estate, write_estate
from cloudscope.testing.plugin import CliResult

# A plain module beside the tests; with --import-mode=importlib its directory is not on
# sys.path by itself.
sys.path.insert(0, str(Path(__file__).parent))
from redaction_corpus import PLANTED, visible

ACCOUNT = "111122223333"
EXTRA = {"tag": "TagPl4ntedSecret01", "relationship": "RelPl4ntedToken02",
         "title": "TitlePl4nted03", "detail": "DetailPl4nted04", "evidence": "EvidPl4nted05"}
SECRETS = [secret for _, _, secret in PLANTED] + list(EXTRA.values())
SHOWN = ["DSN password containing @", "Azure listKeys entry", "base64 user data"]


def asset_id(index: int) -> str:
    """The id of the asset that holds planted case ``index``."""
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-{index:017x}"


def leaks(text: str) -> list[str]:
    """The planted secrets that ``text`` shows, even re-encoded in base64."""
    seen = visible(text)
    return [secret for secret in SECRETS if secret in seen]


@pytest.fixture
def planted_url(sqlite_url: str) -> str:
    """A store with one asset per planted case (its properties, or text in a property),
    a secret-named tag, a relationship and a finding that carry secrets too."""
    estate = Estate()
    for index, (label, value, _) in enumerate(PLANTED):
        properties = value if isinstance(value, dict) else {"Note": value}
        estate.add("aws:ec2:instance", asset_id(index), f"case-{index}", ACCOUNT, "us-east-1",
                   properties=properties, tags={"case": label[:50]})
    first = estate.assets[asset_id(0)]
    first.tags["db-password"] = EXTRA["tag"]
    estate.relationships.append(Relationship(
        source_id=asset_id(0), type="HAS_ROLE", target_id=asset_id(1),
        properties={"session_token": EXTRA["relationship"]}))
    estate.findings.append(Finding(
        rule_id="test.planted", asset_id=asset_id(0), severity=Severity.HIGH,
        title=f"token={EXTRA['title']}", detail=f"password: {EXTRA['detail']}",
        evidence={"sample": f"Authorization: Basic {EXTRA['evidence']}"}))
    with SQLiteRepository(sqlite_url) as repository:
        write_estate(repository, estate)
    return sqlite_url


def one_line_error(result: CliResult) -> str:
    """The single stderr line of a command that failed with exit code 2."""
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("format_name", ["csv", "json", "jsonl"])
def test_exports_carry_no_planted_secret(run_cloudscope: Callable[..., CliResult],
                                         planted_url: str, tmp_path: Path,
                                         format_name: str) -> None:
    """Every planted secret is redacted in an export written by the real command."""
    output = tmp_path / f"estate.{format_name}"
    result = run_cloudscope("export", format_name, "--db", planted_url, "--output", str(output))
    assert result.exit_code == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    assert leaks(text + result.stdout + result.stderr) == []
    assert text.count(REDACTED) >= len(PLANTED)


def test_assets_show_carries_no_planted_secret(planted_url: str) -> None:
    """``assets show`` of every planted asset: no secret in properties, tags, findings."""
    for index in range(len(PLANTED)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["assets", "show", asset_id(index), "--db", planted_url]) == 0
        assert leaks(out.getvalue()) == [], PLANTED[index][0]
        assert REDACTED in visible(out.getvalue())


@pytest.mark.parametrize("label", SHOWN)
def test_assets_show_json_carries_no_planted_secret(run_cloudscope: Callable[..., CliResult],
                                                    planted_url: str, label: str) -> None:
    """``assets show --format json`` through the real command redacts as the exports do."""
    index = [case[0] for case in PLANTED].index(label)
    result = run_cloudscope("assets", "show", asset_id(index), "--db", planted_url,
                            "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert leaks(result.stdout) == [] and REDACTED in visible(result.stdout)


def test_assets_list_json_carries_no_planted_secret(run_cloudscope: Callable[..., CliResult],
                                                    planted_url: str) -> None:
    """``assets list --format jsonl`` prints whole assets: redacted like an export."""
    result = run_cloudscope("assets", "list", "--db", planted_url, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(PLANTED)
    assert leaks(result.stdout) == []


def test_assess_output_carries_no_planted_secret(run_cloudscope: Callable[..., CliResult],
                                                 planted_url: str) -> None:
    """``assess --format json`` prints findings and their evidence redacted."""
    result = run_cloudscope("assess", "--db", planted_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert leaks(result.stdout + result.stderr) == []


def test_one_line_error_quoting_a_secret_is_redacted(
        run_cloudscope: Callable[..., CliResult], tmp_path: Path) -> None:
    """An error that quotes the user's input shows it with the secret redacted."""
    line = one_line_error(run_cloudscope("assets", "list", "--db", "DSN password=Pl4ntedErr01"))
    assert "is not a store URL" in line and f"password={REDACTED}" in line
    assert "Pl4ntedErr01" not in line


def test_debug_traceback_is_redacted(run_cloudscope: Callable[..., CliResult]) -> None:
    """--debug prints the traceback, its messages redacted like the one-line error."""
    result = run_cloudscope("--debug", "assets", "list", "--db", "DSN password=Pl4ntedErr01")
    assert result.exit_code == 2 and "Traceback (most recent call last)" in result.stderr
    assert "Pl4ntedErr01" not in result.stderr


def test_usage_error_quoting_a_secret_is_redacted(run_cloudscope: Callable[..., CliResult],
                                                  planted_url: str) -> None:
    """argparse quotes an unknown argument; a secret given by mistake is redacted."""
    result = run_cloudscope("export", "csv", "--db", planted_url, "--password=Pl4ntedArg01")
    assert result.exit_code == 2 and "unrecognized arguments" in result.stderr
    assert "Pl4ntedArg01" not in result.stderr


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["one-line", "debug"])
def test_postgresql_url_error_does_not_echo_the_password(
        run_cloudscope: Callable[..., CliResult], debug: list[str]) -> None:
    """An unreachable server named by a URL whose password holds an @: no part of the
    password in the error or the traceback (libpq would split at the first @)."""
    pytest.importorskip("psycopg", reason="the postgresql extra is not installed")
    result = run_cloudscope(*debug, "assets", "list", "--db",
                            "postgresql://user:pa@ss@127.0.0.1:1/db")
    line = one_line_error(result) if not debug else result.stderr.strip().splitlines()[-1]
    assert result.exit_code == 2
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/db" in line
    assert "Connection refused" in line
    assert "pa@ss" not in result.stderr and "ss@127" not in result.stderr
