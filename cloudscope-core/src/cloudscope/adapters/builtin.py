"""The built-in plugin: the file collector, the SQLite, file and PostgreSQL repositories,
the baseline rules and the ``env:`` and ``file:`` secret resolvers.

Registered through the same hooks as a third-party plugin, with factories given as
``"module:Class"`` strings so that nothing is imported until it is used.
"""

from __future__ import annotations

from typing import Final

from cloudscope.ports.hookspecs import hookimpl
from cloudscope.ports.registration import Register

CLOUDSCOPE_API: Final = ">=1.0,<2"


@hookimpl
def cloudscope_register_collectors(register: Register) -> None:
    register("file", "cloudscope.adapters.file_collector:FileCollector")


@hookimpl
def cloudscope_register_repositories(register: Register) -> None:
    register("sqlite", "cloudscope.adapters.sqlite_repository:SQLiteRepository")
    register("file", "cloudscope.adapters.file_repository:FileRepository")
    register("postgresql", "cloudscope.adapters.postgresql_repository:PostgreSQLRepository")


@hookimpl
def cloudscope_register_rules(register: Register) -> None:
    # The catalog reads only the packs' rule ids; rules are built when `assess` runs.
    from cloudscope.adapters.rules.catalog import register_baseline

    register_baseline(register)


@hookimpl
def cloudscope_register_secret_resolvers(register: Register) -> None:
    register("env", "cloudscope.adapters.secret_resolvers:resolve_env")
    register("file", "cloudscope.adapters.secret_resolvers:resolve_file")
