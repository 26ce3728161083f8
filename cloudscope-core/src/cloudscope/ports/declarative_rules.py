"""The rule port implemented for the rule language: Rule objects from parsed YAML definitions.

Shared by the built-in packs (an adapter) and the user's rule files (the assess use case),
so that both build their rules one way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from cloudscope.domain.asset import Asset
from cloudscope.domain.detection import GroupLinks
from cloudscope.domain.finding import Finding
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.rule_language import DetectionDefinition, RiskDefinition, RulePack
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.rule import AssetRule, DetectionRule, Rule, RuleGraph


class _AssetFields(dict[str, Any]):
    """The asset's own fields for ``@tags``, ``@name``... paths, built only when asked."""

    def __init__(self, asset: Asset) -> None:
        super().__init__()
        self._asset = asset

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.startswith("@") and \
            hasattr(self._asset, key[1:])

    def __getitem__(self, key: str) -> Any:
        return getattr(self._asset, key[1:])


class DeclarativeRule(AssetRule):
    """A risk rule from a YAML pack."""

    def __init__(self, definition: RiskDefinition, now: datetime | None = None) -> None:
        self.definition = definition
        self.rule_id = definition.rule_id
        self.title = definition.title
        self.severity = definition.severity
        self.remediation = definition.remediation
        self.references = definition.references
        self.asset_types = definition.asset_types
        self.now = now or utc_now()

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding when the rule's condition holds for the asset."""
        evidence = self.definition.evaluate(asset.properties, _AssetFields(asset), self.now)
        if evidence is None:
            return ()
        return (self.finding(asset.id, detail=self.definition.detail,
                             evidence={"matched": evidence, "references": list(self.references),
                                       "source": self.definition.source}),)


class GroupDetectionRule(DetectionRule):
    """A detection rule from a YAML pack: same tag value, or same name key."""

    def __init__(self, definition: DetectionDefinition) -> None:
        self.definition = definition
        self.rule_id = definition.rule_id
        self.title = f"{definition.relationship} by " + (
            f"tag {definition.tag!r}" if definition.tag else "name pattern")
        self.asset_types = definition.asset_types
        self._links = GroupLinks(definition)

    def observe(self, asset: Asset) -> Iterable[Relationship]:
        """Index the asset under its tag value or name key."""
        self._links.observe(asset)
        return ()

    def detect(self, graph: RuleGraph) -> Iterator[Relationship]:
        """Link the members of each group."""
        for source, kind, target, properties in self._links.detect():
            yield self.link(source, kind, target, **properties)


def rules_of(pack: RulePack) -> list[Rule]:
    """The Rule objects of a parsed pack."""
    now = utc_now()
    return [*(DeclarativeRule(d, now) for d in pack.risks),
            *(GroupDetectionRule(d) for d in pack.detections)]
