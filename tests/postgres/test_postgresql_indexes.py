"""The PostgreSQL schema has an index for every filter of `assets list` and its order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from cloudscope.adapters.postgresql_reads import where_clause
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.adapters.postgresql_statements import ASSET_COLUMNS, LISTING_ORDER
from cloudscope.domain.query import AssetQuery
from cloudscope.testing.repository_contract import SCOPE_A, Collection, make_asset


@pytest.fixture(scope="module")
def filled_store(shared_database: str) -> Iterator[tuple[str, str]]:
    """One store with a few assets for every case: its database URL and schema."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with PostgreSQLRepository(f"{shared_database}?schema={schema}") as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(i) for i in range(50)])
    yield shared_database, schema
    with psycopg.connect(shared_database, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.parametrize(("query", "index"), [
    (AssetQuery(tags={"env": "prod"}), "assets_tags"),
    (AssetQuery(asset_type="aws:ec2:volume"), "assets_type"),
    (AssetQuery(account="222222222222"), "assets_account"),
    (AssetQuery(region="us-east-1"), "assets_region"),
    (AssetQuery(provider="aws"), "assets_listing"),
])
def test_each_filter_and_the_listing_order_can_use_an_index(
        filled_store: tuple[str, str], query: AssetQuery, index: str) -> None:
    """With sequential scans and sorts priced out, the planner reads through the index."""
    url, schema = filled_store
    where, parameters = where_clause(query)
    with psycopg.connect(url, options=f"-c search_path={schema}") as connection:
        connection.execute("SET enable_seqscan = off")
        connection.execute("SET enable_sort = off" if index == "assets_listing" else "SELECT 1")
        plan = "\n".join(row[0] for row in connection.execute(
            f"EXPLAIN SELECT {ASSET_COLUMNS} FROM assets{where}"
            + (f" ORDER BY {LISTING_ORDER}" if index == "assets_listing" else ""),
            parameters).fetchall())
    assert index in plan, plan
