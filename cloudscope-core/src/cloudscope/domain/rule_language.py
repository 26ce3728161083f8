"""The declarative rule language: risk and detection rules written in YAML.

A pack is a YAML mapping with ``rules:`` (risk rules) and ``detections:`` (relationship
detection by tag or name). It is loaded with the safe loader of ``cloudscope.domain.documents``
and validated field by field, so that a mistake is one line naming the file and the field
(``rules[2].when.op``). The guide is ``docs/rules.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from cloudscope.domain.asset import ASSET_TYPE_PATTERN
from cloudscope.domain.documents import describe_size, load_yaml
from cloudscope.domain.errors import InputError
from cloudscope.domain.field_path import FieldPath
from cloudscope.domain.finding import Severity
from cloudscope.domain.relationship import RELATED_TO, RELATIONSHIP_TYPE_PATTERN
from cloudscope.domain.rule_operators import (
    NO_VALUE,
    OPERATORS,
    PATH_OPERATORS,
    TIME_OPERATORS,
    RuleSyntaxError,
    expected_value,
    parse_time,
)

MAX_PACK_BYTES: Final = 1_000_000
RULE_ID_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,199}$")
ASSET_ROOTS: Final = ("@tags", "@name", "@region", "@account", "@asset_type", "@id")
"""Path roots that read the asset's own fields instead of its properties."""

Evidence = list[dict[str, Any]]
Check = Callable[[Any, Any, datetime], Evidence | None]
"""A compiled condition: (properties, asset fields, now) -> evidence when it holds, else None."""


# Conditions -------------------------------------------------------------------------------
def compile_condition(spec: Any, field: str) -> Check:
    """Compile one condition mapping into a check; raise :class:`RuleSyntaxError`."""
    if not isinstance(spec, Mapping):
        raise RuleSyntaxError(field, "a condition must be a mapping (path/op/value, all, any, "
                                     "not or some)")
    combinators = [key for key in ("all", "any", "not", "some") if key in spec]
    if len(combinators) > 1 or (combinators and "path" in spec):
        raise RuleSyntaxError(field, "a condition holds exactly one of path, all, any, not, some")
    if not combinators:
        return _compile_leaf(spec, field)
    kind = combinators[0]
    if kind in ("all", "any"):
        _only(spec, {kind}, field)
        items = spec[kind]
        if not isinstance(items, list) or not items:
            raise RuleSyntaxError(f"{field}.{kind}", "expected a non-empty list of conditions")
        checks = [compile_condition(item, f"{field}.{kind}[{i}]") for i, item in enumerate(items)]
        return _all(checks) if kind == "all" else _any(checks)
    if kind == "not":
        _only(spec, {"not"}, field)
        return _not(compile_condition(spec["not"], f"{field}.not"))
    _only(spec, {"some", "where"}, field)
    path = _path(spec["some"], f"{field}.some")
    if "where" not in spec:
        raise RuleSyntaxError(f"{field}.where", "required with some: the condition an element "
                                                "must satisfy, its paths relative to the element")
    return _some(path, compile_condition(spec["where"], f"{field}.where"))


def _only(spec: Mapping[str, Any], allowed: set[str], field: str) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise RuleSyntaxError(f"{field}.{unknown[0]}", f"unknown key (allowed here: "
                                                       f"{', '.join(sorted(allowed))})")


def _path(text: Any, field: str) -> FieldPath:
    try:
        return FieldPath(text)
    except ValueError as error:
        raise RuleSyntaxError(field, str(error)) from None


def _compile_leaf(spec: Mapping[str, Any], field: str) -> Check:
    _only(spec, {"path", "op", "value"}, field)
    if "path" not in spec:
        raise RuleSyntaxError(f"{field}.path", "required")
    text = spec["path"]
    path = _path(text, f"{field}.path")
    on_asset = isinstance(text, str) and text.split(".", 1)[0].split("[", 1)[0] in ASSET_ROOTS
    if isinstance(text, str) and text.startswith("@") and not on_asset:
        raise RuleSyntaxError(f"{field}.path", f"unknown asset field {text!r} (known: "
                                               f"{', '.join(ASSET_ROOTS)})")
    op = spec.get("op")
    known = [*OPERATORS, *PATH_OPERATORS, *TIME_OPERATORS]
    if op not in known:
        raise RuleSyntaxError(f"{field}.op", f"unknown operator {op!r} (known: {', '.join(known)})")
    if op in NO_VALUE:
        if "value" in spec:
            raise RuleSyntaxError(f"{field}.value", f"operator {op!r} takes no value")
        expected: Any = None
    elif "value" not in spec:
        raise RuleSyntaxError(f"{field}.value", f"required by operator {op!r}")
    else:
        expected = expected_value(op, spec["value"], f"{field}.value")
    return _leaf(path, on_asset, op, expected)


def _leaf(path: FieldPath, on_asset: bool, op: str, expected: Any) -> Check:
    # The operator is resolved here, once, not for each asset a rule judges.
    text, values = path.text, path.values

    if op == "exists":
        def exists(properties: Any, asset: Any, now: datetime) -> Evidence | None:
            for value in values(asset if on_asset else properties):
                return [{"path": text, "value": value}]
            return None

        return exists
    if op == "absent":
        def absent(properties: Any, asset: Any, now: datetime) -> Evidence | None:
            for _ in values(asset if on_asset else properties):
                return None
            return [{"path": text, "absent": True}]

        return absent
    if op in TIME_OPERATORS:
        older = op == "older_than_days"

        def dated(properties: Any, asset: Any, now: datetime) -> Evidence | None:
            limit = now - timedelta(days=expected)
            for value in values(asset if on_asset else properties):
                moment = parse_time(value)
                if moment is not None and (moment < limit if older else moment >= limit):
                    return [{"path": text, "value": value}]
            return None

        return dated
    test = OPERATORS[op]

    def check(properties: Any, asset: Any, now: datetime) -> Evidence | None:
        for value in values(asset if on_asset else properties):
            if test(value, expected):
                return [{"path": text, "value": value}]
        return None

    return check


def _all(checks: list[Check]) -> Check:
    def check(properties: Any, asset: Any, now: datetime) -> Evidence | None:
        evidence: Evidence = []
        for part in checks:
            found = part(properties, asset, now)
            if found is None:
                return None
            evidence.extend(found)
        return evidence

    return check


def _any(checks: list[Check]) -> Check:
    def check(properties: Any, asset: Any, now: datetime) -> Evidence | None:
        for part in checks:
            found = part(properties, asset, now)
            if found is not None:
                return found
        return None

    return check


def _not(inner: Check) -> Check:
    def check(properties: Any, asset: Any, now: datetime) -> Evidence | None:
        return [] if inner(properties, asset, now) is None else None

    return check


def _some(path: FieldPath, inner: Check) -> Check:
    def check(properties: Any, asset: Any, now: datetime) -> Evidence | None:
        for index, element in enumerate(path.values(properties)):
            found = inner(element, asset, now)
            if found is not None:
                return [{"path": f"{path.text}#{index}", "where": found}]
        return None

    return check


# Rules ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RiskDefinition:
    """A risk rule written in YAML: which assets, what condition, how bad, what to do."""

    rule_id: str
    title: str
    severity: Severity
    asset_types: frozenset[str]
    condition: Check
    detail: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    source: str = ""

    def evaluate(self, properties: Any, asset_fields: Any, now: datetime) -> Evidence | None:
        """The evidence when the asset breaks the rule, else None."""
        return self.condition(properties, asset_fields, now)


@dataclass(frozen=True, slots=True)
class DetectionDefinition:
    """A detection rule written in YAML: assets sharing a tag value, or a name key, are linked."""

    rule_id: str
    relationship: str
    tag: str | None
    name_pattern: re.Pattern[str] | None
    asset_types: frozenset[str] | None
    max_group: int
    across_providers: bool
    source: str = ""


_RISK_KEYS: Final = {"id", "title", "severity", "asset_types", "asset_type", "when", "detail",
                     "remediation", "references"}
_DETECTION_KEYS: Final = {"id", "relationship", "tag", "name_pattern", "asset_types",
                          "asset_type", "max_group", "across_providers"}


def _text(entry: Mapping[str, Any], key: str, field: str, *, required: bool) -> str:
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise RuleSyntaxError(f"{field}.{key}", "required, a non-empty string" if required
                              else "expected a string")
    return value.strip()


def _rule_id(entry: Mapping[str, Any], field: str) -> str:
    rule_id = _text(entry, "id", field, required=True)
    if not RULE_ID_PATTERN.match(rule_id):
        raise RuleSyntaxError(f"{field}.id", f"{rule_id!r} is not a rule id (lower case letters,"
                                             " digits, dots, hyphens: aws.s3.bucket-public)")
    return rule_id


def _asset_types(entry: Mapping[str, Any], field: str, *, required: bool) -> frozenset[str] | None:
    if "asset_type" in entry and "asset_types" in entry:
        raise RuleSyntaxError(f"{field}.asset_type", "give asset_type or asset_types, not both")
    key = "asset_type" if "asset_type" in entry else "asset_types"
    value = entry.get(key)
    if value is None:
        if required:
            raise RuleSyntaxError(f"{field}.asset_types", "required (e.g. [aws:s3:bucket])")
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise RuleSyntaxError(f"{field}.{key}", "expected an asset type or a list of them")
    for index, item in enumerate(items):
        if not isinstance(item, str) or not re.match(ASSET_TYPE_PATTERN, item):
            raise RuleSyntaxError(f"{field}.{key}[{index}]" if key == "asset_types"
                                  else f"{field}.{key}",
                                  f"{item!r} is not an asset type (provider:service:kind)")
    return frozenset(items)


def parse_risk(entry: Any, field: str, source: str) -> RiskDefinition:
    """Validate one ``rules:`` entry."""
    if not isinstance(entry, Mapping):
        raise RuleSyntaxError(field, "expected a mapping with id, title, severity, "
                                     "asset_types and when")
    _only(entry, _RISK_KEYS, field)
    rule_id = _rule_id(entry, field)
    severity = entry.get("severity")
    if severity not in {s.value for s in Severity}:
        raise RuleSyntaxError(f"{field}.severity", f"{severity!r} is not one of "
                                                   f"{', '.join(s.value for s in Severity)}")
    references = entry.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        raise RuleSyntaxError(f"{field}.references", "expected a list of strings")
    if "when" not in entry:
        raise RuleSyntaxError(f"{field}.when", "required: the condition that makes a finding")
    asset_types = _asset_types(entry, field, required=True)
    assert asset_types is not None  # required=True never returns None
    return RiskDefinition(
        rule_id=rule_id, title=_text(entry, "title", field, required=True),
        severity=Severity(severity), asset_types=asset_types,
        condition=compile_condition(entry["when"], f"{field}.when"),
        detail=_text(entry, "detail", field, required=False),
        remediation=_text(entry, "remediation", field, required=False),
        references=tuple(references), source=source)


def parse_detection(entry: Any, field: str, source: str) -> DetectionDefinition:
    """Validate one ``detections:`` entry."""
    if not isinstance(entry, Mapping):
        raise RuleSyntaxError(field, "expected a mapping with id and tag or name_pattern")
    _only(entry, _DETECTION_KEYS, field)
    rule_id = _rule_id(entry, field)
    relationship = entry.get("relationship", RELATED_TO)
    if not isinstance(relationship, str) or not re.match(RELATIONSHIP_TYPE_PATTERN, relationship):
        raise RuleSyntaxError(f"{field}.relationship", f"{relationship!r} is not a relationship "
                                                       "type (upper case, e.g. RELATED_TO)")
    if ("tag" in entry) == ("name_pattern" in entry):
        raise RuleSyntaxError(f"{field}.tag", "give exactly one of tag or name_pattern")
    pattern = None
    if "name_pattern" in entry:
        try:
            pattern = re.compile(entry["name_pattern"])
        except (re.error, TypeError) as error:
            raise RuleSyntaxError(f"{field}.name_pattern",
                                  f"not a regular expression: {error}") from None
        if "key" not in pattern.groupindex:
            raise RuleSyntaxError(f"{field}.name_pattern", "needs a named group (?P<key>...): "
                                                           "names with the same key are linked")
    max_group = entry.get("max_group", 20)
    if isinstance(max_group, bool) or not isinstance(max_group, int) or max_group < 2:
        raise RuleSyntaxError(f"{field}.max_group", "expected an integer of at least 2")
    across = entry.get("across_providers", False)
    if not isinstance(across, bool):
        raise RuleSyntaxError(f"{field}.across_providers", "expected true or false")
    return DetectionDefinition(
        rule_id=rule_id, relationship=relationship,
        tag=_text(entry, "tag", field, required=True) if "tag" in entry else None,
        name_pattern=pattern, asset_types=_asset_types(entry, field, required=False),
        max_group=max_group, across_providers=across, source=source)


@dataclass(frozen=True, slots=True)
class RulePack:
    """The rules of one YAML file."""

    source: str
    risks: tuple[RiskDefinition, ...]
    detections: tuple[DetectionDefinition, ...]

    def __iter__(self) -> Iterator[RiskDefinition | DetectionDefinition]:
        yield from self.risks
        yield from self.detections


def parse_pack(text: str, source: str) -> RulePack:
    """Parse and validate a pack; raise :class:`InputError` naming ``source`` and the field."""
    if len(text) > MAX_PACK_BYTES:
        raise InputError(f"over the limit of {describe_size(MAX_PACK_BYTES)}", location=source)
    # The documents' safe loader and limits (nesting, aliases) keep compile_condition,
    # which recurses, within a few dozen levels.
    data = load_yaml(text, source)
    if data is None:
        return RulePack(source, (), ())
    if not isinstance(data, Mapping):
        raise InputError("expected a mapping with rules: and/or detections:", location=source)
    try:
        _only(data, {"rules", "detections"}, "")
        risks: list[RiskDefinition] = []
        detections: list[DetectionDefinition] = []
        seen: dict[str, str] = {}
        for key, parse in (("rules", parse_risk), ("detections", parse_detection)):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise RuleSyntaxError(key, "expected a list")
            for index, entry in enumerate(entries):
                field = f"{key}[{index}]"
                definition: RiskDefinition | DetectionDefinition = parse(entry, field, source)
                if definition.rule_id in seen:
                    raise RuleSyntaxError(f"{field}.id", f"duplicate rule id "
                                                         f"{definition.rule_id!r} (also "
                                                         f"{seen[definition.rule_id]})")
                seen[definition.rule_id] = field
                if isinstance(definition, RiskDefinition):
                    risks.append(definition)
                else:
                    detections.append(definition)
    except RuleSyntaxError as error:
        raise InputError(str(error), location=source, field=error.field.lstrip(".")) from None
    return RulePack(source, tuple(risks), tuple(detections))
