"""The command line: version, help, exit codes, one-line errors, fast and light start-up."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope import __version__

HEAVY = ("boto3", "botocore", "azure", "google", "pydantic", "structlog", "rich")


def imported_modules(*args: str) -> set[str]:
    """The top-level modules a cloudscope invocation imports."""
    code = ("import sys, runpy\nsys.argv = ['cloudscope', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('cloudscope', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)")
    completed = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                               text=True, check=False)
    return set(completed.stderr.split())


def test_version_prints_the_core_python_and_plugin_versions(
        run_cloudscope: Callable[..., Any]) -> None:
    """--version prints the core's version, Python's, and each installed plugin's, exit 0."""
    result = run_cloudscope("--version")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0] == f"cloudscope {__version__}"
    assert lines[1] == f"Python {platform.python_version()} ({platform.python_implementation()})"
    assert "plugin aws: cloudscope-aws 0.1.0" in lines
    assert "plugin exporters: cloudscope-exporters 0.1.0" in lines


def test_version_imports_no_plugin() -> None:
    """--version reads the plugins' metadata; it imports none of them."""
    modules = imported_modules("--version")
    assert not modules & {"cloudscope_aws", "cloudscope_azure", "cloudscope_exporters",
                          "stevedore", "pydantic"}


def test_help_lists_the_commands(run_cloudscope: Callable[..., Any]) -> None:
    """--help shows every command and the exit codes."""
    result = run_cloudscope("--help")
    assert result.exit_code == 0
    for command in ("plugins", "collect", "assets"):
        assert command in result.stdout
    assert "Exit codes" in result.stdout


def test_help_imports_no_plugin_and_no_heavy_library() -> None:
    """`cloudscope --help` imports neither plugins nor SDKs, pydantic or structlog."""
    modules = imported_modules("--help")
    assert "cloudscope" in modules
    assert not modules & {*HEAVY, "stevedore", "cloudscope_aws", "cloudscope_azure", "cloudscope_gcp"}


def test_plugins_command_imports_no_cloud_sdk() -> None:
    """`cloudscope plugins` reads metadata and light plugin modules only."""
    modules = imported_modules("plugins", "--format", "json")
    assert "pluggy" in modules
    assert not modules & {"boto3", "botocore", "azure", "google", "structlog"}


def test_unknown_command_is_a_usage_error(run_cloudscope: Callable[..., Any]) -> None:
    """A bad command line is exit code 2 with one line on stderr."""
    result = run_cloudscope("colect")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 or "invalid choice" in result.stderr


def test_unknown_collector_suggests_the_closest(run_cloudscope: Callable[..., Any], sqlite_url: str) -> None:
    """`collect fil` is a one-line error suggesting `file`, exit 2, no traceback."""
    result = run_cloudscope("collect", "fil", "x.json", "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "cloudscope: error: no collector named 'fil' (did you mean 'file'?)"]


def test_unknown_db_scheme_is_a_store_error(run_cloudscope: Callable[..., Any]) -> None:
    """An unknown --db scheme names the scheme and the available ones."""
    result = run_cloudscope("assets", "list", "--db", "mysql://x/y")
    assert result.exit_code == 2
    assert "'mysql'" in result.stderr and "sqlite" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_asset_is_exit_2(run_cloudscope: Callable[..., Any], sqlite_url: str) -> None:
    """`assets show` of an unknown id is one line, exit 2."""
    assert run_cloudscope("db", "migrate", "--db", sqlite_url).exit_code == 0
    result = run_cloudscope("assets", "show", "arn:nope", "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stderr.strip() == "cloudscope: error: no asset with id 'arn:nope' (see `cloudscope assets list`)"


def test_bad_config_file_is_one_line_exit_2(run_cloudscope: Callable[..., Any], tmp_path: Path,
                                            sqlite_url: str) -> None:
    """A malformed config file is reported with its path, without traceback."""
    config = tmp_path / "bad.yaml"
    config.write_text("collect: [unclosed\n")
    result = run_cloudscope("--config", str(config), "assets", "list", "--db", sqlite_url)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and str(config) in result.stderr


def test_db_from_environment_variable_is_used(run_cloudscope: Callable[..., Any], tmp_path: Path) -> None:
    """CLOUDSCOPE_DB chooses the store when --db is absent."""
    env = {"CLOUDSCOPE_DB": f"sqlite:///{tmp_path}/env.db"}
    assert run_cloudscope("db", "migrate", env=env).exit_code == 0
    assert (tmp_path / "env.db").exists()
    result = run_cloudscope("assets", "list", "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_default_store_is_cloudscope_db_in_the_current_directory(
        run_cloudscope: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --db, CLOUDSCOPE_DB or config, the store is ./cloudscope.db."""
    monkeypatch.delenv("CLOUDSCOPE_DB", raising=False)
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert run_cloudscope("db", "migrate", cwd=tmp_path, env=env).exit_code == 0
    assert (tmp_path / "cloudscope.db").exists()
    result = run_cloudscope("assets", "list", cwd=tmp_path, env=env)
    assert result.exit_code == 0, result.stderr


def test_collecting_with_a_plugin_that_did_not_load_says_why(run_cloudscope: Callable[..., Any],
                                                               sqlite_url: str) -> None:
    """`collect aws` with the aws plugin disabled names the plugin's status and reason."""
    result = run_cloudscope("--disable-plugin", "aws", "collect", "aws", "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("cloudscope: error: plugin 'aws': collector 'aws' comes "
                                     "from it, and it is disabled: disabled by --disable-plugin "
                                     "(see `cloudscope plugins`)")
