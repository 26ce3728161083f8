"""The cloudscope-aws plugin's entry point module: light, it imports no SDK.

The collector is registered as a ``"module:Class"`` string, so botocore is imported only
when ``cloudscope collect aws`` runs, never by ``cloudscope plugins`` or ``--help``.
"""

from __future__ import annotations

from typing import Final

from cloudscope.api import Register, hookimpl

CLOUDSCOPE_API: Final = ">=1.0,<2"


@hookimpl
def cloudscope_register_collectors(register: Register) -> None:
    """Register the ``aws`` collector."""
    register("aws", "cloudscope_aws.collector:AwsCollector")
