"""The file store's change log: ``changes.jsonl``, one change per line, by increasing id.

Written in the same commit as the batch or the staleness that made the changes, so that a
``git diff`` of the store shows the change records beside the assets they describe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from functools import cached_property
from typing import Any

from cloudscope.adapters.file_store import Table
from cloudscope.domain.change import Change, ChangeKind, ChangeQuery, change_from_detail
from cloudscope.domain.change_diff import AssetDiffer
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.timestamps import isoformat as stamp

_ABOUT = ("provider", "asset_type", "name", "account", "region")


def change_record(run_id: str, at: str, kind: ChangeKind, asset_id: str,
                  about: Mapping[str, Any] | None, **detail: Any) -> dict[str, Any]:
    """A ``changes.jsonl`` record, its id still to be given; ``about`` is the asset's
    stored record (or None when it is not stored)."""
    return {"run_id": run_id, "at": at, "change": kind.value, "asset_id": asset_id,
            **{name: (about or {}).get(name) for name in _ABOUT},
            "fields": [], "relationship": None, "finding": None, "caused_by": [], **detail}


def _change(record: dict[str, Any]) -> Change:
    return change_from_detail(
        {"id": record["id"], "run_id": record["run_id"], "at": datetime.fromisoformat(record["at"]),
         "change": ChangeKind(record["change"]), "asset_id": record["asset_id"],
         **{name: record.get(name) for name in _ABOUT}},
        {key: record.get(key) for key in ("fields", "relationship", "finding", "caused_by")})


def _record(change: Change) -> dict[str, Any]:
    return change.as_json()


class FileChangeLog:
    """The change log of a file store. A part of
    :class:`~cloudscope.adapters.file_repository.FileRepository`, which provides the tables
    and their transactions."""

    assets: Table
    relationships: Table
    findings: Table
    changes: Table

    def _reading(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _writing(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    @cached_property
    def _differs(self) -> dict[str, AssetDiffer]:
        """The differ of each tracked run, by run id."""
        return {}

    def has_change_log(self) -> bool:
        """File stores keep one (schema 2)."""
        return True

    def track_changes(self, run_id: str, volatile_fields: Mapping[str, Sequence[str]]) -> None:
        """Log the changes ``run_id`` writes through this object."""
        self._differs[run_id] = AssetDiffer(volatile_fields)

    def _append(self, records: Sequence[dict[str, Any]]) -> list[int]:
        """Give ``records`` the next ids and put them (inside a write)."""
        if not records:
            return []
        first = max(self.changes.records, default=0) + 1
        for offset, record in enumerate(records):
            self.changes.put({**record, "id": first + offset})
        return list(range(first, first + len(records)))

    def _log_asset(self, log: list[dict[str, Any]], run_id: str, seen: str,
                   stored: dict[str, Any] | None, new: dict[str, Any]) -> None:
        """Add to ``log`` the change from the stored record to the new one, if any."""
        differ = self._differs.get(run_id)
        if differ is None:
            return
        if stored is None or stored["deleted_at"] is not None:
            log.append(change_record(run_id, seen, ChangeKind.ADDED, new["id"], new))
            return
        fields = differ.diff(new["asset_type"], stored, new)
        if fields:
            log.append(change_record(run_id, seen, ChangeKind.MODIFIED, new["id"], new,
                                     fields=[f.model_dump(mode="json") for f in fields]))

    def _log_edge(self, log: list[dict[str, Any]], run_id: str, seen: str,
                  relationship: Relationship, kind: ChangeKind, *, whole: set[str]) -> None:
        """Add to ``log`` a relationship change (call before the edge is put or deleted),
        unless its source is in ``whole``: added or removed at once, which says it."""
        if run_id in self._differs and relationship.source_id not in whole:
            log.append(change_record(
                run_id, seen, kind, relationship.source_id,
                self.assets.records.get(relationship.source_id),
                relationship={"type": relationship.type, "target_id": relationship.target_id}))

    def _is_tracked(self, run_id: str) -> bool:
        return run_id in self._differs

    def record_changes(self, changes: Sequence[Change]) -> list[int]:
        """Append changes in one commit; their ids."""
        with self._writing():
            return self._append([_record(change) for change in changes])

    def restore_changes(self, changes: Sequence[Change]) -> None:
        """Upsert changes verbatim, ids included, in one commit."""
        with self._writing():
            for change in changes:
                self.changes.put(_record(change))

    def iter_changes(self, query: ChangeQuery) -> Iterator[Change]:
        """Matching changes in the order they were recorded."""
        wanted = query
        if query.asset_ids is not None and len(query.asset_ids) > 8:
            wanted = query.model_copy(update={"asset_ids": frozenset(query.asset_ids)})
        with self._reading():
            found: list[Change] = []
            for key in sorted(self.changes.records):
                change = _change(self.changes.records[key])
                asset = self.assets.records.get(change.asset_id) if query.tags else None
                if wanted.matches(change, asset["tags"] if asset else None):
                    found.append(change)
                    if query.limit is not None and len(found) >= query.limit:
                        break
        yield from found

    def prune(self, before: datetime) -> dict[str, int]:
        """Delete changes recorded, and assets removed, before ``before``, in one commit."""
        cutoff = stamp(before)
        with self._writing():
            old = [key for key, r in self.changes.records.items() if r["at"] < cutoff]
            for key in old:
                self.changes.delete(key)
            gone = {key for key, r in self.assets.records.items()
                    if r["deleted_at"] is not None and r["deleted_at"] < cutoff}
            for key in gone:
                self.assets.delete(key)
            for key, record in list(self.findings.records.items()):
                if record["asset_id"] in gone:
                    self.findings.delete(key)
        return {"changes": len(old), "assets": len(gone)}
