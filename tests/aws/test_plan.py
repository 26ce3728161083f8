"""Planning the catalogue: every type by default, ``--service`` and ``--type`` choosing units
together, regions where botocore's endpoint data does not offer a service left out, and
names that do not exist refused at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cloudscope.api import CollectContext, RateLimiter, UsageError
from cloudscope_aws.collector import AwsCollector
from cloudscope_aws.services import units


@pytest.fixture
def plan(aws: Any) -> Iterator[Callable[..., list[tuple[str | None, str]]]]:
    """(region, service) of each scope a collector with these options plans."""
    built: list[AwsCollector] = []

    def run(**options: Any) -> list[tuple[str | None, str]]:
        ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
        built.append(AwsCollector(ctx, options))
        return [(scope.region, scope.service) for scope in built[-1].plan()]

    yield run
    for collector in built:
        collector.close()


def test_every_unit_is_planned_by_default(plan: Callable[..., Any]) -> None:
    """Without --service or --type, each regional unit has a scope in the region and each
    global unit one scope without a region."""
    scopes = plan(region=["us-east-1"])
    expected = {(None if unit.is_global else "us-east-1", name) for name, unit in units().items()}
    assert set(scopes) == expected and len(scopes) == len(expected)


def test_service_and_type_choose_units_together(plan: Callable[..., Any]) -> None:
    """--service sqs brings its type; --type aws:ecs:service brings that unit only; a type
    of a hand-written service brings that service's whole scope."""
    scopes = plan(region=["eu-west-1"], service=["sqs"],
                  types=["aws:ecs:service", "aws:ec2:vpc", "aws:route53:hosted-zone"])
    assert sorted(scopes, key=str) == sorted([
        ("eu-west-1", "sqs/queue"), ("eu-west-1", "ecs/service"), ("eu-west-1", "ec2"),
        (None, "route53/hosted-zone")], key=str)


def test_a_service_brings_its_hand_written_and_declarative_units(
        plan: Callable[..., Any]) -> None:
    """--service lambda plans the functions' scope and the layers' and mappings'."""
    assert {service for _, service in plan(region=["us-east-1"], service=["lambda"])} == {
        "lambda", "lambda/layer-version", "lambda/event-source-mapping"}


def test_unknown_services_and_types_are_one_usage_error(aws: Any) -> None:
    """Every unknown name is in one line, with where to find the known ones."""
    ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
    with pytest.raises(UsageError) as raised:
        AwsCollector(ctx, {"service": ["sqs", "sq"],
                           "types": ["aws:sqs:queues", "aws:sqs:queue"]})
    assert str(raised.value) == ("--service 'sq', --type 'aws:sqs:queues': not collected by "
                                 "the aws collector (see `cloudscope types --provider aws`)")


def test_a_service_not_offered_in_a_region_plans_no_scope_there(
        plan: Callable[..., Any]) -> None:
    """CodeCommit is not offered in every region botocore knows (ca-west-1 among them): no
    scope there, while a region botocore does not know is planned (it may be newer)."""
    scopes = plan(region=["us-east-1", "ca-west-1", "xx-future-1"], service=["codecommit"])
    assert sorted(scopes) == [("us-east-1", "codecommit/repository"),
                              ("xx-future-1", "codecommit/repository")]
