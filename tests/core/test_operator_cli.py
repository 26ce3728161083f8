"""What operators meet first: one --format vocabulary, `config show` with origins and
secrets redacted, help that lists what is installed, and errors that name the way out."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudscope.api import NotFoundError
from cloudscope.cli.components import find_component
from cloudscope.cli.main import build_parser
from cloudscope.host.plugin_host import PluginHost

SECRET = "hunter2-very-secret"


def format_options(parser: argparse.ArgumentParser,
                   path: tuple[str, ...] = ()) -> Iterator[tuple[str, set[str]]]:
    """(command path, --format choices) for every command that has --format."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from format_options(sub, (*path, name))
        elif "--format" in action.option_strings:
            yield " ".join(path), set(action.choices or ())


LISTS = {"plugins", "types", "assets list", "assess", "doctor", "changes", "assets history"}
OBJECTS = {"collect", "assets show", "db migrate", "db copy", "db prune", "config show"}


def test_every_format_option_speaks_one_vocabulary() -> None:
    """json everywhere; table and jsonl for every list; text for one object or a summary."""
    found = dict(format_options(build_parser()))
    assert set(found) == LISTS | OBJECTS
    for command, choices in found.items():
        assert "json" in choices, command
        if command in LISTS:
            assert {"table", "jsonl"} <= choices, command
        else:
            assert "text" in choices and "table" not in choices, command


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("db: postgresql://audit:" + SECRET + "@db.internal/inventory\n"
                      "collect: {concurrency: 4}\n"
                      "azure: {client_secret: 'env:AZ_SECRET', tenant_id: tenant-1}\n",
                      encoding="utf-8")
    return config


def test_config_show_redacts_secrets_and_says_where_values_came_from(
        run_cloudscope: Callable[..., Any], config_file: Path) -> None:
    """--origin names the file, the variable or the default; a password in a URL and a
    secret by reference are redacted, the reference named."""
    result = run_cloudscope("--config", str(config_file), "config", "show", "--origin",
                            "--format", "json",
                            env={"AZ_SECRET": SECRET, "CLOUDSCOPE_COLLECT_BATCH_SIZE": "7"})
    assert result.exit_code == 0, result.stderr
    assert SECRET not in result.stdout
    document = json.loads(result.stdout)
    assert document["file"] == str(config_file)
    config, origins = document["config"], document["origins"]
    assert config["db"] == "postgresql://audit:[REDACTED]@db.internal/inventory"
    assert config["azure"]["client_secret"] == "[REDACTED]"
    assert (config["collect"]["concurrency"], config["collect"]["batch_size"]) == (4, 7)
    assert origins["collect.concurrency"] == f"file {config_file}"
    assert origins["collect.batch_size"] == "environment CLOUDSCOPE_COLLECT_BATCH_SIZE"
    assert origins["collect.queue_batches"] == "default"
    assert origins["azure.client_secret"] == f"file {config_file} (env:AZ_SECRET)"


def test_config_show_text_is_yaml_without_secrets(run_cloudscope: Callable[..., Any],
                                                  config_file: Path) -> None:
    """The default text form is the effective YAML, secrets redacted."""
    result = run_cloudscope("--config", str(config_file), "config", "show",
                            env={"AZ_SECRET": SECRET})
    assert result.exit_code == 0 and SECRET not in result.stdout
    assert "client_secret: '[REDACTED]'" in result.stdout
    assert "  concurrency: 4" in result.stdout


@pytest.mark.parametrize("scheme", ["sqlite", "file"])
def test_reading_a_store_that_does_not_exist_says_so_and_creates_nothing(
        run_cloudscope: Callable[..., Any], tmp_path: Path, scheme: str) -> None:
    """`assets list` on a missing store: exit 2, one line naming it, nothing created."""
    target = tmp_path / "missing"
    url = f"sqlite:///{target}.db" if scheme == "sqlite" else f"file://{target}"
    result = run_cloudscope("assets", "list", "--db", url)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"cloudscope: error: no store at {url} (`cloudscope collect` creates one; or check "
        "--db, CLOUDSCOPE_DB or db: in the config)"]
    assert list(tmp_path.iterdir()) == []


def test_a_first_party_collector_not_installed_names_the_distribution() -> None:
    """`collect aws` without the aws plugin: install cloudscope-aws."""
    host = PluginHost(load_only=set())  # the built-ins only: nothing else installed
    with pytest.raises(NotFoundError) as raised:
        find_component(host, "collectors", "aws")
    assert str(raised.value) == "no collector named 'aws' is installed (pip install " \
                                "cloudscope-aws, or: cloudscope install aws)"


def test_an_unknown_name_is_never_turned_into_a_package_to_install() -> None:
    """A name that no first-party plugin provides gets the close names, no pip advice."""
    host = PluginHost(load_only=set())
    with pytest.raises(NotFoundError) as raised:
        find_component(host, "collectors", "certificates")
    assert "pip install" not in str(raised.value)


def test_an_exporter_of_a_plugin_that_did_not_load_names_the_plugin(
        run_cloudscope: Callable[..., Any], sqlite_url: str) -> None:
    """`export csv` with the exporters plugin disabled names that plugin and its status."""
    result = run_cloudscope("--disable-plugin", "exporters", "export", "csv", "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "cloudscope: error: plugin 'exporters': exporter 'csv' comes from it, and it is "
        "disabled: disabled by --disable-plugin (see `cloudscope plugins`)")


@pytest.mark.parametrize(("command", "listed"), [
    ("collect", "installed collectors: aws (aws), azure (azure), file (builtin), gcp (gcp)"),
    ("export", "installed exporters: csv (exporters), cypher (exporters), dot (exporters)"),
])
def test_help_lists_what_is_installed(run_cloudscope: Callable[..., Any], command: str,
                                      listed: str) -> None:
    """`collect --help` and `export --help` list the components installed, and no other."""
    result = run_cloudscope(command, "--help")
    assert result.exit_code == 0
    assert listed in result.stdout


def test_help_lists_only_what_loaded(run_cloudscope: Callable[..., Any]) -> None:
    """With only the aws plugin allowed, `collect --help` lists aws and the built-in file."""
    result = run_cloudscope("collect", "--help", env={"CLOUDSCOPE_LOAD_PLUGINS": "aws"})
    assert "installed collectors: aws (aws), file (builtin)\n" in result.stdout


def test_plugins_jsonl_prints_one_plugin_per_line(run_cloudscope: Callable[..., Any]) -> None:
    """`plugins --format jsonl`: one JSON object per plugin."""
    lines = run_cloudscope("plugins", "--format", "jsonl").stdout.splitlines()
    assert {json.loads(line)["name"] for line in lines} >= {"builtin", "aws", "exporters"}
