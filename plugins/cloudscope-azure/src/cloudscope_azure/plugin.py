"""The cloudscope-azure plugin's entry point module: light, it imports no SDK.

The collector is registered as a ``"module:Class"`` string, so azure-identity and
azure-core are imported only when ``cloudscope collect azure`` runs.
"""

from __future__ import annotations

from typing import Final

from cloudscope.api import Register, hookimpl

CLOUDSCOPE_API: Final = ">=1.0,<2"


@hookimpl
def cloudscope_register_collectors(register: Register) -> None:
    register("azure", "cloudscope_azure.collector:AzureCollector")
