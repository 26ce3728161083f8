"""The repository port: where assets, relationships, findings, scopes and runs are stored."""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Final

from pydantic import BaseModel, Field

from cloudscope.domain.asset import Asset, AssetJson
from cloudscope.domain.change import Change, ChangeQuery
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery, FindingQuery, finding_key
from cloudscope.domain.redaction import redact_asset, redact_finding, redact_relationship
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeKey, ScopeStatus
from cloudscope.domain.timestamps import UtcDatetime, utc_now
from cloudscope.ports.rule import DETECTED_BY

HEARTBEAT_INTERVAL_S: Final = 30.0
"""The owner of a running run calls :meth:`Repository.heartbeat` at least this often (in
seconds). Added in API 1.1."""
_LOOKUP_CHUNK: Final = 2000


class AssetDetail(BaseModel):
    """An asset with its relationships (both directions) and findings. Added in API 1.0."""

    asset: Asset
    relationships: list[Relationship] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    def redacted(self) -> AssetDetail:
        """A copy with secrets redacted in the asset, its relationships and its findings, as
        ``assets show`` prints it and ``serve`` answers it. Added in API 1.1."""
        return self.model_copy(update={
            "asset": redact_asset(self.asset),
            "relationships": [redact_relationship(r) for r in self.relationships],
            "findings": [redact_finding(f) for f in self.findings]})


class StoredAsset(BaseModel):
    """An asset as stored, with what only the store knows: the key of the scope that last
    saw it and when staleness removed it (None while live). Used by ``db copy``.
    Added in API 1.0."""

    asset: Asset
    scope_key: str
    deleted_at: UtcDatetime | None = None


class StoredRelationship(BaseModel):
    """A relationship as stored, with the key of the scope that last saw it and when.
    Used by ``db copy``. Added in API 1.0."""

    relationship: Relationship
    scope_key: str
    last_seen: UtcDatetime


class RunLiveness(BaseModel):
    """A run recorded as running, with what the store knows of its process. Added in API 1.1.

    ``heartbeat_age_s``: seconds since the run's last heartbeat (or its start, when it never
    sent one), by the store's clock; None when the store cannot tell. ``alive``: the store's
    own proof, from a lock that lives and dies with the run's process: True when the lock is
    held, False when it was released (the process is gone), None when the store has no such
    lock for this run or its answer is no proof.
    """

    run: CollectionRun
    heartbeat_age_s: float | None = None
    alive: bool | None = None


class Repository(ABC):
    """A store of the inventory. Added in API 1.0.

    Contract (checked by ``cloudscope.testing``'s repository contract suite):

    - it migrates itself on first use; :meth:`migrate` is idempotent; a store of another
      application is refused with a :class:`StoreError`, unchanged;
    - :meth:`write_batch` is one transaction: after a crash, either all of a batch is
      stored or none of it;
    - :meth:`complete_scope` removes from every query the scope's assets and relationships
      not written in that run (staleness), and those of the scopes it covers; a failed
      scope keeps everything;
    - queries stream: memory does not grow with the size of the store;
    - relationships whose target is not stored yet are kept, and resolve when it arrives.
    """

    url: str
    #: True when :meth:`iter_assets` honours ``AssetQuery.after`` (keyset pagination).
    #: A repository written for API 1.0 leaves it False, and ``serve`` then skips to the
    #: cursor itself, reading from the start. Added in API 1.1.
    keyset_pagination: ClassVar[bool] = False
    #: True when :meth:`complete_scope` takes ``covered`` (the scopes a completed scope
    #: covers, :meth:`Collector.covers`). A repository written for API 1.0 leaves it False:
    #: the core then never passes ``covered``, and covered scopes keep what they hold until
    #: a collection of their own completes. Added in API 1.1.
    covers_scopes: ClassVar[bool] = False

    # Lifecycle -------------------------------------------------------------------------
    @classmethod
    def exists(cls, url: str) -> bool | None:
        """Whether a store exists at ``url``, told without opening (or creating) it; None,
        the default, when that cannot be told without connecting (a server). Commands that
        only read refuse a store that does not exist instead of creating an empty one.
        Added in API 1.1."""
        return None

    @abstractmethod
    def migrate(self) -> int:
        """Bring the schema to the current version; return it. Idempotent."""

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version recorded in the store."""

    def close(self) -> None:
        """Release connections."""

    def local_paths(self) -> tuple[Path, ...]:
        """The files and directories on this machine that hold the store (a SQLite file with
        its ``-wal``, ``-shm`` and ``-journal``; a file store's directory), so that no
        command writes an output over them. Empty, the default, for a store on a server.
        Added in API 1.1."""
        return ()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # Collection ------------------------------------------------------------------------
    @abstractmethod
    def start_run(self, run: CollectionRun) -> None:
        """Record a run that starts."""

    @abstractmethod
    def finish_run(self, run: CollectionRun) -> None:
        """Record a run's final status, counts and finish time."""

    @abstractmethod
    def start_scope(self, scope: ScopeKey, run_id: str, started_at: datetime) -> None:
        """Record that ``run_id`` starts collecting ``scope`` (status ``running``)."""

    @abstractmethod
    def write_batch(self, scope: ScopeKey, run_id: str, assets: Sequence[Asset],
                    relationships: Sequence[Relationship], seen_at: datetime) -> None:
        """Upsert assets and relationships seen in ``scope`` by ``run_id``, in one transaction.

        ``last_seen`` becomes ``seen_at``; ``first_seen`` is kept from the stored asset or
        set to ``seen_at``. An asset that had been removed as stale comes back.
        """

    def write_detected(self, scope: ScopeKey, run_id: str,
                       relationships: Sequence[Relationship], seen_at: datetime) -> int:
        """Write relationships a detection rule found (:meth:`write_batch`, one key each),
        but those whose key a collector stored: a stored edge without a ``detected_by``
        property is the collector's to keep and remove. Returns how many were written.

        The default looks the stored edges of the sources up; a store can leave them alone
        in its upsert instead. Added in API 1.1.
        """
        wanted = {r.key: r for r in relationships}
        sources = sorted({r.source_id for r in relationships})
        for start in range(0, len(sources), _LOOKUP_CHUNK):
            for existing in self.relationships_of(sources[start:start + _LOOKUP_CHUNK]):
                if existing.key in wanted and DETECTED_BY not in existing.properties:
                    del wanted[existing.key]
        if wanted:
            self.write_batch(scope, run_id, [], list(wanted.values()), seen_at)
        return len(wanted)

    @abstractmethod
    def complete_scope(self, scope: ScopeKey, run_id: str, assets: int,
                       finished_at: datetime, covered: Sequence[ScopeKey] = ()) -> int:
        """Mark ``scope`` complete and apply staleness; return how many assets were removed.

        ``covered`` (only when :attr:`covers_scopes` is True; added in API 1.1): stored
        scopes that ``scope`` covers. Staleness applies to them too, in the same
        transaction: their assets and relationships not written by ``run_id`` are removed
        (and logged ``removed`` for a tracked run) like ``scope``'s own; the count includes
        them. Their own scope records are left as they are.
        """

    @abstractmethod
    def fail_scope(self, scope: ScopeKey, run_id: str, error: str, finished_at: datetime,
                   *, interrupted: bool = False) -> None:
        """Mark ``scope`` failed (or interrupted); nothing stored is removed."""

    @abstractmethod
    def list_scopes(self) -> list[Scope]:
        """Every scope with the status of its last collection."""

    @abstractmethod
    def list_runs(self, limit: int | None = None) -> list[CollectionRun]:
        """Collection runs, newest first."""

    # Liveness of runs (API 1.1; the defaults keep API 1.0 repositories working) ---------
    def heartbeat(self, run_id: str) -> None:
        """Record that the process of the running run ``run_id`` is alive: its heartbeat
        time becomes now. Called at least every :data:`HEARTBEAT_INTERVAL_S` while the run
        runs. Added in API 1.1; the default keeps no heartbeat, so such a store can tell an
        abandoned run only by its owner (a process gone on the same host)."""

    def running_runs(self) -> list[RunLiveness]:
        """The runs recorded as running, with the evidence of their liveness. Added in API
        1.1; the default reads :meth:`list_runs` and offers no lock, and a heartbeat age only
        when the store kept ``heartbeat_at``."""
        now = utc_now()
        return [RunLiveness(run=run, heartbeat_age_s=(now - run.heartbeat_at).total_seconds()
                            if run.heartbeat_at else None)
                for run in self.list_runs() if run.status is RunStatus.RUNNING]

    def interrupt_run(self, run_id: str, error: str, finished_at: datetime) -> bool:
        """Mark the run ``run_id`` interrupted, with ``error``, if it is still running, and
        its scopes that are still running; return False (changing nothing) when it is not
        running any more. A repository should do this in one transaction, conditional on
        the status, as its owner may finish it at the same moment. Added in API 1.1; the
        default uses :meth:`list_runs`, :meth:`list_scopes`, :meth:`fail_scope` and
        :meth:`finish_run`."""
        run = next((r for r in self.list_runs() if r.run_id == run_id), None)
        if run is None or run.status is not RunStatus.RUNNING:
            return False
        for scope in self.list_scopes():
            if scope.run_id == run_id and scope.status is ScopeStatus.RUNNING:
                self.fail_scope(scope.key, run_id, error, finished_at, interrupted=True)
        self.finish_run(run.model_copy(update={"status": RunStatus.INTERRUPTED,
                                               "finished_at": finished_at, "error": error}))
        return True

    # Queries ---------------------------------------------------------------------------
    @abstractmethod
    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        """Assets matching ``query``, ordered by (provider, account, asset_type, id), streamed."""

    def iter_asset_json(self, query: AssetQuery) -> Iterator[AssetJson]:
        """What :meth:`iter_assets` yields, in the same order, as JSON pieces (``serve``
        answers pages from them without building models). The default builds them from
        :meth:`iter_assets`; a store that holds JSON text can hand it over as it is. Added
        in API 1.1."""
        return map(AssetJson.of, self.iter_assets(query))

    @abstractmethod
    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match ``query`` (ignoring its limit and offset)."""

    @abstractmethod
    def get_asset(self, asset_id: str) -> Asset | None:
        """The asset with ``asset_id``, or None (a removed asset is None)."""

    @abstractmethod
    def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Live relationships with a source or a target among ``asset_ids``."""

    def relationships_from(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Live relationships whose source is among ``asset_ids`` (self-loops included), in
        (source, type, target) order. Exports read these for every record, and the incoming
        ones (:meth:`relationships_to`) only when an exporter reads them. Added in API 1.1;
        this default filters :meth:`relationships_of`, and a store that keeps it is read in
        both directions at once, as before; a store should override both with queries."""
        wanted = set(asset_ids)
        return [r for r in self.relationships_of(asset_ids) if r.source_id in wanted]

    def relationships_to(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Live relationships whose target is among ``asset_ids`` and whose source is not
        their target (a self-loop is its source's, :meth:`relationships_from`), in (source,
        type, target) order. Added in API 1.1; this default filters :meth:`relationships_of`."""
        wanted = set(asset_ids)
        return [r for r in self.relationships_of(asset_ids)
                if r.target_id in wanted and r.source_id != r.target_id]

    @property
    def reads_relationships_by_direction(self) -> bool:
        """Whether :meth:`relationships_from` and :meth:`relationships_to` are the store's
        own queries (each read costs half of :meth:`relationships_of`) rather than this
        port's defaults (each costs all of it)."""
        cls = type(self)
        return cls.relationships_from is not Repository.relationships_from \
            and cls.relationships_to is not Repository.relationships_to

    @abstractmethod
    def iter_relationships(self) -> Iterator[Relationship]:
        """Every live relationship, streamed."""

    @abstractmethod
    def findings_of(self, asset_ids: Sequence[str]) -> list[Finding]:
        """Findings of the given assets, most severe first."""

    @abstractmethod
    def iter_findings(self) -> Iterator[Finding]:
        """Every finding, streamed."""

    @abstractmethod
    def replace_findings(self, query: AssetQuery, findings: Iterable[Finding]) -> int:
        """Replace the findings of the assets matching ``query`` with ``findings`` (one
        transaction); return how many were stored."""

    def names_of(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """The names of the live assets among ``asset_ids`` that have one, by id.

        Exports name the other end of each relationship with it. This default reads the
        assets; a repository should override it with a query that reads only names.
        Added in API 1.0.
        """
        names: dict[str, str] = {}
        for start in range(0, len(asset_ids), 500):
            query = AssetQuery(ids=tuple(asset_ids[start:start + 500]))
            names.update((a.id, a.name) for a in self.iter_assets(query) if a.name)
        return names

    def query_findings(self, query: FindingQuery) -> Iterator[Finding]:
        """Findings matching ``query``, most severe first, then by asset id and rule id
        (the order of :meth:`iter_findings`), streamed. Added in API 1.1.

        This default filters :meth:`iter_findings`, looking the providers of the findings'
        assets up in chunks; a repository should override it with a query of its own.
        """
        severities = frozenset(query.severities) if query.severities is not None else None
        findings = (f for f in self.iter_findings()
                    if (severities is None or f.severity in severities)
                    and (query.rule_id is None or f.rule_id == query.rule_id)
                    and (query.after is None or finding_key(f) > query.after))
        if query.provider is None:
            yield from findings
            return
        while chunk := list(itertools.islice(findings, 500)):
            wanted = tuple({f.asset_id for f in chunk})
            providers = {a.id: a.provider for a in self.iter_assets(
                AssetQuery(ids=wanted, include_deleted=True))}
            yield from (f for f in chunk if providers.get(f.asset_id) == query.provider)

    def count_assets_by_type(self) -> dict[tuple[str, str], int]:
        """How many live assets each (provider, asset_type) has, for metrics. This default
        reads every asset; a repository should override it with a query that counts.
        Added in API 1.1."""
        return dict(Counter((a.provider, a.asset_type) for a in self.iter_assets(AssetQuery())))

    def get_detail(self, asset_id: str) -> AssetDetail | None:
        """The asset with its relationships and findings, or None."""
        asset = self.get_asset(asset_id)
        if asset is None:
            return None
        # Not validated again: the parts were validated when they were stored (building the
        # model would run their checks once more, and fail on a record edited by hand).
        return AssetDetail.model_construct(asset=asset,
                                           relationships=self.relationships_of([asset_id]),
                                           findings=self.findings_of([asset_id]))

    # Copying between stores (``cloudscope db copy``) -------------------------------------
    def iter_stored_assets(self) -> Iterator[StoredAsset]:
        """Every asset, removed ones included, with its scope and removal time, streamed.
        Added in API 1.0; a store that cannot be copied keeps this default."""
        raise StoreError(f"{type(self).__name__} cannot be copied from",
                         hint="it does not implement iter_stored_assets")

    def iter_stored_relationships(self) -> Iterator[StoredRelationship]:
        """Every relationship with its scope and last_seen, streamed. Added in API 1.0."""
        raise StoreError(f"{type(self).__name__} cannot be copied from",
                         hint="it does not implement iter_stored_relationships")

    def restore(self, assets: Sequence[StoredAsset] = (),
                relationships: Sequence[StoredRelationship] = (), scopes: Sequence[Scope] = (),
                runs: Sequence[CollectionRun] = ()) -> None:
        """Upsert records exactly as given (timestamps, scope keys, removal times included),
        in one transaction; no staleness is applied. Added in API 1.0."""
        raise StoreError(f"{type(self).__name__} cannot be copied into",
                         hint="it does not implement restore")

    # Change log (API 1.1; the defaults keep none, and ``cloudscope changes`` says so) -----
    def has_change_log(self) -> bool:
        """Whether this store keeps a change log, so that :meth:`track_changes`,
        :meth:`record_changes`, :meth:`iter_changes`, :meth:`prune` and
        :meth:`restore_changes` work. Added in API 1.1; the default is False."""
        return False

    def track_changes(self, run_id: str, volatile_fields: Mapping[str, Sequence[str]]) -> None:
        """Log what the collection run ``run_id`` changes through this object, from now on:
        :meth:`write_batch` records assets ``added`` (new, or back after removal),
        ``modified`` (with their changed fields, computed by
        :class:`cloudscope.domain.change_diff.AssetDiffer`) and relationships added;
        :meth:`complete_scope` records what staleness removes. ``volatile_fields`` holds,
        by asset type, the paths under ``properties`` that never count as changes. Each
        batch's changes are written in the batch's transaction. Called by the collect use
        case after :meth:`start_run`. Added in API 1.1; the default logs nothing."""

    def record_changes(self, changes: Sequence[Change]) -> list[int]:
        """Append ``changes`` (an assessment's finding changes) in one transaction; return
        the ids given to them, in order. Added in API 1.1."""
        raise change_log_missing(self)

    def iter_changes(self, query: ChangeQuery) -> Iterator[Change]:
        """The changes matching ``query``, in the order they were recorded, streamed.
        Added in API 1.1."""
        raise change_log_missing(self)

    def prune(self, before: datetime) -> dict[str, int]:
        """Delete the history older than ``before``: changes recorded and assets removed
        (with their findings) before it, in one transaction; return how many of each
        (``{"changes": N, "assets": N}``). Added in API 1.1."""
        raise change_log_missing(self)

    def restore_changes(self, changes: Sequence[Change]) -> None:
        """Upsert changes exactly as given, ids included, in one transaction (``db copy``).
        Added in API 1.1."""
        raise change_log_missing(self)


def change_log_missing(repository: Repository) -> StoreError:
    """The one-line error (exit 2) for a store that keeps no change log. Added in API 1.1."""
    return StoreError(f"this store ({type(repository).__name__}) keeps no change log",
                      hint="change tracking needs a sqlite://, postgresql:// or file:// "
                           "store, or a repository plugin that keeps one (API 1.1)")
