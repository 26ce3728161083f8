"""Narrowed and full runs mixed: a subscription's generic scope covers the scopes of the
unmapped types a ``--type`` run collected, so a Redis cache that run stored and Azure then
deleted is removed by the next full run (docs/azure.md). Real CLI, real azure-identity,
the Resource Manager fake over TLS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from arm_fake import FakeAzure
from generic_estate import seed_id

from tests.azure.conftest import PRODUCTION, STAGING, service_principal

REDIS = seed_id(PRODUCTION, "Microsoft.Cache/Redis", "cache1").lower()
VM_TYPE = "microsoft.compute/virtualmachines"


@pytest.fixture
def cli(cloudscope: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    """``cli("assets", "list")``: the command's JSON Lines, against the test's store."""
    db = f"sqlite:///{tmp_path / 'inventory.db'}"

    def run(*args: str) -> Any:
        result = cloudscope(*args, "--db", db, "--format", "jsonl" if args[0] != "collect"
                            else "json")
        assert result.code == 0, result.stderr
        if args[0] == "collect":
            return result.json()
        return [json.loads(line) for line in result.stdout.splitlines()]

    return run


@pytest.fixture
def narrowed(cli: Callable[..., Any]) -> dict[str, Any]:
    """A ``--type microsoft.cache/redis`` run (and one of a mapped type) stored their
    resources in scopes of their own."""
    summary = cli("collect", "azure", "--subscription", PRODUCTION,
                  "--type", "microsoft.cache/redis", "--type", VM_TYPE)
    assert {s["service"] for s in summary["scopes"]} == {"microsoft.cache/redis", VM_TYPE}
    assert REDIS in {asset["id"] for asset in cli("assets", "list")}
    return summary


def test_a_full_run_removes_a_resource_deleted_since_a_type_run(
        narrowed: dict[str, Any], cli: Callable[..., Any], trust_fake: FakeAzure) -> None:
    """The Redis cache deleted between the runs is gone from ``assets list`` after the
    full run, and ``changes`` shows the full run removed it."""
    del trust_fake.resources[REDIS]
    full = cli("collect", "azure", "--subscription", PRODUCTION)
    assert full["status"] == "ok"
    assert REDIS not in {asset["id"] for asset in cli("assets", "list")}
    removed = [(c["asset_id"], c["run_id"]) for c in cli("changes")
               if c["change"] == "removed"]
    assert removed == [(REDIS, full["run_id"])]


def test_a_resource_still_in_azure_stays(narrowed: dict[str, Any],
                                         cli: Callable[..., Any]) -> None:
    """The twin: the full run lists the cache, which stays; nothing is logged removed."""
    full = cli("collect", "azure", "--subscription", PRODUCTION)
    assert full["status"] == "ok"
    assert REDIS in {asset["id"] for asset in cli("assets", "list")}
    assert [c for c in cli("changes") if c["change"] == "removed"] == []


def key(account: str, service: str) -> Any:
    from cloudscope.api import ScopeKey

    return ScopeKey(provider="azure", account=account, service=service)


GENERIC = "microsoft.resources/resources"


@pytest.mark.parametrize(("other", "covered"), [
    (key(PRODUCTION, "microsoft.cache/redis"), True),
    (key(PRODUCTION, "contoso.widgets/gizmos"), True),
    (key(PRODUCTION, VM_TYPE), False),
    (key(PRODUCTION, GENERIC), False),
    (key(STAGING, "microsoft.cache/redis"), False),
    (key("tenant", "microsoft.management/managementgroups"), False),
])
def test_the_generic_scope_covers_the_unmapped_types_of_its_subscription(
        trust_fake: FakeAzure, monkeypatch: pytest.MonkeyPatch, other: Any,
        covered: bool) -> None:
    """A subscription's generic scope covers its scopes of types without a hand mapping:
    not a mapped type's, another subscription's or the tenant's."""
    from cloudscope.api import CollectContext, RateLimiter
    from cloudscope_azure.collector import AzureCollector

    monkeypatch.setenv("AZURE_AUTHORITY_HOST", trust_fake.url)
    ctx = CollectContext("azure", limiter=RateLimiter("azure"),
                         config={"azure": service_principal(trust_fake)}, log=None)
    full = AzureCollector(ctx, {"subscription": [PRODUCTION]})
    narrowed = AzureCollector(ctx, {"subscription": [PRODUCTION],
                                    "types": [GENERIC, "microsoft.cache/redis"]})
    try:
        assert full.covers(key(PRODUCTION, GENERIC), other) is covered
        assert full.covers(other, key(PRODUCTION, GENERIC)) is False
        # A run collecting redis in a scope of its own skips it in the generic list.
        assert narrowed.covers(key(PRODUCTION, GENERIC), key(PRODUCTION, "microsoft.cache/redis")) \
            is False
    finally:
        full.close()
        narrowed.close()
