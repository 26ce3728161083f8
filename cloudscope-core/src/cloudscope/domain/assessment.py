"""An assessment's outcome: counts by severity, detected edges, and the rules that failed.

A rule that raises is recorded here and skipped for the rest of the run; the other rules
go on. The findings it had stored before are kept (as a failed collection scope keeps its
assets), and the command exits with 3: the assessment is incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from cloudscope.domain.finding import Finding, Severity


class _Typed(Protocol):
    @property
    def asset_types(self) -> frozenset[str] | None: ...


RuleT = TypeVar("RuleT", bound=_Typed)


class TypeDispatch(Generic[RuleT]):
    """Which rules see an asset of a given type: a dict lookup per asset, cached per type."""

    def __init__(self, rules: Iterable[RuleT]) -> None:
        self._rules = list(rules)
        self._by_type: dict[str, list[RuleT]] = {}

    def rules_for(self, asset_type: str) -> list[RuleT]:
        """The rules naming ``asset_type`` or every type, in registration order."""
        found = self._by_type.get(asset_type)
        if found is None:
            found = [r for r in self._rules if r.asset_types is None or asset_type in r.asset_types]
            self._by_type[asset_type] = found
        return found

    def __bool__(self) -> bool:
        return bool(self._rules)


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """A rule that could not be built or raised while it ran."""

    rule_id: str
    stage: str
    error: str

    def as_json(self) -> dict[str, str]:
        """Plain data for the JSON report."""
        return {"rule_id": self.rule_id, "stage": self.stage, "error": self.error}


@dataclass(slots=True)
class AssessmentSummary:
    """What ``cloudscope assess`` reports besides the findings themselves."""

    rules: int = 0
    assets: int = 0
    detected_relationships: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Severity})
    failures: list[RuleFailure] = field(default_factory=list)
    kept_findings: int = 0
    failed_ids: set[str] = field(default_factory=set)
    #: The assessment run (API 1.1): the id its finding changes carry, and how many
    #: findings it found new and resolved (zero when the store keeps no change log).
    run_id: str | None = None
    new_findings: int = 0
    resolved_findings: int = 0

    def count(self, finding: Finding) -> None:
        """Count one stored finding under its severity."""
        self.counts[finding.severity.value] += 1

    @property
    def findings(self) -> int:
        """How many findings were stored."""
        return sum(self.counts.values())

    @property
    def complete(self) -> bool:
        """True when every rule ran to the end."""
        return not self.failures

    def fail(self, rule_id: str, stage: str, error: str) -> None:
        """Record a failed rule (once: a rule is skipped after its first failure)."""
        if rule_id not in self.failed_ids:
            self.failed_ids.add(rule_id)
            self.failures.append(RuleFailure(rule_id, stage, error))

    def has_failed(self, rule_id: str) -> bool:
        """True when ``rule_id`` already failed in this run."""
        return rule_id in self.failed_ids

    def as_json(self) -> dict[str, Any]:
        """The report's fields except ``findings``."""
        return {"rules": self.rules, "assets": self.assets, "counts": dict(self.counts),
                "detected_relationships": self.detected_relationships,
                "failed_rules": [f.as_json() for f in self.failures], "run_id": self.run_id,
                "new_findings": self.new_findings, "resolved_findings": self.resolved_findings}
