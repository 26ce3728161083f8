"""Stored text never drives the terminal: every human-readable printer escapes controls.

Issue 12: names, tags and regions with ESC, BEL or bidi controls were written raw by
``assets list`` and ``assets show``: an asset could clear the screen, retitle the window
or make ``evil.exe`` read as ``exe.png``. Tables, text, summaries and error lines now show
control characters (C0, DEL, C1, bidi controls, line separators, lone surrogates) escaped;
JSON output stays exact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.domain.printable import printable
from cloudscope.testing.plugin import FakeDistribution

from tests.hostile.conftest import assert_one_clean_line

# What must never reach a terminal raw (the classes printable escapes).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                 "\u2066-\u2069\ud800-\udfff]")
NAME = "evil\x1b]0;owned\x07\u202egpj.exe"
ASSET = {"id": "arn:aws:s3:::hostile", "provider": "aws", "asset_type": "aws:s3:bucket",
         "name": NAME, "account": "acct\x9b31m", "region": "eu\u2066west\u2069",
         "tags": {"owner\x1b[8m": "team\u2028two", "bell": "\x07\x07"}}


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[31m", "\\x1b[31m"), ("\x07", "\\x07"), ("\x00", "\\x00"), ("\x7f", "\\x7f"),
    ("\x9b", "\\x9b"), ("\x85", "\\x85"), ("\u202e", "\\u202e"), ("\u2066", "\\u2066"),
    ("\u200f", "\\u200f"), ("\u2028", "\\u2028"), ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
    ("\udcff", "\\xff"), ("café ☁ 東京", "café ☁ 東京"),
])
def test_printable_escapes_controls_and_keeps_text(text: str, shown: str) -> None:
    """Controls, bidi controls and surrogates are escaped; letters and symbols are not."""
    assert printable(text) == shown


def assert_safe(*texts: str) -> None:
    """No raw control character in any of ``texts`` (newlines and tabs between lines and
    cells are the printer's own)."""
    for text in texts:
        assert RAW.search(text) is None, repr(text)


@pytest.fixture
def hostile_store(run_cloudscope: Callable[..., Any], tmp_path: Path) -> str:
    """A store holding an asset whose name, account, region and tags carry controls."""
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(ASSET) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    result = run_cloudscope("collect", "file", str(path), "--db", url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return url


def test_assets_list_table_escapes(run_cloudscope: Callable[..., Any], hostile_store: str) -> None:
    """The table shows the name escaped, columns intact."""
    result = run_cloudscope("assets", "list", "--db", hostile_store)
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout, result.stderr)
    assert "evil\\x1b]0;owned\\x07\\u202egpj.exe" in result.stdout
    assert "acct\\x9b31m" in result.stdout and "eu\\u2066west\\u2069" in result.stdout


def test_assets_show_text_escapes(run_cloudscope: Callable[..., Any], hostile_store: str) -> None:
    """assets show (text) escapes name, account, region, tag keys and values."""
    result = run_cloudscope("assets", "show", "--db", hostile_store, ASSET["id"])
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout, result.stderr)
    assert "owner\\x1b[8m=team\\u2028two" in result.stdout and "bell=\\x07\\x07" in result.stdout


@pytest.mark.parametrize("command", [("assets", "list", "--format", "json"),
                                     ("assets", "list", "--format", "jsonl"),
                                     ("assets", "show", ASSET["id"], "--format", "json")])
def test_json_output_stays_exact(command: tuple[str, ...], run_cloudscope: Callable[..., Any],
                                 hostile_store: str) -> None:
    """JSON is data, not display: the stored strings come back exactly."""
    result = run_cloudscope(*command, "--db", hostile_store)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout) if "jsonl" not in command else \
        json.loads(result.stdout.split("\n")[0])  # not splitlines: U+2028 is data
    asset = document[0] if isinstance(document, list) else document.get("asset", document)
    assert {key: asset[key] for key in ("name", "account", "region", "tags")} == \
        {key: ASSET[key] for key in ("name", "account", "region", "tags")}


def test_collect_summary_escapes_the_file_name(run_cloudscope: Callable[..., Any],
                                               tmp_path: Path) -> None:
    """The text summary names the file (the scope) escaped."""
    path = tmp_path / "in\x1b[2Jventory\u202e.jsonl"
    path.write_text(json.dumps(ASSET) + "\n", encoding="utf-8")
    result = run_cloudscope("collect", "file", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout, result.stderr)
    assert "in\\x1b[2Jventory\\u202e.jsonl" in result.stdout


def test_an_error_line_escapes_what_the_user_typed(run_cloudscope: Callable[..., Any],
                                                   hostile_store: str) -> None:
    """An unknown id with ESC and a newline: one escaped line, exit 2."""
    result = run_cloudscope("assets", "show", "--db", hostile_store, "nope\x1b[2J\nsecond")
    line = assert_one_clean_line(result, 2)
    assert_safe(result.stderr)
    assert "nope\\x1b[2J\\nsecond" in line


def test_a_usage_error_escapes_the_argument(run_cloudscope: Callable[..., Any]) -> None:
    """argparse's own messages (an invalid choice) go through the same escaping."""
    result = run_cloudscope("assets", "list", "--format", "\u202etable\x1b[5m")
    assert_one_clean_line(result, 2)
    assert_safe(result.stderr)


def test_export_summary_escapes_the_output_name(run_cloudscope: Callable[..., Any],
                                                hostile_store: str, tmp_path: Path) -> None:
    """The "exported N assets to FILE" line shows the file name escaped."""
    out = tmp_path / "out\x1b[2J\u202e.csv"
    result = run_cloudscope("export", "csv", "--db", hostile_store, "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.is_file()
    assert_safe(result.stderr)
    assert "out\\x1b[2J\\u202e.csv" in result.stderr


def test_assess_table_escapes_titles_and_ids(run_cloudscope: Callable[..., Any],
                                             hostile_store: str, tmp_path: Path) -> None:
    """A user rule whose title holds ESC and a bidi override: the findings table escapes it."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(
        'rules:\n  - id: team.s3.any\n    title: "\\e]0;owned\\a\\u202eclear"\n'
        "    severity: low\n    asset_types: [aws:s3:bucket]\n"
        '    when: {path: "@id", op: exists}\n', encoding="utf-8")
    result = run_cloudscope("assess", "--db", hostile_store,
                            env={"CLOUDSCOPE_RULES_DIRECTORIES": json.dumps([str(rules)])})
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout, result.stderr)
    assert "\\x1b]0;owned\\x07\\u202eclear" in result.stdout


def test_plugins_table_escapes_a_plugins_error(
        run_cloudscope: Callable[..., Any],
        fake_distribution: Callable[..., FakeDistribution]) -> None:
    """A plugin's failure message is third-party text: the table shows it escaped."""
    dist = fake_distribution("cloudscope-evil", entry_points={"evil": "evil_plugin"},
                             modules={"evil_plugin": "raise ImportError("
                                                     "'\\x1b]0;owned\\x07\\u202eboom')"})
    result = run_cloudscope("plugins", env={"PYTHONPATH": str(dist.path),
                                            "CLOUDSCOPE_LOAD_PLUGINS": "evil"})
    assert result.exit_code == 0, result.stderr
    assert_safe(result.stdout, result.stderr)
    assert "\\x1b]0;owned\\x07\\u202eboom" in result.stdout


def test_a_file_name_that_is_not_utf8_is_refused_cleanly(run_cloudscope: Callable[..., Any],
                                                         store: str, tmp_path: Path) -> None:
    """A file name in another encoding (byte 0xff): one escaped line, exit 2, and the store
    records no run at all, let alone one left `running`."""
    name = tmp_path / "caf\udcff.jsonl"  # os.fsencode gives b"caf\xff.jsonl"
    name.write_text(json.dumps(ASSET) + "\n", encoding="utf-8")
    result = run_cloudscope("collect", "file", str(name), "--db", store)
    line = assert_one_clean_line(result, 2)
    assert "caf\\xff.jsonl" in line and "UTF-8" in line
    from cloudscope.adapters.sqlite_repository import SQLiteRepository

    with SQLiteRepository(store + "?mode=ro") as repository:
        assert [run.status.value for run in repository.list_runs()] == ["ok"]  # the template's


def test_console_logs_escape_values_and_json_logs_keep_them() -> None:
    """The console log format (a terminal) escapes text values; JSON logs stay exact."""
    import io

    from cloudscope.infrastructure.logging import configure_logging, get_logger

    for log_format, expected in (("console", "in\\x1b[2Jventory"), ("json", "in\\u001b[2Jventory")):
        stream = io.StringIO()
        configure_logging(level="info", format=log_format, stream=stream)
        try:
            get_logger("cloudscope.test").warning("file_read", path="in\x1b[2Jventory")
        finally:
            configure_logging()
        assert expected in stream.getvalue() and "\x1b[2J" not in stream.getvalue()
