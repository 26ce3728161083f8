"""The declarative catalogue: how one AWS resource type is listed, read and related.

A :class:`Resource` names the botocore client, the listing operation and its result key,
how the id (an ARN) and the name are read from an element, and optionally a parent listing
(ECS services per cluster), a describe call that completes the element, per-resource
detail calls nested under their response element, tags, the resource policy and the
edges read from the properties. ``engine.py`` runs any of them the same way; a new type
costs a few lines. Nothing here imports botocore: planning, ``cloudscope types`` and the
permissions policy read the catalogue as data.

Templates are ``str.format`` strings over the element (``{QueueName}``, nested
``{Config[Name]}``), ``{parent[...]}`` (the parent's element), ``{partition}``,
``{region}`` (empty for a global type), ``{account}`` and, in details, ``{arn}``; the
conversion ``!b`` keeps what follows the last ``/`` (``{QueueUrl!b}`` is a queue's name,
``{Id!b}`` a hosted zone's id without ``/hostedzone/``), ``!l`` drops a leading ``/`` (an
SSM parameter's name in its ARN), and ``{Field?}`` is ``/`` and the
field's value when the element has it, else nothing (a record's ``SetIdentifier``). A
template without braces names a field (``"TopicArn"``).
Operation names are the API's own (``ListQueues``), as IAM and the API reference spell them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

BATCH: Final = "<batch>"
"""A describe parameter whose value is the list of the chunk's formatted ids."""

_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NATIVE: Final = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$")
_FIELD: Final = re.compile(r"\{([^{}]+)\}")


def kebab(name: str) -> str:
    """``WebACL`` -> ``web-acl``, ``DBClusterSnapshot`` -> ``db-cluster-snapshot``."""
    return _BOUNDARY.sub("-", name).lower()


def asset_type_of(service: str, native_type: str) -> str:
    """DESIGN.md's rule: ``aws:<ARN service prefix>:<the native type's last segment>``."""
    return f"aws:{service}:{kebab(native_type.rsplit('::', 1)[-1])}"


@dataclass(frozen=True, slots=True)
class Detail:
    """A per-resource call whose answer nests under ``property`` (its response element).

    ``key`` is the part of the response kept (a dotted path; None keeps the whole
    response); ``absent`` are the error codes meaning "not configured" (the property is
    then left out); a denied call names the property under ``_unavailable``.
    ``paginate`` follows the pages of ``key`` (a list).
    """

    property: str
    operation: str
    params: Mapping[str, Any]
    key: str | None = None
    absent: tuple[str, ...] = ()
    paginate: bool = False


@dataclass(frozen=True, slots=True)
class Describe:
    """A call that completes each listed element (``DescribeTable`` per table name), or
    lists of up to ``batch`` of them (``DescribeClusters`` with 100 ARNs: the parameter
    whose value is :data:`BATCH` takes the chunk's ``id`` templates). The response's ``key``
    (a dict per element, or a list in batch mode; empty: the whole response) is merged over
    the listed element, with the response's ``keep`` keys beside it (``DescribeTaskDefinition``
    answers ``tags`` next to ``taskDefinition``). ``absent``: the element vanished."""

    operation: str
    params: Mapping[str, Any]
    key: str
    batch: int = 0
    id: str = ""
    absent: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edge:
    """Relationships read from the properties: each value at ``path`` (FieldPath syntax)
    made an id by ``target`` (a template over ``{value}``, the element, its parent and the
    location; ``{value}``
    alone keeps values that are ARNs and skips the others: an SNS endpoint may be an email
    address). ``inbound`` reads target -> asset; ``kms`` resolves KMS aliases to their
    keys; ``split`` splits a text of several ids (Auto Scaling's ``VPCZoneIdentifier``);
    ``only`` keeps the values with this prefix (a flow log's ``vpc-`` resource)."""

    type: str
    path: str
    target_type: str
    target: str = "{value}"
    inbound: bool = False
    kms: bool = False
    split: str = ""
    only: str = ""


def ec2(type_: str, path: str, kind: str, resource: str) -> Edge:
    """An edge to an EC2 resource named by its id (``subnet-...``)."""
    return Edge(type_, path, f"aws:ec2:{kind}",
                f"arn:{{partition}}:ec2:{{region}}:{{account}}:{resource}/{{value}}")


def subnets(path: str) -> Edge:
    """IN_SUBNET the subnets whose ids are at ``path``."""
    return ec2("IN_SUBNET", path, "subnet", "subnet")


def groups(path: str) -> Edge:
    """PROTECTED_BY the security groups whose ids are at ``path``."""
    return ec2("PROTECTED_BY", path, "security-group", "security-group")


def vpc(path: str) -> Edge:
    """IN_NETWORK the VPC whose id is at ``path``."""
    return ec2("IN_NETWORK", path, "vpc", "vpc")


def role(path: str) -> Edge:
    """HAS_ROLE the IAM role whose ARN is at ``path``."""
    return Edge("HAS_ROLE", path, "aws:iam:role")


def key(path: str) -> Edge:
    """ENCRYPTED_BY the KMS key referenced at ``path`` (id, ARN or alias)."""
    return Edge("ENCRYPTED_BY", path, "aws:kms:key", kms=True)


def arn(type_: str, path: str, target_type: str, *, inbound: bool = False) -> Edge:
    """An edge to the ARN at ``path``."""
    return Edge(type_, path, target_type, inbound=inbound)


Template = str | tuple[str, ...]
"""A template string, or the name of the field holding the value; a tuple tries each in
turn (the ``arn`` field when the API returns one, else AWS's documented format)."""


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource type, collected as its own scope ``<service>/<kind>`` (or ``unit``).

    - ``native_type``: the CloudFormation type (or, where CloudFormation has none, the
      same form with the API's noun); the asset type follows from it and ``service``.
    - ``client``, ``listing``, ``key``: the botocore client, the listing operation (paged
      by botocore's paginator when it has one) and the result key (dotted for nested
      lists: ``DistributionList.Items``); ``params`` its constant parameters;
      ``element`` wraps scalar elements (names, URLs, ARNs) as ``{element: value}``.
    - ``arn``, ``name``: templates (or a field name) giving the id and the name.
    - ``parent``: list once per element of another resource's listing (``parent_params``
      from ``{parent[...]}``); the parent CONTAINS each child unless ``contained`` is off.
    - ``describe``, ``details``, ``tags`` (a tag field, or a detail whose answer becomes
      the tags), ``policy`` (a field holding the policy's JSON text, moved to ``Policy``
      decoded, or a detail answering it), ``edges``.
    - ``volatile``: fields the cloud changes on every read (FieldPath syntax).
    - ``absent``: listing errors meaning "nothing here" (the feature is not turned on).
    - ``keep``: elements to keep (a filter the API lacks); ``owner``: the field naming the
      owning account, elements of other accounts left out (snapshots listed with
      ``OwnerIds=self`` should be the account's; an endpoint that ignores the filter does
      not make others' ours); ``omit``: fields never stored (secret material some APIs
      return).
    - ``iam``: the IAM action prefix where it is not the ARN's (Service Catalog's
      ``servicecatalog`` for ARNs of ``catalog``).
    - ``resume``: for a listing that only says it has more (``HasMore...``), the parameter
      that resumes after the last element (Firehose's ``ExclusiveStartDeliveryStreamName``).
    """

    native_type: str
    client: str
    listing: str
    key: str
    arn: Template
    name: Template | None = None
    service: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    element: str | None = None
    parent: Resource | None = None
    parent_params: Mapping[str, Any] = field(default_factory=dict)
    contained: bool = True
    describe: Describe | None = None
    details: tuple[Detail, ...] = ()
    tags: str | Detail | None = None
    policy: str | Detail | None = None
    edges: tuple[Edge, ...] = ()
    volatile: tuple[str, ...] = ()
    is_global: bool = False
    absent: tuple[str, ...] = ()
    keep: Callable[[Mapping[str, Any]], bool] | None = None
    owner: str = ""
    omit: tuple[str, ...] = ()
    unit: str = ""
    iam: str = ""
    resume: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not _NATIVE.match(self.native_type):
            raise ValueError(f"{self.native_type!r}: expected AWS::Service::Type")

    @property
    def arn_service(self) -> str:
        """The ARN's service prefix (also the IAM action prefix)."""
        return self.service or self.client

    @property
    def asset_type(self) -> str:
        """``aws:<service>:<kind>`` by DESIGN.md's naming rule."""
        return asset_type_of(self.arn_service, self.native_type)

    @property
    def scope_service(self) -> str:
        """The scope's service: ``<ARN prefix>/<kind>``, so that the core's circuit breaker
        counts server errors per service namespace."""
        return self.unit or f"{self.arn_service}/{self.asset_type.rsplit(':', 1)[-1]}"

    def api_calls(self) -> list[str]:
        """Every call, ``<IAM prefix>:<Operation>``, the listing first (the parent's before)."""
        prefix = self.iam or self.arn_service
        calls = self.parent.api_calls()[:1] if self.parent else []
        calls.append(f"{prefix}:{self.listing}")
        if self.describe:
            calls.append(f"{prefix}:{self.describe.operation}")
        calls += [f"{prefix}:{detail.operation}"
                  for detail in (*self.details, self.tags, self.policy)
                  if isinstance(detail, Detail)]
        return list(dict.fromkeys(calls))

    def relationship_names(self) -> list[str]:
        """The edges, as ``cloudscope types`` shows them."""
        names = [f"CONTAINS <- {self.parent.asset_type}"] if self.parent and self.contained \
            else []
        names += [f"{edge.type} {'<-' if edge.inbound else '->'} {edge.target_type}"
                  for edge in self.edges]
        return list(dict.fromkeys(names))

    def id_format(self) -> str:
        """How the id is made, for the catalogue page (``P`` partition, ``R`` region,
        ``A`` account, ``{Field}`` a field of the element)."""
        formats = self.arn if isinstance(self.arn, tuple) else (self.arn,)
        shown = []
        for each in formats:
            text = each.replace("{partition}", "P").replace("{region}", "R") \
                .replace("{account}", "A")
            shown.append(text if "{" in text and not _FIELD.fullmatch(text) else text.strip("{}"))
        return ", else ".join(shown)


@dataclass(frozen=True, slots=True)
class TypeDoc:
    """A type collected by a hand-written module, described for ``cloudscope types``
    (``api_calls`` as ``<service>:<Operation>``)."""

    asset_type: str
    native_type: str
    api_calls: tuple[str, ...]
    relationships: tuple[str, ...] = ()
    id_format: str = ""
    volatile: tuple[str, ...] = ()
