"""Walking the change log by id neither skips nor repeats while writers commit out of order."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import psycopg
import pytest
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.domain.change import Change, ChangedFinding, ChangeKind, ChangeQuery
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Severity


def finding_change(number: int) -> Change:
    """A finding change on its own asset."""
    return Change(change=ChangeKind.FINDING_NEW, asset_id=f"arn:aws:s3:::b{number}",
                  run_id="assess-1", at=datetime.now(UTC),
                  finding=ChangedFinding(rule_id="r", severity=Severity.LOW, title="t"))


def waiting_on_advisory(connection: psycopg.Connection[tuple[int]], count: int) -> bool:
    """Whether ``count`` cloudscope sessions wait on an advisory lock (polled up to 10 s)."""
    for _ in range(200):
        waiting = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'"
            " AND application_name = 'cloudscope'").fetchone()
        if waiting is not None and waiting[0] == count:
            return True
        time.sleep(0.05)
    return False


def test_a_reader_waits_for_a_writer_half_way(postgres_url: str) -> None:
    """A transaction holding id N uncommitted while N+1 commits: a page read meanwhile
    waits, then holds both, so a walk after it never loses N."""
    schema = postgres_url.rsplit("schema=", 1)[1]
    with PostgreSQLRepository(postgres_url) as repository, \
            psycopg.connect(postgres_url.split("?", 1)[0], autocommit=True) as slow:
        (first,) = repository.record_changes([finding_change(0)])
        # A writer as the store's own write path runs: the log's lock shared, then rows.
        slow.execute("BEGIN")
        slow.execute(f'SET LOCAL search_path = "{schema}"')
        slow.execute("SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))",
                     (f"cloudscope:{schema}:changes",))
        held = slow.execute("INSERT INTO changes (run_id, change, asset_id) VALUES"
                            " ('assess-2', 'finding-new', 'arn:aws:s3:::slow') RETURNING id"
                            ).fetchone()
        assert held is not None
        (later,) = repository.record_changes([finding_change(2)])  # writers never wait
        assert later > held[0] > first
        pages: list[list[int]] = []
        reader = threading.Thread(target=lambda: pages.append(
            [c.id or 0 for c in repository.iter_changes(ChangeQuery(after=first))]))
        reader.start()
        assert waiting_on_advisory(slow, 1)
        assert not pages
        slow.execute("COMMIT")
        reader.join(timeout=30)
        assert pages == [[held[0], later]]


def test_writers_hold_the_log_lock_shared(postgres_url: str) -> None:
    """While a reader holds the log's lock, recording changes waits for it, and goes on
    when it is released."""
    schema = postgres_url.rsplit("schema=", 1)[1]
    with PostgreSQLRepository(postgres_url) as repository, \
            psycopg.connect(postgres_url.split("?", 1)[0], autocommit=True) as reader:
        reader.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                       (f"cloudscope:{schema}:changes",))
        written: list[list[int]] = []
        writer = threading.Thread(target=lambda: written.append(
            repository.record_changes([finding_change(1)])))
        writer.start()
        assert waiting_on_advisory(reader, 1)
        assert not written
        reader.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                       (f"cloudscope:{schema}:changes",))
        writer.join(timeout=30)
        assert len(written) == 1 and len(written[0]) == 1


def test_a_read_that_fails_releases_the_log(postgres_url: str) -> None:
    """A page whose query fails is a StoreError, and leaves no lock behind on the pooled
    connection (writers would otherwise wait for ever)."""
    with PostgreSQLRepository(postgres_url) as repository, \
            psycopg.connect(postgres_url.split("?", 1)[0], autocommit=True) as other:
        with pytest.raises(StoreError):
            list(repository.iter_changes(ChangeQuery(asset_ids=("nul\x00byte",))))
        held = other.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                             " AND granted").fetchone()
        assert held == (0,)
        assert len(repository.record_changes([finding_change(3)])) == 1


def test_many_recorded_changes_get_their_ids_in_order(postgres_url: str) -> None:
    """An assessment's changes are sent in pipelined chunks: more than one chunk's worth
    comes back as one id per change, increasing, each naming its own change."""
    changes = [finding_change(number) for number in range(2_345)]
    with PostgreSQLRepository(postgres_url) as repository:
        ids = repository.record_changes(changes)
        assert len(ids) == len(changes) and ids == sorted(set(ids))
        stored = {change.id: change.asset_id for change in repository.iter_changes(ChangeQuery())}
        assert repository.record_changes([]) == []
    assert [stored[i] for i in ids] == [change.asset_id for change in changes]
