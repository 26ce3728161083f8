"""YAML rules as Rule objects: the built-in packs and the user's rule directories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.detection import GroupLinks
from cloudscope.domain.errors import InputError
from cloudscope.domain.finding import Finding
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.rule_language import (
    DetectionDefinition,
    RiskDefinition,
    RulePack,
    parse_pack,
)
from cloudscope.domain.timestamps import utc_now
from cloudscope.ports.rule import AssetRule, DetectionRule, Rule, RuleGraph

BUILTIN_PACKS: Final = ("aws.yaml", "azure.yaml", "gcp.yaml", "detection.yaml")
RULE_FILE_SUFFIXES: Final = (".yaml", ".yml")


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


@cache
def builtin_pack(name: str) -> RulePack:
    """A pack shipped in this package (parsed once per process)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_pack(text, f"cloudscope/adapters/rules/{name}")


def builtin_rule_ids() -> list[tuple[str, str]]:
    """(pack, rule id) of every rule in the built-in YAML packs."""
    return [(name, d.rule_id) for name in BUILTIN_PACKS for d in builtin_pack(name)]


def builtin_rule(pack: str, rule_id: str) -> Rule:
    """One rule of a built-in pack: the factory registered for it."""
    for rule in rules_of(builtin_pack(pack)):
        if rule.rule_id == rule_id:
            return rule
    raise KeyError(rule_id)


def load_file(path: Path) -> list[Rule]:
    """The rules of one YAML file; :class:`InputError` naming the file and field when bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read rule file: {error}", location=str(path)) from None
    return rules_of(parse_pack(text, str(path)))


def load_directories(directories: Iterable[Path]) -> list[Rule]:
    """Every ``*.yaml``/``*.yml`` file of the directories, in name order."""
    rules: list[Rule] = []
    for directory in directories:
        if not directory.is_dir():
            raise InputError("is not a directory", location=str(directory),
                             hint="fix rules.directories in the configuration")
        for path in sorted(directory.iterdir()):
            if path.suffix in RULE_FILE_SUFFIXES and path.is_file():
                rules.extend(load_file(path))
    return rules
