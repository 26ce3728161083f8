"""The collector port: a source of assets and relationships, scope by scope."""

from __future__ import annotations

import argparse
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from cloudscope.domain.asset import Asset
from cloudscope.domain.checks import Check
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import ScopeKey
from cloudscope.ports.rate_limit import Limiter

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)


class Cancellation(threading.Event):
    """``ctx.cancelled``: a ``threading.Event`` that is also true exactly when it is set.

    A plain Event is always truthy, so ``if ctx.cancelled:`` would stop every scope at once
    and complete it empty (deleting its assets as stale); this one reads either way.
    Added in API 1.0 (as a plain Event; truthiness since 1.0.1 of the core).
    """

    def __bool__(self) -> bool:
        return self.is_set()


class CollectContext:
    """What the core hands a collector. Added in API 1.0.

    - ``limiter``: the plugin's rate limiter; take a token per outgoing API request
      (``ctx.limiter.acquire(scope="ec2")``).
    - ``settings(model)``: the plugin's configuration section validated by a pydantic model,
      environment overrides (``CLOUDSCOPE_<PLUGIN>_<KEY>``) applied.
    - ``count(name)``: a counter shown in the run summary (``throttled``, ``retries``).
    - ``cancelled``: set when the user interrupts the run; long loops should check it
      (``if ctx.cancelled:`` or ``ctx.cancelled.is_set()``; ``ctx.cancelled.wait(s)`` sleeps).
    - ``log``: a structured logger (key/value pairs; secrets redacted).
    - ``sharded``: True when this process collects one shard of the plan (``--shard I/N``,
      N > 1), set before :meth:`Collector.plan`. A collector that could serve several
      scopes from one wider listing lists each scope alone instead, so that a shard's work
      and API calls stay its own. Added in API 1.1.
    """

    def __init__(self, plugin: str, *, limiter: Limiter, config: Mapping[str, Any],
                 log: Any, settings_loader: Any = None) -> None:
        self.plugin = plugin
        self.limiter = limiter
        self.config = config
        self.log = log
        self.cancelled = Cancellation()
        self.sharded = False
        self._settings_loader = settings_loader
        self._counters: Counter[str] = Counter()
        self._lock = threading.Lock()

    def settings(self, model: type[SettingsModel]) -> SettingsModel:
        """The plugin's config section (``<plugin>:`` in the file) validated by ``model``."""
        if self._settings_loader is None:
            return model.model_validate(self.config.get(self.plugin) or {})
        return self._settings_loader(self.plugin, model)  # type: ignore[no-any-return]

    def count(self, name: str, increment: int = 1) -> None:
        """Add ``increment`` to the run counter ``name`` (thread-safe)."""
        with self._lock:
            self._counters[name] += increment

    @property
    def counters(self) -> dict[str, int]:
        """A snapshot of the counters."""
        with self._lock:
            return dict(self._counters)


@dataclass(frozen=True, slots=True)
class AssetTypeInfo:
    """One asset type a collector produces, as ``cloudscope types`` lists it. Added in API 1.1.

    - ``asset_type``: ``provider:service:kind`` (DESIGN.md section 3), ``native_type`` the
      cloud's own name for it (``AWS::SQS::Queue``, ``Microsoft.Compute/disks``).
    - ``api_calls``: the cloud API operations that read it, in the cloud's own spelling
      (``sqs:ListQueues``, ``GET .../virtualMachines``), listing first, then the
      per-resource reads.
    - ``relationships``: the edges its collection emits, each ``TYPE -> other`` (this asset
      is the source) or ``TYPE <- other`` (this asset is the target), ``other`` an asset
      type or, when it is not known, what the id is read from.
    - ``volatile_fields``: paths into ``properties`` (``FieldPath`` syntax) of fields that
      the cloud changes by itself on every read or every few minutes (RDS
      ``LatestRestorableTime``, a queue's message counts, last-used timestamps), which
      change tracking must not report as changes.
    - ``id_format``: how the asset's id is made (``QueueArn``, ``arn:P:sqs:R:A:NAME``);
      empty when the API's own id is used as is.
    """

    asset_type: str
    native_type: str
    api_calls: tuple[str, ...] = ()
    relationships: tuple[str, ...] = ()
    volatile_fields: tuple[str, ...] = ()
    id_format: str = ""


class Collector(ABC):
    """A source of assets. Added in API 1.0.

    The core calls :meth:`plan` once, keeps the scopes of its shard, then calls
    :meth:`collect` for each scope, several at once in a bounded thread pool (so
    implementations must be thread-safe: one SDK client per thread). A scope that raises
    is marked failed and keeps its stored assets; the others go on. A scope whose
    iterator is exhausted is complete, and what it no longer yields is removed.
    """

    #: How many scopes the core may collect at once for this collector (config
    #: ``collect.concurrency`` overrides it).
    default_concurrency: ClassVar[int] = 8

    def __init__(self, ctx: CollectContext, options: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.options = dict(options)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add provider options to ``cloudscope collect NAME`` (none by default)."""

    @classmethod
    def asset_types(cls) -> Sequence[AssetTypeInfo]:
        """The catalogue of what this collector produces, one :class:`AssetTypeInfo` per
        asset type (and native type), read without credentials or network by
        ``cloudscope types``. A collector whose types depend on its input (the file
        collector) declares none: the default is empty. Added in API 1.1.
        """
        return ()

    @classmethod
    def volatile_fields(cls) -> Mapping[str, tuple[str, ...]]:
        """Fields the cloud changes by itself on every read (RDS ``LatestRestorableTime``,
        timestamps of last use), by asset type: paths under ``properties`` in
        :class:`~cloudscope.domain.field_path.FieldPath` syntax (``RoleLastUsed``,
        ``Items[].LastSeen``). Change tracking never reports them; the stored asset still
        takes their new values. Read from the class, without credentials or network.

        The default gathers the ``volatile_fields`` of the collector's asset-type catalogue
        (``asset_types()``); a collector without a catalogue overrides this. Added in API 1.1.
        """
        fields: dict[str, tuple[str, ...]] = {}
        for info in cls.asset_types():
            paths = tuple(info.volatile_fields)
            if paths:
                fields[info.asset_type] = fields.get(info.asset_type, ()) + paths
        return fields

    @abstractmethod
    def plan(self) -> Iterable[ScopeKey]:
        """The scopes to collect, in a stable order. Raise a CloudScopeError to stop the run."""

    @abstractmethod
    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """Yield the scope's assets and the relationships they emit, as a stream."""

    def covers(self, scope: ScopeKey, other: ScopeKey) -> bool:
        """Whether a complete collection of ``scope`` lists everything the stored scope
        ``other`` holds, so that what ``other`` holds and ``scope`` did not list is gone.

        When ``scope`` completes, the core asks this about the stored scopes of the same
        provider and account that this run did not plan (nor any other run is collecting),
        and staleness removes, as for ``scope`` itself, what those hold that this run did not
        write (an asset ``scope`` listed has moved to ``scope`` already). A ``--type`` run
        that stores a service's assets in a scope of their own, and a full run that lists
        them in one wider scope, so leave nothing deleted behind. Answer True only when
        ``scope`` lists every asset ``other`` can hold: a wrong True deletes live assets.
        Called after :meth:`plan`, from the thread that collected ``scope``, so the answer
        may use what planning learnt; an exception counts as False (nothing is covered).
        The default covers nothing. Added in API 1.1.
        """
        return False

    def check(self) -> Iterable[Check]:
        """Preflight for ``cloudscope doctor``: who the credentials are and one cheap read
        per service, as :class:`Check` lines whose hints say what to grant or set.

        Called instead of :meth:`plan` and :meth:`collect`, never with them, and followed
        by :meth:`close`. An exception ends the checks with a failed line of its message.
        This default plans and reports how many scopes it would collect, so a collector
        written for API 1.0 is checked as far as planning goes. Added in API 1.1.
        """
        scopes = list(self.plan())
        yield Check.ok("plan", f"{len(scopes)} scope{'' if len(scopes) == 1 else 's'} planned")

    def close(self) -> None:
        """Release clients and sessions; called once after the last scope."""
