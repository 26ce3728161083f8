"""The declarative catalogue agrees with botocore's service models: every operation exists,
every parameter is one the operation takes (the required ones given), every result key is
in the answer, and every listing is read to its last page. A type moto cannot create is
still checked here against the API's own definition."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel
from cloudscope_aws.catalogue import BATCH, Detail, Resource
from cloudscope_aws.engine import _TOKENS
from cloudscope_aws.services import units

RESOURCES = sorted((unit.resource for unit in units().values() if unit.resource),
                   key=lambda resource: resource.scope_service)
_TEMPLATE_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)")
_CONTEXT = {"parent", "partition", "region", "account", "arn", "value"}


@cache
def _session() -> botocore.session.Session:
    return botocore.session.Session()


@cache
def model(client: str) -> ServiceModel:
    return _session().get_service_model(client)


def operation(client: str, name: str) -> OperationModel:
    return model(client).operation_model(name)


def calls(resource: Resource) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(operation, parameters, result key) of each call the resource makes."""
    yield resource.listing, {**resource.params, **resource.parent_params}, resource.key or None
    if resource.describe:
        yield resource.describe.operation, dict(resource.describe.params), \
            resource.describe.key or None
    for detail in (*resource.details, resource.tags, resource.policy):
        if isinstance(detail, Detail):
            yield detail.operation, dict(detail.params), detail.key


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.scope_service)
def test_every_call_is_an_operation_with_those_parameters(resource: Resource) -> None:
    """Each operation exists, takes the parameters given and gets its required ones; the
    result key (its first segment) is a member of the answer."""
    for name, params, key in calls(resource):
        op = operation(resource.client, name)
        members = set(op.input_shape.members) if op.input_shape else set()
        assert set(params) <= members, (name, set(params) - members)
        if name == resource.listing and resource.parent is None:
            required = set(op.input_shape.required_members) if op.input_shape else set()
            assert required <= set(params), (name, required - set(params))
        if key:
            assert key.split(".")[0] in op.output_shape.members, (name, key)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.scope_service)
def test_every_listing_reads_every_page(resource: Resource) -> None:
    """A listing either has a botocore paginator or a next-page token the engine follows;
    one that answers a token the engine would not follow would lose resources."""
    client = _session().create_client(resource.client, region_name="us-east-1",
                                      aws_access_key_id="x", aws_secret_access_key="y")
    if client.can_paginate(xform_name(resource.listing)):
        return
    op = operation(resource.client, resource.listing)
    outputs = set(op.output_shape.members)
    container = resource.key.rsplit(".", 1)[0] if "." in resource.key else ""
    if container:
        outputs |= set(op.output_shape.members[container].members)
    inputs = set(op.input_shape.members) if op.input_shape else set()
    tokens = {out for out in outputs
              if re.search(r"(?i)(token|marker|position)$|^LastEvaluated|^HasMore", out)}
    followed = {out for out, into in _TOKENS if out in outputs and into in inputs}
    if resource.resume in inputs:
        followed |= {out for out in outputs if out.startswith("HasMore")}
    assert tokens <= followed, (resource.listing, tokens - followed)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.scope_service)
def test_batch_describes_name_their_ids(resource: Resource) -> None:
    """A batch describe passes the chunk in one parameter and says how each id is made."""
    describe = resource.describe
    if describe is None or not describe.batch:
        return
    assert list(describe.params.values()).count(BATCH) == 1 and describe.id


def test_every_declared_type_follows_the_naming_rule() -> None:
    """A declarative type's asset type is aws:<ARN prefix>:<the native type's last segment,
    in lower case with hyphens>, and its scope service is unique."""
    for resource in RESOURCES:
        service, kind = resource.asset_type.split(":")[1:]
        assert service == resource.arn_service
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", kind), resource.asset_type
    names = [resource.scope_service for resource in RESOURCES]
    assert len(names) == len(set(names))


def test_the_catalogue_covers_at_least_150_types() -> None:
    """Issue 14's floor: at least 150 asset types (27 before it)."""
    types = {doc.asset_type for unit in units().values() for doc in unit.types}
    assert len(types) >= 150


def test_the_inventory_rule_covers_every_type_that_can_miss_a_detail() -> None:
    """aws.inventory.detail-unavailable judges every declarative type with describe, detail,
    tag or policy calls (any of them AWS may deny), so that no gap goes unreported."""
    from importlib.resources import files

    import yaml

    pack = yaml.safe_load(files("cloudscope.adapters.rules").joinpath("aws.yaml").read_text())
    (rule,) = [r for r in pack["rules"] if r["id"] == "aws.inventory.detail-unavailable"]
    reading = {resource.asset_type for resource in RESOURCES
               if resource.describe or resource.details or isinstance(resource.policy, str)
               or any(isinstance(d, Detail) for d in (resource.tags, resource.policy))}
    assert reading - set(rule["asset_types"]) == set()
