"""The catalogue of what the collector covers, as scope services ("units"): one scope per
(account, region, unit) for a regional unit, per (account, unit) for a global one.

Two kinds of unit:

- a hand-written module set (``collect(clients, location)`` and pure ``transform_*``
  functions), named by its ARN service prefix (``ec2``), for services whose collection
  needs more than the declarative form; what each yields is described in ``handwritten``;
- a declarative :class:`~cloudscope_aws.catalogue.Resource` of a family module (its
  ``RESOURCES``), one unit each, named ``<service>/<kind>`` (``sqs/queue``) and run by
  ``engine.py``.

Family modules are data (they import no botocore); hand-written modules are imported
only when their scope is collected.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Final

from cloudscope_aws.catalogue import Resource, TypeDoc
from cloudscope_aws.services import handwritten


@dataclass(frozen=True, slots=True)
class Unit:
    """A scope service: its name, ARN service prefix, whether it is global, the botocore
    client whose endpoint data says in which regions it is offered, and what it yields:
    the modules of a hand-written unit, or the resource of a declarative one."""

    name: str
    service: str
    is_global: bool
    client: str
    types: tuple[TypeDoc, ...]
    modules: tuple[str, ...] = ()
    resource: Resource | None = None


_MODULES: Final = "cloudscope_aws.services."
HANDWRITTEN: Final = (
    Unit("ec2", "ec2", False, "ec2", handwritten.EC2,
         (_MODULES + "ec2_network", _MODULES + "ec2_compute")),
    Unit("elasticloadbalancing", "elasticloadbalancing", False, "elbv2",
         handwritten.ELASTICLOADBALANCING, (_MODULES + "elbv2", _MODULES + "elb")),
    Unit("lambda", "lambda", False, "lambda", handwritten.LAMBDA, (_MODULES + "awslambda",)),
    Unit("rds", "rds", False, "rds", handwritten.RDS, (_MODULES + "rds",)),
    Unit("kms", "kms", False, "kms", handwritten.KMS, (_MODULES + "kms",)),
    Unit("eks", "eks", False, "eks", handwritten.EKS, (_MODULES + "eks",)),
    Unit("cloudtrail", "cloudtrail", False, "cloudtrail", handwritten.CLOUDTRAIL,
         (_MODULES + "cloudtrail",)),
    Unit("iam", "iam", True, "iam", handwritten.IAM, (_MODULES + "iam",)),
    Unit("s3", "s3", True, "s3", handwritten.S3, (_MODULES + "s3",)),
    Unit("organizations", "organizations", True, "organizations", handwritten.ORGANIZATIONS,
         (_MODULES + "organizations",)),
)
"""The hand-written units, regional first."""

FAMILIES: Final = tuple(_MODULES + name for name in (
    "messaging", "containers", "databases", "secrets", "monitoring", "dns_cdn", "apis",
    "storage", "analytics", "streaming", "identity", "security", "developer", "compute",
    "networking", "management", "endusers",
))
"""The declarative family modules, each with ``RESOURCES``."""


def doc_of(resource: Resource) -> TypeDoc:
    """What a declarative resource yields, described like a hand-written type."""
    return TypeDoc(resource.asset_type, resource.native_type, tuple(resource.api_calls()),
                   tuple(resource.relationship_names()), resource.id_format(),
                   resource.volatile)


@cache
def units() -> dict[str, Unit]:
    """Every unit by name: the hand-written ones, then the families' resources."""
    found = {unit.name: unit for unit in HANDWRITTEN}
    for module_name in FAMILIES:
        for resource in importlib.import_module(module_name).RESOURCES:
            name = resource.scope_service
            if name in found:
                raise ValueError(f"two units named {name!r} (set Resource.unit on one)")
            found[name] = Unit(name, resource.arn_service, resource.is_global, resource.client,
                               (doc_of(resource),), resource=resource)
    return found


def service_names() -> list[str]:
    """The ARN service prefixes ``--service`` accepts."""
    return sorted({unit.service for unit in units().values()})


def type_names() -> list[str]:
    """The asset types ``--type`` accepts."""
    return sorted({doc.asset_type for unit in units().values() for doc in unit.types})
