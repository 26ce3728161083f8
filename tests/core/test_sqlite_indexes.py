"""The SQLite schema has an index for every filter of `assets list`, its order and staleness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cloudscope.adapters.sqlite_reads import where_clause
from cloudscope.adapters.sqlite_repository import ASSET_COLUMNS, SQLiteRepository
from cloudscope.domain.query import AssetQuery
from cloudscope.testing.repository_contract import SCOPE_A, Collection, make_asset

LISTING_ORDER = " ORDER BY provider, account, asset_type, id"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteRepository]:
    """One store with a few assets, shared by every case (plans do not depend on the rows)."""
    path = tmp_path_factory.mktemp("indexes") / "store.db"
    repository = SQLiteRepository(f"sqlite:///{path}")
    Collection(repository).scope(SCOPE_A, [make_asset(i) for i in range(50)])
    yield repository
    repository.close()


def plan_of(store: SQLiteRepository, sql: str, parameters: list[Any]) -> str:
    """SQLite's EXPLAIN QUERY PLAN, one step per line."""
    rows = store._connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
    return "\n".join(row[3] for row in rows)


@pytest.mark.parametrize(("query", "search"), [
    (AssetQuery(provider="aws"), "SEARCH assets USING INDEX assets_listing (provider=?)"),
    (AssetQuery(asset_type="aws:ec2:volume"),
     "SEARCH assets USING INDEX assets_type (asset_type=?)"),
    (AssetQuery(account="222222222222"), "SEARCH assets USING INDEX assets_account (account=?)"),
    (AssetQuery(region="us-east-1"), "SEARCH assets USING INDEX assets_region (region=?)"),
    (AssetQuery(tags={"env": "prod"}), "SEARCH asset_tags USING PRIMARY KEY (key=? AND value=?)"),
    (AssetQuery(ids=("arn:aws:ec2:eu-west-1:111111111111:instance/i-00000001",)),
     "SEARCH assets USING INDEX assets_id (id=?)"),
])
def test_each_filter_searches_an_index(store: SQLiteRepository, query: AssetQuery,
                                       search: str) -> None:
    """Each filter of a listing is a SEARCH through its index, never a scan of the table."""
    where, parameters = where_clause(query)
    plan = plan_of(store, f"SELECT {ASSET_COLUMNS} FROM assets{where}{LISTING_ORDER}",
                   parameters)
    assert search in plan, plan
    assert "SCAN assets" not in plan, plan


def test_listing_order_comes_from_an_index(store: SQLiteRepository) -> None:
    """The unfiltered listing reads the listing index in order: no sort of the whole table."""
    where, parameters = where_clause(AssetQuery())
    plan = plan_of(store, f"SELECT {ASSET_COLUMNS} FROM assets{where}{LISTING_ORDER}",
                   parameters)
    assert "assets_listing" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sql", [
    "UPDATE assets SET deleted_at = ? WHERE scope_key = ? AND last_seen < ?"
    " AND deleted_at IS NULL",
    "DELETE FROM relationships WHERE scope_key = ? AND last_seen < ?",
])
def test_staleness_searches_the_scope_index(store: SQLiteRepository, sql: str) -> None:
    """Removing what a completed scope no longer has reads only that scope's rows."""
    parameters = ["x", "file:x", "2026-01-01"][-sql.count("?"):]
    plan = plan_of(store, sql, parameters)
    assert "USING INDEX assets_scope (scope_key=? AND last_seen<?)" in plan \
        or "USING COVERING INDEX relationships_scope (scope_key=? AND last_seen<?)" in plan, plan


def test_batch_lookup_of_stored_assets_searches_by_id(store: SQLiteRepository) -> None:
    """The one lookup a batch makes (which of its ids are stored) probes the id index."""
    plan = plan_of(store, "SELECT id, number, tags FROM assets"
                          " WHERE id IN (SELECT value FROM json_each(?))", ['["a"]'])
    assert "SEARCH assets USING INDEX assets_id (id=?)" in plan, plan
