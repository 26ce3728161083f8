"""The catalogue of AWS services the collector covers: one scope per (account, region,
service) for regional services, one per (account, service) for global ones.

Each module has ``collect(clients, location)``, which makes the API calls, and pure
``transform_*`` functions from response elements to assets and relationships. Modules
are named here, not imported, so that planning imports no service code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Service:
    """A scope service: its name (the ARN service prefix), whether it is global, and the
    modules that collect it, in order."""

    name: str
    is_global: bool
    modules: tuple[str, ...]


SERVICES: Final = {service.name: service for service in (
    Service("ec2", False, ("cloudscope_aws.services.ec2_network",
                           "cloudscope_aws.services.ec2_compute")),
    Service("elasticloadbalancing", False, ("cloudscope_aws.services.elbv2",
                                            "cloudscope_aws.services.elb")),
    Service("lambda", False, ("cloudscope_aws.services.awslambda",)),
    Service("rds", False, ("cloudscope_aws.services.rds",)),
    Service("kms", False, ("cloudscope_aws.services.kms",)),
    Service("eks", False, ("cloudscope_aws.services.eks",)),
    Service("cloudtrail", False, ("cloudscope_aws.services.cloudtrail",)),
    Service("iam", True, ("cloudscope_aws.services.iam",)),
    Service("s3", True, ("cloudscope_aws.services.s3",)),
)}
"""Scope services by name, regional first."""
