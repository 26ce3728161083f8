"""End to end through the real CLI in a subprocess: collect, partial failure, secrets, imports."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cloudscope_azure.catalogue import CATALOGUE

from tests.azure.conftest import PRODUCTION, STAGING

TYPES = len(CATALOGUE)  # scopes per subscription


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "inventory.db"


def collect_args(database: Path, *extra: str) -> list[str]:
    return ["collect", "azure", "--subscription", PRODUCTION, "--subscription", STAGING,
            "--db", f"sqlite:///{database}", "--format", "json", *extra]


def live_assets(database: Path, account: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM assets WHERE account = ? AND "
                                  "deleted_at IS NULL", (account,)).fetchone()[0]


def test_collect_stores_every_subscription_and_exits_zero(cloudscope, database):
    """collect azure stores both subscriptions' assets and edges; every scope completes."""
    done = cloudscope(*collect_args(database))
    assert done.code == 0, done.stderr
    summary = done.json()
    assert summary["status"] == "ok"
    assert len(summary["scopes"]) == 2 * TYPES
    assert {s["status"] for s in summary["scopes"]} == {"complete"}
    assert {(s["provider"], s["region"]) for s in summary["scopes"]} == {("azure", None)}
    assert summary["assets"] == live_assets(database, PRODUCTION) + live_assets(database, STAGING)
    assert live_assets(database, PRODUCTION) == live_assets(database, STAGING) > 15
    with sqlite3.connect(database) as connection:
        edges = connection.execute("SELECT count(*) FROM relationships").fetchone()[0]
    assert edges == summary["relationships"] > 0


def test_a_forbidden_subscription_exits_three_and_keeps_its_assets(cloudscope, database, fake):
    """403 on one subscription: exit 3, its scopes failed with stored assets kept, the
    other subscription complete."""
    assert cloudscope(*collect_args(database)).code == 0
    stored = live_assets(database, STAGING)
    fake.fail(f"/subscriptions/{STAGING}", 403, times=10_000)
    done = cloudscope(*collect_args(database))
    assert done.code == 3
    summary = done.json()
    assert summary["status"] == "partial"
    by_account = {(s["account"], s["status"]) for s in summary["scopes"]}
    assert by_account == {(PRODUCTION, "complete"), (STAGING, "failed")}
    errors = {s["error"] for s in summary["scopes"] if s["account"] == STAGING}
    assert all("HTTP 403" in error for error in errors)
    assert live_assets(database, STAGING) == stored


def test_client_secret_appears_nowhere(cloudscope, cli_env, database, fake, tmp_path):
    """The client secret is in no output, no debug log and no byte of the SQLite store."""
    fake.fail(f"/subscriptions/{STAGING}/resourcegroups", 403, times=10_000)
    done = cloudscope("--log-level", "debug", *collect_args(database))
    assert done.code == 3
    assert done.stderr  # debug logging did write
    rejected = cloudscope("--log-level", "debug", *collect_args(database),
                          env={**cli_env, "CLOUDSCOPE_AZURE_CLIENT_SECRET": "Wrong~Secret.987654"})
    assert rejected.code == 3
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("inventory.db*"))
    for text in (done.stdout, done.stderr):
        assert fake.client_secret not in text
    assert "Wrong~Secret.987654" not in rejected.stdout + rejected.stderr
    assert "sign-in failed" in rejected.stdout + rejected.stderr
    assert fake.client_secret.encode() not in stored


def test_an_http_resource_manager_url_is_a_config_error(cloudscope, cli_env, database):
    """A plain-http resource_manager_url exits 2 with one line naming the variable."""
    env = {**cli_env, "CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL": "http://127.0.0.1:9"}
    done = cloudscope(*collect_args(database), env=env)
    assert done.code == 2
    assert done.stderr.count("\n") == 1
    assert "CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL" in done.stderr
    assert not database.exists() or live_assets(database, PRODUCTION) == 0


CHECK_IMPORTS = """
import contextlib, io, sys
from cloudscope.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["plugins", "--format", "json"])
    with contextlib.suppress(SystemExit):
        main(["collect", "azure", "--help"])
print(sorted({name.split(".")[1] for name in sys.modules if name.startswith("azure.")}))
"""


def test_plugins_and_help_do_not_import_azure(cli_env):
    """`cloudscope plugins` and `collect azure --help` load the plugin without azure libraries."""
    env = {key: value for key, value in cli_env.items() if key != "CLOUDSCOPE_LOAD_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", CHECK_IMPORTS], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
