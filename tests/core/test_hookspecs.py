"""Hook specs: each is documented with its exact signature, and each has its own test."""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudscope.api import hookimpl
from cloudscope.host.plugin_host import PluginHost
from cloudscope.ports import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name, value in vars(hookspecs).items()
               if name.startswith("cloudscope_") and inspect.isfunction(value))


def signature_text(name: str) -> str:
    """`def name(arg: Type) -> Return`, as the guide must show it."""
    function = getattr(hookspecs, name)
    parameters = ", ".join(f"{p.name}: {p.annotation}"
                           for p in inspect.signature(function).parameters.values())
    return f"def {name}({parameters}) -> {inspect.signature(function).return_annotation}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_plugin_guide_with_its_exact_signature(hook: str) -> None:
    """docs/plugins.md shows each hook's signature exactly as the spec declares it."""
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert signature_text(hook) in guide


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_spec_documents_its_api_version(hook: str) -> None:
    """Each spec's docstring says the API version it was added in."""
    assert "Added in API 1." in (getattr(hookspecs, hook).__doc__ or "")


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_its_own_test(hook: str) -> None:
    """A test function named after the hook exists in tests/."""
    names = {node.name for path in (ROOT / "tests").rglob("test_*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.FunctionDef)}
    assert any(name.startswith(f"test_{hook}") for name in names), f"no test_{hook}* test"


def plugin_with(hook: str, implementation: Callable[..., Any]) -> object:
    return type("Plugin", (), {"CLOUDSCOPE_API": ">=1.0,<2", hook: staticmethod(hookimpl(implementation))})()


def register_thing(hook: str, register_plugin: Callable[..., Any], host: PluginHost) -> Any:
    def implementation(register: Any) -> None:
        register("thing", "json:dumps")

    register_plugin("p", plugin_with(hook, implementation))
    registration = host.registries[hook.removeprefix("cloudscope_register_")].get("thing")
    assert (registration.plugin, registration.resolve()) == ("p", json.dumps)
    return registration


def test_cloudscope_register_collectors_adds_a_collector(register_plugin: Callable[..., Any],
                                                         plugin_host: PluginHost) -> None:
    """A collector registered by name is found under that name, resolved lazily."""
    register_thing("cloudscope_register_collectors", register_plugin, plugin_host)
    assert "thing" in plugin_host.collectors.names("p")


def test_cloudscope_register_repositories_adds_a_url_scheme(register_plugin: Callable[..., Any],
                                                           plugin_host: PluginHost) -> None:
    """A repository registers under its URL scheme."""
    register_thing("cloudscope_register_repositories", register_plugin, plugin_host)
    assert plugin_host.repositories.names("p") == ["thing"]
    assert plugin_host.repositories.get("sqlite").plugin == "builtin"


def test_cloudscope_register_exporters_adds_a_format(register_plugin: Callable[..., Any],
                                                     plugin_host: PluginHost) -> None:
    """An exporter registers under its format name."""
    register_thing("cloudscope_register_exporters", register_plugin, plugin_host)
    assert "thing" in plugin_host.exporters


def test_cloudscope_register_rules_adds_a_rule(register_plugin: Callable[..., Any],
                                               plugin_host: PluginHost) -> None:
    """A rule registers under its rule id."""
    register_thing("cloudscope_register_rules", register_plugin, plugin_host)
    assert "thing" in plugin_host.rules


def test_cloudscope_configure_receives_the_effective_configuration(
        register_plugin: Callable[..., Any], plugin_host: PluginHost) -> None:
    """cloudscope_configure gets the configuration as plain data."""
    received: list[Any] = []

    def configure(config: dict[str, Any]) -> None:
        received.append(config)

    register_plugin("p", plugin_with("cloudscope_configure", configure))
    plugin_host.configure({"collect": {"batch_size": 5}})
    assert received == [{"collect": {"batch_size": 5}}]


def test_register_rejects_a_factory_that_is_neither_callable_nor_a_reference(
        register_plugin: Callable[..., Any], plugin_host: PluginHost) -> None:
    """register(name, 42) fails the plugin with a clear reason."""
    report = register_plugin("p", plugin_with("cloudscope_register_collectors",
                                              lambda register: register("x", 42)))
    assert report.status.value == "failed"
    assert "factory must be callable or a 'module:Attribute' string" in report.reason
