"""The SQLite repository, the embedded default (``sqlite:///cloudscope.db``).

WAL journaling so that readers never block the writer; one ``BEGIN IMMEDIATE`` transaction
per batch, so that two ``collect`` processes on one file take turns instead of failing
half way, and a process killed mid-batch leaves the previous state intact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, unquote

from cloudscope.adapters import sqlite_schema
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeKey, ScopeStatus
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.timestamps import isoformat as stamp
from cloudscope.domain.timestamps import utc_now
from cloudscope.domain.trusted import construct_trusted
from cloudscope.ports.repository import Repository, StoredAsset, StoredRelationship

FETCH_SIZE: Final = 1000
# SQLite allows 32766 host parameters since 3.32; stay well below for IN (...) lists.
MAX_PARAMETERS: Final = 900
# Ids looked up per statement when a batch is written (passed as one JSON array).
MAX_BATCH_LOOKUP: Final = 10_000
ASSET_COLUMNS: Final = ("id, provider, asset_type, native_type, name, account, region, tags, "
                        "properties, first_seen, last_seen")
_INSERT_ASSET: Final = (
    f"INSERT INTO assets (number, {ASSET_COLUMNS}, scope_key, deleted_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " provider = excluded.provider, asset_type = excluded.asset_type,"
    " native_type = excluded.native_type, name = excluded.name, account = excluded.account,"
    " region = excluded.region, tags = excluded.tags, properties = excluded.properties,"
    " last_seen = excluded.last_seen, scope_key = excluded.scope_key,"
    " deleted_at = excluded.deleted_at, ")
UPSERT_SEEN: Final = _INSERT_ASSET + "first_seen = min(assets.first_seen, excluded.first_seen)"
"""Upsert of a collected asset: it is live again, and keeps the first time it was seen."""
UPSERT_VERBATIM: Final = _INSERT_ASSET + "first_seen = excluded.first_seen"
"""Upsert of a restored asset: every column as given."""


def parse_stamp(text: str | None) -> datetime | None:
    """The inverse of :func:`stamp`."""
    return datetime.fromisoformat(text) if text else None


def path_from_url(url: str) -> str:
    """``sqlite:///relative.db`` -> ``relative.db``; ``sqlite:////abs.db`` -> ``/abs.db``."""
    rest = url.split(":", 1)[1]
    if not rest.startswith("//"):
        raise StoreError(f"--db {url!r}: expected sqlite:///relative/path.db or "
                         "sqlite:////absolute/path.db")
    path = unquote(rest[2:].split("?", 1)[0])
    if path.startswith("/"):
        path = path[1:]
    if not path:
        raise StoreError(f"--db {url!r} names no file", hint="e.g. sqlite:///cloudscope.db")
    return path


class SQLiteRepository(Repository):
    """A CloudScope store in one SQLite file. Added in API 1.0.

    URL options: ``?timeout=SECONDS`` (how long a writer waits for another, default 30) and
    ``?mode=ro`` (open read-only: queries only, never a write).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_from_url(url)
        options = parse_qs(url.partition("?")[2])
        timeout = float(options.get("timeout", ["30"])[0])
        self.read_only = options.get("mode", [""])[0] == "ro"
        if self.path != ":memory:":
            parent = Path(self.path).resolve().parent
            if Path(self.path).is_dir():
                raise StoreError(f"--db {url!r}: {self.path} is a directory, expected a file")
            if not parent.is_dir():
                raise StoreError(f"--db {url!r}: directory {parent} does not exist")
        try:
            target = f"file:{self.path}?mode=ro" if self.read_only else self.path
            self._connection = sqlite3.connect(target, timeout=timeout, uri=self.read_only,
                                               isolation_level=None, check_same_thread=False)
            self._connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {self.path}: {error}") from None
        self._check_and_migrate()

    # Lifecycle -------------------------------------------------------------------------
    def _check_and_migrate(self) -> None:
        try:
            tables = {row[0] for row in self._connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a SQLite database ({error})",
                             hint="choose another --db") from None
        if tables and "cloudscope_meta" not in tables:
            shown = ", ".join(sorted(tables)[:5])
            raise StoreError(f"{self.path} is not a CloudScope database (it holds tables {shown})",
                             hint="choose another --db; nothing was changed")
        if self.read_only:
            if self.schema_version() != sqlite_schema.CURRENT_VERSION:
                raise StoreError(f"{self.path} needs migrating, which a read-only store cannot do",
                                 hint="run `cloudscope db migrate` without ?mode=ro")
            return
        try:
            if self._connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error) and "read-only" not in str(error):
                raise StoreError(f"{self.path}: {error}") from None
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.execute("PRAGMA foreign_keys = OFF")
        if self.schema_version() < sqlite_schema.CURRENT_VERSION:
            self.migrate()
        elif self.schema_version() > sqlite_schema.CURRENT_VERSION:
            raise StoreError(f"{self.path} has schema {self.schema_version()}, newer than this "
                             f"CloudScope supports ({sqlite_schema.CURRENT_VERSION})",
                             hint="upgrade cloudscope-core")

    def schema_version(self) -> int:
        """The schema version recorded in the file (0 for an empty file)."""
        try:
            row = self._connection.execute(
                "SELECT value FROM cloudscope_meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a SQLite database ({error})") from None
        return int(row[0]) if row else 0

    def migrate(self) -> int:
        """Apply every missing migration in one transaction; idempotent."""
        with self._transaction():
            current = self.schema_version()
            for version in sorted(v for v in sqlite_schema.MIGRATIONS if v > current):
                for statement in sqlite_schema.MIGRATIONS[version]:
                    self._connection.execute(statement)
                self._connection.executemany(
                    "INSERT OR REPLACE INTO cloudscope_meta (key, value) VALUES (?, ?)",
                    [("application", sqlite_schema.APPLICATION),
                     ("schema_version", str(version))])
        return self.schema_version()

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def execute_integrity_check(self) -> str:
        """SQLite's own consistency check: ``"ok"`` when the file is sound."""
        return str(self._connection.execute("PRAGMA integrity_check").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection
        try:
            # IMMEDIATE takes the write lock up front: a second writer waits (busy_timeout)
            # instead of failing when it tries to upgrade a read lock.
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._store_error(error) from None
        try:
            yield connection
        except BaseException as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._store_error(error) from None
            raise
        else:
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise self._store_error(error) from None

    def _store_error(self, error: sqlite3.Error) -> StoreError:
        text = str(error)
        if "locked" in text or "busy" in text:
            return StoreError(f"{self.path} is locked by another process ({text})",
                              hint="retry later, or raise ?timeout= in the --db URL")
        if "readonly" in text or "read-only" in text:
            return StoreError(f"{self.path} is read-only ({text})",
                              hint="use a writable --db")
        return StoreError(f"{self.path}: {text}")

    # Collection ------------------------------------------------------------------------
    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO runs (run_id, collector, status, started_at, assets, relationships,"
                " counters) VALUES (?, ?, ?, ?, 0, 0, '{}')",
                (run.run_id, run.collector, run.status.value, stamp(run.started_at)))

    def finish_run(self, run: CollectionRun) -> None:
        """Record the run's outcome."""
        with self._transaction() as connection:
            connection.execute(
                "UPDATE runs SET status = ?, finished_at = ?, assets = ?, relationships = ?,"
                " error = ?, counters = ? WHERE run_id = ?",
                (run.status.value, stamp(run.finished_at) if run.finished_at else None,
                 run.assets, run.relationships, run.error, dumps(run.counters), run.run_id))

    def start_scope(self, scope: ScopeKey, run_id: str, started_at: datetime) -> None:
        """Record that ``run_id`` starts ``scope``."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO scopes (scope_key, provider, account, region, service, status,"
                " run_id, assets, error, started_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, 'running', ?, 0, NULL, ?, NULL)"
                " ON CONFLICT (scope_key) DO UPDATE SET status = 'running',"
                " run_id = excluded.run_id, error = NULL, started_at = excluded.started_at,"
                " finished_at = NULL",
                (scope.key, scope.provider, scope.account, scope.region, scope.service, run_id,
                 stamp(started_at)))

    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        """Upsert a batch in one transaction."""
        seen = stamp(seen_at)
        key = scope.key
        rows = [
            (a.id, a.provider, a.asset_type, a.native_type, a.name, a.account, a.region,
             dumps(a.tags), dumps(a.properties), stamp(a.first_seen) if a.first_seen else seen,
             seen, key, None)
            for a in assets
        ]
        edge_rows = [(r.source_id, r.type, r.target_id, dumps(r.properties), key, seen)
                     for r in relationships]
        with self._transaction() as connection:
            _write_assets(connection, UPSERT_SEEN, rows, [a.tags for a in assets])
            connection.executemany(
                "INSERT INTO relationships (source_id, type, target_id, properties, scope_key,"
                " last_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, type, target_id)"
                " DO UPDATE SET properties = excluded.properties, scope_key = excluded.scope_key,"
                " last_seen = excluded.last_seen", edge_rows)

    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,
                       finished_at: datetime) -> int:
        """Mark the scope complete; remove what the run did not see."""
        with self._transaction() as connection:
            row = connection.execute("SELECT started_at FROM runs WHERE run_id = ?",
                                     (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"unknown run {run_id!r}")
            started = row[0]
            removed = connection.execute(
                "UPDATE assets SET deleted_at = ? WHERE scope_key = ? AND last_seen < ?"
                " AND deleted_at IS NULL", (stamp(finished_at), scope.key, started)).rowcount
            connection.execute("DELETE FROM relationships WHERE scope_key = ? AND last_seen < ?",
                               (scope.key, started))
            connection.execute(
                "UPDATE scopes SET status = 'complete', assets = ?, error = NULL, finished_at = ?"
                " WHERE scope_key = ? AND run_id = ?",
                (assets, stamp(finished_at), scope.key, run_id))
        return int(removed)

    def fail_scope(self, scope: ScopeKey, run_id: str, error: str, finished_at: datetime,
                   *, interrupted: bool = False) -> None:
        """Mark the scope failed; keep everything stored."""
        status = ScopeStatus.INTERRUPTED if interrupted else ScopeStatus.FAILED
        with self._transaction() as connection:
            connection.execute(
                "UPDATE scopes SET status = ?, error = ?, finished_at = ?"
                " WHERE scope_key = ? AND run_id = ?",
                (status.value, error, stamp(finished_at), scope.key, run_id))

    def list_scopes(self) -> list[Scope]:
        """Every scope and its last status."""
        rows = self._connection.execute(
            "SELECT provider, account, region, service, status, run_id, assets, error,"
            " started_at, finished_at FROM scopes ORDER BY scope_key").fetchall()
        return [Scope(key=ScopeKey(provider=r[0], account=r[1], region=r[2], service=r[3]),
                      status=ScopeStatus(r[4]), run_id=r[5], assets=r[6], error=r[7],
                      started_at=parse_stamp(r[8]), finished_at=parse_stamp(r[9])) for r in rows]

    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        """Runs, newest first."""
        rows = self._connection.execute(
            "SELECT run_id, collector, status, started_at, finished_at, assets, relationships,"
            " error, counters FROM runs ORDER BY started_at DESC LIMIT ?",
            (-1 if limit is None else limit,)).fetchall()
        return [CollectionRun(run_id=r[0], collector=r[1], status=RunStatus(r[2]),
                              started_at=datetime.fromisoformat(r[3]), finished_at=parse_stamp(r[4]),
                              assets=r[5], relationships=r[6], error=r[7],
                              counters=loads(r[8])) for r in rows]

    # Queries ---------------------------------------------------------------------------
    def _where(self, query: AssetQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        parameters: list[Any] = []
        for column in ("provider", "asset_type", "account", "region"):
            value = getattr(query, column)
            if value is not None:
                clauses.append(f"{column} = ?")
                parameters.append(value)
        for key, value in query.tags.items():
            clauses.append("number IN (SELECT asset FROM asset_tags WHERE key = ? AND value = ?)")
            parameters.extend((key, value))
        if query.ids is not None:
            clauses.append("id IN (SELECT value FROM json_each(?))")
            parameters.append(dumps(list(query.ids)))
        if not query.include_deleted:
            clauses.append("deleted_at IS NULL")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters

    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        """Stream matching assets in (provider, account, asset_type, id) order."""
        where, parameters = self._where(query)
        sql = (f"SELECT {ASSET_COLUMNS} FROM assets{where}"
               " ORDER BY provider, account, asset_type, id LIMIT ? OFFSET ?")
        parameters += [-1 if query.limit is None else query.limit, query.offset]
        # A cursor of its own: iteration may interleave with other calls on the connection.
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, parameters)
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield _asset_from_row(row)
        except sqlite3.Error as error:
            raise self._store_error(error) from None
        finally:
            cursor.close()

    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match (limit and offset ignored)."""
        where, parameters = self._where(query)
        return int(self._connection.execute(f"SELECT count(*) FROM assets{where}",
                                            parameters).fetchone()[0])

    def get_asset(self, asset_id: str) -> Asset | None:
        """The live asset with this id, or None."""
        row = self._connection.execute(
            f"SELECT {ASSET_COLUMNS} FROM assets WHERE id = ? AND deleted_at IS NULL",
            (asset_id,)).fetchone()
        return _asset_from_row(row) if row else None

    def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships with a source or target among ``asset_ids``."""
        found: dict[tuple[str, str, str], Relationship] = {}
        for chunk in _chunks(asset_ids, MAX_PARAMETERS):
            marks = ", ".join("?" * len(chunk))
            for row in self._connection.execute(
                    "SELECT source_id, type, target_id, properties FROM relationships"
                    f" WHERE source_id IN ({marks}) UNION"
                    " SELECT source_id, type, target_id, properties FROM relationships"
                    f" WHERE target_id IN ({marks})", [*chunk, *chunk]):
                relationship = _relationship_from_row(row)
                found[relationship.key] = relationship
        return sorted(found.values(), key=lambda r: r.key)

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every live relationship."""
        cursor = self._connection.cursor()
        try:
            cursor.execute("SELECT source_id, type, target_id, properties FROM relationships"
                           " ORDER BY source_id, type, target_id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from (_relationship_from_row(row) for row in rows)
        finally:
            cursor.close()

    def names_of(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """Names of live assets among ``asset_ids``, without reading their properties."""
        names: dict[str, str] = {}
        for chunk in _chunks(asset_ids, MAX_PARAMETERS):
            marks = ", ".join("?" * len(chunk))
            names.update(self._connection.execute(
                f"SELECT id, name FROM assets WHERE id IN ({marks}) AND deleted_at IS NULL"
                " AND name IS NOT NULL AND name != ''", chunk))
        return names

    def findings_of(self, asset_ids: Sequence[str]) -> list[Finding]:
        """Findings of these assets, most severe first."""
        findings: list[Finding] = []
        for chunk in _chunks(asset_ids, MAX_PARAMETERS):
            marks = ", ".join("?" * len(chunk))
            findings.extend(_finding_from_row(row) for row in self._connection.execute(
                "SELECT rule_id, asset_id, severity, title, detail, remediation, evidence"
                f" FROM findings WHERE asset_id IN ({marks})", chunk))
        return sorted(findings, key=lambda f: (f.severity.rank, f.asset_id, f.rule_id))

    def iter_findings(self) -> Iterator[Finding]:
        """Every finding."""
        cursor = self._connection.cursor()
        try:
            cursor.execute("SELECT rule_id, asset_id, severity, title, detail, remediation,"
                           " evidence FROM findings ORDER BY severity_rank, asset_id, rule_id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from (_finding_from_row(row) for row in rows)
        finally:
            cursor.close()

    def replace_findings(self, query: AssetQuery, findings: Iterable[Finding]) -> int:
        """Replace the findings of the assets matching ``query``, in one transaction."""
        where, parameters = self._where(query.model_copy(update={"include_deleted": True}))
        count = 0
        with self._transaction() as connection:
            connection.execute(
                f"DELETE FROM findings WHERE asset_id IN (SELECT id FROM assets{where})"
                if where else "DELETE FROM findings", parameters)
            batch: list[tuple[Any, ...]] = []
            for finding in findings:
                batch.append((finding.rule_id, finding.asset_id, finding.severity.value,
                              finding.severity.rank, finding.title, finding.detail,
                              finding.remediation, dumps(finding.evidence)))
                if len(batch) >= FETCH_SIZE:
                    count += self._insert_findings(connection, batch)
                    batch = []
            count += self._insert_findings(connection, batch)
        return count

    @staticmethod
    def _insert_findings(connection: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
        connection.executemany(
            "INSERT INTO findings (rule_id, asset_id, severity, severity_rank, title, detail,"
            " remediation, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        return len(batch)

    # Copying between stores ------------------------------------------------------------
    def iter_stored_assets(self) -> Iterator[StoredAsset]:
        """Every asset, removed ones included, with its scope key and removal time."""
        cursor = self._connection.cursor()
        try:
            cursor.execute(f"SELECT {ASSET_COLUMNS}, scope_key, deleted_at FROM assets ORDER BY id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield StoredAsset.model_construct(asset=_asset_from_row(row),
                                                      scope_key=row[11],
                                                      deleted_at=parse_stamp(row[12]))
        finally:
            cursor.close()

    def iter_stored_relationships(self) -> Iterator[StoredRelationship]:
        """Every relationship with its scope key and last_seen."""
        cursor = self._connection.cursor()
        try:
            cursor.execute("SELECT source_id, type, target_id, properties, scope_key, last_seen"
                           " FROM relationships ORDER BY source_id, type, target_id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield StoredRelationship.model_construct(
                        relationship=_relationship_from_row(row), scope_key=row[4],
                        last_seen=parse_stamp(row[5]))
        finally:
            cursor.close()

    def restore(self, assets: Sequence[StoredAsset] = (),
                relationships: Sequence[StoredRelationship] = (), scopes: Sequence[Scope] = (),
                runs: Sequence[CollectionRun] = ()) -> None:
        """Upsert records verbatim, timestamps included, in one transaction."""
        now = stamp(utc_now())
        asset_rows = [
            (s.asset.id, s.asset.provider, s.asset.asset_type, s.asset.native_type, s.asset.name,
             s.asset.account, s.asset.region, dumps(s.asset.tags), dumps(s.asset.properties),
             stamp(s.asset.first_seen) if s.asset.first_seen else now,
             stamp(s.asset.last_seen) if s.asset.last_seen else now, s.scope_key,
             stamp(s.deleted_at) if s.deleted_at else None)
            for s in assets
        ]
        with self._transaction() as connection:
            _write_assets(connection, UPSERT_VERBATIM, asset_rows,
                          [s.asset.tags for s in assets])
            connection.executemany(
                "INSERT OR REPLACE INTO relationships (source_id, type, target_id, properties,"
                " scope_key, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                [(s.relationship.source_id, s.relationship.type, s.relationship.target_id,
                  dumps(s.relationship.properties), s.scope_key, stamp(s.last_seen))
                 for s in relationships])
            connection.executemany(
                "INSERT OR REPLACE INTO scopes (scope_key, provider, account, region, service,"
                " status, run_id, assets, error, started_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(s.key.key, s.key.provider, s.key.account, s.key.region, s.key.service,
                  s.status.value, s.run_id, s.assets, s.error,
                  stamp(s.started_at) if s.started_at else None,
                  stamp(s.finished_at) if s.finished_at else None) for s in scopes])
            connection.executemany(
                "INSERT OR REPLACE INTO runs (run_id, collector, status, started_at, finished_at,"
                " assets, relationships, error, counters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.run_id, r.collector, r.status.value, stamp(r.started_at),
                  stamp(r.finished_at) if r.finished_at else None, r.assets, r.relationships,
                  r.error, dumps(r.counters)) for r in runs])


def _write_assets(connection: sqlite3.Connection, statement: str,
                  rows: Sequence[tuple[Any, ...]], tags: Sequence[dict[str, str]]) -> None:
    """Upsert asset rows (in ASSET_COLUMNS order, then scope_key and deleted_at) and keep
    ``asset_tags`` equal to their tags, inside the caller's transaction.

    One lookup per batch finds the assets already stored, their number and tags text. New
    assets take the next numbers (the write lock is held, so nobody else takes them); tag
    rows are written only for the difference between the stored tags and the batch's last
    tags of each asset: re-collecting an estate whose tags did not change writes none.
    """
    stored: dict[str, tuple[int, str]] = {}
    for chunk in _chunks([row[0] for row in rows], MAX_BATCH_LOOKUP):
        stored.update((asset_id, (number, text)) for asset_id, number, text in connection.execute(
            "SELECT id, number, tags FROM assets WHERE id IN (SELECT value FROM json_each(?))",
            (dumps(chunk),)))
    next_number = connection.execute("SELECT coalesce(max(number), 0) + 1 FROM assets"
                                     ).fetchone()[0]
    numbered: list[tuple[Any, ...]] = []
    before: dict[int, str | None] = {}  # tags text stored before this batch, by number
    after: dict[int, tuple[str, dict[str, str]]] = {}  # the batch's last tags, by number
    for row, asset_tags in zip(rows, tags, strict=True):
        known = stored.get(row[0])
        if known is None:
            number = next_number
            next_number += 1
            before[number] = None
            numbered.append((number, *row))
        else:
            # A NULL number never conflicts: the row conflicts on its id and is updated.
            number = known[0]
            before.setdefault(number, known[1])
            numbered.append((None, *row))
        stored[row[0]] = (number, row[7])
        after[number] = (row[7], asset_tags)
    removed: list[tuple[str, str, int]] = []
    added: list[tuple[str, str, int]] = []
    for number, (text, new) in after.items():
        old_text = before[number]
        if old_text is None:
            added.extend((name, value, number) for name, value in new.items())
        elif old_text != text:
            old = loads(old_text)
            removed.extend((name, value, number) for name, value in old.items() - new.items())
            added.extend((name, value, number) for name, value in new.items() - old.items())
    connection.executemany(statement, numbered)
    connection.executemany("DELETE FROM asset_tags WHERE key = ? AND value = ? AND asset = ?",
                           removed)
    connection.executemany("INSERT INTO asset_tags (key, value, asset) VALUES (?, ?, ?)", added)


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _asset_from_row(row: Sequence[Any]) -> Asset:
    # Rows were validated on the way in: construct without validating again.
    return construct_trusted(Asset, {
        "id": row[0], "provider": row[1], "asset_type": row[2], "native_type": row[3],
        "name": row[4], "account": row[5], "region": row[6], "tags": loads(row[7]),
        "properties": loads(row[8]), "first_seen": parse_stamp(row[9]),
        "last_seen": parse_stamp(row[10])})


def _relationship_from_row(row: Sequence[Any]) -> Relationship:
    return construct_trusted(Relationship, {"source_id": row[0], "type": row[1],
                                            "target_id": row[2], "properties": loads(row[3])})


def _finding_from_row(row: Sequence[Any]) -> Finding:
    return construct_trusted(Finding, {
        "rule_id": row[0], "asset_id": row[1], "severity": Severity(row[2]), "title": row[3],
        "detail": row[4], "remediation": row[5], "evidence": loads(row[6])})
