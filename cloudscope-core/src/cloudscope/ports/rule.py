"""The rule port: risk rules and relationship-detection rules.

A rule sees the inventory as streams, so that it runs unchanged on every repository backend
and in bounded memory: every live asset of the types it names goes to :meth:`observe`, every
live relationship of the types it names to :meth:`observe_relationship`, then a closing call
(:meth:`RiskRule.conclude` or :meth:`DetectionRule.detect`) receives a :class:`RuleGraph`
for targeted lookups. A rule keeps only what it needs between the calls (ids, not whole
assets), so that an estate of a million assets fits in memory.

Detection rules run first and their relationships are stored before the risk rules run, so
risk rules see detected edges (``EXPOSED_BY``) like collected ones.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.relationship import Relationship

DETECTED_BY: Final = "detected_by"
"""The property that marks a relationship stored by a detection rule (its rule id)."""


class RuleGraph(ABC):
    """Targeted lookups in the stored graph, for a rule's closing call. Added in API 1.0."""

    @abstractmethod
    def relationships_of(self, asset_ids: Sequence[str],
                         types: Iterable[str] | None = None) -> list[Relationship]:
        """Live relationships with a source or target among ``asset_ids`` (of ``types``)."""

    @abstractmethod
    def assets(self, asset_ids: Sequence[str]) -> Iterator[Asset]:
        """The live assets among ``asset_ids`` (unknown ids are skipped)."""


class Rule:
    """What every rule has: an id, what it reads, and how bad its findings are. Added in API 1.0.

    Subclass :class:`AssetRule` (one asset at a time), :class:`RiskRule` (findings over
    the graph) or :class:`DetectionRule` (relationships), not this class.

    - ``rule_id``: unique, dotted (``aws.s3.bucket-public``); when empty, the id it was
      registered under is used.
    - ``asset_types``: the asset types :meth:`observe` receives; ``None`` means all.
    - ``relationship_types``: the relationship types :meth:`observe_relationship` receives.
    """

    rule_id: str = ""
    title: str = ""
    severity: Severity = Severity.MEDIUM
    remediation: str = ""
    references: tuple[str, ...] = ()
    asset_types: frozenset[str] | None = None
    relationship_types: frozenset[str] = frozenset()
    kind: ClassVar[str] = ""

    def observe_relationship(self, relationship: Relationship) -> None:
        """Receive one live relationship of ``relationship_types`` (default: ignore)."""

    def describe(self) -> dict[str, Any]:
        """The rule's metadata, for listings and the rule author's guide."""
        return {"rule_id": self.rule_id, "kind": self.kind, "severity": self.severity.value,
                "title": self.title, "asset_types": sorted(self.asset_types or ()),
                "references": list(self.references)}


class RiskRule(Rule):
    """A rule that produces findings, per asset and over the graph. Added in API 1.0."""

    kind: ClassVar[str] = "risk"

    def observe(self, asset: Asset) -> Iterable[Finding]:
        """Findings about one asset, or nothing; may also remember what ``conclude`` needs."""
        return ()

    def conclude(self, graph: RuleGraph) -> Iterable[Finding]:
        """Findings once every asset and relationship has been observed (default: none)."""
        return ()

    def finding(self, asset_id: str, *, detail: str = "", evidence: dict[str, Any] | None = None,
                severity: Severity | None = None, title: str | None = None) -> Finding:
        """A finding of this rule about ``asset_id``, with the rule's title and remediation."""
        return Finding(rule_id=self.rule_id, asset_id=asset_id,
                       severity=severity or self.severity, title=title or self.title,
                       detail=detail, remediation=self.remediation,
                       evidence=evidence or {})


class AssetRule(RiskRule, ABC):
    """A risk rule that judges each asset on its own: implement :meth:`check`. Added in API 1.0."""

    @abstractmethod
    def check(self, asset: Asset) -> Iterable[Finding]:
        """Findings about ``asset`` (build them with :meth:`finding`); nothing when it is fine."""

    def observe(self, asset: Asset) -> Iterable[Finding]:
        """Delegate to :meth:`check`."""
        return self.check(asset)


class DetectionRule(Rule):
    """A rule that links assets after collection, across providers. Added in API 1.0.

    Detected relationships are stored under a dedicated scope: each assessment replaces
    the previous assessment's, and an edge a collector already stored is left to it.
    """

    kind: ClassVar[str] = "detection"
    severity: Severity = Severity.INFO

    def observe(self, asset: Asset) -> Iterable[Relationship]:
        """Relationships read from one asset, or nothing; may also index it for :meth:`detect`."""
        return ()

    def detect(self, graph: RuleGraph) -> Iterable[Relationship]:
        """Relationships once every asset has been observed (default: none)."""
        return ()

    def link(self, source_id: str, relationship_type: str, target_id: str,
             **properties: Any) -> Relationship:
        """A detected relationship, marked with this rule's id under ``detected_by``."""
        return Relationship(
            source_id=source_id, type=relationship_type, target_id=target_id,
            properties={DETECTED_BY: self.rule_id, **properties})
