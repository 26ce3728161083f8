"""The pool of stores: a borrow on the event loop never waits, and no slot is ever lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from cloudscope.application.storage import open_repository
from cloudscope.domain.errors import StoreError
from cloudscope.host.plugin_host import PluginHost
from cloudscope.ports.repository import Repository
from cloudscope.service.store_pool import RepositoryPool


@pytest.fixture()
def pool(tmp_path: Path) -> RepositoryPool:
    """Two connections to a real SQLite store."""
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    host = PluginHost.from_environment()
    open_repository(host, url).close()  # created and migrated once
    return RepositoryPool(lambda: open_repository(host, url), 2)


def test_borrow_now_gives_a_free_store_and_none_when_all_are_lent(pool: RepositoryPool) -> None:
    """borrow_now answers at once: a store while one is free, None while all are in use."""
    with pool.borrow() as first:
        lent = pool.borrow_now()
        assert lent is not None
        with lent as second:
            assert second is not first
            assert pool.borrow_now() is None
        assert second.schema_version() == first.schema_version()
    again = pool.borrow_now()
    assert again is not None
    with again as repository:
        assert repository in (first, second)  # returned to the pool, not reopened


def test_a_store_that_fails_to_open_returns_its_slot(tmp_path: Path) -> None:
    """An open that fails releases its slot: the pool does not shrink by failures."""
    def fail() -> Repository:
        raise StoreError("cannot open", hint="none")

    pool = RepositoryPool(fail, 1)
    for _ in range(3):
        lent = pool.borrow_now()
        assert lent is not None
        with pytest.raises(StoreError), lent:
            pass
