"""The PostgreSQL repository passes the repository contract suite."""

from __future__ import annotations

import pytest
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.testing.repository_contract import (
    SCOPE_A,
    Collection,
    RepositoryContract,
    make_asset,
)


class TestPostgreSQLRepositoryContract(RepositoryContract):
    """PostgreSQL passes the repository contract."""

    @pytest.fixture
    def repository_url(self, postgres_url: str) -> str:
        return postgres_url


def test_names_of_reads_live_named_assets_only(postgres_url: str) -> None:
    """names_of maps the ids of live assets that have a name to it; others are absent."""
    with PostgreSQLRepository(postgres_url) as repository:
        named, unnamed, stale = make_asset(1), make_asset(2, name=None), make_asset(3)
        Collection(repository).scope(SCOPE_A, [named, unnamed, stale])
        Collection(repository).scope(SCOPE_A, [named, unnamed])
        assert repository.names_of([named.id, unnamed.id, stale.id, "arn:missing"]) == \
            {named.id: "web-1"}
