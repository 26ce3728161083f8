"""What plugin authors import for their tests: fixtures typed by cloudscope.api, contract
suites from cloudscope.testing, and both usable before the plugin is installed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import cloudscope.api as api
import cloudscope.testing as testing
import pytest

UNINSTALLED_PLUGIN = '''
from cloudscope.api import Register, hookimpl

CLOUDSCOPE_API = ">=1.0,<2"


@hookimpl
def cloudscope_register_exporters(register: Register) -> None:
    register("tsv", "tsv_plugin.exporter:TsvExporter")
'''

TSV_EXPORTER = '''
from cloudscope.api import Exporter


class TsvExporter(Exporter):
    """Id and name, tab-separated."""

    extension = ".tsv"

    def export(self, source, target, options):
        out = target.open()
        out.write("id\\tname\\n")
        for record in source.records():
            name = (record.asset.name or "").replace("\\t", " ").replace("\\n", " ")
            out.write(f"{record.asset.id}\\t{name}\\n")
'''

CONTRACT = '''
import tsv_plugin.plugin
from cloudscope.testing import ExporterContract


class TestTsv(ExporterContract):
    format_name = "tsv"
    plugin = tsv_plugin.plugin

    def read_ids(self, paths):
        (path,) = paths
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        assert header == "id\\tname"
        return [row.split("\\t")[0] for row in rows]
'''


@pytest.fixture
def uninstalled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plugin package, tsv_plugin, in a source folder of its own, on this test's path only."""
    package = tmp_path / "src" / "tsv_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text(textwrap.dedent(UNINSTALLED_PLUGIN))
    (package / "exporter.py").write_text(textwrap.dedent(TSV_EXPORTER))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    return tmp_path / "src"


def test_testing_names_come_from_cloudscope_testing() -> None:
    """The contract suites and the fixtures' own types import from cloudscope.testing."""
    assert set(testing.__all__) == set(testing._LAZY)
    for name in testing.__all__:
        assert getattr(testing, name).__name__ == name


def test_fixtures_return_types_of_cloudscope_api(
        plugin_host: api.PluginHost, register_plugin: Callable[..., api.PluginReport]) -> None:
    """plugin_host is a cloudscope.api.PluginHost; register_plugin returns a PluginReport."""
    assert isinstance(plugin_host, api.PluginHost)
    report = register_plugin("nothing", type("P", (), {"CLOUDSCOPE_API": ">=1.0,<2"})())
    assert isinstance(report, api.PluginReport)
    assert report.status is api.PluginStatus.LOADED


def test_run_cloudscope_loads_a_plugin_that_is_not_installed(
        uninstalled: Path, run_cloudscope: Callable[..., testing.CliResult]) -> None:
    """run_cloudscope(plugins={name: module}) declares the entry point to the child process."""
    result = run_cloudscope("plugins", "--format", "json", plugins={"tsv": "tsv_plugin.plugin"})
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["tsv"]["status"] == "loaded"
    assert rows["tsv"]["exporters"] == ["tsv"]


def test_run_cloudscope_without_the_plugin_does_not_see_it(
        uninstalled: Path, run_cloudscope: Callable[..., testing.CliResult]) -> None:
    """The entry point exists only for the calls that ask for it."""
    result = run_cloudscope("plugins", "--format", "json")
    assert "tsv" not in {row["name"] for row in json.loads(result.stdout)}


def test_exporter_contract_runs_on_a_plugin_that_is_not_installed(uninstalled: Path) -> None:
    """`plugin = package.plugin` on the class: the whole exporter suite passes from source."""
    tests = uninstalled.parent / "tests"
    tests.mkdir()
    (tests / "test_tsv.py").write_text(textwrap.dedent(CONTRACT))
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        cwd=uninstalled.parent, env={**os.environ, "PYTHONPATH": str(uninstalled)},
        capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert int(re.search(r"(\d+) passed", completed.stdout)[1]) >= 10  # type: ignore[index]
