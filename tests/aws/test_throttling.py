"""API etiquette against a proxy in front of moto: throttling answers are retried and
counted, and the configured rate limit holds for every request sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_estate import small_estate
from aws_proxy import THROTTLING, Fault, throttling_proxy

# EC2 and S3 (one regional, one global scope): about 20 requests on the small estate.
SCOPE_OPTIONS = ("--region", "us-east-1", "--type", "aws:ec2:vpc", "--service", "s3",
                 "--format", "json")


def stored(cloudscope_here: Any, sqlite_url: str) -> dict[str, Any]:
    """Every stored asset's id -> (type, name, tags, properties)."""
    code, stdout = cloudscope_here("assets", "list", "--db", sqlite_url, "--format", "json")
    assert code == 0
    return {a["id"]: (a["asset_type"], a["name"], a["tags"], a["properties"])
            for a in json.loads(stdout)}


def test_throttled_run_equals_an_unthrottled_one_and_counts_throttles(
        aws: Any, run_cloudscope: Any, cloudscope_here: Any, tmp_path: Any) -> None:
    """With every fourth request answered ThrottlingException, botocore retries: the
    inventory is the unthrottled one and the summary counts each throttle."""
    small_estate(aws.session)
    calm, throttled = (f"sqlite:///{tmp_path / name}" for name in ("calm.db", "throttled.db"))
    code, stdout = cloudscope_here("collect", "aws", *SCOPE_OPTIONS, "--db", calm)
    assert code == 0
    calm_summary = json.loads(stdout)
    with throttling_proxy(aws.endpoint, every=4) as proxy:
        result = run_cloudscope("collect", "aws", *SCOPE_OPTIONS, "--db", throttled,
                                env=proxy.environment)
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert proxy.log.throttled > 0
    assert summary["counters"]["throttled"] == proxy.log.throttled
    assert summary["counters"]["retries"] == proxy.log.throttled  # each throttle retried once
    assert summary["counters"]["requests"] == len(proxy.log.arrivals)
    assert (summary["assets"], summary["relationships"]) == \
        (calm_summary["assets"], calm_summary["relationships"])
    assert stored(cloudscope_here, throttled) == stored(cloudscope_here, calm)


def test_requests_stay_under_the_configured_rate(aws: Any, run_cloudscope: Any,
                                                 sqlite_url: str) -> None:
    """At 15 requests per second (burst 1), the proxy never sees more than 10% over the
    rate, in any one-second window or over the run."""
    small_estate(aws.session)
    rate = 15
    with throttling_proxy(aws.endpoint) as proxy:
        result = run_cloudscope("collect", "aws", *SCOPE_OPTIONS, "--db", sqlite_url, env={
            **proxy.environment,
            "CLOUDSCOPE_PLUGINS_AWS_RATE_LIMIT_PER_SECOND": str(rate),
            "CLOUDSCOPE_PLUGINS_AWS_RATE_LIMIT_BURST": "1"})
    assert result.exit_code == 0, result.stderr
    arrivals = sorted(proxy.log.arrivals)
    assert len(arrivals) > rate  # longer than a window, so that the windows mean something
    assert proxy.log.max_in_window(1.0) <= rate * 1.1
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) <= rate * 1.1


def test_max_attempts_counts_every_attempt_the_first_included(
        aws: Any, collect_aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """--max-attempts 3 against an endpoint that always throttles ListFunctions: exactly
    three attempts are sent, two of them counted as retries, then the scope fails."""
    always = Fault(THROTTLING, status=400, message="Rate exceeded", service="lambda",
                   method="GET", path=r"/functions/?(\?|$)")
    with throttling_proxy(aws.endpoint, faults=(always,)) as proxy:
        for name, value in proxy.environment.items():
            monkeypatch.setenv(name, value)
        inventory = collect_aws(region=["us-east-1"], types=["aws:lambda:function"], max_attempts=3)
    assert proxy.log.faulted == 3
    assert inventory.counters["requests"] == len(proxy.log.arrivals)
    assert inventory.counters["retries"] == 2
    assert inventory.counters["throttled"] == 3
    (error,) = inventory.errors.values()
    assert error.startswith("lambda ListFunctions: ThrottlingException")
