"""`cloudscope db copy` and `db migrate`: SQLite -> PostgreSQL -> SQLite keeps everything."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.db_copy import copy_store
from cloudscope.cli.main import main
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import RunStatus
from cloudscope.ports.repository import Repository
from cloudscope.testing.plugin import CliResult
from cloudscope.testing.repository_contract import SCOPE_A, SCOPE_B, Collection, make_asset


def populate(repository: Repository) -> None:
    """Two runs over two scopes: a stale asset removed, a failed scope, edges, findings."""
    first = Collection(repository)
    a, b, c = make_asset(1), make_asset(2), make_asset(3, region="us-east-1")
    first.scope(SCOPE_A, [a, b], [Relationship(source_id=a.id, type="ATTACHED_TO",
                                               target_id=b.id, properties={"n": 1})])
    first.scope(SCOPE_B, [c], [Relationship(source_id=c.id, type="IN_SUBNET",
                                            target_id="arn:missing", properties={})])
    first.finish()
    time.sleep(0.01)
    second = Collection(repository)
    second.scope(SCOPE_A, [a])  # b becomes history, with its deleted_at
    second.scope(SCOPE_B, [c], complete=False)
    second.finish(RunStatus.PARTIAL)
    repository.replace_findings(AssetQuery(), [
        Finding(rule_id="public", asset_id=a.id, severity=Severity.HIGH, title="open",
                evidence={"path": ["internet", a.id]}),
        Finding(rule_id="old", asset_id=b.id, severity=Severity.LOW, title="gone")])


def everything(repository: Repository) -> dict[str, Any]:
    """Every record a store holds, timestamps included, in a comparable form."""
    return {
        "assets": [s.model_dump() for s in repository.iter_stored_assets()],
        "relationships": [s.model_dump() for s in repository.iter_stored_relationships()],
        "findings": [f.model_dump() for f in repository.iter_findings()],
        "scopes": [s.model_dump() for s in repository.list_scopes()],
        "runs": [r.model_dump() for r in repository.list_runs()],
    }


def test_round_trip_through_postgresql_keeps_everything(tmp_path: Path, postgres_url: str) -> None:
    """SQLite -> PostgreSQL -> SQLite: assets with history, edges, findings, scopes, runs and
    every timestamp come back identical."""
    with SQLiteRepository(f"sqlite:///{tmp_path}/source.db") as source:
        populate(source)
        original = everything(source)
        with PostgreSQLRepository(postgres_url) as middle:
            copy_store(source, middle, batch_size=2)
            assert everything(middle) == original
            with SQLiteRepository(f"sqlite:///{tmp_path}/back.db") as back:
                summary = copy_store(middle, back, batch_size=2)
                assert everything(back) == original
    assert (summary.assets, summary.relationships, summary.findings, summary.scopes,
            summary.runs) == (3, 1, 2, 2, 2)
    assert len([a for a in original["assets"] if a["deleted_at"]]) == 1


def test_copied_store_goes_on_with_staleness(tmp_path: Path, postgres_url: str) -> None:
    """A copied store behaves as the original: the next run prunes what it did not see."""
    with SQLiteRepository(f"sqlite:///{tmp_path}/source.db") as source:
        populate(source)
        with PostgreSQLRepository(postgres_url) as target:
            copy_store(source, target)
            Collection(target).scope(SCOPE_B, [])
            assert [a.id for a in target.iter_assets(AssetQuery())] == [make_asset(1).id]


def test_db_copy_command_prints_what_it_copied(
        tmp_path: Path, postgres_url: str, run_cloudscope: Callable[..., CliResult]) -> None:
    """`db copy SOURCE TARGET --format json` copies and reports the counts."""
    source_url = f"sqlite:///{tmp_path}/source.db"
    with SQLiteRepository(source_url) as source:
        populate(source)
    result = run_cloudscope("db", "copy", source_url, postgres_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["assets"], report["relationships"], report["findings"], report["scopes"],
            report["runs"]) == (3, 1, 2, 2, 2)
    with PostgreSQLRepository(postgres_url) as target:
        assert target.count_assets(AssetQuery(include_deleted=True)) == 3


def test_db_copy_into_another_applications_database_changes_nothing(
        tmp_path: Path, make_database: Callable[[], str],
        run_cloudscope: Callable[..., CliResult]) -> None:
    """The target must be empty or a CloudScope store: anything else is exit 2, unchanged."""
    source_url = f"sqlite:///{tmp_path}/source.db"
    with SQLiteRepository(source_url) as source:
        populate(source)
    target = make_database()
    with psycopg.connect(target) as connection:
        connection.execute("CREATE TABLE orders (id integer); INSERT INTO orders VALUES (1)")
    result = run_cloudscope("db", "copy", source_url, target)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "another application" in result.stderr
    with psycopg.connect(target) as connection:
        assert connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'cloudscope'").fetchone() == (0,)


def test_db_migrate_is_idempotent(postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`db migrate` twice: both succeed with the same schema version."""
    outputs = []
    for _ in range(2):
        assert main(["db", "migrate", "--db", postgres_url, "--format", "json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1] and outputs[0]["schema_version"] >= 1


@pytest.mark.parametrize("arguments", [("sqlite:///a.db", "sqlite:///a.db"),
                                       ("sqlite:///a.db", "sqlite:///b.db", "--batch-size", "0")])
def test_db_copy_refuses_bad_usage(arguments: tuple[str, ...],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Copying a store into itself, or batches of zero, is a usage error (exit 2)."""
    assert main(["db", "copy", *arguments]) == 2
    assert capsys.readouterr().err.startswith("cloudscope: error: ")
