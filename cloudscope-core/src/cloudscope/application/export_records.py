"""The parts of an export's records read only when an exporter uses them (issue 16): the
incoming relationships of a chunk's assets and the names of related assets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cloudscope.domain.redaction import redact_relationship
from cloudscope.domain.relationship import Relationship
from cloudscope.ports.exporter import AssetRelationships
from cloudscope.ports.repository import Repository


class ChunkEdges:
    """The relationships of a chunk's assets, redacted: the outgoing ones read at once, the
    incoming ones for the whole chunk when a record first needs them (its full
    relationships, its incoming ones or the names of related assets). JSON, JSON Lines and
    the graphs read only outgoing ones: half the edges (issue 16). A store without queries
    of its own for each direction is read in both at once, as before."""

    def __init__(self, repository: Repository, ids: list[str]) -> None:
        self._repository = repository
        self._ids = ids
        self._incoming: dict[str, list[Relationship]] | None = None
        self._outgoing: dict[str, list[Relationship]] = defaultdict(list)
        if repository.reads_relationships_by_direction:
            for relationship in repository.relationships_from(ids):
                relationship = redact_relationship(relationship)
                self._outgoing[relationship.source_id].append(relationship)
        else:
            self._incoming = defaultdict(list)
            for relationship in repository.relationships_of(ids):
                relationship = redact_relationship(relationship)
                self._outgoing[relationship.source_id].append(relationship)
                if relationship.target_id != relationship.source_id:
                    self._incoming[relationship.target_id].append(relationship)

    def of(self, asset_id: str) -> AssetRelationships:
        """The relationships of one of the chunk's assets."""
        return AssetRelationships(self._outgoing.get(asset_id, []),
                                  lambda: self._incoming_of(asset_id))

    def _incoming_of(self, asset_id: str) -> list[Relationship]:
        if self._incoming is None:
            self._incoming = defaultdict(list)
            for relationship in self._repository.relationships_to(self._ids):
                relationship = redact_relationship(relationship)
                self._incoming[relationship.target_id].append(relationship)
        return self._incoming.get(asset_id, [])

    def related(self) -> set[str]:
        """The ids at either end of the chunk's relationships (both directions)."""
        self._incoming_of("")
        assert self._incoming is not None
        # Each list is keyed by the end it belongs to: only the other ends are read.
        related = {r.target_id for edges in self._outgoing.values() for r in edges}
        related.update(r.source_id for edges in self._incoming.values() for r in edges)
        related.update(asset_id for asset_id, edges in self._outgoing.items() if edges)
        related.update(asset_id for asset_id, edges in self._incoming.items() if edges)
        return related


class LazyNames(Mapping[str, str]):
    """The names of a chunk's related assets, looked up when a record's names are first
    read: formats that show none (JSON, JSON Lines) never pay for the lookup, which was a
    tenth of their time (issue 16)."""

    def __init__(self, load: Callable[[], dict[str, str]]) -> None:
        self._load: Callable[[], dict[str, str]] | None = load
        self._names: dict[str, str] = {}

    def _loaded(self) -> dict[str, str]:
        if self._load is not None:
            self._names, self._load = self._load(), None
            # From now on get is the dict's own: the CSV calls it for every related asset.
            self.get = self._names.get  # type: ignore[method-assign,assignment]
        return self._names

    def __getitem__(self, asset_id: str) -> str:
        return self._loaded()[asset_id]

    def get(self, asset_id: str, default: Any = None) -> Any:
        return self._loaded().get(asset_id, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return repr(self._loaded())
