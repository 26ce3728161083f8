"""Component registries: names mapped to factories, resolved only when used.

A ``"module:Attribute"`` factory is checked when it is registered, without importing it:
a module that cannot be found (a typo, a module left out of the wheel) fails the plugin at
load time, where ``cloudscope plugins`` shows it, rather than on first use. What the module
imports is only known on first use: a missing SDK is then reported with the extra of the
plugin's distribution that installs it.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudscope.domain.errors import NotFoundError, PluginError, describe_error
from cloudscope.host.discovery import install_hint
from cloudscope.ports.registration import Factory, Register


@dataclass(slots=True)
class Registration:
    """One registered component: its name, its factory, the plugin that registered it (and
    that plugin's distribution, which names the extra to install when an SDK is missing), and
    its kind (``collector``...)."""

    name: str
    factory: Factory
    plugin: str
    distribution: str | None = None
    kind: str = "component"
    _resolved: Callable[..., Any] | None = field(default=None, repr=False)

    def resolve(self) -> Callable[..., Any]:
        """The factory itself, importing ``"module:Attribute"`` strings on first use."""
        if self._resolved is None:
            self._resolved = resolve_reference(self.factory, plugin=self.plugin,
                                               distribution=self.distribution,
                                               component=f"{self.kind} {self.name!r}")
        return self._resolved


def unfound_module(module_name: str) -> str | None:
    """The first package of ``module_name`` (dotted) that cannot be found, else None.

    Nothing is imported: a package is looked up only when its parent is already imported
    (the top-level package always; ``x.collector`` when the entry point module ``x.plugin``
    imported ``x``), so the search stops at the first package found but not yet imported.
    """
    parts = module_name.split(".")
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # the parent is a module, not a package
            return name
        return name if spec is None else None
    return None


def check_reference(factory: str, *, component: str) -> None:
    """Raise a :class:`PluginError` if ``factory`` is not ``"module:Attribute"`` or its
    module cannot be found (without importing it)."""
    module_name, _, attribute = factory.partition(":")
    if not module_name or not attribute:
        raise PluginError(f"{component}: factory {factory!r} is not of the form "
                          "'module:Attribute'")
    missing = unfound_module(module_name)
    if missing is not None:
        raise PluginError(f"{component}: factory {factory!r} names module {missing!r}, which "
                          "cannot be found (a typo, or a module left out of the distribution?)")


def resolve_reference(factory: Factory, *, plugin: str, distribution: str | None = None,
                      component: str = "component") -> Callable[..., Any]:
    """Import a ``"module:Attribute"`` string, or return a callable unchanged.

    A module that the factory's module imports and that is not installed (an optional SDK)
    is a :class:`PluginError` naming the extra of ``distribution`` to install.
    """
    if not isinstance(factory, str):
        return factory
    module_name, _, attribute = factory.partition(":")
    if not module_name or not attribute:
        raise PluginError(f"factory {factory!r} is not of the form 'module:Attribute'", plugin=plugin)
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if not missing or module_name == missing or module_name.startswith(missing + "."):
            raise PluginError(f"cannot import {factory!r}: {error}", plugin=plugin) from error
        # Another package, imported by the component's module: a dependency not installed.
        raise PluginError(f"{component} needs the module {missing!r}, which is not installed",
                          plugin=plugin, hint=install_hint(distribution, missing)) from error
    except ImportError as error:
        raise PluginError(f"cannot import {factory!r}: {error}", plugin=plugin) from error
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the module's own code failed (even sys.exit): the plugin's
        raise PluginError(f"cannot import {factory!r}: {describe_error(error)}",
                          plugin=plugin) from error
    except AttributeError as error:
        raise PluginError(f"{factory!r} does not exist: {error}", plugin=plugin) from error
    if not callable(target):
        raise PluginError(f"{factory!r} is not callable", plugin=plugin)
    return target  # type: ignore[no-any-return]


class ComponentRegistry:
    """The components of one kind (collectors, repositories, exporters or rules)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Registration] = {}
        self.conflicts: list[str] = []

    def register_for(self, plugin: str, distribution: str | None = None) -> Register:
        """A ``register`` callable that records ``plugin`` (of ``distribution``) as the owner
        of what it registers."""

        def register(name: str, factory: Factory) -> None:
            if not isinstance(name, str) or not name:
                raise PluginError(f"{self.kind} name must be a non-empty string, got {name!r}",
                                  plugin=plugin)
            if not (callable(factory) or isinstance(factory, str)):
                raise PluginError(f"{self.kind} {name!r}: factory must be callable or "
                                  f"a 'module:Attribute' string", plugin=plugin)
            if isinstance(factory, str):
                check_reference(factory, component=f"{self.kind} {name!r}")
            existing = self._entries.get(name)
            if existing is not None:
                # First registration wins so that installing a plugin cannot silently
                # replace a built-in; the conflict is reported by `cloudscope plugins`.
                self.conflicts.append(f"{self.kind} {name!r} of plugin {plugin!r} ignored: "
                                      f"already registered by {existing.plugin!r}")
                return
            self._entries[name] = Registration(name, factory, plugin, distribution, self.kind)

        return register

    def get(self, name: str) -> Registration:
        """The registration called ``name``, or a :class:`NotFoundError` suggesting close names."""
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._entries), n=1)
            known = ", ".join(sorted(self._entries)) or "none"
            hint = f"did you mean {close[0]!r}?" if close else f"available: {known}"
            raise NotFoundError(f"no {self.kind} named {name!r}", hint=hint) from None

    def names(self, plugin: str | None = None) -> list[str]:
        """Registered names, optionally only those of one plugin, sorted."""
        return sorted(n for n, r in self._entries.items() if plugin is None or r.plugin == plugin)

    def remove_plugin(self, plugin: str) -> None:
        """Forget everything a plugin registered (it failed after registering)."""
        self._entries = {n: r for n, r in self._entries.items() if r.plugin != plugin}

    def __iter__(self) -> Iterator[Registration]:
        return iter(sorted(self._entries.values(), key=lambda r: r.name))

    def __contains__(self, name: object) -> bool:
        return name in self._entries
