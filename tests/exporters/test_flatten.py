"""Properties flattened for the CSV: bounded depth and width, important paths first."""

from __future__ import annotations

import pytest
from cloudscope_exporters.flatten import FlattenLimits, flatten, shorten, text


def test_nested_mappings_become_dotted_paths() -> None:
    """{"State": {"Name": "running"}} reads State.Name=running."""
    shown, hidden = flatten({"State": {"Name": "running"}}, FlattenLimits())
    assert (shown, hidden) == (["State.Name=running"], 0)


def test_nesting_beyond_the_depth_is_compact_json() -> None:
    """Values deeper than the depth limit are shown whole, as compact JSON."""
    shown, _ = flatten({"A": {"B": {"C": {"D": 1}}}}, FlattenLimits(depth=2))
    assert shown == ['A.B={"C":{"D":1}}']


def test_lists_of_objects_are_indexed_and_cut() -> None:
    """Lists of objects show their first items as Path[i] and count the rest."""
    rules = [{"Port": port} for port in range(5)]
    shown, _ = flatten({"Rules": rules}, FlattenLimits(list_items=2))
    assert shown == ["Rules[0].Port=0", "Rules[1].Port=1", "Rules.count=5"]


def test_lists_of_scalars_are_one_value() -> None:
    """A list of plain values is one pair holding the JSON list."""
    shown, _ = flatten({"Ranges": ["10.0.0.0/8", "0.0.0.0/0"]}, FlattenLimits())
    assert shown == ['Ranges=["10.0.0.0/8","0.0.0.0/0"]']


def test_width_keeps_the_first_pairs_and_counts_the_others() -> None:
    """At most `width` pairs are shown; the number left out is returned."""
    shown, hidden = flatten({f"K{i}": i for i in range(10)}, FlattenLimits(width=3))
    assert (shown, hidden) == (["K0=0", "K1=1", "K2=2"], 7)


def test_security_relevant_paths_come_before_others() -> None:
    """A deep Encrypted flag is shown before shallow unremarkable fields."""
    shown, _ = flatten({"Size": 8, "Zone": "a", "Config": {"Encrypted": False}},
                       FlattenLimits(width=2))
    assert shown[0] == "Config.Encrypted=false"


def test_empty_values_and_duplicated_columns_are_left_out() -> None:
    """Nulls, empty strings and containers, and top-level tags/name/id are not repeated."""
    shown, hidden = flatten({"tags": {"a": "b"}, "name": "x", "Note": "", "Gone": None,
                             "Empty": {}, "Kept": 0}, FlattenLimits())
    assert (shown, hidden) == (["Kept=0"], 0)


def test_values_are_single_line_and_cut_with_an_ellipsis() -> None:
    """Newlines are folded and long values end with an ellipsis at the limit."""
    assert text("a\nb\r\nc") == "a b c"
    assert text(True) == "true"
    assert shorten("x" * 10, 5) == "xxxx…"
    assert shorten("x" * 5, 5) == "x" * 5


def test_a_key_holding_another_shape_in_another_asset_is_flattened_as_it_is() -> None:
    """Paths remembered from one asset do not leak into the next: the same key as a
    mapping, a list of objects, a scalar, or under another parent gives its own pairs."""
    limits = FlattenLimits(width=50)
    assert flatten({"Rules": {"Port": 22}}, limits)[0] == ["Rules.Port=22"]
    assert flatten({"Rules": [{"Port": 22}]}, limits)[0] == ["Rules[0].Port=22"]
    assert flatten({"Rules": 3}, limits)[0] == ["Rules=3"]
    assert flatten({"Acl": {"Rules": {"Port": 1}}}, limits)[0] == ["Acl.Rules.Port=1"]
    assert flatten({1: "one"}, limits)[0] == ["1=one"]
    assert flatten({True: "yes"}, limits)[0] == ["True=yes"]  # True == 1, another path
    assert flatten({"1": "a", "x": {1: "b"}}, limits)[0] == ["1=a", "x.1=b"]


def test_the_remembered_paths_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Properties keyed by ever new names (ids, ARNs) do not grow the memory of paths
    beyond its bound, and are flattened the same when it is full."""
    from cloudscope_exporters import flatten as module

    monkeypatch.setattr(module, "_PATHS_CACHED", 1_000)
    limits = FlattenLimits(width=200)  # every key walked: two paths each
    for batch in range(5):
        keys = {f"arn:aws:s3:::bucket-{batch}-{i}": {"Port": i} for i in range(500)}
        shown, hidden = flatten(keys, limits)
        assert shown == [f"arn:aws:s3:::bucket-{batch}-{i}.Port={i}" for i in range(200)]
        assert hidden == 300
        assert module._paths.size <= 1_000
