"""The exporter port: a format that writes the stored inventory out, as a stream.

The export use case hands an :class:`Exporter` an :class:`ExportSource` (the matching
assets, one :class:`AssetRecord` at a time, read from the repository in chunks and already
redacted) and an :class:`ExportTarget` (stdout, or files written atomically). An exporter
never touches the repository or the file system itself, so every format streams at
constant memory and leaves no partial file behind.
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TextIO, overload

from cloudscope.domain.asset import Asset
from cloudscope.domain.change import Change
from cloudscope.domain.errors import UsageError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.timestamps import isoformat

EXPORT_SCHEMA_VERSION: Final = 1
"""The version of the exported record shape (``AssetRecord.as_json``). Added in API 1.0."""


class AssetRelationships(Sequence[Relationship]):
    """An asset's relationships in both directions, in (source, type, target) order, with
    the incoming ones read only when first used. Added in API 1.1.

    What the export use case puts in :attr:`AssetRecord.relationships`: formats that write
    only outgoing relationships (JSON, JSON Lines, the graphs), through
    :attr:`AssetRecord.outgoing` or :meth:`AssetRecord.as_json`, never read the incoming
    ones (half of the edges read, issue 16). Any other use (iterating, indexing, ``len``,
    :attr:`AssetRecord.incoming`, :attr:`AssetRecord.names`) reads them, for the whole chunk
    of records at once, so an exporter written for API 1.0 sees the same sequence as before.
    """

    __slots__ = ("_both", "_incoming", "_read", "outgoing")

    def __init__(self, outgoing: Sequence[Relationship],
                 incoming: Callable[[], Sequence[Relationship]]) -> None:
        #: The relationships whose source is the asset (self-loops included), in key order.
        self.outgoing = outgoing
        self._read: Callable[[], Sequence[Relationship]] | None = incoming
        self._incoming: Sequence[Relationship] = ()
        self._both: list[Relationship] | None = None

    @property
    def incoming(self) -> Sequence[Relationship]:
        """The relationships pointing at the asset from another one, in key order."""
        if self._read is not None:
            self._incoming, self._read = self._read(), None
        return self._incoming

    def _all(self) -> list[Relationship]:
        if self._both is None:
            self._both = sorted((*self.outgoing, *self.incoming), key=_edge_key) \
                if self.incoming else list(self.outgoing)
        return self._both

    @overload
    def __getitem__(self, index: int) -> Relationship: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Relationship]: ...

    def __getitem__(self, index: int | slice) -> Relationship | Sequence[Relationship]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Relationship]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AssetRelationships):
            return self._all() == other._all()
        return isinstance(other, list) and self._all() == other

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are not hashable

    def __repr__(self) -> str:
        return repr(self._all())


def _edge_key(relationship: Relationship) -> tuple[str, str, str]:
    return relationship.key


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """One exported asset with its relationships (both directions) and findings. Added in API 1.0.

    Everything in it is redacted with the logs' rules (``cloudscope.api.redact``) before an
    exporter sees it. ``relationships`` are in (source, type, target) order; the export use
    case gives an :class:`AssetRelationships`, which reads the incoming ones only if they
    are used (API 1.1; any sequence is accepted). ``names`` maps the ids of related assets
    that are stored to their names, so that summaries can say ``IN_SUBNET:app-subnet``
    rather than an id. ``changes`` holds the asset's changes when an exporter asked for
    them (:meth:`ExportSource.changes_of`; added in API 1.1), else nothing.
    """

    asset: Asset
    relationships: Sequence[Relationship]
    findings: Sequence[Finding]
    names: Mapping[str, str]
    changes: Sequence[Change] = ()

    @property
    def outgoing(self) -> list[Relationship]:
        """Relationships read from this asset (``asset -TYPE-> other``), self-loops
        included. Reads no incoming relationship (API 1.1)."""
        relationships = self.relationships
        if isinstance(relationships, AssetRelationships):
            return list(relationships.outgoing)
        return [r for r in relationships if r.source_id == self.asset.id]

    @property
    def incoming(self) -> list[Relationship]:
        """Relationships pointing at this asset (``other -TYPE-> asset``), self-loops excluded."""
        relationships = self.relationships
        if isinstance(relationships, AssetRelationships):
            return list(relationships.incoming)
        return [r for r in relationships
                if r.target_id == self.asset.id and r.source_id != self.asset.id]

    def name_of(self, asset_id: str) -> str:
        """The name of a related asset, or its id when it has none or is not stored."""
        return self.names.get(asset_id) or asset_id

    def as_json(self) -> dict[str, Any]:
        """The asset as plain JSON data, with its outgoing relationships and its findings.

        Each relationship appears once in a whole export: on its source.
        """
        asset = self.asset
        return {
            "id": asset.id, "provider": asset.provider, "asset_type": asset.asset_type,
            "native_type": asset.native_type, "name": asset.name, "account": asset.account,
            "region": asset.region, "tags": asset.tags, "properties": asset.properties,
            "first_seen": isoformat(asset.first_seen) if asset.first_seen else None,
            "last_seen": isoformat(asset.last_seen) if asset.last_seen else None,
            "relationships": [{"type": r.type, "target_id": r.target_id,
                               "properties": r.properties} for r in self.outgoing],
            "findings": [{"rule_id": f.rule_id, "severity": f.severity.value, "title": f.title,
                          "detail": f.detail, "remediation": f.remediation,
                          "evidence": f.evidence} for f in self.findings],
        }


class ExportSource(ABC):
    """The assets to export, streamed. Added in API 1.0.

    ``query`` holds the user's filters (``--provider``, ``--account``, ``--tag``...).
    """

    query: AssetQuery

    @abstractmethod
    def records(self, query: AssetQuery | None = None) -> Iterator[AssetRecord]:
        """The assets matching ``query`` (default: the user's), ordered by provider, account,
        asset type and id, read in chunks: memory does not grow with the inventory."""

    @abstractmethod
    def count(self, query: AssetQuery | None = None) -> int:
        """How many assets match ``query`` (default: the user's), without reading them."""

    @abstractmethod
    def neighbourhood(self, asset_id: str, depth: int, *, limit: int) -> list[str]:
        """Ids within ``depth`` relationships of ``asset_id`` in either direction (itself
        included), by breadth-first search. A ``UsageError`` when more than ``limit`` ids
        are reached; a ``NotFoundError`` when ``asset_id`` is not stored."""

    def describe(self) -> dict[str, object]:
        """The filters in effect, for metadata."""
        return self.query.describe()

    def changes_of(self, asset_ids: Sequence[str], since: str) -> Mapping[str, Sequence[Change]]:
        """The changes of ``asset_ids`` recorded after ``since`` (what ``cloudscope changes
        --since`` takes: a run id, an ISO 8601 time or a duration such as ``7d``), by asset
        id, oldest first, redacted; finding changes included. Call it with no ids first to
        check ``since``: a ``UsageError`` names what is wrong before anything is written.
        Added in API 1.1; the default says the source keeps no change log."""
        raise UsageError(f"--changed-since {since!r}: this export's source keeps no change log")


class ExportTarget(ABC):
    """Where an export is written: one stream, or numbered parts of one path. Added in API 1.0.

    Files are written to temporary files beside their final path and renamed into place
    only when the whole export succeeded; the exporter only opens and writes.
    """

    #: ``"-"`` for stdout, otherwise the path given with ``--output``.
    label: str

    @abstractmethod
    def open(self, part: int | None = None) -> TextIO:
        """The text stream of the output (``part=None``) or of numbered part ``part`` (from 1),
        UTF-8, newlines untranslated. Each part is opened at most once."""

    @abstractmethod
    def open_extra(self, path: str, *, option: str = "file") -> TextIO:
        """Another output file at ``path`` (a data dictionary, say), written atomically and
        committed with the rest. A ``UsageError`` naming ``option`` (``--dictionary``) when
        ``path`` cannot be written."""

    @property
    def supports_parts(self) -> bool:
        """Whether numbered parts can be written (not on stdout)."""
        return True


class Exporter(ABC):
    """An export format. Registered with ``cloudscope_register_exporters``; the factory is
    called with no arguments. Added in API 1.0.

    Contract (checked by ``cloudscope.testing.exporter_contract``): an empty selection is a
    valid empty document; exactly the records of the source are exported; nothing is read
    but the source and nothing written but the target; with ``streams = True`` memory does
    not grow with the number of records.
    """

    #: The file name extension users expect (``.csv``).
    extension: ClassVar[str] = ""
    #: False for formats that must hold the selection (graphs hold their node set); they
    #: must bound it, e.g. with ``--max-nodes``.
    streams: ClassVar[bool] = True

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser | Any) -> None:
        """Add format options to ``cloudscope export FORMAT`` (none by default). ``parser``
        is an argparse parser or argument group."""
        return None

    @abstractmethod
    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Write ``source`` to ``target``. ``options`` holds the parsed format options.
        Raise a ``cloudscope.api`` error (``UsageError``) for options that cannot be met;
        the target is then discarded."""
