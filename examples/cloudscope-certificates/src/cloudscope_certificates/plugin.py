"""Entry point module: declares the API range and registers the collector by name.

It imports nothing heavy: `cryptography` is imported by the collector module, which the
core imports only when `cloudscope collect certificates` runs.
"""

from __future__ import annotations

from cloudscope.api import Register, hookimpl

CLOUDSCOPE_API = ">=1.0,<2"


@hookimpl
def cloudscope_register_collectors(register: Register) -> None:
    """Register the `certificates` collector lazily, by module path."""
    register("certificates", "cloudscope_certificates.collector:CertificateCollector")
