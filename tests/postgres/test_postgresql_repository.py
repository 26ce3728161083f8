"""The PostgreSQL repository passes the repository contract suite."""

from __future__ import annotations

import pytest
from cloudscope.testing.repository_contract import RepositoryContract


class TestPostgreSQLRepositoryContract(RepositoryContract):
    """PostgreSQL passes the repository contract."""

    @pytest.fixture
    def repository_url(self, postgres_url: str) -> str:
        return postgres_url
