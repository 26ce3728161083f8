"""An assessment's outcome: counts by severity, detected edges, rules that failed, and the
errors rules raised on single items.

Two kinds of failure (issue 12), both making the assessment incomplete (exit code 3):

- a rule that raises on one item (an asset given to ``observe``, a relationship given to
  ``observe_relationship``) records an *item error* for that rule and item, counted and
  listed, and keeps running for every other item: one malformed asset must not hide the
  findings of the assets after it. The rule's earlier findings on that asset (on both ends
  of that relationship) are kept;
- a rule that cannot be built, or raises in its closing call (``conclude``, ``detect``),
  *fails as a whole*: it is skipped for the rest of the run and every finding it had
  stored before is kept (as a failed collection scope keeps its assets).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, Protocol, TypeVar

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


@dataclass(frozen=True, slots=True)
class ItemError:
    """A rule that raised on one item: an asset (``item`` is its id) or a relationship
    (``item`` is ``source -TYPE-> target``); ``asset_ids`` are the assets concerned."""

    rule_id: str
    stage: str
    item: str
    asset_ids: tuple[str, ...]
    error: str

    def as_json(self) -> dict[str, str]:
        """Plain data for the JSON report."""
        return {"rule_id": self.rule_id, "stage": self.stage, "item": self.item,
                "error": self.error}


MAX_LISTED_ITEM_ERRORS: Final = 100
"""Item errors listed in the report; all are counted (a rule may fail on every asset)."""


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
    item_errors: int = 0
    listed_item_errors: list[ItemError] = field(default_factory=list)
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
        """True when every rule ran to the end on every item."""
        return not self.failures and not self.item_errors

    def item_error(self, error: ItemError) -> None:
        """Count an error a rule raised on one item; list the first ones."""
        self.item_errors += 1
        if len(self.listed_item_errors) < MAX_LISTED_ITEM_ERRORS:
            self.listed_item_errors.append(error)

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
                "failed_rules": [f.as_json() for f in self.failures],
                "item_errors": self.item_errors,
                "listed_item_errors": [e.as_json() for e in self.listed_item_errors],
                "run_id": self.run_id, "new_findings": self.new_findings,
                "resolved_findings": self.resolved_findings}
