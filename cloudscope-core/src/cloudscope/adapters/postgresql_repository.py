"""The PostgreSQL repository (``postgresql://``): one inventory shared by many collectors.

- Writes: each batch is COPYed into per-connection staging tables, then upserted with
  ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``, in one transaction.
- Concurrency: a transaction that writes a scope or applies its staleness first takes
  ``pg_advisory_xact_lock`` keyed by the scope, so concurrent collectors never interleave
  one scope's staleness with its writes; upserts go in id order, so overlapping batches
  cannot deadlock.
- One clock: ``last_seen`` and the run's start are stamped by the server (``now()``,
  ``clock_timestamp()``), so staleness never compares the clocks of different hosts.
  ``seen_at`` given to :meth:`write_batch` is therefore not used.
- A lost connection (server restart, terminated backend) rolls the transaction back on the
  server; idempotent writes are run again for up to ``retry_window`` seconds, then the
  error is a :class:`StoreError`.
- Reads stream through server-side (named) cursors.

The optional dependency is installed with ``pip install 'cloudscope-core[postgresql]'``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final, TypeVar

from cloudscope.adapters import postgresql_schema as schema_module
from cloudscope.adapters.postgresql_connection import (
    INSTALL_HINT,
    PostgreSQLUrl,
    first_line,
    is_transient,
)
from cloudscope.adapters.postgresql_statements import (
    ASSET_COLUMNS,
    FINDING_COLUMNS,
    LISTING_ORDER,
    RESTORE_ASSETS,
    STAGE_ASSET_COLUMNS,
    UPSERT_ASSETS,
    UPSERT_RELATIONSHIPS,
    asset_from_row,
    asset_row,
    finding_from_row,
    index_tags,
    relationship_from_row,
    stored_asset_from_row,
)
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeKey, ScopeStatus
from cloudscope.domain.serialization import dumps
from cloudscope.ports.repository import Repository, StoredAsset, StoredRelationship

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


class PostgreSQLRepository(Repository):
    """A CloudScope store in a PostgreSQL schema. Added in API 1.0.

    Refuses a database of another application: one whose target schema holds tables but no
    CloudScope metadata, or (when ``?schema=`` is not given) one that holds tables but no
    ``cloudscope`` schema. Nothing is changed in either case.
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

    # Lifecycle -------------------------------------------------------------------------
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

    # Transactions ----------------------------------------------------------------------
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

    # Collection ------------------------------------------------------------------------
    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts; the server's clock marks its start for staleness."""
        self._transaction(lambda connection: connection.execute(
            "INSERT INTO runs (run_id, collector, status, started_at, assets, relationships,"
            " counters) VALUES (%s, %s, %s, %s, 0, 0, '{}') ON CONFLICT (run_id) DO NOTHING",
            (run.run_id, run.collector, run.status.value, run.started_at)))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome."""
        self._transaction(lambda connection: connection.execute(
            "UPDATE runs SET status = %s, finished_at = %s, assets = %s, relationships = %s,"
            " error = %s, counters = %s WHERE run_id = %s",
            (run.status.value, run.finished_at, run.assets, run.relationships, run.error,
             dumps(run.counters), run.run_id)))

    def start_scope(self, scope: ScopeKey, run_id: str, started_at: datetime) -> None:
        """Record that ``run_id`` starts ``scope``."""
        self._transaction(lambda connection: connection.execute(
            "INSERT INTO scopes (scope_key, provider, account, region, service, status, run_id,"
            " assets, error, started_at, finished_at)"
            " VALUES (%s, %s, %s, %s, %s, 'running', %s, 0, NULL, %s, NULL)"
            " ON CONFLICT (scope_key) DO UPDATE SET status = 'running',"
            " run_id = excluded.run_id, error = NULL, started_at = excluded.started_at,"
            " finished_at = NULL",
            (scope.key, scope.provider, scope.account, scope.region, scope.service, run_id,
             started_at)))

    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        """Upsert a batch in one transaction; ``last_seen`` is the server's transaction time."""
        asset_rows = [asset_row(ordinal, asset) for ordinal, asset in enumerate(assets)]
        edge_rows = [(ordinal, r.source_id, r.type, r.target_id, dumps(r.properties), None, None)
                     for ordinal, r in enumerate(relationships)]

        def work(connection: psycopg.Connection[Any]) -> None:
            _copy_and_upsert(connection, asset_rows, edge_rows, UPSERT_ASSETS, scope.key)

        self._transaction(work, scope_key=scope.key)

    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,
                       finished_at: datetime) -> int:
        """Mark the scope complete; remove what the run did not see since it started."""
        def work(connection: psycopg.Connection[Any]) -> int:
            row = connection.execute("SELECT server_started_at FROM runs WHERE run_id = %s",
                                     (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"unknown run {run_id!r}")
            started = row[0]
            removed = connection.execute(
                "UPDATE assets SET deleted_at = now() WHERE scope_key = %s AND last_seen < %s"
                " AND deleted_at IS NULL", (scope.key, started)).rowcount
            connection.execute("DELETE FROM relationships WHERE scope_key = %s"
                               " AND last_seen < %s", (scope.key, started))
            connection.execute(
                "UPDATE scopes SET status = 'complete', assets = %s, error = NULL,"
                " finished_at = %s WHERE scope_key = %s AND run_id = %s",
                (assets, finished_at, scope.key, run_id))
            return int(removed)

        return self._transaction(work, scope_key=scope.key)

    def fail_scope(self, scope: ScopeKey, run_id: str, error: str, finished_at: datetime,
                   *, interrupted: bool = False) -> None:
        """Mark the scope failed; keep everything stored."""
        status = ScopeStatus.INTERRUPTED if interrupted else ScopeStatus.FAILED
        self._transaction(lambda connection: connection.execute(
            "UPDATE scopes SET status = %s, error = %s, finished_at = %s"
            " WHERE scope_key = %s AND run_id = %s",
            (status.value, error, finished_at, scope.key, run_id)))

    def list_scopes(self) -> list[Scope]:
        """Every scope and its last status."""
        rows = self._fetch(
            "SELECT provider, account, region, service, status, run_id, assets, error,"
            " started_at, finished_at FROM scopes ORDER BY scope_key")
        return [Scope(key=ScopeKey(provider=r[0], account=r[1], region=r[2], service=r[3]),
                      status=ScopeStatus(r[4]), run_id=r[5], assets=r[6], error=r[7],
                      started_at=r[8], finished_at=r[9]) for r in rows]

    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        """Runs, newest first."""
        rows = self._fetch(
            "SELECT run_id, collector, status, started_at, finished_at, assets, relationships,"
            " error, counters FROM runs ORDER BY started_at DESC LIMIT %s", (limit,))
        return [CollectionRun(run_id=r[0], collector=r[1], status=RunStatus(r[2]),
                              started_at=r[3], finished_at=r[4], assets=r[5],
                              relationships=r[6], error=r[7], counters=r[8]) for r in rows]

    # Queries ---------------------------------------------------------------------------
    @staticmethod
    def _where(query: AssetQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        parameters: list[Any] = []
        for column in ("provider", "asset_type", "account", "region"):
            value = getattr(query, column)
            if value is not None:
                clauses.append(f"{column} = %s")
                parameters.append(value)
        if query.tags:
            clauses.append("tags @> %s::jsonb")  # served by the GIN index
            parameters.append(index_tags(query.tags))
        if query.ids is not None:
            clauses.append("id = ANY(%s::text[])")
            parameters.append(list(query.ids))
        if not query.include_deleted:
            clauses.append("deleted_at IS NULL")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters

    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        """Stream matching assets in (provider, account, asset_type, id) order."""
        where, parameters = self._where(query)
        return self._stream(f"SELECT {ASSET_COLUMNS} FROM assets{where}"
                            f" ORDER BY {LISTING_ORDER} LIMIT %s OFFSET %s",
                            [*parameters, query.limit, query.offset], asset_from_row)

    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match (limit and offset ignored)."""
        where, parameters = self._where(query)
        return int(self._fetch(f"SELECT count(*) FROM assets{where}", parameters)[0][0])

    def get_asset(self, asset_id: str) -> Asset | None:
        """The live asset with this id, or None."""
        rows = self._fetch(f"SELECT {ASSET_COLUMNS} FROM assets"
                           " WHERE id = %s AND deleted_at IS NULL", (asset_id,))
        return asset_from_row(rows[0]) if rows else None

    def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships with a source or target among ``asset_ids``."""
        rows = self._fetch("SELECT source_id, type, target_id, properties FROM relationships"
                           " WHERE source_id = ANY(%s::text[]) OR target_id = ANY(%s::text[])",
                           (list(asset_ids), list(asset_ids)))
        return sorted((relationship_from_row(row) for row in rows), key=lambda r: r.key)

    def names_of(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """Names of live assets among ``asset_ids``, without reading their properties."""
        return dict(self._fetch(
            "SELECT id, name FROM assets WHERE id = ANY(%s::text[]) AND deleted_at IS NULL"
            " AND name IS NOT NULL AND name != ''", (list(asset_ids),)))

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every live relationship."""
        return self._stream("SELECT source_id, type, target_id, properties FROM relationships"
                            " ORDER BY source_id, type, target_id", (), relationship_from_row)

    def findings_of(self, asset_ids: Sequence[str]) -> list[Finding]:
        """Findings of these assets, most severe first."""
        rows = self._fetch(f"SELECT {FINDING_COLUMNS} FROM findings WHERE asset_id = ANY(%s)"
                           " ORDER BY severity_rank, asset_id, rule_id", (list(asset_ids),))
        return [finding_from_row(row) for row in rows]

    def iter_findings(self) -> Iterator[Finding]:
        """Every finding."""
        return self._stream(f"SELECT {FINDING_COLUMNS} FROM findings"
                            " ORDER BY severity_rank, asset_id, rule_id", (), finding_from_row)

    def replace_findings(self, query: AssetQuery, findings: Iterable[Finding]) -> int:
        """Replace the findings of the assets matching ``query``, in one transaction."""
        where, parameters = self._where(query.model_copy(update={"include_deleted": True}))

        def work(connection: psycopg.Connection[Any]) -> int:
            connection.execute(
                f"DELETE FROM findings WHERE asset_id IN (SELECT id FROM assets{where})"
                if where else "DELETE FROM findings", parameters)
            count = 0
            with connection.cursor() as cursor, cursor.copy(
                    "COPY findings (rule_id, asset_id, severity, severity_rank, title, detail,"
                    " remediation, evidence) FROM STDIN") as copy:
                for finding in findings:
                    copy.write_row((finding.rule_id, finding.asset_id, finding.severity.value,
                                    finding.severity.rank, finding.title, finding.detail,
                                    finding.remediation, dumps(finding.evidence)))
                    count += 1
            return count

        # Not retried: ``findings`` may be a stream that cannot be read twice.
        return self._transaction(work, retry=False)

    # Copying between stores ------------------------------------------------------------
    def iter_stored_assets(self) -> Iterator[StoredAsset]:
        """Every asset, removed ones included, with its scope key and removal time."""
        return self._stream(f"SELECT {ASSET_COLUMNS}, scope_key, deleted_at FROM assets"
                            " ORDER BY id", (), stored_asset_from_row)

    def iter_stored_relationships(self) -> Iterator[StoredRelationship]:
        """Every relationship with its scope key and last_seen."""
        return self._stream(
            "SELECT source_id, type, target_id, properties, scope_key, last_seen"
            " FROM relationships ORDER BY source_id, type, target_id", (),
            lambda row: StoredRelationship.model_construct(
                relationship=relationship_from_row(row), scope_key=row[4], last_seen=row[5]))

    def restore(self, assets: Sequence[StoredAsset] = (),
                relationships: Sequence[StoredRelationship] = (), scopes: Sequence[Scope] = (),
                runs: Sequence[CollectionRun] = ()) -> None:
        """Upsert records verbatim, timestamps included, in one transaction."""
        asset_rows = [asset_row(ordinal, stored.asset, stored)
                      for ordinal, stored in enumerate(assets)]
        edge_rows = [(ordinal, s.relationship.source_id, s.relationship.type,
                      s.relationship.target_id, dumps(s.relationship.properties), s.scope_key,
                      s.last_seen) for ordinal, s in enumerate(relationships)]

        def work(connection: psycopg.Connection[Any]) -> None:
            _copy_and_upsert(connection, asset_rows, edge_rows, RESTORE_ASSETS, None)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO scopes (scope_key, provider, account, region, service, status,"
                    " run_id, assets, error, started_at, finished_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (scope_key) DO UPDATE SET status = excluded.status,"
                    " run_id = excluded.run_id, assets = excluded.assets,"
                    " error = excluded.error, started_at = excluded.started_at,"
                    " finished_at = excluded.finished_at",
                    [(s.key.key, s.key.provider, s.key.account, s.key.region, s.key.service,
                      s.status.value, s.run_id, s.assets, s.error, s.started_at, s.finished_at)
                     for s in scopes])
                cursor.executemany(
                    "INSERT INTO runs (run_id, collector, status, started_at, finished_at,"
                    " assets, relationships, error, counters, server_started_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (run_id) DO UPDATE SET status = excluded.status,"
                    " finished_at = excluded.finished_at, assets = excluded.assets,"
                    " relationships = excluded.relationships, error = excluded.error,"
                    " counters = excluded.counters",
                    [(r.run_id, r.collector, r.status.value, r.started_at, r.finished_at,
                      r.assets, r.relationships, r.error, dumps(r.counters), r.started_at)
                     for r in runs])

        self._transaction(work)


def _create_staging(connection: psycopg.Connection[Any]) -> None:
    """Create this connection's staging tables (pool ``configure`` callback)."""
    with connection.transaction():
        for statement in schema_module.STAGING:
            connection.execute(statement)


def _copy_and_upsert(connection: psycopg.Connection[Any], asset_rows: list[tuple[Any, ...]],
                     edge_rows: list[tuple[Any, ...]], upsert_assets: str,
                     scope_key: str | None) -> None:
    with connection.cursor() as cursor:
        if asset_rows:
            with cursor.copy(f"COPY asset_stage ({STAGE_ASSET_COLUMNS}) FROM STDIN") as copy:
                for row in asset_rows:
                    copy.write_row(row)
            cursor.execute(upsert_assets, {"scope": scope_key})
        if edge_rows:
            with cursor.copy("COPY relationship_stage (ordinal, source_id, type, target_id,"
                             " properties, scope_key, last_seen) FROM STDIN") as copy:
                for row in edge_rows:
                    copy.write_row(row)
            cursor.execute(UPSERT_RELATIONSHIPS, {"scope": scope_key})
