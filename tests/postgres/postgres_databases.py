"""The throwaway PostgreSQL server of the tests, and fresh databases on it.

A plain module (not a conftest) so that other test folders (tests/aws) use the same rules:
CLOUDSCOPE_TEST_POSTGRES_URL names the server (`.ci/run` starts one; locally
`source .ci/postgres.sh && start_postgres`); without it the tests skip, except in CI
(CLOUDSCOPE_CI set), where they must run and therefore fail.
"""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest


def server_url() -> str:
    """The server URL, or a skip (locally) or failure (in CI) saying how to get one."""
    url = os.environ.get("CLOUDSCOPE_TEST_POSTGRES_URL")
    if not url:
        reason = ("CLOUDSCOPE_TEST_POSTGRES_URL is not set: start a throwaway server with "
                  "`source .ci/postgres.sh && start_postgres`")
        if os.environ.get("CLOUDSCOPE_CI"):
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    return url


def database_url(server: str, database: str) -> str:
    """The server URL with its database replaced."""
    base, _, query = server.partition("?")
    return base.rsplit("/", 1)[0] + f"/{database}" + (f"?{query}" if query else "")


def create_database(server: str) -> str:
    """Create an empty database; return its URL."""
    name = f"cloudscope_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return database_url(server, name)


def drop_database(server: str, url: str) -> None:
    """Drop the database of ``url``, disconnecting whoever still uses it."""
    name = url.split("?", 1)[0].rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
