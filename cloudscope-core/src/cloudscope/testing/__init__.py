"""Test helpers for plugin authors (a pytest plugin, entry point ``pytest11``).

- fixtures in :mod:`cloudscope.testing.plugin` (a fresh plugin host per test, in-process
  plugin registration, fake installed distributions, a CLI runner);
- contract suites every adapter of a port must pass:
  :class:`cloudscope.testing.repository_contract.RepositoryContract`.
"""
