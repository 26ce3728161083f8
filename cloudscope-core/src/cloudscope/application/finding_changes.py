"""An assessment's finding changes: the findings that are new, those resolved, and why.

A finding is identified by its rule and its asset: the rule says it of that asset, or no
longer does. Its causes are the changes, recorded since the previous assessment began, of
its asset and of the assets on its ``evidence.path`` (an instance exposed because its
security group was opened names the group's change): the change log's own reading of
"what made this risk appear or go". Only keys and a few facts are held, not findings.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, NamedTuple, overload

from cloudscope.domain.asset import Asset, AssetJson
from cloudscope.domain.change import (
    ASSET_CHANGES,
    Change,
    ChangedFinding,
    ChangeKind,
    ChangeQuery,
)
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.scope import CollectionRun
from cloudscope.domain.trusted import construct_trusted
from cloudscope.ports.repository import Repository

FindingKey = tuple[str, str]
"""(rule_id, asset_id)."""
LOOKUP_CHUNK: Final = 500
MAX_CAUSES: Final = 20
"""The most recent causes kept per finding change: a first assessment of an estate would
otherwise cite every change of every asset on a long path."""
CAUSE_KINDS: Final = (ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.MODIFIED,
                      ChangeKind.RELATIONSHIP_ADDED, ChangeKind.RELATIONSHIP_REMOVED)
# Kinds as plain strings: a StrEnum member hashes in Python code, a str in C.
_ASSET_KINDS: Final = frozenset(kind.value for kind in ASSET_CHANGES)
_WHOLE: Final = frozenset((ChangeKind.ADDED.value, ChangeKind.REMOVED.value))
Cause = tuple[int, str, str]
"""A change that may cause a finding change: (id, kind, run_id)."""


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """What a finding change says of its finding, and the assets its evidence names."""

    severity: Severity
    title: str
    path: tuple[str, ...]


# A plain tuple, not a Change built with model_construct: pydantic derives the signature of
# every default factory on each model_construct call (70 s for 40,000 changes).
class AssetFacts(NamedTuple):
    """What a finding change says of its asset."""

    asset_type: str
    name: str | None
    provider: str
    account: str | None
    region: str | None


def facts_of(finding: Finding) -> FindingFacts:
    """The facts kept of one finding."""
    path = finding.evidence.get("path") if isinstance(finding.evidence, dict) else None
    ids = tuple(p for p in path if isinstance(p, str)) if isinstance(path, list) else ()
    # Titles repeat per rule: interned, half a million findings hold a few dozen strings.
    return FindingFacts(Severity(finding.severity), sys.intern(finding.title), ids)


class FindingChangeLog:
    """Compares an assessment's findings with the stored ones and records the difference.

    :meth:`read_stored` before the findings are replaced, :meth:`add` for each finding
    stored, then :meth:`record`.
    """

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.before: dict[FindingKey, FindingFacts] = {}
        self.after: dict[FindingKey, FindingFacts] = {}

    def read_stored(self, assessed: set[str] | None) -> None:
        """The stored findings of the assessed assets (every asset when None)."""
        for finding in self.repository.iter_findings():
            if assessed is None or finding.asset_id in assessed:
                self.before[(finding.rule_id, finding.asset_id)] = facts_of(finding)

    def add(self, finding: Finding) -> None:
        """One finding the assessment stores."""
        self.after[(finding.rule_id, finding.asset_id)] = facts_of(finding)

    def record(self, run: CollectionRun, at: datetime) -> tuple[int, int]:
        """Record the new and resolved findings as changes of ``run``; (new, resolved)."""
        def order(item: tuple[FindingKey, FindingFacts]) -> tuple[int, str, str]:
            return (item[1].severity.rank, item[0][1], item[0][0])

        new = sorted(((k, f) for k, f in self.after.items() if k not in self.before), key=order)
        resolved = sorted(((k, f) for k, f in self.before.items() if k not in self.after),
                          key=order)
        if not new and not resolved:
            return 0, 0
        involved = {key[1] for key, _ in (*new, *resolved)} | \
            {asset for _, facts in (*new, *resolved) for asset in facts.path}
        changes = _FindingChanges(
            [(ChangeKind.FINDING_NEW, *item) for item in new] +
            [(ChangeKind.FINDING_RESOLVED, *item) for item in resolved],
            self._assets(involved), self._causes(involved, self._previous_start(run)),
            run.run_id, at)
        self.repository.record_changes(changes)
        return len(new), len(resolved)

    def _previous_start(self, run: CollectionRun) -> datetime | None:
        earlier = [r.started_at for r in self.repository.list_runs()
                   if r.collector == run.collector and r.run_id != run.run_id
                   and r.started_at <= run.started_at]
        return max(earlier, default=None)

    def _assets(self, ids: Iterable[str]) -> dict[str, AssetFacts]:
        """What each asset is (removed ones too), as the facts of a change."""
        found: dict[str, AssetFacts] = {}
        read = _lean_reader(self.repository)
        ordered = sorted(ids)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            query = AssetQuery(ids=tuple(ordered[start:start + LOOKUP_CHUNK]),
                               include_deleted=True)
            for asset in read(query):
                found[asset.id] = AssetFacts(
                    sys.intern(asset.asset_type), asset.name, sys.intern(asset.provider),
                    _interned(asset.account), _interned(asset.region))
        return found

    def _causes(self, ids: Iterable[str], since: datetime | None) -> dict[str, list[Cause]]:
        """The asset and relationship changes of each asset since ``since``."""
        causes: dict[str, list[Cause]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            query = ChangeQuery(since=since, asset_ids=tuple(ordered[start:start + LOOKUP_CHUNK]),
                                kinds=CAUSE_KINDS)
            for change in self.repository.iter_changes(query):
                causes.setdefault(change.asset_id, []).append(
                    (change.id or 0, change.change.value, change.run_id))
        return causes


def _lean_reader(repository: Repository) -> Callable[[AssetQuery], Iterable[Asset | AssetJson]]:
    """How to read assets for their facts: as JSON text where the store hands it over as
    stored (tags and properties are not parsed: a third of the cost), else as models (the
    port's default ``iter_asset_json`` would encode them again)."""
    if type(repository).iter_asset_json is not Repository.iter_asset_json:
        return repository.iter_asset_json
    return repository.iter_assets


def _interned(text: str | None) -> str | None:
    """``text`` interned: accounts and regions repeat over the assets of an estate."""
    return None if text is None else sys.intern(text)


def _cited(candidates: Iterable[tuple[str, Cause]]) -> list[int]:
    """The ids a finding change cites: its candidates (each an asset and one of its
    changes) but the relationships an asset came or went with (its ``added`` or ``removed``
    says it all), the most recent :data:`MAX_CAUSES`."""
    pairs = list(candidates)
    whole = {(asset, cause[2]) for asset, cause in pairs if cause[1] in _WHOLE}
    return sorted({cause[0] for asset, cause in pairs
                   if cause[1] in _ASSET_KINDS or (asset, cause[2]) not in whole}
                  )[-MAX_CAUSES:]


class _FindingChanges(Sequence[Change]):
    """The finding changes of an assessment, each built when the store reads it: a first
    assessment of a million assets has half a million, too many to hold as models."""

    def __init__(self, items: list[tuple[ChangeKind, FindingKey, FindingFacts]],
                 assets: dict[str, AssetFacts], causes: dict[str, list[Cause]],
                 run_id: str, at: datetime) -> None:
        self._items, self._assets, self._causes = items, assets, causes
        self._run_id, self._at = run_id, at

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Change]: ...

    def __getitem__(self, index: int | slice) -> Change | Sequence[Change]:
        if isinstance(index, slice):
            return [self._change(item) for item in self._items[index]]
        return self._change(self._items[index])

    def __iter__(self) -> Iterator[Change]:
        return map(self._change, self._items)

    def _change(self, item: tuple[ChangeKind, FindingKey, FindingFacts]) -> Change:
        kind, (rule_id, asset_id), facts = item
        asset = self._assets.get(asset_id)
        causes = self._causes
        cited = _cited((a, c) for a in dict.fromkeys((asset_id, *facts.path))
                       for c in causes.get(a, ()))
        # Every field given, from values already valid: built without validation.
        return construct_trusted(Change, {
            "id": None, "change": kind, "asset_id": asset_id,
            "asset_type": asset.asset_type if asset else None,
            "name": asset.name if asset else None,
            "provider": asset.provider if asset else None,
            "account": asset.account if asset else None,
            "region": asset.region if asset else None,
            "run_id": self._run_id, "at": self._at, "fields": [], "relationship": None,
            "finding": construct_trusted(ChangedFinding, {
                "rule_id": rule_id, "severity": facts.severity, "title": facts.title}),
            "caused_by": cited})
