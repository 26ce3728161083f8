"""The YAML rule language: paths, operators, combinators, and one-line errors for mistakes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cloudscope.api import FieldPath, InputError
from cloudscope.application.rule_files import load_directories, load_file
from cloudscope.domain.rule_language import compile_condition, parse_pack
from hypothesis import given
from hypothesis import strategies as st

NOW = datetime(2025, 6, 1, tzinfo=UTC)
PROPERTIES = {
    "Name": "web-1", "Port": 22, "Public": True, "Empty": [],
    "Grants": [{"URI": "a", "Permission": "READ"}, {"URI": "b", "Permission": "WRITE"}],
    "Rules": [{"Ranges": [{"Cidr": "10.0.0.0/8"}]}, {"Ranges": [{"Cidr": "0.0.0.0/0"}]}],
    "Created": "2025-01-01T00:00:00Z",
}


@pytest.mark.parametrize(("path", "values"), [
    ("Name", ["web-1"]),
    ("Grants[].URI", ["a", "b"]),
    ("Grants[*].Permission", ["READ", "WRITE"]),
    ("Grants[1].URI", ["b"]),
    ("Grants[-1].URI", ["b"]),
    ("Rules[].Ranges[].Cidr", ["10.0.0.0/8", "0.0.0.0/0"]),
    ("Missing.Deeper", []),
    ("Name[]", []),
])
def test_field_paths_reach_every_value(path: str, values: list[Any]) -> None:
    """A path yields every value it reaches; [] steps into each list element; gaps yield none."""
    assert list(FieldPath(path).values(PROPERTIES)) == values


_KEYS = st.sampled_from(["a", "b", "0"])
_DOCUMENTS = st.recursive(
    st.none() | st.integers() | st.text(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12)


@given(_DOCUMENTS, st.lists(_KEYS, min_size=1, max_size=4))
def test_key_paths_reach_what_the_general_walk_reaches(document: Any, keys: list[str]) -> None:
    """A path of keys only (walked without lists) reaches the values of the general walk."""
    path = FieldPath(".".join(keys))
    general = FieldPath(".".join(keys) + "[0]")  # the same keys, through the general walk
    object.__setattr__(general, "_steps", path.steps)
    object.__setattr__(general, "_keys", False)
    assert list(path.values(document)) == list(general.values(document))


@pytest.mark.parametrize(("condition", "holds"), [
    ({"path": "Port", "op": "equals", "value": 22}, True),
    ({"path": "Public", "op": "equals", "value": 1}, False),
    ({"path": "Port", "op": "not_equals", "value": 22}, False),
    ({"path": "Port", "op": "in", "value": [22, 3389]}, True),
    ({"path": "Port", "op": "not_in", "value": [22]}, False),
    ({"path": "Name", "op": "contains", "value": "web"}, True),
    ({"path": "Grants[].URI", "op": "not_contains", "value": "z"}, True),
    ({"path": "Name", "op": "matches", "value": "^web-\\d$"}, True),
    ({"path": "Port", "op": "greater_than", "value": 21}, True),
    ({"path": "Port", "op": "less_than", "value": 22}, False),
    ({"path": "Empty", "op": "empty"}, True),
    ({"path": "Name", "op": "not_empty"}, True),
    ({"path": "Name", "op": "exists"}, True),
    ({"path": "Missing", "op": "absent"}, True),
    ({"path": "Created", "op": "older_than_days", "value": 90}, True),
    ({"path": "Created", "op": "newer_than_days", "value": 90}, False),
    ({"path": "Created", "op": "before", "value": "2025-01-02"}, True),
    ({"path": "Created", "op": "before", "value": "2025-01-01T00:00:00Z"}, False),
    ({"path": "Created", "op": "since", "value": "2025-01-01T00:00:00Z"}, True),
    ({"path": "Created", "op": "since", "value": "2025-01-01T01:00:00+00:00"}, False),
    ({"path": "Name", "op": "before", "value": "2999-01-01"}, False),
    ({"path": "Missing", "op": "equals", "value": None}, False),
    ({"path": "@name", "op": "equals", "value": "asset-name"}, True),
    ({"path": "@tags.env", "op": "equals", "value": "prod"}, True),
    ({"all": [{"path": "Port", "op": "equals", "value": 22},
              {"path": "Public", "op": "equals", "value": True}]}, True),
    ({"any": [{"path": "Port", "op": "equals", "value": 80},
              {"path": "Public", "op": "equals", "value": False}]}, False),
    ({"not": {"path": "Missing", "op": "exists"}}, True),
    ({"some": "Grants[]", "where": {"all": [{"path": "URI", "op": "equals", "value": "a"},
                                            {"path": "Permission", "op": "equals",
                                             "value": "WRITE"}]}}, False),
    ({"some": "Grants[]", "where": {"all": [{"path": "URI", "op": "equals", "value": "b"},
                                            {"path": "Permission", "op": "equals",
                                             "value": "WRITE"}]}}, True),
])
def test_operators_and_combinators(condition: dict[str, Any], holds: bool) -> None:
    """Each operator and combinator holds exactly when its documented meaning says so; `some`
    requires one element to satisfy every part of `where`."""
    check = compile_condition(condition, "when")
    asset_fields = {"@name": "asset-name", "@tags": {"env": "prod"}}
    assert (check(PROPERTIES, asset_fields, NOW) is not None) is holds


VALID = """
rules:
  - id: acme.s3.bucket-no-owner-tag
    title: Bucket without an owner tag
    severity: low
    asset_types: [aws:s3:bucket]
    when: {not: {path: "@tags.owner", op: exists}}
detections:
  - id: acme.detect.same-service-name
    name_pattern: "^(?P<key>[a-z]+)-(web|db)$"
"""


@pytest.mark.parametrize(("text", "field", "message"), [
    ("rules: [{id: x.y, title: t, severity: urgent, asset_types: [aws:s3:bucket], "
     "when: {path: A, op: exists}}]", "rules[0].severity", "'urgent' is not one of"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [aws:s3:bucket], "
     "when: {path: A, op: equal, value: 1}}]", "rules[0].when.op", "unknown operator 'equal'"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [S3], "
     "when: {path: A, op: exists}}]", "rules[0].asset_types[0]", "is not an asset type"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [aws:s3:bucket], "
     "when: {all: [{path: A, op: in, value: 3}]}}]", "rules[0].when.all[0].value", "needs a list"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [aws:s3:bucket], "
     "when: {path: 'A..B', op: exists}}]", "rules[0].when.path", "invalid field path"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [aws:s3:bucket]}]",
     "rules[0].when", "required"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [aws:s3:bucket], "
     "when: {path: A, op: exists}, colour: red}]", "rules[0].colour", "unknown key"),
    ("rules: [{id: X Y, title: t, severity: low, asset_types: [aws:s3:bucket], "
     "when: {path: A, op: exists}}]", "rules[0].id", "is not a rule id"),
    ("rules: [{id: x.y, title: t, severity: low, asset_types: [aws:s3:bucket], "
     "when: {path: A, op: before, value: last tuesday}}]", "rules[0].when.value",
     "needs an ISO 8601 date or time"),
    ("detections: [{id: a.b, tag: app}, {id: a.b, tag: env}]", "detections[1].id",
     "duplicate rule id"),
    ("detections: [{id: a.b, name_pattern: '^(web)$'}]", "detections[0].name_pattern",
     "named group"),
])
def test_malformed_rule_is_one_line_naming_file_and_field(tmp_path: Path, text: str, field: str,
                                                          message: str) -> None:
    """A mistake is an InputError of one line naming the file and the dotted field."""
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_file(path)
    line = str(raised.value)
    assert line.startswith(f"{path}, field '{field}': ")
    assert message in line and "\n" not in line


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    """Broken YAML is reported with the file and line, not a parser traceback."""
    path = tmp_path / "broken.yaml"
    path.write_text("rules:\n  - id: a\n    title: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.yaml:\d+:\d+: invalid YAML"):
        load_file(path)


def test_yaml_tags_are_not_constructed() -> None:
    """Packs load with safe_load: a Python object tag is an error, never executed."""
    with pytest.raises(InputError, match="invalid YAML"):
        parse_pack("rules: !!python/object/apply:os.system ['true']", "evil.yaml")


def test_directories_load_every_yaml_file_in_name_order(tmp_path: Path) -> None:
    """A rules directory contributes the rules of its *.yaml and *.yml files; others are ignored."""
    (tmp_path / "b.yml").write_text(VALID, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(VALID.replace("acme.", "first."), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not rules", encoding="utf-8")
    ids = [rule.rule_id for rule in load_directories([tmp_path])]
    assert ids == ["first.s3.bucket-no-owner-tag", "first.detect.same-service-name",
                   "acme.s3.bucket-no-owner-tag", "acme.detect.same-service-name"]


def test_missing_rules_directory_is_an_input_error(tmp_path: Path) -> None:
    """A configured directory that does not exist is named in the error."""
    with pytest.raises(InputError, match="is not a directory"):
        load_directories([tmp_path / "nowhere"])


def test_a_date_written_bare_in_yaml_is_midnight_utc() -> None:
    """YAML reads `2023-11-30` as a date: `before` takes it as that day's start in UTC."""
    (rule,) = parse_pack("rules: [{id: x.y, title: t, severity: low, asset_types: "
                         "[aws:s3:bucket], when: {path: Created, op: before, value: 2023-11-30}}]",
                         "team.yaml").risks
    assert rule.condition({"Created": "2023-11-29T23:59:59Z"}, {}, NOW) is not None
    assert rule.condition({"Created": "2023-11-30T00:00:00Z"}, {}, NOW) is None
