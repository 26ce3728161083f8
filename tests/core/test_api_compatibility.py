"""Plugin API 1.1 is additive: a plugin written for API 1.0 (``>=1.0,<2``) keeps working
unchanged, and a plugin that needs 1.1 declares ``>=1.1,<2``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.api import API_VERSION, hookimpl
from cloudscope.host.plugin_host import PluginHost, PluginStatus
from cloudscope.testing.plugin import FakeDistribution

FIXTURE = Path(__file__).parent / "api10_plugin"


@pytest.fixture
def legacy(fake_distribution: Callable[..., FakeDistribution]) -> FakeDistribution:
    """The frozen API 1.0 plugin, installed as the distribution ``cloudscope-legacy``."""
    return fake_distribution("cloudscope-legacy", entry_points={"legacy": "legacy_plugin"},
                             modules={name: (FIXTURE / f"{name}.py").read_text(encoding="utf-8")
                                      for name in ("legacy_plugin", "legacy_collector")})


@pytest.fixture
def cli(run_cloudscope: Callable[..., Any], legacy: FakeDistribution,
        tmp_path: Path) -> Callable[..., Any]:
    """The real CLI with only the legacy plugin installed beside the built-ins."""

    def run(*args: str) -> Any:
        return run_cloudscope(*args, env={"PYTHONPATH": str(legacy.path),
                                          "CLOUDSCOPE_LOAD_PLUGINS": "legacy",
                                          "XDG_CONFIG_HOME": str(tmp_path)})

    return run


def test_the_core_provides_api_1_1() -> None:
    """This core is API 1.1, which a ``>=1.0,<2`` specifier accepts."""
    assert API_VERSION == "1.1"


def test_an_api_1_0_plugin_loads_unchanged(legacy: FakeDistribution) -> None:
    """The 1.0 plugin is loaded, and the 1.1 hook it does not implement is never asked."""
    host = PluginHost(load_only={"legacy"})
    host.load_installed()
    report = host.reports["legacy"]
    assert (report.status, report.api) == (PluginStatus.LOADED, ">=1.0,<2")
    assert host.collectors.names("legacy") == ["legacy"]
    assert host.secret_resolvers.names("legacy") == []


def test_an_api_1_0_collector_collects_and_is_checked_by_planning(
        cli: Callable[..., Any], sqlite_url: str, tmp_path: Path) -> None:
    """`collect legacy` works; `doctor` checks it with the default check() (its plan)."""
    collected = cli("collect", "legacy", "--boxes", "3", "--db", sqlite_url, "--format", "json")
    assert collected.exit_code == 0, collected.stderr
    assert json.loads(collected.stdout)["assets"] == 3
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"targets": [{"name": "old", "provider": "legacy",
                                               "boxes": 1}]}), encoding="utf-8")
    checked = cli("--config", str(config), "doctor", "--db", sqlite_url, "--format", "json")
    assert checked.exit_code == 0, checked.stdout
    plan = [c for c in json.loads(checked.stdout)["checks"] if c["section"] == "target old"]
    assert [(c["check"], c["status"], c["detail"]) for c in plan] == [
        ("legacy", "ok", "options accepted, collector built"), ("plan", "ok", "1 scope planned")]


@pytest.mark.parametrize(("specifier", "status"), [
    (">=1.0,<2", PluginStatus.LOADED), (">=1.1,<2", PluginStatus.LOADED),
    (">=1.2,<2", PluginStatus.INCOMPATIBLE), (">=2,<3", PluginStatus.INCOMPATIBLE)])
def test_plugins_declare_the_api_they_need(register_plugin: Callable[..., Any], specifier: str,
                                           status: PluginStatus) -> None:
    """A plugin using a 1.1 feature declares >=1.1; a later API is refused with a reason."""

    class Plugin:
        CLOUDSCOPE_API = specifier

        @staticmethod
        @hookimpl
        def cloudscope_register_secret_resolvers(register: Any) -> None:
            register("vault", lambda reference: reference)

    report = register_plugin("p", Plugin())
    assert report.status is status
    if status is PluginStatus.INCOMPATIBLE:
        assert report.reason == f"requires plugin API {specifier}, this core provides 1.1"
