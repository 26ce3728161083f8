"""Fixtures for the assessment tests: a real SQLite store, estates written through the
repository port, and the baseline rules built as `cloudscope assess` builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from cloudscope.adapters.rules.catalog import register_baseline
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import (
    Asset,
    AssetQuery,
    CollectionRun,
    Finding,
    Relationship,
    Rule,
    ScopeKey,
    utc_now,
)
from cloudscope.application.assess import Assessment, AssessmentResult, build_rules
from cloudscope.domain.assessment import AssessmentSummary
from cloudscope.host.registry import ComponentRegistry

ESTATE_SCOPE = ScopeKey(provider="file", account="/estate.json")
PROVIDERS = {"aws": "123456789012", "azure": "sub-1", "gcp": "proj-1"}


def _make_asset(asset_id: str, asset_type: str, properties: dict[str, Any] | None = None,
               **fields: Any) -> Asset:
    """An asset of ``asset_type`` with the account of its provider unless given."""
    provider = asset_type.split(":", 1)[0]
    fields.setdefault("account", PROVIDERS[provider])
    fields.setdefault("region", "eu-west-1")
    return Asset(id=asset_id, provider=provider, asset_type=asset_type,
                 properties=properties or {}, **fields)


def _edge(source: str, kind: str, target: str) -> Relationship:
    """A collected relationship."""
    return Relationship(source_id=source, type=kind, target_id=target)


def baseline_registry() -> ComponentRegistry:
    """The baseline rules registered as the built-in plugin registers them."""
    registry = ComponentRegistry("rule")
    register_baseline(registry.register_for("builtin"))
    return registry


def _baseline_rules(disabled: Sequence[str] = ()) -> list[Rule]:
    """Every baseline rule, built."""
    summary = AssessmentSummary()
    rules = build_rules(baseline_registry(), [], set(disabled), summary)
    assert summary.complete, summary.failures
    return rules


@pytest.fixture
def repository(sqlite_url: str) -> Iterator[SQLiteRepository]:
    """A fresh SQLite store on disk."""
    store = SQLiteRepository(sqlite_url)
    yield store
    store.close()


@pytest.fixture
def write_estate(repository: SQLiteRepository) -> Callable[..., None]:
    """Write assets and relationships as one completed collection of ``scope``."""

    def write(assets: Sequence[Asset], relationships: Sequence[Relationship] = (),
              scope: ScopeKey = ESTATE_SCOPE) -> None:
        run = CollectionRun(run_id=f"run-{utc_now().timestamp()}", collector="test",
                            started_at=utc_now())
        repository.start_run(run)
        repository.start_scope(scope, run.run_id, run.started_at)
        repository.write_batch(scope, run.run_id, list(assets), list(relationships), utc_now())
        repository.complete_scope(scope, run.run_id, len(assets), utc_now())

    return write


@pytest.fixture
def assess(repository: SQLiteRepository) -> Callable[..., AssessmentResult]:
    """Run an assessment (baseline rules unless given) and return its result."""

    def run(rules: Sequence[Rule] | None = None,
            query: AssetQuery | None = None) -> AssessmentResult:
        chosen = _baseline_rules() if rules is None else list(rules)
        return Assessment(repository, chosen).run(query or AssetQuery())

    return run


def _findings_of(result: AssessmentResult, rule_id: str) -> list[Finding]:
    """The findings of one rule in a result."""
    return [f for f in result.findings() if f.rule_id == rule_id]


@pytest.fixture(scope="session")
def make_asset() -> Callable[..., Asset]:
    """``make_asset(id, asset_type, properties, **fields)``: an asset in its provider's account."""
    return _make_asset


@pytest.fixture(scope="session")
def edge() -> Callable[[str, str, str], Relationship]:
    """``edge(source, TYPE, target)``: a collected relationship."""
    return _edge


@pytest.fixture(scope="session")
def baseline_rules() -> Callable[..., list[Rule]]:
    """``baseline_rules(disabled=())``: every baseline rule, freshly built."""
    return _baseline_rules


@pytest.fixture(scope="session")
def findings_of() -> Callable[[AssessmentResult, str], list[Finding]]:
    """``findings_of(result, rule_id)``: the findings of one rule in a result."""
    return _findings_of
