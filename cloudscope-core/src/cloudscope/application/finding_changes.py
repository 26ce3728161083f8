"""An assessment's finding changes: the findings that are new, those resolved, and why.

A finding is identified by its rule and its asset: the rule says it of that asset, or no
longer does. Its causes are the changes, recorded since the previous assessment began, of
its asset and of the assets on its ``evidence.path`` (an instance exposed because its
security group was opened names the group's change): the change log's own reading of
"what made this risk appear or go". Only keys and a few facts are held, not findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

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
from cloudscope.ports.repository import Repository

FindingKey = tuple[str, str]
"""(rule_id, asset_id)."""
LOOKUP_CHUNK: Final = 500
MAX_CAUSES: Final = 20
"""The most recent causes kept per finding change: a first assessment of an estate would
otherwise cite every change of every asset on a long path."""
CAUSE_KINDS: Final = (ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.MODIFIED,
                      ChangeKind.RELATIONSHIP_ADDED, ChangeKind.RELATIONSHIP_REMOVED)


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """What a finding change says of its finding, and the assets its evidence names."""

    severity: Severity
    title: str
    path: tuple[str, ...]


def facts_of(finding: Finding) -> FindingFacts:
    """The facts kept of one finding."""
    path = finding.evidence.get("path") if isinstance(finding.evidence, dict) else None
    ids = tuple(p for p in path if isinstance(p, str)) if isinstance(path, list) else ()
    return FindingFacts(Severity(finding.severity), finding.title, ids)


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
        def order(key: FindingKey, facts: FindingFacts) -> tuple[int, str, str]:
            return (facts.severity.rank, key[1], key[0])

        new = sorted(((k, f) for k, f in self.after.items() if k not in self.before),
                     key=lambda item: order(*item))
        resolved = sorted(((k, f) for k, f in self.before.items() if k not in self.after),
                          key=lambda item: order(*item))
        if not new and not resolved:
            return 0, 0
        everything = [(ChangeKind.FINDING_NEW, *item) for item in new] + \
            [(ChangeKind.FINDING_RESOLVED, *item) for item in resolved]
        involved = {key[1] for _, key, _ in everything} | \
            {asset for _, _, facts in everything for asset in facts.path}
        assets = self._assets(involved)
        causes = self._causes(involved, self._previous_start(run))
        changes = []
        for kind, (rule_id, asset_id), facts in everything:
            asset = assets.get(asset_id)
            cited = _cited([c for a in dict.fromkeys((asset_id, *facts.path))
                            for c in causes.get(a, ())])
            changes.append(Change(
                change=kind, asset_id=asset_id, run_id=run.run_id, at=at,
                asset_type=asset.asset_type if asset else None, name=asset.name if asset else None,
                provider=asset.provider if asset else None,
                account=asset.account if asset else None, region=asset.region if asset else None,
                finding=ChangedFinding(rule_id=rule_id, severity=facts.severity,
                                       title=facts.title),
                caused_by=cited))
        self.repository.record_changes(changes)
        return len(new), len(resolved)

    def _previous_start(self, run: CollectionRun) -> datetime | None:
        earlier = [r.started_at for r in self.repository.list_runs()
                   if r.collector == run.collector and r.run_id != run.run_id
                   and r.started_at <= run.started_at]
        return max(earlier, default=None)

    def _assets(self, ids: Iterable[str]) -> dict[str, Change]:
        """What each asset is (removed ones too), as the facts of a change."""
        found: dict[str, Change] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            query = AssetQuery(ids=tuple(ordered[start:start + LOOKUP_CHUNK]),
                               include_deleted=True)
            for asset in self.repository.iter_assets(query):
                found[asset.id] = Change.model_construct(
                    asset_id=asset.id, asset_type=asset.asset_type, name=asset.name,
                    provider=asset.provider, account=asset.account, region=asset.region)
        return found

    def _causes(self, ids: Iterable[str], since: datetime | None) -> dict[str, list[Change]]:
        """The asset and relationship changes of each asset since ``since``."""
        causes: dict[str, list[Change]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            query = ChangeQuery(since=since, asset_ids=tuple(ordered[start:start + LOOKUP_CHUNK]),
                                kinds=CAUSE_KINDS)
            for change in self.repository.iter_changes(query):
                causes.setdefault(change.asset_id, []).append(change)
        return causes


def _cited(candidates: Iterable[Change]) -> list[int]:
    """The ids a finding change cites: its candidates but the relationships an asset came or
    went with (its ``added`` or ``removed`` says it all), the most recent :data:`MAX_CAUSES`."""
    candidates = list(candidates)
    whole = {(c.asset_id, c.run_id) for c in candidates
             if c.change in (ChangeKind.ADDED, ChangeKind.REMOVED)}
    return sorted({c.id or 0 for c in candidates
                   if c.change in ASSET_CHANGES or (c.asset_id, c.run_id) not in whole}
                  )[-MAX_CAUSES:]
