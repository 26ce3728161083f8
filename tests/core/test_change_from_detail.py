"""Changes read back from a store's columns: the same models pydantic builds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cloudscope.domain.change import Change, ChangeKind, change_from_detail

COLUMNS: dict[str, Any] = {
    "id": 7, "run_id": "assess-1", "at": datetime(2026, 1, 2, tzinfo=UTC),
    "change": ChangeKind.FINDING_NEW, "asset_id": "i-1", "provider": "aws",
    "asset_type": "aws:ec2:instance", "name": "web", "account": "1", "region": "eu-west-1"}
DETAILS: list[dict[str, Any] | None] = [
    None,
    {"finding": {"rule_id": "r", "severity": "high", "title": "t"}, "caused_by": [3, 5]},
    {"fields": [{"path": "a", "before": 1, "after": 2}]},
    {"relationship": {"type": "ATTACHED_TO", "target_id": "vol-1"}},
]


@pytest.mark.parametrize("detail", DETAILS)
def test_a_change_read_from_every_column_is_the_model_pydantic_builds(
        detail: dict[str, Any] | None) -> None:
    """Built from every column, a change equals, prints and dumps as pydantic's own."""
    read = change_from_detail(dict(COLUMNS), detail)
    given = detail or {}
    expected = Change.model_validate({
        **COLUMNS, "fields": given.get("fields", []), "relationship": given.get("relationship"),
        "finding": given.get("finding"), "caused_by": given.get("caused_by", [])})
    assert read == expected
    assert repr(read) == repr(expected)
    assert read.model_fields_set == expected.model_fields_set == set(Change.model_fields)
    assert read.model_dump() == expected.model_dump()


def test_a_change_read_from_some_columns_keeps_the_defaults() -> None:
    """A reader that gives fewer columns gets the model's defaults for the others."""
    columns = {k: v for k, v in COLUMNS.items() if k not in ("name", "account")}
    read = change_from_detail(columns, None)
    assert (read.name, read.account, read.fields, read.caused_by) == (None, None, [], [])
