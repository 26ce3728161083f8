"""The changes use case: a window of the change log, each change with the risk it brought.

``--since`` and ``--until`` take a run id (the window starts after that run, or ends with
it), an ISO 8601 time (UTC when it names no zone; a date alone is its midnight) or a
duration back from now (``30m``, ``24h``, ``7d``, ``2w``). Each asset or relationship
change lists the finding changes that name it as a cause (``findings``), and each finding
change the changes that caused it (``causes``): ``changes --since 7d --format json``
answers "what new risk appeared this week, and why" in one read. Everything shown is
redacted again on the way out (the log stores it redacted already).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from cloudscope.domain.change import FINDING_CHANGES, Change, ChangeQuery
from cloudscope.domain.errors import UsageError
from cloudscope.domain.redaction import redact_change
from cloudscope.domain.scope import CollectionRun
from cloudscope.domain.timestamps import isoformat, utc_now
from cloudscope.ports.repository import Repository, change_log_missing

_DURATION: Final = re.compile(r"^(\d{1,6})([smhdw])$")
_UNITS: Final = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LOOKUP_CHUNK: Final = 500


def run_end(run: CollectionRun) -> datetime:
    """When a run's changes were all recorded: its finish (its last heartbeat or start
    while it still runs, so that a window after it holds what came later)."""
    return run.finished_at or run.heartbeat_at or run.started_at


def parse_bound(text: str, option: str, runs: Sequence[CollectionRun], *,
                now: datetime | None = None) -> datetime:
    """The time ``text`` names for ``option`` (``--since``/``--until``): a run id (or a
    unique prefix of at least 6 characters), an ISO 8601 time or a duration before now."""
    text = text.strip()
    now = now or utc_now()
    duration = _DURATION.match(text)
    if duration:
        return now - timedelta(**{_UNITS[duration[2]]: int(duration[1])})
    matching = [run for run in runs if run.run_id == text] or (
        [run for run in runs if run.run_id.startswith(text)] if len(text) >= 6 else [])
    if len(matching) == 1:
        return run_end(matching[0])
    if len(matching) > 1:
        raise UsageError(f"{option} {text!r}: {len(matching)} runs start with it",
                         hint="give more of the run id")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r}: not a run id, an ISO 8601 time or a duration",
                         hint="e.g. 7d, 24h, 2024-05-01, 2024-05-01T09:00:00Z, or a run id "
                              "from `cloudscope collect --format json`") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def window(repository: Repository, since: str | None, until: str | None, *,
           since_option: str = "--since",
           until_option: str = "--until") -> tuple[datetime | None, datetime | None]:
    """``--since`` and ``--until`` resolved against the store's runs (the options name them
    in messages: ``export csv`` calls the first ``--changed-since``, the API ``since``)."""
    runs = repository.list_runs() if since or until else []
    start = parse_bound(since, since_option, runs) if since else None
    end = parse_bound(until, until_option, runs) if until else None
    if start is not None and end is not None and end <= start:
        raise UsageError(f"{until_option} {until!r} is not after {since_option} {since!r}")
    return start, end


def apply_retention(repository: Repository, keep_days: int | None, *,
                    now: datetime | None = None) -> dict[str, int] | None:
    """Delete the history older than ``keep_days`` (the ``changes.keep_days`` setting) when
    the store keeps a change log; what was deleted, or None when nothing was asked."""
    if not keep_days or not repository.has_change_log():
        return None
    return repository.prune((now or utc_now()) - timedelta(days=keep_days))


def brief(change: Change) -> dict[str, Any]:
    """A change in a few keys, as another change cites it."""
    summary: dict[str, Any] = {"id": change.id, "change": change.change.value,
                               "asset_id": change.asset_id, "name": change.name,
                               "run_id": change.run_id, "at": isoformat(change.at)}
    if change.finding is not None:
        summary.update(rule_id=change.finding.rule_id, severity=change.finding.severity.value,
                       title=change.finding.title)
    elif change.relationship is not None:
        summary.update(relationship=change.relationship.model_dump())
    else:
        summary.update(paths=[f.path for f in change.fields])
    return summary


@dataclass(slots=True)
class ChangeReport:
    """A change with the finding changes it caused, or the changes that caused it."""

    change: Change
    findings: list[Change] = field(default_factory=list)
    causes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The change's JSON (:meth:`Change.as_json`) plus ``findings`` and ``causes``."""
        return {**self.change.as_json(), "findings": [brief(f) for f in self.findings],
                "causes": [brief(c) for c in self.causes]}


@dataclass(slots=True)
class ChangeCounts:
    """How many changes of each kind were read."""

    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, change: Change) -> None:
        """Count one change."""
        self.by_kind[change.change.value] = self.by_kind.get(change.change.value, 0) + 1


def read_changes(repository: Repository, query: ChangeQuery, *,
                 findings_only: bool = False) -> Iterator[ChangeReport]:
    """The changes matching ``query`` (only finding changes with ``findings_only``),
    redacted, each with its consequences or causes.

    Finding changes are few (one per finding that came or went), so they are read first
    and held; the window's changes then stream. A change caused by an asset change before
    the window still names it; an asset change names the finding changes recorded after
    it, even beyond ``until`` (an assessment usually follows the collection).
    """
    if not repository.has_change_log():
        raise change_log_missing(repository)
    consequences: dict[int, list[Change]] = {}
    cause_ids: set[int] = set()
    for finding in repository.iter_changes(ChangeQuery(since=query.since,
                                                       kinds=tuple(sorted(FINDING_CHANGES)))):
        cause_ids.update(finding.caused_by)
        for cause in finding.caused_by:
            consequences.setdefault(cause, []).append(redact_change(finding))
    causes: dict[int, Change] = {}
    ordered = sorted(cause_ids)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = tuple(ordered[start:start + LOOKUP_CHUNK])
        causes.update((c.id or 0, redact_change(c))
                      for c in repository.iter_changes(ChangeQuery(ids=chunk)))
    if findings_only:
        query = query.model_copy(update={"kinds": tuple(sorted(FINDING_CHANGES))})
    for change in repository.iter_changes(query):
        yield ChangeReport(redact_change(change), consequences.get(change.id or 0, []),
                           [causes[i] for i in change.caused_by if i in causes])
