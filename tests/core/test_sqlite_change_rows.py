"""The SQLite change log's rows written set-based: a batch's new edges and a first
collection's added assets, one statement each, the same rows as the Python paths they fall
back to (another SQLite's JSON escapes, U+0000, an id twice in a batch)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.domain.relationship import Relationship
from cloudscope.testing.change_log_contract import tracked
from cloudscope.testing.contract_support import SCOPE_A, SCOPE_B, make_asset

ODD = 'quote " backslash \\ tab \t newline \n é \u2028 ✓ /'


def detail(kind: str, target: str) -> str:
    """The JSON text of a relationship change's detail, as the standard library writes it."""
    return json.dumps({"relationship": {"type": kind, "target_id": target}},
                      ensure_ascii=False, separators=(",", ":"))


def edge(source: str, target: str, kind: str = "ROUTES_TO") -> Relationship:
    """A validated relationship."""
    return Relationship(source_id=source, type=kind, target_id=target)


def logged_edges(path: Path, *, sql: bool) -> list[tuple[Any, ...]]:
    """The change rows (but run and time) of three tracked runs writing new edges: of a
    source in the batch, stored before, modified in the batch, never collected; repeated
    in one batch; with quotes, controls and non-ASCII in their texts."""
    store = SQLiteRepository(f"sqlite:///{path}")
    store.__dict__["_sqlite_writes_json_as_dumps"] = sql  # the cached check, forced
    try:
        a, b, c = make_asset(1), make_asset(2), make_asset(3)
        tracked(store).scope(SCOPE_A, [a, b], [edge(a.id, b.id)])
        tracked(store).scope(SCOPE_B, [c], [edge(a.id, ODD), edge("ghost", ODD, "CONTAINS")])
        modified = make_asset(2, name="renamed")
        tracked(store).scope(SCOPE_A, [a, modified], [
            edge(a.id, b.id), edge(modified.id, c.id), edge(modified.id, c.id),
            edge(c.id, f"{ODD}2", "ATTACHED_TO"), edge("ghost", "t")])
        return store._connection.execute(
            "SELECT id, change, asset_id, asset_number, related_id, provider, asset_type, name,"
            " account, region, detail FROM changes ORDER BY id").fetchall()
    finally:
        store.close()


@pytest.fixture
def python_rows(tmp_path: Path) -> list[tuple[Any, ...]]:
    """The rows of the Python path."""
    return logged_edges(tmp_path / "python.db", sql=False)


def test_this_sqlite_writes_the_detail_as_dumps(tmp_path: Path) -> None:
    """The check passes on this machine's SQLite, so the benchmarks measure the SQL path."""
    store = SQLiteRepository(f"sqlite:///{tmp_path / 'check.db'}")
    try:
        assert store._sqlite_writes_json_as_dumps
    finally:
        store.close()


def test_sql_and_python_paths_log_the_same_rows(tmp_path: Path,
                                                python_rows: list[tuple[Any, ...]]) -> None:
    """Every new edge once per listing, in batch order after the assets' changes, with its
    source's number and facts as stored (none for a source never collected)."""
    rows = logged_edges(tmp_path / "sql.db", sql=True)
    assert rows == python_rows
    edges = [(r[2], r[4], r[7], r[10]) for r in rows if r[1] == "relationship-added"]
    a, b, c = make_asset(1).id, make_asset(2).id, make_asset(3).id
    assert edges == [(a, ODD, "web-1", detail("ROUTES_TO", ODD)),
                     ("ghost", ODD, None, detail("CONTAINS", ODD)),
                     (b, c, "renamed", detail("ROUTES_TO", c)),
                     (b, c, "renamed", detail("ROUTES_TO", c)),
                     (c, f"{ODD}2", "web-3", detail("ATTACHED_TO", f"{ODD}2")),
                     ("ghost", "t", None, detail("ROUTES_TO", "t"))]
    assert [r[3] is None for r in rows if r[1] == "relationship-added"] == \
        [False, True, False, False, False, True]


def test_a_nul_in_an_unvalidated_edge_is_logged_by_python(tmp_path: Path) -> None:
    """SQLite's strings end at U+0000: an edge built without validation that holds one is
    logged whole (the Python path), not cut short."""
    store = SQLiteRepository(f"sqlite:///{tmp_path / 'nul.db'}")
    try:
        assert store._sqlite_writes_json_as_dumps
        source = make_asset(1)
        tracked(store).scope(SCOPE_A, [source])
        unchecked = Relationship.model_construct(source_id=source.id, type="ROUTES_TO",
                                                 target_id="a\0b", properties={})
        tracked(store).scope(SCOPE_B, [], [unchecked])
        assert store._connection.execute(
            "SELECT related_id, detail FROM changes WHERE change = 'relationship-added'"
        ).fetchall() == [("a\0b", '{"relationship":{"type":"ROUTES_TO","target_id":"a\\u0000b"}}')]
    finally:
        store.close()



def test_added_rows_of_a_batch_holding_an_id_twice_or_an_asset_back(tmp_path: Path) -> None:
    """A first collection's ``added`` rows are copied by SQLite from the rows written; a
    batch holding an id twice (two ``added``) or an asset back after removal (its old
    number) is logged row by row, as before."""
    store = SQLiteRepository(f"sqlite:///{tmp_path / 'added.db'}")
    try:
        a, b, c = make_asset(1), make_asset(2), make_asset(3)
        tracked(store).scope(SCOPE_A, [a, b, c])
        tracked(store).scope(SCOPE_A, [a, b])  # c removed
        tracked(store).scope(SCOPE_A, [a, b, c, make_asset(4), make_asset(4, name="again")])
        tracked(store).scope(SCOPE_B, [make_asset(5), make_asset(6)])
        rows = store._connection.execute(
            "SELECT change, asset_id, asset_number, name FROM changes ORDER BY id").fetchall()
    finally:
        store.close()
    d, e, f = make_asset(4).id, make_asset(5).id, make_asset(6).id
    assert rows == [("added", a.id, 1, "web-1"), ("added", b.id, 2, "web-2"),
                    ("added", c.id, 3, "web-3"), ("removed", c.id, 3, "web-3"),
                    ("added", c.id, 3, "web-3"), ("added", d, 4, "web-4"),
                    ("added", d, 4, "again"), ("added", e, 5, "web-5"),
                    ("added", f, 6, "web-6")]
