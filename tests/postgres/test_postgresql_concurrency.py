"""Collectors on several hosts: one clock for staleness, one lock per scope."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import CollectionRun, ScopeKey
from cloudscope.testing.repository_contract import SCOPE_A, SCOPE_B, make_asset


def run_on_host(repository: PostgreSQLRepository, scope: ScopeKey, assets: list[object],
                clock_offset: timedelta) -> int:
    """One complete collection of ``scope`` by a host whose clock is off by ``clock_offset``."""
    now = datetime.now(UTC) + clock_offset
    run = CollectionRun(run_id=uuid.uuid4().hex, collector="skewed", started_at=now)
    repository.start_run(run)
    repository.start_scope(scope, run.run_id, now)
    if assets:
        repository.write_batch(scope, run.run_id, assets, [], now)  # type: ignore[arg-type]
    return repository.complete_scope(scope, run.run_id, len(assets), now)


def test_staleness_ignores_the_collectors_clocks(postgres_url: str) -> None:
    """An asset written by a host an hour fast is still removed by the next run that does
    not see it, from a host with the right time: both times come from the server."""
    with PostgreSQLRepository(postgres_url) as repository:
        run_on_host(repository, SCOPE_A, [make_asset(1), make_asset(2)], timedelta(hours=1))
        removed = run_on_host(repository, SCOPE_A, [make_asset(1)], timedelta(0))
        assert removed == 1
        assert [a.id for a in repository.iter_assets(AssetQuery())] == [make_asset(1).id]


def test_a_scope_lock_blocks_that_scope_only(postgres_url: str) -> None:
    """While a scope's advisory lock is held elsewhere, its staleness waits; other scopes
    are written meanwhile."""
    schema = postgres_url.rsplit("schema=", 1)[1]
    with PostgreSQLRepository(postgres_url) as repository, \
            psycopg.connect(postgres_url.split("?", 1)[0], autocommit=True) as other:
        run_on_host(repository, SCOPE_A, [make_asset(1)], timedelta(0))
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                      (f"cloudscope:{schema}:{SCOPE_A.key}",))
        waiting = threading.Thread(target=run_on_host,
                                   args=(repository, SCOPE_A, [], timedelta(0)))
        waiting.start()
        for _ in range(200):
            blocked = other.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'"
                " AND application_name = 'cloudscope'").fetchone()[0]
            if blocked:
                break
            time.sleep(0.05)
        assert blocked == 1
        run_on_host(repository, SCOPE_B, [make_asset(2, region="us-east-1")], timedelta(0))
        assert repository.count_assets(AssetQuery()) == 2  # A's staleness has not run
        other.execute("COMMIT")
        waiting.join(timeout=30)
        assert [a.id for a in repository.iter_assets(AssetQuery())] == \
            [make_asset(2, region="us-east-1").id]
