"""An API 1.0 plugin, frozen: do not edit (the compatibility test depends on it)."""

from cloudscope.api import hookimpl

CLOUDSCOPE_API = ">=1.0,<2"


@hookimpl
def cloudscope_register_collectors(register):
    register("legacy", "legacy_collector:LegacyCollector")


@hookimpl
def cloudscope_configure(config):
    pass
