"""The plugin host: discovery, the ordered checks, statuses and isolation of failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.host.plugin_host import API_VERSION, PluginHost, PluginStatus
from cloudscope.testing.plugin import FakeDistribution

GOOD_PLUGIN = """
from cloudscope.api import hookimpl
CLOUDSCOPE_API = ">=1.0,<2"

@hookimpl
def cloudscope_register_collectors(register):
    register("{name}", "{name}_collector:Collector")
"""


def load(**kwargs: Any) -> PluginHost:
    """A host that loads what is installed (plus the fake distributions of the test)."""
    host = PluginHost(**kwargs)
    host.load_installed()
    return host


@pytest.fixture
def install(fake_distribution: Callable[..., FakeDistribution]) -> Callable[..., None]:
    """Install a one-module plugin distribution: install("demo", source, requires=[...])."""

    def make(name: str, source: str | None = None, *, entry_point: str | None = None,
             requires: tuple[str, ...] = ()) -> None:
        module = f"{name}_plugin"
        fake_distribution(f"cloudscope-{name}", entry_points={name: entry_point or module},
                          modules={module: (source or GOOD_PLUGIN).replace("{name}", name),
                                   f"{name}_collector": "class Collector: pass\n"},
                          requires=requires)

    return make


def test_installed_plugin_loads_and_registers_its_components(install: Callable[..., None]) -> None:
    """A well-formed plugin is loaded, with its distribution, version, API and collectors."""
    install("demo")
    host = load(load_only={"demo"})
    report = host.reports["demo"]
    assert (report.status, report.reason) == (PluginStatus.LOADED, None)
    assert (report.distribution, report.version, report.api) == ("cloudscope-demo", "1.0.0", ">=1.0,<2")
    assert host.collectors.names("demo") == ["demo"]


def test_load_plugins_variable_filters_before_import(install: Callable[..., None]) -> None:
    """A plugin not allowed by CLOUDSCOPE_LOAD_PLUGINS is disabled and never imported."""
    install("demo", "raise RuntimeError('must not be imported')")
    host = load(load_only=set())
    assert host.reports["demo"].status is PluginStatus.DISABLED
    assert "CLOUDSCOPE_LOAD_PLUGINS" in (host.reports["demo"].reason or "")


def test_disable_plugin_flag_disables_before_import(install: Callable[..., None]) -> None:
    """--disable-plugin NAME disables that plugin without importing it."""
    install("demo", "raise RuntimeError('must not be imported')")
    host = load(disabled={"demo"})
    assert host.reports["demo"].status is PluginStatus.DISABLED
    assert host.reports["demo"].reason == "disabled by --disable-plugin"


def test_unmet_requires_dist_is_a_missing_dependency_without_import(install: Callable[..., None]) -> None:
    """A distribution requiring an absent package is reported before its import."""
    install("demo", "raise RuntimeError('must not be imported')",
            requires=("surely-not-installed-package>=1",))
    report = load(load_only={"demo"}).reports["demo"]
    assert report.status is PluginStatus.MISSING_DEPENDENCY
    assert "surely-not-installed-package>=1 (not installed)" in (report.reason or "")


def test_requires_dist_with_too_old_installed_version_is_reported(install: Callable[..., None]) -> None:
    """An installed dependency outside the required range names both versions."""
    install("demo", requires=("pluggy>=99",))
    report = load(load_only={"demo"}).reports["demo"]
    assert report.status is PluginStatus.MISSING_DEPENDENCY
    assert "pluggy>=99 (installed " in (report.reason or "")


def test_requires_dist_for_extras_and_other_platforms_is_ignored(install: Callable[..., None]) -> None:
    """Requirements of extras and of non-matching markers do not block loading."""
    install("demo", requires=('absent-thing; extra == "fancy"',
                              'absent-other; sys_platform == "nonexistent"'))
    assert load(load_only={"demo"}).reports["demo"].status is PluginStatus.LOADED


def test_unparsable_requires_dist_fails_the_plugin(install: Callable[..., None]) -> None:
    """A Requires-Dist that is not a PEP 508 requirement fails the plugin, naming the distribution."""
    install("demo", requires=("this is not ! a requirement",))
    report = load(load_only={"demo"}).reports["demo"]
    assert report.status is PluginStatus.FAILED
    assert "cloudscope-demo" in (report.reason or "") and "Requires-Dist" in (report.reason or "")


def test_entry_point_that_does_not_resolve_fails_only_that_plugin(install: Callable[..., None]) -> None:
    """An entry point naming a missing module fails; the other plugins load."""
    install("broken", entry_point="no_such_module_anywhere")
    install("demo")
    host = load(load_only={"broken", "demo"})
    assert host.reports["broken"].status is PluginStatus.FAILED
    assert "no_such_module_anywhere" in (host.reports["broken"].reason or "")
    assert host.reports["demo"].status is PluginStatus.LOADED


def test_plugin_import_error_quoting_a_secret_is_redacted(install: Callable[..., None]) -> None:
    """A reason that quotes a secret (a token read at import) shows it redacted."""
    install("broken", "CLOUDSCOPE_API = '>=1.0'\nraise ValueError('bad API_TOKEN=Pl4ntedPlugin')")
    reason = load(load_only={"broken"}).reports["broken"].reason or ""
    assert "ValueError: bad API_TOKEN=[REDACTED]" in reason and "Pl4ntedPlugin" not in reason


def test_plugin_raising_on_import_fails_with_the_error(install: Callable[..., None]) -> None:
    """An exception at import is a one-line reason with its type and message."""
    install("broken", "CLOUDSCOPE_API = '>=1.0'\nraise ValueError('bad module\\nsecond line')")
    reason = load(load_only={"broken"}).reports["broken"].reason or ""
    assert "ValueError: bad module" in reason and "second line" not in reason


def test_missing_api_declaration_is_incompatible(install: Callable[..., None]) -> None:
    """A plugin that declares no CLOUDSCOPE_API is incompatible, with the fix."""
    install("old", "X = 1")
    report = load(load_only={"old"}).reports["old"]
    assert report.status is PluginStatus.INCOMPATIBLE
    assert "CLOUDSCOPE_API" in (report.reason or "")


def test_invalid_api_specifier_is_incompatible(install: Callable[..., None]) -> None:
    """A CLOUDSCOPE_API that is not a PEP 440 specifier is reported as such."""
    install("odd", "CLOUDSCOPE_API = 'version one please'")
    report = load(load_only={"odd"}).reports["odd"]
    assert report.status is PluginStatus.INCOMPATIBLE
    assert "not a valid version specifier" in (report.reason or "")


def test_plugin_for_another_api_major_is_incompatible(install: Callable[..., None]) -> None:
    """A plugin for API 2 is rejected, naming both versions."""
    install("future", "CLOUDSCOPE_API = '>=2.0,<3'")
    report = load(load_only={"future"}).reports["future"]
    assert report.status is PluginStatus.INCOMPATIBLE
    assert ">=2.0,<3" in (report.reason or "") and API_VERSION in (report.reason or "")


def test_required_plugin_loads_first(install: Callable[..., None]) -> None:
    """CLOUDSCOPE_REQUIRES naming a loaded plugin is satisfied."""
    install("base")
    install("extra", GOOD_PLUGIN + "\nCLOUDSCOPE_REQUIRES = ['base']\n")
    host = load(load_only={"base", "extra"})
    assert host.reports["extra"].status is PluginStatus.LOADED


def test_required_plugin_that_is_missing_is_reported(install: Callable[..., None]) -> None:
    """A required plugin that is not installed makes a missing-dependency status."""
    install("extra", GOOD_PLUGIN + "\nCLOUDSCOPE_REQUIRES = ['ghost']\n")
    report = load(load_only={"extra"}).reports["extra"]
    assert report.status is PluginStatus.MISSING_DEPENDENCY
    assert "'ghost', which is not installed" in (report.reason or "")


def test_required_plugin_that_is_disabled_is_reported(install: Callable[..., None]) -> None:
    """Requiring a disabled plugin names its status."""
    install("base")
    install("extra", GOOD_PLUGIN + "\nCLOUDSCOPE_REQUIRES = ['base']\n")
    report = load(load_only={"base", "extra"}, disabled={"base"}).reports["extra"]
    assert report.status is PluginStatus.MISSING_DEPENDENCY
    assert "disabled" in (report.reason or "")


def test_cycle_in_required_plugins_is_reported_for_each_member(install: Callable[..., None]) -> None:
    """A requires cycle is detected and spelled out; an unrelated plugin still loads."""
    install("left", GOOD_PLUGIN + "\nCLOUDSCOPE_REQUIRES = ['right']\n")
    install("right", GOOD_PLUGIN + "\nCLOUDSCOPE_REQUIRES = ['left']\n")
    install("demo")
    host = load(load_only={"left", "right", "demo"})
    for name in ("left", "right"):
        assert host.reports[name].status is PluginStatus.MISSING_DEPENDENCY
        assert "cycle" in (host.reports[name].reason or "")
    assert host.reports["demo"].status is PluginStatus.LOADED


def test_misspelt_hook_name_fails_with_a_suggestion(install: Callable[..., None]) -> None:
    """A hookimpl whose name matches no spec fails the plugin and suggests the right one."""
    install("typo", """
from cloudscope.api import hookimpl
CLOUDSCOPE_API = ">=1.0,<2"
@hookimpl
def cloudscope_register_colectors(register):
    pass
""")
    report = load(load_only={"typo"}).reports["typo"]
    assert report.status is PluginStatus.FAILED
    assert "cloudscope_register_colectors" in (report.reason or "")
    assert "did you mean 'cloudscope_register_collectors'" in (report.reason or "")


def test_unmarked_hook_function_is_reported(install: Callable[..., None]) -> None:
    """A hook-named function without @hookimpl would be silently ignored: it fails instead."""
    install("bare", "CLOUDSCOPE_API = '>=1.0,<2'\ndef cloudscope_register_collectors(register):\n    pass\n")
    report = load(load_only={"bare"}).reports["bare"]
    assert report.status is PluginStatus.FAILED
    assert "not marked with @hookimpl" in (report.reason or "")


def test_hook_with_a_wrong_argument_fails_validation(install: Callable[..., None]) -> None:
    """A hookimpl asking for an argument the spec lacks fails pluggy's validation."""
    install("args", """
from cloudscope.api import hookimpl
CLOUDSCOPE_API = ">=1.0,<2"
@hookimpl
def cloudscope_register_collectors(registry):
    pass
""")
    report = load(load_only={"args"}).reports["args"]
    assert report.status is PluginStatus.FAILED
    assert "hook validation" in (report.reason or "") and "registry" in (report.reason or "")


def test_register_hook_that_raises_fails_only_that_plugin(install: Callable[..., None]) -> None:
    """A register hook raising leaves no half-registered components and others unharmed."""
    install("raiser", """
from cloudscope.api import hookimpl
CLOUDSCOPE_API = ">=1.0,<2"
@hookimpl
def cloudscope_register_collectors(register):
    register("raiser", "json:dumps")
    raise KeyError("boom")
""")
    install("demo")
    host = load(load_only={"raiser", "demo"})
    assert host.reports["raiser"].status is PluginStatus.FAILED
    assert "cloudscope_register_collectors raised KeyError" in (host.reports["raiser"].reason or "")
    assert "raiser" not in host.collectors
    assert host.collectors.names() == ["demo", "file"]


def test_configure_hook_receives_config_and_a_raising_one_is_isolated(
        register_plugin: Callable[..., Any], plugin_host: PluginHost) -> None:
    """cloudscope_configure is called with the config; one that raises fails its plugin alone."""
    from cloudscope.api import hookimpl

    received: list[dict[str, Any]] = []

    class Good:
        CLOUDSCOPE_API = ">=1.0"

        @hookimpl
        def cloudscope_configure(self, config: dict[str, Any]) -> None:
            received.append(config)

    class Bad:
        CLOUDSCOPE_API = ">=1.0"

        @hookimpl
        def cloudscope_configure(self, config: dict[str, Any]) -> None:
            raise RuntimeError("cannot configure")

    register_plugin("good", Good())
    register_plugin("bad", Bad())
    plugin_host.configure({"db": "sqlite:///x.db"})
    assert received == [{"db": "sqlite:///x.db"}]
    assert plugin_host.reports["bad"].status is PluginStatus.FAILED
    assert plugin_host.reports["good"].status is PluginStatus.LOADED


def test_configure_is_historic_for_plugins_registered_later(
        register_plugin: Callable[..., Any], plugin_host: PluginHost) -> None:
    """A plugin registered after configure still receives the configuration."""
    from cloudscope.api import hookimpl

    received: list[dict[str, Any]] = []

    class Late:
        CLOUDSCOPE_API = ">=1.0"

        @hookimpl
        def cloudscope_configure(self, config: dict[str, Any]) -> None:
            received.append(config)

    plugin_host.configure({"log": {"level": "info"}})
    register_plugin("late", Late())
    assert received == [{"log": {"level": "info"}}]


@pytest.mark.parametrize("hook", ["cloudscope_register_collectors", "cloudscope_register_repositories",
                                  "cloudscope_register_exporters", "cloudscope_register_rules"])
def test_each_register_hook_records_components_by_plugin(
        hook: str, register_plugin: Callable[..., Any], plugin_host: PluginHost) -> None:
    """Every register hook fills its registry, owned by the plugin, resolved only when used."""
    from cloudscope.api import hookimpl

    def implementation(register: Any) -> None:
        register("thing", "json:dumps")

    plugin = type("P", (), {"CLOUDSCOPE_API": ">=1.0", hook: staticmethod(hookimpl(implementation))})()
    register_plugin("p", plugin)
    kind = hook.removeprefix("cloudscope_register_")
    registration = plugin_host.registries[kind].get("thing")
    assert registration.plugin == "p"
    assert registration.resolve() is json.dumps


def test_first_registration_of_a_name_wins_and_the_conflict_is_reported(
        register_plugin: Callable[..., Any], plugin_host: PluginHost) -> None:
    """A plugin cannot silently replace a built-in component."""
    from cloudscope.api import hookimpl

    class Impostor:
        CLOUDSCOPE_API = ">=1.0"

        @hookimpl
        def cloudscope_register_repositories(self, register: Any) -> None:
            register("sqlite", "json:loads")

    register_plugin("impostor", Impostor())
    assert plugin_host.repositories.get("sqlite").plugin == "builtin"
    assert any("impostor" in conflict for conflict in plugin_host.repositories.conflicts)


def test_unknown_component_name_suggests_the_closest(plugin_host: PluginHost) -> None:
    """Asking for a misspelt collector suggests the registered one."""
    from cloudscope.domain.errors import NotFoundError

    with pytest.raises(NotFoundError, match="did you mean 'file'"):
        plugin_host.collectors.get("fil")


def test_plugins_command_lists_every_plugin_when_all_are_broken(
        install: Callable[..., None], run_cloudscope: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`cloudscope plugins --format json` works and reports each broken plugin."""
    install("boom", "raise ImportError('nope')")
    install("old", "X = 1")
    # run_cloudscope puts the distributions fake_distribution made on the child's path.
    result = run_cloudscope("plugins", "--format", "json",
                            env={"CLOUDSCOPE_LOAD_PLUGINS": "boom,old"})
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["boom"]["status"] == "failed" and rows["old"]["status"] == "incompatible"
    assert rows["builtin"]["status"] == "loaded"
    assert set(rows["boom"]) == {"name", "distribution", "version", "api", "status", "reason",
                                 "collectors", "repositories", "exporters", "rules",
                                 "secret_resolvers"}  # added in API 1.1
