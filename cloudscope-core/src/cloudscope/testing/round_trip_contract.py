"""Round trips at the edges of what a store holds: part of the repository contract suite.

Every repository must read back exactly what it accepted (issue 12): the values below are
the extremes the models accept (see ``cloudscope.domain.serialization``), and a value built
without validation that no store holds must be refused whole, never written in a form that
reads back differently.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import MAX_DEPTH, MAX_INTEGER, MIN_INTEGER, JsonDataError
from cloudscope.ports.repository import Repository
from cloudscope.testing.contract_support import SCOPE_A, Collection, ids, make_asset


def nested(levels: int) -> Any:
    """A value ``levels`` objects and lists deep, alternating, ending in a string."""
    value: Any = "bottom"
    for level in range(levels):
        value = {"d": value} if level % 2 else [value]
    return value


# Values at the edges of what every store must read back exactly as written (issue 12):
# the largest integers, floats at the ends of their range and -0.0, text beyond the Basic
# Multilingual Plane, U+0000 inside strings and keys, empty keys, the deepest allowed
# nesting (a record is level 1, its properties level 2).
EDGE_VALUES: dict[str, Any] = {
    "max_u64": MAX_INTEGER, "min_i64": MIN_INTEGER, "max_i64": 2**63 - 1, "two_63": 2**63,
    "beyond_double": 2**53 + 1, "negative_beyond_double": -(2**53 + 1), "zero": 0,
    "true": True, "false": False, "null": None, "one_float": 1.0,
    "floats": [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
               -1.7976931348623157e308, 0.1, 1e-7, 1e16, 123456789.12345679, -0.0],
    "astral": "😀 \U0010ffff 𝄞", "nul_inside": "a\x00b", "controls": "\x01\x1f\x7f\n\t",
    "bidi_bom": "\u202e\ufeff\u2028\u2029", "combining": "e\u0301",
    "": "empty key", "\x00key": "NUL in a key", "dotted.key$": {"'\"": ["quotes"]},
    "empty": {"object": {}, "list": [], "text": ""},
    "deep": nested(MAX_DEPTH - 2),
}
EDGE_TAGS: dict[str, str] = {"": "empty key", "nul": "a\x00b", "astral": "😀", "k\x00": "v"}


def assert_same_json(read: Any, written: Any, path: str = "") -> None:
    """``read`` equals ``written`` with the same types, and -0.0 keeps its sign."""
    assert type(read) is type(written), f"{path}: {read!r} read back, {written!r} written"
    if isinstance(written, dict):
        assert list(read) == list(written) or sorted(read) == sorted(written), path
        for key, value in written.items():
            assert_same_json(read[key], value, f"{path}.{key}")
    elif isinstance(written, list):
        assert len(read) == len(written), path
        for index, (got, value) in enumerate(zip(read, written, strict=True)):
            assert_same_json(got, value, f"{path}[{index}]")
    elif isinstance(written, float):
        assert read == written and math.copysign(1, read) == math.copysign(1, written), path
    else:
        assert read == written, f"{path}: {read!r} read back, {written!r} written"


class RoundTripContract:
    """The round-trip part of :class:`~cloudscope.testing.repository_contract.RepositoryContract`
    (which provides the ``store`` fixture)."""

    def test_values_at_the_edges_read_back_exactly(self, store: Repository) -> None:
        """Properties, tags, relationship properties and evidence at the edges of what a
        store holds (64-bit integers, extreme floats, -0.0, astral text, U+0000, empty
        keys, the deepest nesting) read back equal and of the same types, by every read."""
        asset = make_asset(1, tags=EDGE_TAGS, properties=EDGE_VALUES)
        other = make_asset(2)
        edge = Relationship(source_id=asset.id, type="ROUTES_TO", target_id=other.id,
                            properties=EDGE_VALUES)
        Collection(store).scope(SCOPE_A, [asset, other], [edge])
        store.replace_findings(AssetQuery(), [Finding(rule_id="edge", asset_id=asset.id,
                                                      severity=Severity.LOW, title="t",
                                                      evidence=EDGE_VALUES)])
        got = store.get_asset(asset.id)
        assert got is not None
        listed = next(a for a in store.iter_assets(AssetQuery()) if a.id == asset.id)
        (stored,) = [s.asset for s in store.iter_stored_assets() if s.asset.id == asset.id]
        for read in (got, listed, stored):
            assert_same_json(read.properties, EDGE_VALUES, "properties")
            assert read.tags == EDGE_TAGS
        assert store.count_assets(AssetQuery(tags={"nul": "a\x00b"})) == 1
        (read_edge,) = [r for r in store.relationships_of([asset.id]) if r.key == edge.key]
        assert_same_json(read_edge.properties, EDGE_VALUES, "relationship")
        (stored_edge,) = list(store.iter_stored_relationships())
        assert_same_json(stored_edge.relationship.properties, EDGE_VALUES, "relationship")
        (finding,) = store.findings_of([asset.id])
        assert_same_json(finding.evidence, EDGE_VALUES, "evidence")
        (finding,) = list(store.iter_findings())
        assert_same_json(finding.evidence, EDGE_VALUES, "evidence")

    @pytest.mark.parametrize("value", [2**64, -(2**63) - 1, "lone \ud800 surrogate"],
                             ids=["beyond-u64", "beyond-i64", "lone-surrogate"])
    def test_unvalidated_value_no_store_holds_is_refused_whole(self, store: Repository,
                                                                value: Any) -> None:
        """An asset built without validation (model_construct) whose properties no store
        holds makes write_batch raise JsonDataError, and nothing of the batch is stored."""
        good = make_asset(1)
        bad = Asset.model_construct(**{**make_asset(2).__dict__, "properties": {"v": value}})
        collection = Collection(store)
        store.start_scope(SCOPE_A, collection.run.run_id, datetime.now(UTC))
        with pytest.raises(JsonDataError):
            store.write_batch(SCOPE_A, collection.run.run_id, [good, bad], [], datetime.now(UTC))
        assert store.count_assets(AssetQuery(include_deleted=True)) == 0
        Collection(store).scope(SCOPE_A, [good])
        assert ids(store.iter_assets(AssetQuery())) == [good.id]
