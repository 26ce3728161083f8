"""Bad input and failures on PostgreSQL: one clear line, nothing half written, no secret."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from cloudscope.adapters.postgresql_repository import PostgreSQLRepository
from cloudscope.domain.errors import StoreError
from cloudscope.domain.query import AssetQuery
from cloudscope.testing.plugin import CliResult
from cloudscope.testing.repository_contract import (
    SCOPE_A,
    Collection,
    expect_store_error,
    make_asset,
)

BATCH = 500


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tables_of(url: str) -> list[str]:
    """Every user table of the database, schema-qualified."""
    with psycopg.connect(url) as connection:
        return [f"{s}.{t}" for s, t in connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            " ORDER BY 1, 2").fetchall()]


def one_line_error(result: CliResult) -> str:
    """The single stderr line of a command that failed with exit code 2."""
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unreachable_server_is_one_line_exit_2(run_cloudscope: Callable[..., CliResult]) -> None:
    """A server that does not answer: exit 2 and one line naming host and port."""
    line = one_line_error(run_cloudscope(
        "assets", "list", "--db", f"postgresql://someone@127.0.0.1:{free_port()}/inventory"))
    assert "cannot connect to PostgreSQL at 127.0.0.1:" in line
    assert "Connection refused" in line


def test_wrong_credentials_never_show_the_password(
        run_cloudscope: Callable[..., CliResult], postgres_server_url: str) -> None:
    """An unknown user is refused in one line; the password in the URL appears nowhere."""
    url = postgres_server_url.replace("://postgres@", "://intruder:hunter2secret@")
    result = run_cloudscope("db", "migrate", "--db", url)
    line = one_line_error(result)
    assert 'role "intruder" does not exist' in line
    assert "hunter2secret" not in result.stderr + result.stdout


def test_password_with_at_sign_and_space_is_sent_whole(
        make_database: Callable[[], str], run_cloudscope: Callable[..., CliResult]) -> None:
    """A password holding @ and a space reaches the server whole (libpq alone would split the
    URL at the first @ and try host "ss w0rd@..."); the output shows it redacted."""
    url = make_database().replace("://postgres@", "://postgres:pa@ss w0rd@")
    assert "pa@ss w0rd@" in url
    result = run_cloudscope("db", "migrate", "--db", url)
    assert result.exit_code == 0, result.stderr
    assert "schema version" in result.stdout and "[REDACTED]@127.0.0.1" in result.stdout
    assert "pa@ss" not in result.stdout + result.stderr


def test_database_of_another_application_is_refused_unchanged(
        make_database: Callable[[], str], run_cloudscope: Callable[..., CliResult]) -> None:
    """A database holding another application's tables is refused; nothing is created."""
    url = make_database()
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE invoices (id integer)")
    line = one_line_error(run_cloudscope("db", "migrate", "--db", url))
    assert "holds tables of another application (public.invoices)" in line
    assert tables_of(url) == ["public.invoices"]


def test_schema_of_another_application_is_refused_unchanged(
        make_database: Callable[[], str]) -> None:
    """A 'cloudscope' schema that holds tables but no CloudScope metadata is refused."""
    url = make_database()
    with psycopg.connect(url) as connection:
        connection.execute("CREATE SCHEMA cloudscope; CREATE TABLE cloudscope.assets (x text)")
    error = expect_store_error(lambda: PostgreSQLRepository(url))
    assert "schema 'cloudscope'" in str(error) and "another application" in str(error)
    assert tables_of(url) == ["cloudscope.assets"]


def test_explicit_schema_shares_a_database_with_another_application(
        make_database: Callable[[], str]) -> None:
    """?schema=NAME puts the inventory beside another application's tables, on purpose."""
    url = make_database()
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE invoices (id integer)")
    with PostgreSQLRepository(f"{url}?schema=inventory") as repository:
        Collection(repository).scope(SCOPE_A, [make_asset(1)])
        assert repository.count_assets(AssetQuery()) == 1
    assert "public.invoices" in tables_of(url) and "inventory.assets" in tables_of(url)


def test_newer_schema_is_refused(postgres_url: str) -> None:
    """A store written by a newer CloudScope is refused with a hint to upgrade."""
    PostgreSQLRepository(postgres_url).close()
    schema = postgres_url.rsplit("schema=", 1)[1]
    with psycopg.connect(postgres_url.split("?", maxsplit=1)[0]) as connection:
        connection.execute(f"UPDATE {schema}.cloudscope_meta SET value = '999'"
                           " WHERE key = 'schema_version'")
    assert "newer" in str(expect_store_error(lambda: PostgreSQLRepository(postgres_url)))


def test_missing_driver_is_one_line_naming_the_extra(
        run_cloudscope: Callable[..., CliResult]) -> None:
    """Without psycopg, a postgresql:// URL tells the user which extra to install."""
    script = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None\n"
              "from cloudscope.cli.main import main\n"
              "raise SystemExit(main(['assets', 'list', '--db', "
              "'postgresql://u@127.0.0.1:1/x']))")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=False, timeout=60)
    line = one_line_error(CliResult(completed.returncode, completed.stdout, completed.stderr))
    assert "pip install 'cloudscope-core[postgresql]'" in line


def test_terminated_backend_mid_batch_is_retried_whole(postgres_url: str) -> None:
    """A backend killed inside a batch's transaction (a restart, to the client): the batch is
    rolled back and written again whole."""
    repository = PostgreSQLRepository(postgres_url)
    collection = Collection(repository)
    collection.repository.start_scope(SCOPE_A, collection.run.run_id, collection.run.started_at)
    schema = postgres_url.rsplit("schema=", 1)[1]
    admin = psycopg.connect(postgres_url.split("?", maxsplit=1)[0], autocommit=True)
    # Hold the scope's advisory lock so that the writer waits inside its transaction.
    admin.execute("BEGIN")
    admin.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                  (f"cloudscope:{schema}:{SCOPE_A.key}",))
    assets = [make_asset(i) for i in range(BATCH)]
    writer = threading.Thread(target=repository.write_batch,
                              args=(SCOPE_A, collection.run.run_id, assets, [],
                                    collection.run.started_at))
    writer.start()
    killed = 0
    for _ in range(100):
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
            " AND application_name = 'cloudscope'").fetchone()[0]
        if killed:
            break
        time.sleep(0.05)
    admin.execute("COMMIT")
    writer.join(timeout=30)
    admin.close()
    assert killed == 1
    assert repository.count_assets(AssetQuery()) == BATCH
    repository.close()


def test_server_lost_mid_collect_keeps_whole_batches_and_says_so(
        proxy: object, postgres_url: str) -> None:
    """When the server stays away, the write fails in one line; committed batches stay."""
    url = proxy.route(postgres_url) + "&retry_window=1"  # type: ignore[attr-defined]
    repository = PostgreSQLRepository(url)
    collection = Collection(repository)
    repository.start_scope(SCOPE_A, collection.run.run_id, collection.run.started_at)
    repository.write_batch(SCOPE_A, collection.run.run_id,
                           [make_asset(i) for i in range(BATCH)], [], collection.run.started_at)
    proxy.cut()  # type: ignore[attr-defined]
    with pytest.raises(StoreError) as caught:
        repository.write_batch(SCOPE_A, collection.run.run_id,
                               [make_asset(i) for i in range(BATCH, 2 * BATCH)], [],
                               collection.run.started_at)
    message = str(caught.value)
    assert "\n" not in message and "PostgreSQL at 127.0.0.1:" in message
    repository.close()
    with PostgreSQLRepository(postgres_url) as direct:
        assert direct.count_assets(AssetQuery()) == BATCH


def test_server_back_within_the_retry_window_loses_nothing(
        proxy: object, postgres_url: str) -> None:
    """A restart shorter than the retry window is invisible: the batch is written."""
    url = proxy.route(postgres_url) + "&retry_window=20"  # type: ignore[attr-defined]
    repository = PostgreSQLRepository(url)
    collection = Collection(repository)
    collection.scope(SCOPE_A, [make_asset(i) for i in range(BATCH)])
    proxy.cut()  # type: ignore[attr-defined]
    threading.Timer(1.0, proxy.resume).start()  # type: ignore[attr-defined]
    collection.scope(SCOPE_A, [make_asset(i) for i in range(2 * BATCH)])
    assert repository.count_assets(AssetQuery()) == 2 * BATCH
    repository.close()


def test_collect_losing_its_server_exits_3_with_whole_batches(
        proxy: object, postgres_url: str, tmp_path: Path) -> None:
    """`collect` whose server goes away mid-run: exit 3 (a store that failed mid-run, DESIGN
    section 6), one stderr line, whole batches."""
    total, batch = 10_000, 200
    estate = tmp_path / "estate.jsonl"
    with estate.open("w", encoding="utf-8") as out:
        for index in range(total):
            out.write(json.dumps(make_asset(index).model_dump(mode="json", exclude_none=True))
                      + "\n")
    with PostgreSQLRepository(postgres_url):
        pass  # migrated before the collect starts, so that it is not what gets cut
    url = proxy.route(postgres_url) + "&retry_window=1"  # type: ignore[attr-defined]
    # The run is held once it has sent about a third of its bytes (a whole run sends more
    # than 4 MB), so the cut lands mid-run however fast collect has become.
    proxy.stall_after(1_500_000)  # type: ignore[attr-defined]
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "collect", "file", str(estate), "--db", url,
         "--batch-size", str(batch)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ})
    with PostgreSQLRepository(postgres_url) as observer:
        deadline = time.monotonic() + 60
        while (observer.count_assets(AssetQuery()) == 0 and process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.02)
        proxy.cut()  # type: ignore[attr-defined]
        _, stderr = process.communicate(timeout=120)
        stored = observer.count_assets(AssetQuery())
    assert process.returncode == 3, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "the store failed mid-run" in stderr and "PostgreSQL at 127.0.0.1:" in stderr
    assert 0 < stored < total and stored % batch == 0
