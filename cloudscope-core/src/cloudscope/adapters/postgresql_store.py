"""The PostgreSQL store's connections: opening, checking and migrating, and transactions.

- A lost connection (server restart, terminated backend) rolls the transaction back on the
  server; idempotent writes are run again for up to ``retry_window`` seconds, then the
  error is a :class:`StoreError`.
- Reads stream through server-side (named) cursors.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TypeVar

from cloudscope.adapters import postgresql_schema as schema_module
from cloudscope.adapters.postgresql_connection import (
    INSTALL_HINT,
    PostgreSQLUrl,
    first_line,
    is_transient,
)
from cloudscope.domain.errors import StoreError

try:  # the optional extra; its absence is reported when a postgresql:// store is opened
    import psycopg
    from psycopg import sql
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as missing:  # pragma: no cover - exercised without the extra installed
    _MISSING: ImportError | None = missing
else:
    _MISSING = None

T = TypeVar("T")
FETCH_SIZE: Final = 2000


class PostgreSQLStore:
    """A CloudScope schema in PostgreSQL, checked and migrated; the base of the repository's
    parts. Refuses a database of another application: one whose target schema holds tables
    but no CloudScope metadata, or (when ``?schema=`` is not given) one that holds tables
    but no ``cloudscope`` schema. Nothing is changed in either case.
    """

    def __init__(self, url: str) -> None:
        if _MISSING is not None:
            raise StoreError(f"postgresql:// stores need psycopg, which is not installed "
                             f"({_MISSING.name or 'psycopg'})", hint=INSTALL_HINT)
        self.url = url
        self.settings = PostgreSQLUrl.parse(url)
        pool_log = logging.getLogger("psycopg.pool")
        if pool_log.level == logging.NOTSET:
            # The pool warns on every failed reconnection; the repository reports the
            # failure itself, in the one line the CLI prints (exit 2, no log beside it).
            pool_log.setLevel(logging.ERROR)
        self._lock_prefix = f"cloudscope:{self.settings.schema}:"
        self._server_lost = False
        with self._direct_connection() as connection:
            self._check_and_migrate(connection)
        self._pool = ConnectionPool(
            self.settings.conninfo, kwargs=self.settings.connection_options(), min_size=1,
            max_size=self.settings.pool_size, open=True, name="cloudscope",
            configure=_create_staging, check=ConnectionPool.check_connection,
            timeout=min(10.0, max(1.0, self.settings.retry_window_s)))

    @contextmanager
    def _direct_connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            connection = psycopg.connect(self.settings.conninfo,
                                         **self.settings.connection_options())
        except psycopg.Error as error:
            raise self._unreachable(error) from None
        try:
            yield connection
        except psycopg.Error as error:
            raise self._store_error(error) from None
        finally:
            connection.close()

    def _unreachable(self, error: BaseException) -> StoreError:
        return StoreError(f"cannot connect to PostgreSQL at {self.settings.where}: "
                          f"{first_line(error)}",
                          hint="check the --db URL, the credentials, and that the server "
                               "accepts connections from this host")

    def _store_error(self, error: BaseException) -> StoreError:
        if isinstance(error, PoolTimeout):
            # The pool only says it waited: a direct attempt tells the user why.
            try:
                psycopg.connect(self.settings.conninfo, **self.settings.connection_options()
                                ).close()
            except psycopg.Error as reason:
                return self._unreachable(reason)
        state = getattr(error, "sqlstate", None) or ""
        if isinstance(error, psycopg.OperationalError) and (not state or state[:2] in
                                                            ("08", "57")):
            return StoreError(f"lost the connection to PostgreSQL at {self.settings.where}: "
                              f"{first_line(error)}",
                              hint="batches already written are kept; run collect again")
        return StoreError(f"PostgreSQL at {self.settings.where}: {first_line(error)}")

    def _check_and_migrate(self, connection: psycopg.Connection[Any]) -> None:
        schema = self.settings.schema
        rows = connection.execute(
            "SELECT n.nspname, c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2").fetchall()
        connection.rollback()
        ours = sorted(table for space, table in rows if space == schema)
        others = [f"{space}.{table}" for space, table in rows if space != schema]
        database = self.settings.where
        if ours and "cloudscope_meta" not in ours:
            raise StoreError(f"schema {schema!r} of {database} holds tables of another "
                             f"application ({', '.join(ours[:5])})",
                             hint="choose another database or ?schema=; nothing was changed")
        if not ours and others and not self.settings.explicit_schema:
            raise StoreError(f"{database} holds tables of another application "
                             f"({', '.join(others[:5])}) and no CloudScope schema",
                             hint="choose another database, or add ?schema=cloudscope to the "
                                  "URL to share this one; nothing was changed")
        if ours:
            application = self._meta(connection, "application")
            if application != schema_module.APPLICATION:
                raise StoreError(f"schema {schema!r} of {database} belongs to "
                                 f"{application or 'another application'!r}, not CloudScope",
                                 hint="choose another database or ?schema=; nothing was changed")
        version = self._version(connection)
        if version > schema_module.CURRENT_VERSION:
            raise StoreError(f"{database} has CloudScope schema {version}, newer than this "
                             f"CloudScope supports ({schema_module.CURRENT_VERSION})",
                             hint="upgrade cloudscope-core")
        if version < schema_module.CURRENT_VERSION:
            self._migrate(connection)

    def _meta(self, connection: psycopg.Connection[Any], key: str) -> str | None:
        table = f"{self.settings.schema}.cloudscope_meta"
        with connection.transaction():
            exists = connection.execute("SELECT to_regclass(%s)", (table,)).fetchone()
            if not exists or exists[0] is None:
                return None
            row = connection.execute(
                sql.SQL("SELECT value FROM {}.cloudscope_meta WHERE key = %s").format(
                    sql.Identifier(self.settings.schema)), (key,)).fetchone()
        return str(row[0]) if row else None

    def _version(self, connection: psycopg.Connection[Any]) -> int:
        value = self._meta(connection, "schema_version")
        return int(value) if value else 0

    def _migrate(self, connection: psycopg.Connection[Any]) -> int:
        schema = sql.Identifier(self.settings.schema)
        with connection.transaction():
            # Collectors starting together on a new database migrate one after another.
            connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                               (self._lock_prefix + "migrate",))
            connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            connection.execute(sql.SQL("SET LOCAL search_path = {}").format(schema))
            current = self._version(connection)
            for version in sorted(v for v in schema_module.MIGRATIONS if v > current):
                for statement in schema_module.MIGRATIONS[version]:
                    connection.execute(statement)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO cloudscope_meta (key, value) VALUES (%s, %s)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [("application", schema_module.APPLICATION),
                         ("schema_version", str(version))])
        return self._version(connection)

    def migrate(self) -> int:
        """Apply every missing migration in one transaction; idempotent."""
        with self._direct_connection() as connection:
            return self._migrate(connection)

    def schema_version(self) -> int:
        """The schema version recorded in the database (0 before the first migration)."""
        with self._direct_connection() as connection:
            return self._version(connection)

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()

    def _transaction(self, work: Callable[[psycopg.Connection[Any]], T], *,
                     scope_key: str | None = None, retry: bool = True) -> T:
        """Run ``work`` in one transaction; again after a transient failure when ``retry``
        (the work must then be idempotent), until the retry window closes. Once a window
        closed without the server, later calls try once only, so that the bookkeeping of
        an interrupted run does not wait a window per scope."""
        window = 0.0 if self._server_lost else self.settings.retry_window_s
        deadline = time.monotonic() + window
        delay = 0.2
        while True:
            connection: psycopg.Connection[Any] | None = None
            try:
                with self._pool.connection(timeout=None if window else 1.0) as connection, \
                        connection.transaction():
                    if scope_key is not None:
                        connection.execute(
                            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                            (self._lock_prefix + scope_key,))
                    result = work(connection)
                self._server_lost = False
                return result
            except psycopg.Error as error:
                broken = connection is None or connection.broken or connection.closed
                transient = isinstance(error, PoolTimeout) or is_transient(error, broken)
                if not (retry and transient and time.monotonic() + delay < deadline):
                    self._server_lost = transient
                    raise self._store_error(error) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def _stream(self, statement: str, parameters: Sequence[Any],
                convert: Callable[[Sequence[Any]], T]) -> Iterator[T]:
        """Rows of ``statement`` through a server-side cursor, converted one by one."""
        try:
            with self._pool.connection() as connection, connection.transaction(), \
                    connection.cursor(name=f"cloudscope_{uuid.uuid4().hex}") as cursor:
                cursor.itersize = FETCH_SIZE
                cursor.execute(statement, parameters)
                for row in cursor:
                    yield convert(row)
        except psycopg.Error as error:
            raise self._store_error(error) from None

    def _fetch(self, statement: str, parameters: Sequence[Any] = ()) -> list[Any]:
        def work(connection: psycopg.Connection[Any]) -> list[Any]:
            return connection.execute(statement, parameters).fetchall()

        return self._transaction(work)


def _create_staging(connection: psycopg.Connection[Any]) -> None:
    """Create this connection's staging tables (pool ``configure`` callback)."""
    with connection.transaction():
        for statement in schema_module.STAGING:
            connection.execute(statement)
