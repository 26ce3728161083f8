"""The plugin host: loads plugins through a fixed sequence of checks into one PluginManager.

Each step can reject a plugin with a status and a one-line reason; none can crash the host
or hide the other plugins (STYLE.md pitfall 1: pluggy's own entry point loader stops at the
first failure, so this module is the loader). The steps, in order:

1. allow/deny filter (``CLOUDSCOPE_LOAD_PLUGINS``, ``--disable-plugin``): no import;
2. the distribution's ``Requires-Dist`` satisfied by what is installed: no import;
3. import, through stevedore with a failure callback;
4. ``CLOUDSCOPE_API`` (a PEP 440 specifier) against :data:`API_VERSION`;
5. ``CLOUDSCOPE_REQUIRES``: the plugins it needs loaded, cycles reported;
6. ``pm.register``, pluggy's hook validation and ``check_pending()``;
7. the ``cloudscope_register_*`` hooks, called one plugin at a time.
"""

from __future__ import annotations

import difflib
import os
import sys
import traceback
from collections.abc import Iterable, Mapping
from typing import Any, Final

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from cloudscope.host import discovery
from cloudscope.host.dependency_order import order_by_requirements, unloaded_requirement
from cloudscope.host.plugin_calls import (
    DEFAULT_TIMEOUT_S,
    PluginCallFailed,
    call_plugin,
    timeout_from_environment,
)
from cloudscope.host.plugin_report import PluginReport, PluginStatus, first_line
from cloudscope.host.ratelimit import RateLimit, RateLimiter
from cloudscope.host.registry import ComponentRegistry
from cloudscope.ports import hookspecs
from cloudscope.ports.hookspecs import API_VERSION

BUILTIN_PLUGIN: Final = "builtin"
CORE_DISTRIBUTION: Final = "cloudscope-core"
REGISTER_HOOKS: Final = {
    "collectors": "cloudscope_register_collectors",
    "repositories": "cloudscope_register_repositories",
    "exporters": "cloudscope_register_exporters",
    "rules": "cloudscope_register_rules",
    "secret_resolvers": "cloudscope_register_secret_resolvers",
}

_NOUNS: Final = {"collectors": "collector", "repositories": "repository",
                 "exporters": "exporter", "rules": "rule",
                 "secret_resolvers": "secret resolver"}

__all__ = ["API_VERSION", "BUILTIN_PLUGIN", "PluginHost", "PluginReport", "PluginStatus"]


class PluginHost:
    """One pluggy ``PluginManager`` and the components its plugins registered.

    ``load_only`` mirrors ``CLOUDSCOPE_LOAD_PLUGINS`` (None: load all; an empty set: load
    none), ``disabled`` mirrors ``--disable-plugin``. Built-in components register through
    the same hooks as third-party plugins, first, so that a plugin cannot silently replace
    them. In ``cloudscope.api`` since API 1.1, for tests (the ``plugin_host`` fixture): its
    public surface is ``reports``, ``collectors``, ``repositories``, ``exporters``,
    ``rules``, ``add_plugin``, ``load_installed`` and ``components_of``.
    """

    def __init__(self, *, load_only: Iterable[str] | None = None, disabled: Iterable[str] = (),
                 builtins: bool = True, trace: bool = False,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.registries = {kind: ComponentRegistry(noun) for kind, noun in _NOUNS.items()}
        self.reports: dict[str, PluginReport] = {}
        self.load_only = set(load_only) if load_only is not None else None
        self.disabled = set(disabled)
        self.trace = trace
        self.timeout = timeout
        self._config: dict[str, Any] | None = None
        self._limiters: dict[str, RateLimiter] = {}
        self._discovered: dict[str, list[discovery.Candidate]] = {}
        if builtins:
            self._add_builtins()

    @classmethod
    def from_environment(cls, disabled: Iterable[str] = (), *, load: bool = True) -> PluginHost:
        """A host honouring ``CLOUDSCOPE_LOAD_PLUGINS`` and ``CLOUDSCOPE_TRACE_PLUGINS``."""
        raw = os.environ.get("CLOUDSCOPE_LOAD_PLUGINS")
        load_only = None if raw is None else {n.strip() for n in raw.split(",") if n.strip()}
        trace = os.environ.get("CLOUDSCOPE_TRACE_PLUGINS", "") not in ("", "0", "false")
        host = cls(load_only=load_only, disabled=disabled, trace=trace,
                   timeout=timeout_from_environment())
        if load:
            host.load_installed()
        return host

    def _candidates(self, group: str) -> list[discovery.Candidate]:
        if group not in self._discovered:
            self._discovered[group] = discovery.discover(group)
        return self._discovered[group]

    def _add_builtins(self) -> None:
        """Load the core's own plugins, found through its entry points like any plugin.

        The host imports no adapter: the composition is declared in cloudscope-core's
        metadata. Built-ins load first and ignore ``CLOUDSCOPE_LOAD_PLUGINS``, so that an
        installed plugin cannot replace one and ``CLOUDSCOPE_LOAD_PLUGINS=`` keeps the store.
        """
        found = False
        for candidate in self._candidates(discovery.ENTRY_POINT_GROUP):
            if candidate.distribution_name != CORE_DISTRIBUTION:
                continue
            found = True
            try:
                plugin = call_plugin(candidate.entry_point.load, timeout=self.timeout)
            except PluginCallFailed as failure:
                report = PluginReport(candidate.name, candidate.module, CORE_DISTRIBUTION,
                                      candidate.version)
                report.reject(PluginStatus.FAILED, f"import of {candidate.entry_point.value!r} "
                                                   f"failed: {failure.reason}")
                self.reports[candidate.name] = report
                continue
            self.add_plugin(candidate.name, plugin, distribution=CORE_DISTRIBUTION,
                            version=candidate.version, filtered=False)
        if not found:
            report = PluginReport(BUILTIN_PLUGIN, "cloudscope.adapters.builtin", CORE_DISTRIBUTION)
            report.reject(PluginStatus.FAILED, "cloudscope-core's entry point 'builtin' is not "
                                               "installed; reinstall cloudscope-core with pip")
            self.reports[BUILTIN_PLUGIN] = report

    # Registries, by kind -------------------------------------------------------------
    @property
    def collectors(self) -> ComponentRegistry:
        """Registered collectors, by the name users give to ``cloudscope collect``."""
        return self.registries["collectors"]

    @property
    def repositories(self) -> ComponentRegistry:
        """Registered repositories, by URL scheme."""
        return self.registries["repositories"]

    @property
    def exporters(self) -> ComponentRegistry:
        """Registered exporters, by format name."""
        return self.registries["exporters"]

    @property
    def rules(self) -> ComponentRegistry:
        """Registered rules, by rule id."""
        return self.registries["rules"]

    @property
    def secret_resolvers(self) -> ComponentRegistry:
        """Registered secret resolvers, by the scheme of their references (``env``)."""
        return self.registries["secret_resolvers"]

    # Loading -------------------------------------------------------------------------
    def load_installed(self, group: str = discovery.ENTRY_POINT_GROUP) -> None:
        """Discover, check and load every plugin installed in the entry point ``group``."""
        candidates: list[discovery.Candidate] = []
        for candidate in self._candidates(group):
            if candidate.distribution_name == CORE_DISTRIBUTION and candidate.name in self.reports:
                continue  # a built-in, loaded when the host was made
            report = PluginReport(candidate.name, candidate.module,
                                  candidate.distribution_name, candidate.version)
            if candidate.name in self.reports:
                # Two distributions claim one name: keep the first, report the second
                # under a distinct key so that neither hides the other.
                report.reject(PluginStatus.FAILED,
                              f"plugin name {candidate.name!r} is already provided by "
                              f"{self.reports[candidate.name].distribution or 'the core'}")
                self.reports[f"{candidate.name} ({report.distribution})"] = report
                continue
            self.reports[candidate.name] = report
            if self._filter(report) and self._check_requirements(report, candidate):
                candidates.append(candidate)
        modules = self._import(group, candidates)
        accepted = [self.reports[name] for name in modules
                    if self._check_api(self.reports[name], modules[name])]
        for report in order_by_requirements(accepted, self.reports):
            self._register(report, report.object)
        self._trace_summary()

    def add_plugin(self, name: str, plugin: object, *, distribution: str | None = None,
                   version: str | None = None, filtered: bool = True) -> PluginReport:
        """Check and register an in-process plugin object (a module or an instance).

        Runs the same checks as an installed plugin after import: the filter, the API
        version, its required plugins (which must already be loaded), and hook validation.
        """
        report = PluginReport(name, getattr(plugin, "__name__", type(plugin).__name__),
                              distribution, version)
        self.reports[name] = report
        if filtered and not self._filter(report):
            return report
        if self._check_api(report, plugin) and self._check_required_loaded(report):
            self._register(report, plugin)
        return report

    def _filter(self, report: PluginReport) -> bool:
        if report.name in self.disabled:
            report.reject(PluginStatus.DISABLED, "disabled by --disable-plugin")
        elif self.load_only is not None and report.name not in self.load_only:
            report.reject(PluginStatus.DISABLED, "not listed in CLOUDSCOPE_LOAD_PLUGINS")
        else:
            return True
        return False

    def _check_requirements(self, report: PluginReport, candidate: discovery.Candidate) -> bool:
        if candidate.distribution is None:
            return True
        try:
            unmet = discovery.unmet_requirements(candidate.distribution)
        except discovery.InvalidRequirement as error:
            report.reject(PluginStatus.FAILED,
                          f"distribution {report.distribution} has an unparsable Requires-Dist: "
                          f"{first_line(error)}")
            return False
        if unmet:
            report.reject(PluginStatus.MISSING_DEPENDENCY,
                          f"requires {', '.join(unmet)}; install it with pip")
            return False
        return True

    def _import(self, group: str, candidates: list[discovery.Candidate]) -> dict[str, Any]:
        if not candidates:
            return {}
        # Imported here: stevedore costs 50 ms, and `--help` must not pay for it.
        from stevedore.named import NamedExtensionManager

        def failed(_manager: object, entry_point: Any, error: BaseException) -> None:
            report = self.reports.get(entry_point.name)
            if report is not None:
                reason = error.reason if isinstance(error, PluginCallFailed) else \
                    first_line(error)
                report.reject(PluginStatus.FAILED,
                              f"import of {entry_point.value!r} failed: {reason}")
                self._trace(report, getattr(error, "error", None) or error)

        timeout = self.timeout

        class CandidateExtensionManager(NamedExtensionManager):  # type: ignore[type-arg]
            # stevedore caches entry points per process (ENTRY_POINT_CACHE) and on disk;
            # hand it the entry points discovery just read, so a fresh install is seen.
            def list_entry_points(self) -> list[Any]:
                return [candidate.entry_point for candidate in candidates]

            # stevedore contains only Exception and re-raises KeyboardInterrupt: an import
            # that exits, raises a BaseException or hangs would stop every plugin's load.
            def _load_one_plugin(self, *args: Any, **kwargs: Any) -> Any:
                load = super()._load_one_plugin
                return call_plugin(load, *args, timeout=timeout, **kwargs)

        manager = CandidateExtensionManager(
            group, names=[c.name for c in candidates], on_load_failure_callback=failed,
            # Discovery already reported every name; stevedore's own warning would repeat it.
            on_missing_entrypoints_callback=lambda _names: None,
        )
        loaded = {extension.name: extension.plugin for extension in manager.extensions}
        for candidate in candidates:
            report = self.reports[candidate.name]
            if candidate.name not in loaded and report.status is PluginStatus.LOADED:
                report.reject(PluginStatus.FAILED, f"entry point {candidate.entry_point.value!r} "
                                                   "could not be loaded")
        return loaded

    def _check_api(self, report: PluginReport, plugin: Any) -> bool:
        declared = getattr(plugin, "CLOUDSCOPE_API", None)
        if declared is None:
            report.reject(PluginStatus.INCOMPATIBLE,
                          f"declares no CLOUDSCOPE_API; add CLOUDSCOPE_API = \">=1.0,<2\" to {report.module}")
            return False
        report.api = str(declared)
        try:
            specifier = SpecifierSet(str(declared))
        except InvalidSpecifier:
            report.reject(PluginStatus.INCOMPATIBLE,
                          f"CLOUDSCOPE_API {declared!r} is not a valid version specifier "
                          "(expected e.g. '>=1.0,<2')")
            return False
        if not specifier.contains(Version(API_VERSION), prereleases=True):
            report.reject(PluginStatus.INCOMPATIBLE,
                          f"requires plugin API {declared}, this core provides {API_VERSION}")
            return False
        requires = getattr(plugin, "CLOUDSCOPE_REQUIRES", ())
        if isinstance(requires, str) or not all(isinstance(n, str) for n in requires):
            report.reject(PluginStatus.FAILED,
                          f"CLOUDSCOPE_REQUIRES must be a list of plugin names, got {requires!r}")
            return False
        report.requires = tuple(requires)
        report.object = plugin
        return True

    def _check_required_loaded(self, report: PluginReport) -> bool:
        reason = unloaded_requirement(report, self.reports)
        if reason is not None:
            report.reject(PluginStatus.MISSING_DEPENDENCY, reason)
            return False
        return True

    def _register(self, report: PluginReport, plugin: Any) -> None:
        unmarked = _unmarked_hook_functions(plugin)
        if unmarked:
            report.reject(PluginStatus.FAILED,
                          f"{', '.join(unmarked)} not marked with @hookimpl "
                          "(from cloudscope.api import hookimpl)")
            return
        try:
            self.pm.register(plugin, name=report.name)
        except (pluggy.PluginValidationError, ValueError) as error:  # ValueError: a duplicate name
            # pluggy spreads the reason over lines (hook, definition, arguments): keep them all.
            report.reject(PluginStatus.FAILED, "hook validation: " + "; ".join(
                line.strip() for line in str(error).splitlines() if line.strip()))
            return
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            self.pm.unregister(name=report.name)
            report.reject(PluginStatus.FAILED, _unknown_hook_reason(plugin, error))
            return
        for kind, hook_name in REGISTER_HOOKS.items():
            if not self._call_register_hook(report, kind, hook_name):
                return
        if self._config is not None:
            self._configure_one(report, self._config)
        self._trace(report)

    def _call_register_hook(self, report: PluginReport, kind: str, hook_name: str) -> bool:
        hook = getattr(self.pm.hook, hook_name)
        for implementation in hook.get_hookimpls():
            if implementation.plugin_name != report.name:
                continue
            register = self.registries[kind].register_for(report.name, report.distribution)
            try:
                call_plugin(implementation.function, register=register, timeout=self.timeout)
            except PluginCallFailed as failure:  # a plugin must never crash or hang the host
                self._fail_loaded(report, f"{hook_name} {failure.reason}", failure.error)
                return False
        return True

    def _fail_loaded(self, report: PluginReport, reason: str,
                     error: BaseException | None) -> None:
        for registry in self.registries.values():
            registry.remove_plugin(report.name)
        if self.pm.has_plugin(report.name):
            self.pm.unregister(name=report.name)
        report.reject(PluginStatus.FAILED, reason)
        self._trace(report, error)

    # Configuration and rate limits ---------------------------------------------------
    def configure(self, config: Mapping[str, Any]) -> None:
        """Hand the effective configuration to every loaded plugin (historic hook)."""
        self._config = dict(config)
        self._limiters.clear()
        for report in list(self.reports.values()):
            if report.status is PluginStatus.LOADED:
                self._configure_one(report, self._config)

    def _configure_one(self, report: PluginReport, config: dict[str, Any]) -> None:
        for implementation in self.pm.hook.cloudscope_configure.get_hookimpls():
            if implementation.plugin_name == report.name:
                try:
                    call_plugin(implementation.function, config=config, timeout=self.timeout)
                except PluginCallFailed as failure:
                    self._fail_loaded(report, f"cloudscope_configure {failure.reason}",
                                      failure.error)

    def limiter_for(self, plugin: str) -> RateLimiter:
        """The plugin's rate limiter, built from ``plugins.<name>.rate_limit`` in the config."""
        limiter = self._limiters.get(plugin)
        if limiter is None:
            settings = ((self._config or {}).get("plugins") or {}).get(plugin) or {}
            limit_settings = settings.get("rate_limit") or {}
            limit = None
            if limit_settings.get("per_second"):
                limit = _rate_limit(limit_settings)
            scopes = {scope: _rate_limit(values)
                      for scope, values in (limit_settings.get("scopes") or {}).items()}
            limiter = self._limiters[plugin] = RateLimiter(plugin, limit, scopes)
        return limiter

    # Reporting -----------------------------------------------------------------------
    def components_of(self, plugin: str) -> dict[str, list[str]]:
        """The names each registry holds for ``plugin``."""
        return {kind: registry.names(plugin) for kind, registry in self.registries.items()}

    def _trace(self, report: PluginReport, error: BaseException | None = None) -> None:
        if not self.trace:
            return
        print(f"cloudscope: plugin {report.name}: {report.status.value}"
              f"{': ' + report.reason if report.reason else ''}", file=sys.stderr)
        if error is not None:
            traceback.print_exception(error, file=sys.stderr)

    def _trace_summary(self) -> None:
        if self.trace:
            for report in self.reports.values():
                if report.status is not PluginStatus.LOADED:
                    self._trace(report)


def _rate_limit(settings: Mapping[str, Any]) -> RateLimit:
    """``per_second`` and ``burst``; the burst defaults to the rate, and is at least one
    token, so that a rate below one per second (0.2/s: a call every 5 s) is valid."""
    per_second = float(settings["per_second"])
    return RateLimit(per_second, max(1.0, float(settings.get("burst") or per_second)))


def _unmarked_hook_functions(plugin: Any) -> list[str]:
    marker = f"{hookspecs.PROJECT_NAME}_impl"
    return sorted(
        name for name in dir(plugin)
        if name.startswith("cloudscope_") and callable(getattr(plugin, name, None))
        and not hasattr(getattr(plugin, name), marker)
    )


def _unknown_hook_reason(plugin: Any, error: pluggy.PluginValidationError) -> str:
    marker = f"{hookspecs.PROJECT_NAME}_impl"
    known = [name for name in dir(hookspecs) if name.startswith("cloudscope_")]
    for name in dir(plugin):
        if hasattr(getattr(plugin, name, None), marker) and name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"unknown hook {name!r}{hint}"
    return f"hook validation: {first_line(error)}"
