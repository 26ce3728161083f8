"""What every command that does work needs: plugins, configuration, logging, the store."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import cached_property
from typing import Any

from cloudscope.application.run_liveness import interrupt_abandoned_runs
from cloudscope.application.storage import choose_url, open_repository
from cloudscope.domain.errors import StoreError
from cloudscope.host.plugin_host import PluginHost, PluginStatus
from cloudscope.infrastructure.config import Config, load_config
from cloudscope.infrastructure.logging import configure_logging, get_logger
from cloudscope.ports.repository import Repository


class Runtime:
    """Plugins loaded, configuration validated and handed to them, logging configured."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    @cached_property
    def host(self) -> PluginHost:
        """The plugin host, plugins loaded and configured."""
        host = PluginHost.from_environment(disabled=self.args.disable_plugin)
        self._config = load_config(self.args.config, plugin_names=host.reports.keys(),
                                   resolvers=secret_resolvers(host))
        settings = self._config.settings
        level = "debug" if self.args.debug else self.args.log_level or settings.log.level
        configure_logging(level=level, format=settings.log.format)
        host.configure(self._config.as_dict())
        return host

    @property
    def config(self) -> Config:
        """The validated configuration."""
        _ = self.host
        return self._config

    def repository(self, *, create: bool = True) -> Repository:
        """The store named by ``--db``, ``CLOUDSCOPE_DB``, the config, or the default; runs
        in it whose process is gone are marked interrupted first.

        ``create=False`` (commands that only read) refuses a store that does not exist
        rather than creating an empty one."""
        url = choose_url(getattr(self.args, "db", None), self.config.settings.db)
        repository = open_repository(self.host, url, create=create)
        self._interrupt_abandoned_runs(repository)
        return repository

    def _interrupt_abandoned_runs(self, repository: Repository) -> None:
        """Every command that opens the store settles the runs of processes that died (see
        :mod:`cloudscope.application.run_liveness`); a store it cannot write (read-only)
        is left as it is, for the next command that can."""
        log = get_logger("cloudscope.runs")
        try:
            abandoned = interrupt_abandoned_runs(
                repository, timeout_s=self.config.settings.collect.heartbeat_timeout_s)
        except StoreError as error:
            log.debug("runs_not_checked", reason=str(error))
            return
        for run in abandoned:
            log.info("run_interrupted", run_id=run.run_id, collector=run.collector,
                     reason=run.reason)

    def failed_plugins(self) -> list[str]:
        """One line per plugin that did not load although it was not disabled."""
        return [f"{report.name}: {report.reason}" for report in self.host.reports.values()
                if report.status not in (PluginStatus.LOADED, PluginStatus.DISABLED)]


def secret_resolvers(host: PluginHost) -> dict[str, Callable[[str], str]]:
    """The registered secret resolvers by scheme, each importing its module only when a
    reference of its scheme is met."""

    def lazy(registration: Any) -> Callable[[str], str]:
        def resolve(reference: str) -> str:
            return registration.resolve()(reference)  # type: ignore[no-any-return]

        return resolve

    return {registration.name: lazy(registration) for registration in host.secret_resolvers}
