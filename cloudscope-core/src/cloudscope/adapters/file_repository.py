"""The file repository (``file:///path/to/dir``): the inventory as JSON Lines in a directory.

Meant for small estates (up to about 20,000 assets) kept under version control: every
file is sorted and has one record per line, so a commit shows exactly which assets
changed. Each write rewrites the files it changes atomically (see ``file_store``); the
whole store is held in memory while it is open. Use SQLite for anything larger.

Files: ``meta.json`` (application and schema version), ``assets.jsonl`` (removed assets
stay, with ``deleted_at``), ``relationships.jsonl``, ``findings.jsonl``, ``scopes.jsonl``,
``runs.jsonl`` (runs and scopes: :mod:`file_runs`), ``changes.jsonl`` (the change log:
:mod:`file_changes`; schema 2) and ``.cloudscope-runs/`` (the lock files of running runs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit

from cloudscope.adapters.file_changes import FileChangeLog, change_record
from cloudscope.adapters.file_runs import FileRunLog, run_record
from cloudscope.adapters.file_store import JOURNAL, LOCK, TEMPORARY, Directory, Table, encode
from cloudscope.adapters.store_url import timeout_option, url_path
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import ChangeKind
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery, asset_order
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, Scope, ScopeKey
from cloudscope.domain.timestamps import isoformat as stamp
from cloudscope.ports.repository import Repository, StoredAsset, StoredRelationship

APPLICATION: Final = "cloudscope"
SCHEMA_VERSION: Final = 2
META: Final = "meta.json"
ASSET_FIELDS: Final = tuple(Asset.model_fields)
# Files we write besides the tables; anything else in a directory without meta.json
# means it belongs to someone else. The commit that creates a store writes meta.json.tmp and
# commit.json(.tmp) first: another process starting on the same new directory at that moment
# must not take them for someone else's files (issue 12).
OWN_FILES: Final = frozenset({META, LOCK, ".gitignore", META + TEMPORARY, JOURNAL,
                              JOURNAL + TEMPORARY})
# Files a commit replaces besides the tables.
COMMITTED_FILES: Final = frozenset({META, ".gitignore"})


def directory_from_url(url: str) -> tuple[Path, dict[str, list[str]]]:
    """``file:///abs/dir`` or ``file:relative/dir`` -> the path and the URL's options."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise StoreError(f"--db {url!r}: file URLs name a local directory",
                         hint="file:///absolute/dir or file:relative/dir")
    path = url_path(url, parts.path)
    if not path:
        raise StoreError(f"--db {url!r} names no directory", hint="e.g. file:///srv/inventory")
    return Path(path), parse_qs(parts.query)


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _listing_key(record: dict[str, Any]) -> tuple[Any, ...]:
    return asset_order((record["provider"], record.get("account"), record["asset_type"],
                        record["id"]))


class FileRepository(FileChangeLog, FileRunLog, Repository):
    """A CloudScope store in a directory of JSON Lines files. Added in API 1.0.

    URL options: ``?timeout=SECONDS`` (how long a writer waits for another, default 30) and
    ``?mode=ro`` (queries only).
    """

    keyset_pagination: ClassVar[bool] = True
    covers_scopes: ClassVar[bool] = True

    @classmethod
    def exists(cls, url: str) -> bool | None:
        """Whether the URL's directory holds a store (its ``meta.json``)."""
        return (directory_from_url(url)[0] / META).is_file()

    def __init__(self, url: str) -> None:
        self.url = url
        path, options = directory_from_url(url)
        read_only = options.get("mode", [""])[0] == "ro"
        self.assets = Table(path, "assets.jsonl", lambda r: r["id"])
        self.relationships = Table(path, "relationships.jsonl",
                                   lambda r: (r["source_id"], r["type"], r["target_id"]))
        self.findings = Table(path, "findings.jsonl",
                              lambda r: (r["asset_id"], r["rule_id"], encode(r)))
        self.scopes = Table(path, "scopes.jsonl", lambda r: r["scope_key"])
        self.runs = Table(path, "runs.jsonl", lambda r: r["run_id"])
        self.changes = Table(path, "changes.jsonl", lambda r: r["id"])
        self._tables = (self.assets, self.relationships, self.findings, self.scopes, self.runs,
                        self.changes)
        # Recovery finishes or removes the temporary files of these names only.
        self.directory = Directory(path, timeout=timeout_option(url, options),
                                   read_only=read_only,
                                   names=COMMITTED_FILES | {t.name for t in self._tables})
        self.path = path
        self._check(path, create=not read_only)
        self.directory.open_lock()
        if self.schema_version() < SCHEMA_VERSION:
            self.migrate()
        elif self.schema_version() > SCHEMA_VERSION:
            raise StoreError(f"{path} has schema {self.schema_version()}, newer than this "
                             f"CloudScope supports ({SCHEMA_VERSION})",
                             hint="upgrade cloudscope-core")

    # Lifecycle -------------------------------------------------------------------------
    def _check(self, path: Path, *, create: bool) -> None:
        if path.exists() and not path.is_dir():
            raise StoreError(f"--db {self.url!r}: {path} is a file, expected a directory")
        if not path.exists():
            if not path.parent.is_dir():
                raise StoreError(f"--db {self.url!r}: directory {path.parent} does not exist")
            if not create:
                raise StoreError(f"--db {self.url!r}: {path} does not exist")
            try:
                path.mkdir()
            except FileExistsError:
                pass  # created at this moment by another process: check it as found
            except OSError as error:
                raise StoreError(f"cannot create {path}: {error.strerror}") from None
            else:
                return
        meta = self._read_meta()
        if meta is None:
            others = sorted(p.name for p in path.iterdir()
                            if p.name not in OWN_FILES and not p.name.startswith("."))
            if others:
                raise StoreError(f"{path} is not a CloudScope store (it holds {', '.join(others[:5])}"
                                 f"{' ...' if len(others) > 5 else ''} and no {META})",
                                 hint="choose an empty or new directory; nothing was changed")
        elif meta.get("application") != APPLICATION:
            raise StoreError(f"{path} is not a CloudScope store ({META} belongs to "
                             f"{meta.get('application')!r})", hint="choose another --db")

    def _read_meta(self) -> dict[str, Any] | None:
        try:
            meta = json.loads((self.path / META).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StoreError(f"{self.path / META} is unreadable ({error})") from None
        return meta if isinstance(meta, dict) else {}

    def schema_version(self) -> int:
        """The schema version in ``meta.json`` (0 for a new directory)."""
        meta = self._read_meta()
        return int(meta.get("schema_version", 0)) if meta else 0

    def migrate(self) -> int:
        """Write ``meta.json`` (and a ``.gitignore`` for the lock and temporary files)."""
        with self._writing():
            if self.schema_version() < SCHEMA_VERSION:
                meta = {"application": APPLICATION, "schema_version": SCHEMA_VERSION,
                        "format": "one JSON object per line, keys and lines sorted"}
                self.directory.commit({
                    META: (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode(),
                    ".gitignore": f"{LOCK}\n*.tmp\ncommit.json\n".encode()})
        return self.schema_version()

    def close(self) -> None:
        """Release the lock file and the locks of runs this process did not finish."""
        self.run_locks.release_all()
        self.directory.close()

    def local_paths(self) -> tuple[Path, ...]:
        """The store's directory: nothing may be written inside it but by the store."""
        return (self.path.absolute(),)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        if self.directory.needs_recovery():
            with self.directory.locked(exclusive=True):
                self.directory.recover()
        with self.directory.locked(exclusive=False):
            for table in self._tables:
                table.refresh()
            yield

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction: every table changed in it is committed together, or none."""
        if self.directory.read_only:
            raise StoreError(f"{self.path} is read-only", hint="use a writable --db")
        with self.directory.locked(exclusive=True):
            self.directory.recover()
            for table in self._tables:
                table.refresh()
            try:
                yield
                changed = [table for table in self._tables if table.dirty]
                if changed:
                    self.directory.commit({table.name: table.content() for table in changed})
                    for table in changed:
                        table.written()
            except BaseException:
                for table in self._tables:
                    table.forget()
                raise

    # Collection (runs and scopes: file_runs) -------------------------------------------
    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        """Upsert a batch in one atomic commit."""
        seen = stamp(seen_at)
        log: list[dict[str, Any]] = []
        with self._writing():
            for asset in assets:
                stored = self.assets.records.get(asset.id)
                first = stamp(asset.first_seen) if asset.first_seen else seen
                if stored is not None:
                    first = min(first, stored["first_seen"])
                self.assets.put({**asset.model_dump(exclude={"first_seen", "last_seen"}),
                                 "first_seen": first, "last_seen": seen,
                                 "scope_key": scope.key, "deleted_at": None})
                self._log_asset(log, run_id, seen, stored, self.assets.records[asset.id])
            added = {entry["asset_id"] for entry in log if entry["change"] == ChangeKind.ADDED}
            for relationship in relationships:
                if relationship.key not in self.relationships.records:
                    self._log_edge(log, run_id, seen, relationship, ChangeKind.RELATIONSHIP_ADDED,
                                   whole=added)
                self.relationships.put({**relationship.model_dump(), "scope_key": scope.key,
                                        "last_seen": seen})
            self._append(log)

    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,
                       finished_at: datetime, covered: Sequence[ScopeKey] = ()) -> int:
        """Mark the scope complete; remove what the run did not see, in it and in the
        scopes it covers."""
        finished = stamp(finished_at)
        keys = {scope.key, *(key.key for key in covered)}
        with self._writing():
            run = self.runs.records.get(run_id)
            if run is None:
                raise StoreError(f"unknown run {run_id!r}")
            started = run["started_at"]
            removed = 0
            log: list[dict[str, Any]] = []
            tracked = self._is_tracked(run_id)
            for key in sorted(self.assets.records):
                record = self.assets.records[key]
                if record["scope_key"] in keys and record["last_seen"] < started \
                        and record["deleted_at"] is None:
                    if tracked:
                        log.append(change_record(run_id, finished, ChangeKind.REMOVED, key,
                                                 record))
                    self.assets.put({**record, "deleted_at": finished})
                    removed += 1
            gone = {entry["asset_id"] for entry in log}
            for key in sorted(self.relationships.records):
                record = self.relationships.records[key]
                if record["scope_key"] in keys and record["last_seen"] < started:
                    self._log_edge(log, run_id, finished, _relationship(record),
                                   ChangeKind.RELATIONSHIP_REMOVED, whole=gone)
                    self.relationships.delete(key)
            self._append(log)
            self._update_scope(scope, run_id, status="complete", assets=assets, error=None,
                               finished_at=finished)
        return removed

    # Queries ---------------------------------------------------------------------------
    def _matching(self, query: AssetQuery) -> list[dict[str, Any]]:
        wanted = set(query.ids) if query.ids is not None else None
        after = asset_order(query.after) if query.after is not None else None
        selected = [
            record for record in self.assets.records.values()
            if (query.include_deleted or record["deleted_at"] is None)
            and (wanted is None or record["id"] in wanted)
            and all(query_value is None or record[field] == query_value
                    for field, query_value in (("provider", query.provider),
                                               ("asset_type", query.asset_type),
                                               ("account", query.account),
                                               ("region", query.region)))
            and all(record["tags"].get(key) == value for key, value in query.tags.items())
            and (after is None or _listing_key(record) > after)
        ]
        return sorted(selected, key=_listing_key)

    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        """Matching assets in (provider, account, asset_type, id) order."""
        with self._reading():
            records = self._matching(query)
        end = None if query.limit is None else query.offset + query.limit
        for record in records[query.offset:end]:
            yield _asset(record)

    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match (limit and offset ignored)."""
        with self._reading():
            return len(self._matching(query))

    def get_asset(self, asset_id: str) -> Asset | None:
        """The live asset with this id, or None."""
        with self._reading():
            record = self.assets.records.get(asset_id)
        return _asset(record) if record is not None and record["deleted_at"] is None else None

    def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships with a source or target among ``asset_ids``."""
        wanted = set(asset_ids)
        with self._reading():
            found = [record for key, record in sorted(self.relationships.records.items())
                     if key[0] in wanted or key[2] in wanted]
        return [_relationship(record) for record in found]

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every live relationship, ordered by (source, type, target)."""
        with self._reading():
            found = [self.relationships.records[key] for key in sorted(self.relationships.records)]
        yield from (_relationship(record) for record in found)

    def findings_of(self, asset_ids: Sequence[str]) -> list[Finding]:
        """Findings of these assets, most severe first."""
        wanted = set(asset_ids)
        with self._reading():
            found = [_finding(r) for r in self.findings.records.values() if r["asset_id"] in wanted]
        return sorted(found, key=lambda f: (f.severity.rank, f.asset_id, f.rule_id))

    def iter_findings(self) -> Iterator[Finding]:
        """Every finding, most severe first."""
        with self._reading():
            found = [_finding(r) for r in self.findings.records.values()]
        yield from sorted(found, key=lambda f: (f.severity.rank, f.asset_id, f.rule_id))

    def replace_findings(self, query: AssetQuery, findings: Iterable[Finding]) -> int:
        """Replace the findings of the assets matching ``query``, in one commit."""
        filters = query.model_copy(update={"include_deleted": True, "limit": None, "offset": 0})
        count = 0
        with self._writing():
            if filters.describe() == {"include_deleted": True}:
                replaced = None  # no filter: every finding is replaced, as in SQLite
            else:
                replaced = {record["id"] for record in self._matching(filters)}
            for key, record in list(self.findings.records.items()):
                if replaced is None or record["asset_id"] in replaced:
                    self.findings.delete(key)
            for finding in findings:
                self.findings.put(finding.model_dump(mode="json"))
                count += 1
        return count

    # Copying between stores ------------------------------------------------------------
    def iter_stored_assets(self) -> Iterator[StoredAsset]:
        """Every asset, removed ones included, with its scope key and removal time."""
        with self._reading():
            records = [self.assets.records[key] for key in sorted(self.assets.records)]
        for record in records:
            # Not validated, as the other stores read them: db copy validates what it copies.
            yield StoredAsset.model_construct(asset=_asset(record), scope_key=record["scope_key"],
                                              deleted_at=_parse(record["deleted_at"]))

    def iter_stored_relationships(self) -> Iterator[StoredRelationship]:
        """Every relationship with its scope key and last_seen."""
        with self._reading():
            records = [self.relationships.records[k] for k in sorted(self.relationships.records)]
        for record in records:
            yield StoredRelationship.model_construct(
                relationship=_relationship(record), scope_key=record["scope_key"],
                last_seen=datetime.fromisoformat(record["last_seen"]))

    def restore(self, assets: Sequence[StoredAsset] = (),
                relationships: Sequence[StoredRelationship] = (), scopes: Sequence[Scope] = (),
                runs: Sequence[CollectionRun] = ()) -> None:
        """Upsert records verbatim, timestamps included, in one commit."""
        now = stamp(datetime.now().astimezone())
        with self._writing():
            for stored in assets:
                asset = stored.asset
                self.assets.put({
                    **asset.model_dump(exclude={"first_seen", "last_seen"}),
                    "first_seen": stamp(asset.first_seen) if asset.first_seen else now,
                    "last_seen": stamp(asset.last_seen) if asset.last_seen else now,
                    "scope_key": stored.scope_key,
                    "deleted_at": stamp(stored.deleted_at) if stored.deleted_at else None})
            for edge in relationships:
                self.relationships.put({**edge.relationship.model_dump(),
                                        "scope_key": edge.scope_key,
                                        "last_seen": stamp(edge.last_seen)})
            for scope in scopes:
                self.scopes.put({**scope.key.model_dump(), "scope_key": scope.key.key,
                                 "status": scope.status.value, "run_id": scope.run_id,
                                 "assets": scope.assets, "error": scope.error,
                                 "started_at": stamp(scope.started_at) if scope.started_at
                                 else None,
                                 "finished_at": stamp(scope.finished_at) if scope.finished_at
                                 else None})
            for run in runs:
                self.runs.put(run_record(run))


def _asset(record: dict[str, Any]) -> Asset:
    # Records were validated on the way in: construct without validating again.
    return Asset.model_construct(**{name: record.get(name) for name in ASSET_FIELDS
                                    if name not in ("first_seen", "last_seen")},
                                 first_seen=_parse(record["first_seen"]),
                                 last_seen=_parse(record["last_seen"]))


def _relationship(record: dict[str, Any]) -> Relationship:
    return Relationship.model_construct(source_id=record["source_id"], type=record["type"],
                                        target_id=record["target_id"],
                                        properties=record["properties"])


def _finding(record: dict[str, Any]) -> Finding:
    return Finding.model_construct(**{**record, "severity": Severity(record["severity"])})
