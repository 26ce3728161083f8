"""What a store holds (issue 12): the one check the models run, its conversions, its errors."""

from __future__ import annotations

import enum
import math
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import (
    MAX_DEPTH,
    MAX_INTEGER,
    MIN_INTEGER,
    JsonDataError,
    describe_invalid,
    dumps,
    json_data,
    loads,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(("value", "path", "words"), [
    (float("nan"), (), "finite"), ({"a": [1, float("inf")]}, ("a", 1), "finite"),
    ({"a": MAX_INTEGER + 1}, ("a",), "64 bits"), ([MIN_INTEGER - 1], (0,), "64 bits"),
    ({"k": "\ud800"}, ("k",), "lone surrogate"), ({"\udfff": 1}, ("'\\udfff'",), "surrogate"),
    ({1: "a"}, ("1",), "keys must be strings"), ({"d": nested(MAX_DEPTH)}, ("d",), "deeper"),
    ({"x": Decimal("NaN")}, ("x",), "finite"), ({"x": (1, float("-inf"))}, ("x", 1), "finite"),
])
def test_values_no_store_holds_are_refused_with_their_path(value: Any, path: tuple[Any, ...],
                                                            words: str) -> None:
    """NaN, infinities, integers beyond 64 bits, lone surrogates, non-string keys and deep
    nesting raise JsonDataError whose path starts where the value is."""
    with pytest.raises(JsonDataError) as caught:
        json_data(value)
    assert caught.value.path[:len(path)] == path
    assert words in caught.value.problem


class Colour(enum.Enum):
    RED = "red"


def test_sdk_types_become_their_json_form_and_plain_data_is_not_copied() -> None:
    """Times, dates, Decimals, bytes, tuples, sets, enums and dict subclasses are converted;
    plain JSON data comes back as the same object."""
    plain = {"a": [1, 2.5, "x", None, True, {"b": []}], "": MAX_INTEGER, "n": MIN_INTEGER}
    assert json_data(plain) is plain
    converted = json_data({"t": datetime(2025, 1, 2, 3, 4, 5), "d": date(2025, 1, 2),
                           "i": Decimal("3"), "f": Decimal("0.5"), "b": b"hi", "p": (1, 2),
                           "s": {"b", "a"}, "e": Colour.RED, "o": OrderedDict(k=1)})
    assert converted == {"t": "2025-01-02T03:04:05Z", "d": "2025-01-02", "i": 3, "f": 0.5,
                         "b": "aGk=", "p": [1, 2], "s": ["a", "b"], "e": "Colour.RED",
                         "o": {"k": 1}}
    assert type(converted["o"]) is dict


def test_models_check_every_field_that_reaches_a_store() -> None:
    """Asset properties, tags and text fields, relationship properties and ids, finding
    evidence and text: each refused value is a ValidationError naming its field path."""
    cases = [
        lambda: Asset(id="a", provider="x", asset_type="x:y:z", properties={"v": [math.nan]}),
        lambda: Asset(id="a", provider="x", asset_type="x:y:z", region="eu\x00"),
        lambda: Asset(id="a\ud800", provider="x", asset_type="x:y:z"),
        lambda: Relationship(source_id="a", type="T", target_id="b\x00"),
        lambda: Relationship(source_id="a", type="T", target_id="b", properties={"w": 2**65}),
        lambda: Finding(rule_id="r", asset_id="a", severity=Severity.LOW, title="t",
                        evidence={"e": {"f": math.inf}}),
        lambda: Finding(rule_id="r", asset_id="a", severity=Severity.LOW, title="t\x00"),
    ]
    fields = ["properties.v.0", "region", "id", "target_id", "properties.w", "evidence.e.f",
              "title"]
    for build, field in zip(cases, fields, strict=True):
        with pytest.raises(ValidationError) as caught:
            build()
        assert f"field {field!r}" in describe_invalid(caught.value)


def test_description_names_the_model_and_its_id() -> None:
    """describe_invalid: one line with the model, the id it was given, field and problem."""
    with pytest.raises(ValidationError) as caught:
        Asset(id="arn:x", provider="x", asset_type="x:y:z", properties={"r": math.nan})
    text = describe_invalid(caught.value)
    assert text.startswith("Asset 'arn:x': field 'properties.r': nan is not a finite number")
    assert "\n" not in text


def test_allowed_values_at_the_edges_survive_the_stored_text() -> None:
    """dumps then loads gives back the edge values with their types, -0.0 included."""
    value = {"u": MAX_INTEGER, "i": MIN_INTEGER, "tiny": 5e-324, "big": 1.7976931348623157e308,
             "z": -0.0, "one": 1.0, "nul": "a\x00b", "astral": "😀", "": {}}
    back = loads(dumps(json_data(value)))
    assert back == value and math.copysign(1, back["z"]) == -1.0
    assert type(back["one"]) is float and type(back["u"]) is int


json_leaves = (st.none() | st.booleans() | st.text(max_size=5) | st.floats() |
               st.integers(MIN_INTEGER - 2, MAX_INTEGER + 2) |
               st.sampled_from([2**200, -(2**200), "\ud800x"]))
json_trees = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=3) |
                          st.dictionaries(st.text(max_size=3), inner, max_size=3),
                          max_leaves=20)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=4), json_trees, max_size=4),
       st.integers(0, MAX_DEPTH + 2))
def test_the_fast_path_for_parsed_json_agrees_with_the_precise_check(
        value: dict[str, Any], wrap: int) -> None:
    """For data of JSON's types, json_data with from_json=True accepts exactly what the
    precise check accepts (NaN, infinities, big integers, surrogates, depth)."""
    for _ in range(wrap):
        value = {"w": [value]} if wrap % 2 else {"w": value}

    def outcome(from_json: bool) -> bool:
        try:
            json_data(value, from_json=from_json)
        except JsonDataError:
            return False
        return True

    assert outcome(True) == outcome(False)
