"""Narrowed and full runs mixed: a project's ``all`` scope covers its per-service scopes, so
an instance a ``--type`` run stored and the cloud then deleted is removed by the next full
run (docs/gcp.md, Scopes). Real CLI, real google-auth, the Cloud Asset fake."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import CollectionRun, ScopeKey
from cloudscope.application.run_liveness import current_owner
from gcp_estate import ORG

ALPHA = "projects/alpha-prod"
COMPUTE = ScopeKey(provider="gcp", account="alpha-prod", service="compute.googleapis.com")


@pytest.fixture
def cli(run_cloudscope: Callable[..., Any], sqlite_url: str,
        gcp_env: dict[str, str]) -> Callable[..., Any]:
    """``cli("assets", "list")``: the command's JSON (jsonl as a list) against the store."""

    def run(*args: str) -> Any:
        result = run_cloudscope(*args, "--db", sqlite_url, "--format", "jsonl", env=gcp_env)
        assert result.exit_code == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    return run


@pytest.fixture
def narrowed(collect_gcp: Callable[..., Any], estate: Any) -> dict[str, str]:
    """The estate's names, after a ``--type gcp:compute:instance`` run stored the project's
    compute assets in the compute scope."""
    result = collect_gcp("--scope", ALPHA, "--type", "gcp:compute:instance")
    assert result.exit_code == 0, result.stderr
    assert set(result.scopes()) == {("alpha-prod", "compute.googleapis.com")}
    return dict(estate.names)


def test_a_full_run_removes_an_instance_deleted_since_a_type_run(
        narrowed: dict[str, str], collect_gcp: Callable[..., Any], fake: Any,
        cli: Callable[..., Any]) -> None:
    """The instance deleted between the runs is gone from ``assets list`` after the full
    run, and ``changes`` shows the full run removed it."""
    fake.remove_asset(narrowed["db"])
    full = collect_gcp("--scope", ALPHA)
    assert full.exit_code == 0, full.stderr
    listed = {asset["id"] for asset in cli("assets", "list")}
    assert narrowed["db"] not in listed
    assert narrowed["web"] in listed
    removed = [(c["asset_id"], c["run_id"]) for c in cli("changes")
               if c["change"] == "removed"]
    assert removed == [(narrowed["db"], full.summary["run_id"])]


def test_an_instance_still_in_the_cloud_stays(narrowed: dict[str, str],
                                              collect_gcp: Callable[..., Any],
                                              cli: Callable[..., Any]) -> None:
    """The twin: what the full run still lists stays, and nothing is logged removed."""
    full = collect_gcp("--scope", ALPHA)
    assert full.exit_code == 0, full.stderr
    assert {narrowed["db"], narrowed["web"]} <= {a["id"] for a in cli("assets", "list")}
    assert [c for c in cli("changes") if c["change"] == "removed"] == []


def test_a_compute_scope_another_run_is_collecting_is_left_alone(
        narrowed: dict[str, str], collect_gcp: Callable[..., Any], fake: Any,
        cli: Callable[..., Any], sqlite_url: str) -> None:
    """A covered scope recorded as running (another ``--type`` run writing it) is not
    covered: the deleted instance stays until a run of that scope completes."""
    # Held open, by this (live) process, for the whole test: the run's liveness lock is
    # this store's, and a later command would otherwise mark the run abandoned.
    with SQLiteRepository(sqlite_url) as store:
        other = CollectionRun(run_id="another-type-run", collector="gcp",
                              started_at=datetime.now(UTC), owner=current_owner())
        store.start_run(other)
        store.start_scope(COMPUTE, other.run_id, datetime.now(UTC))
        fake.remove_asset(narrowed["db"])
        full = collect_gcp("--scope", ALPHA)
        assert full.exit_code == 0, full.stderr
        assert narrowed["db"] in {asset["id"] for asset in cli("assets", "list")}
        scopes = {s.key: s.status.value for s in store.list_scopes()}
        assert scopes[COMPUTE] == "running"


class _Quiet:
    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **values: None


def planned_collector(fake: Any, *scopes: str) -> Any:
    """A GcpCollector of ``scopes`` that has planned (against the fake)."""
    from cloudscope.api import CollectContext, RateLimiter
    from cloudscope_gcp.collector import GcpCollector

    ctx = CollectContext("gcp", limiter=RateLimiter("gcp"), log=_Quiet(), config={
        "gcp": {"api_endpoint": fake.root, "retry_backoff_s": 0}})
    collector = GcpCollector(ctx, {"scope": list(scopes)})
    collector.plan()
    return collector


def key(account: str, service: str) -> ScopeKey:
    return ScopeKey(provider="gcp", account=account, service=service)


@pytest.mark.parametrize(("other", "covered"), [
    (key("alpha-prod", "compute.googleapis.com"), True),
    (key("alpha-prod", "cloudresourcemanager.googleapis.com"), True),
    (key("alpha-prod", "all"), False),
    (key("beta-dev", "compute.googleapis.com"), False),
    (key(ORG, "cloudresourcemanager.googleapis.com"), False),
    (ScopeKey(provider="aws", account="alpha-prod", service="ec2"), False),
])
def test_a_project_scope_covers_the_project_s_other_scopes(
        gcp_env: dict[str, str], fake: Any, estate: Any, other: ScopeKey, covered: bool) -> None:
    """A project's ``all`` covers its per-service (and legacy) scopes, nothing else."""
    collector = planned_collector(fake, ALPHA)
    try:
        assert collector.covers(key("alpha-prod", "all"), other) is covered
        assert collector.covers(other, key("alpha-prod", "all")) is False
    finally:
        collector.close()


def test_under_an_organization_the_project_is_left_to_the_container_scope(
        gcp_env: dict[str, str], fake: Any, estate: Any) -> None:
    """Planned under an organization, ``all`` does not hold the Project (the container
    scope does): the project's cloudresourcemanager scope is not covered; the others are."""
    collector = planned_collector(fake, ORG)
    try:
        project = key("alpha-prod", "all")
        assert collector.covers(project, key("alpha-prod", "compute.googleapis.com"))
        assert not collector.covers(project, key("alpha-prod",
                                                 "cloudresourcemanager.googleapis.com"))
        container = key(ORG, "cloudresourcemanager.googleapis.com")
        assert not collector.covers(container, key("alpha-prod", "compute.googleapis.com"))
    finally:
        collector.close()
