"""The built-in YAML rule packs shipped in this package, parsed once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources

from cloudscope.domain.rule_language import RulePack, parse_pack
from cloudscope.ports.declarative_rules import rules_of
from cloudscope.ports.rule import Rule


@cache
def builtin_pack(name: str) -> RulePack:
    """A pack shipped in this package (parsed once per process)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_pack(text, f"cloudscope/adapters/rules/{name}")


def builtin_rule(pack: str, rule_id: str) -> Rule:
    """One rule of a built-in pack: the factory registered for it."""
    for rule in rules_of(builtin_pack(pack)):
        if rule.rule_id == rule_id:
            return rule
    raise KeyError(rule_id)
