"""`cloudscope plugin new NAME`: a distribution with a collector and an exporter whose own
tests (the cloudscope.testing contract suites) pass as generated, installed or not."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope import __version__
from cloudscope.cli.main import main
from cloudscope.cli.plugin_command import CORE_REQUIREMENT, PLUGIN_API
from cloudscope.ports.hookspecs import API_VERSION
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.core.conftest import FreshVenv

EXPECTED_FILES = [
    ".gitignore", "README.md", "pyproject.toml",
    "src/cloudscope_acme_cmdb/__init__.py", "src/cloudscope_acme_cmdb/client.py",
    "src/cloudscope_acme_cmdb/collector.py", "src/cloudscope_acme_cmdb/exporter.py",
    "src/cloudscope_acme_cmdb/plugin.py", "tests/data/inventory.json", "tests/test_cli.py",
    "tests/test_collector.py", "tests/test_exporter.py",
]


@pytest.fixture
def generate(tmp_path: Path) -> Callable[..., Path]:
    """Run `cloudscope plugin new NAME --dir tmp_path` in-process; return the new folder."""

    def run(name: str = "acme-cmdb") -> Path:
        assert main(["plugin", "new", name, "--dir", str(tmp_path)]) == 0
        return tmp_path / f"cloudscope-{name}"

    return run


def files_of(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_generates_a_distribution_named_after_the_plugin(
        generate: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    """cloudscope-NAME with a package cloudscope_NAME, its entry point, a collector, an
    exporter, a README and tests; the summary says what to run next."""
    folder = generate()
    assert files_of(folder) == EXPECTED_FILES
    pyproject = (folder / "pyproject.toml").read_text()
    assert 'name = "cloudscope-acme-cmdb"' in pyproject
    assert '[project.entry-points."cloudscope.plugins"]\nacme-cmdb = "cloudscope_acme_cmdb.plugin"' \
        in pyproject
    assert f'dependencies = ["{CORE_REQUIREMENT}"]' in pyproject
    assert 'build-backend = "hatchling.build"' in pyproject
    plugin = (folder / "src/cloudscope_acme_cmdb/plugin.py").read_text()
    assert 'CLOUDSCOPE_API = ">=1.0,<2"' in plugin
    assert '"cloudscope_acme_cmdb.collector:AcmeCmdbCollector"' in plugin
    out = capsys.readouterr().out
    assert out.startswith(f"created {folder}/ (12 files): plugin 'acme-cmdb'")
    assert "pip install -e '.[test]'" in out


def test_the_pin_on_the_core_admits_this_core_and_its_plugin_api() -> None:
    """The generated dependency admits the running core, whose API the generated
    CLOUDSCOPE_API admits: regenerate the template when either moves."""
    assert Version(__version__) in Requirement(CORE_REQUIREMENT).specifier
    assert SpecifierSet(PLUGIN_API).contains(Version(API_VERSION))


@pytest.mark.parametrize(("name", "message"), [
    ("Acme", "'Acme' cannot name a plugin (use lower-case letters, digits and hyphens"),
    ("acme_cmdb", "'acme_cmdb' cannot name a plugin"),
    ("9lives", "'9lives' cannot name a plugin"),
    ("core", "'core' cannot name a plugin"),
    ("file", "collector 'file' of plugin 'builtin' is already installed (choose another name)"),
])
def test_a_name_that_cannot_be_a_plugin_is_one_line_and_exit_2(
        name: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad or taken names are refused before anything is written."""
    assert main(["plugin", "new", name, "--dir", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"cloudscope: error: {message}")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(
        generate: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A second run refuses, and the first run's files are untouched."""
    folder = generate()
    (folder / "README.md").write_text("mine")
    assert main(["plugin", "new", "acme-cmdb", "--dir", str(folder.parent)]) == 2
    assert capsys.readouterr().err == f"cloudscope: error: {folder} already exists (remove it or " \
                                      "choose another --dir)\n"
    assert (folder / "README.md").read_text() == "mine"
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]


def test_generated_code_is_typed_and_clean(generate: Callable[..., Path]) -> None:
    """mypy --strict and ruff find nothing in the generated sources and tests."""
    if importlib.util.find_spec("mypy") is None or importlib.util.find_spec("ruff") is None:
        pytest.skip("mypy and ruff are installed by the lint and typecheck sessions")
    folder = generate("x")
    typed = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                            "src", "tests"], cwd=folder, capture_output=True, text=True,
                           check=False)
    assert typed.returncode == 0, typed.stdout
    linted = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                             "E,F,W,I,B,UP,RUF,SIM", "--line-length", "100", "."], cwd=folder,
                            capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout


def test_generated_tests_pass_from_the_checkout_before_installing(
        generate: Callable[..., Path]) -> None:
    """With only cloudscope-core installed, pytest in the new folder passes: the contract
    suites and the CLI reach the plugin through its source tree."""
    folder = generate()
    completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                               cwd=folder, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "30 passed" in completed.stdout


@pytest.mark.slow
def test_generated_plugin_installs_with_pip_and_passes_its_tests_in_a_fresh_venv(
        fresh_venv: Callable[..., FreshVenv], wheelhouse: Path, tmp_path: Path) -> None:
    """In a new environment holding only the core: `cloudscope plugin new`, pip install
    of the result, `cloudscope plugins` lists it loaded, and its tests pass there."""
    environment = fresh_venv()
    created = subprocess.run([str(environment.bin("cloudscope")), "plugin", "new", "acme-cmdb",
                              "--dir", str(tmp_path)], capture_output=True, text=True, check=False)
    assert created.returncode == 0, created.stderr
    folder = tmp_path / "cloudscope-acme-cmdb"
    environment.pip("install", f"{folder}[test]", wheelhouse=wheelhouse)
    listed = subprocess.run([str(environment.bin("cloudscope")), "plugins", "--format", "json"],
                            capture_output=True, text=True, check=True)
    (row,) = [row for row in json.loads(listed.stdout) if row["name"] == "acme-cmdb"]
    assert (row["status"], row["distribution"], row["version"]) == ("loaded",
                                                                    "cloudscope-acme-cmdb", "0.1.0")
    tested = subprocess.run([str(environment.python), "-m", "pytest", "-q", "-p",
                             "no:cacheprovider"], cwd=folder, capture_output=True, text=True,
                            check=False)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
    assert "30 passed" in tested.stdout
