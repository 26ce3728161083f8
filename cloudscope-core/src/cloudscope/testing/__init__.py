"""Test helpers for plugin authors (a pytest plugin, entry point ``pytest11``).

Import them from here (``from cloudscope.testing import CollectorContract``); the types the
fixtures hand out are in :mod:`cloudscope.api` (``PluginHost``, ``PluginReport``...).

- fixtures, registered for every pytest session once cloudscope-core is installed:
  ``plugin_host``, ``register_plugin``, ``fake_distribution``, ``sqlite_url``,
  ``run_cloudscope`` (they return :class:`FakeDistribution` and :class:`CliResult`);
- contract suites every adapter of a port must pass: :class:`CollectorContract`,
  :class:`ExporterContract`, :class:`RepositoryContract`.

Names are imported on first use, so that loading the pytest plugin costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from cloudscope.testing.collector_contract import CollectorContract
    from cloudscope.testing.exporter_contract import ExporterContract
    from cloudscope.testing.plugin import CliResult, FakeDistribution
    from cloudscope.testing.repository_contract import RepositoryContract

_LAZY: Final = {
    "CliResult": "cloudscope.testing.plugin",
    "FakeDistribution": "cloudscope.testing.plugin",
    "CollectorContract": "cloudscope.testing.collector_contract",
    "ExporterContract": "cloudscope.testing.exporter_contract",
    "RepositoryContract": "cloudscope.testing.repository_contract",
}

__all__ = ["CliResult", "CollectorContract", "ExporterContract", "FakeDistribution",
           "RepositoryContract"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cloudscope.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
