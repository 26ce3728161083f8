"""The ``db copy`` use case: move an inventory between stores, history and timestamps kept.

Everything goes through the Repository port, streamed in batches, so any two stores that
implement ``iter_stored_*`` and ``restore`` can be copied, whatever their size. The target
must be empty or a CloudScope store (opening it refuses anything else); what it already
holds is merged with the copy, id by id, and its findings are replaced by the source's.
The change log (API 1.1) is copied when both stores keep one, ids included, so that
finding changes still name their causes; a target already holding another store's log is
refused before anything is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Final, TypeVar

from cloudscope.domain.change import ChangeQuery
from cloudscope.domain.errors import UsageError
from cloudscope.domain.query import AssetQuery
from cloudscope.ports.repository import Repository

T = TypeVar("T")
DEFAULT_BATCH_SIZE: Final = 5000


@dataclass(slots=True)
class CopySummary:
    """How many records of each kind were copied."""

    assets: int = 0
    relationships: int = 0
    findings: int = 0
    scopes: int = 0
    runs: int = 0
    changes: int = 0

    def as_json(self) -> dict[str, int]:
        """The counts by kind."""
        return asdict(self)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most ``size`` items, in order."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def copy_store(source: Repository, target: Repository, *, batch_size: int = DEFAULT_BATCH_SIZE,
               on_progress: Callable[[CopySummary], None] | None = None) -> CopySummary:
    """Copy assets (removed ones included), relationships, findings, scopes and runs from
    ``source`` into ``target``, and the change log when both keep one; each batch is one
    transaction in the target."""
    summary = CopySummary()
    copy_log = source.has_change_log() and target.has_change_log()
    if copy_log:
        _check_change_logs(source, target)
    for assets in batched(source.iter_stored_assets(), batch_size):
        target.restore(assets=assets)
        summary.assets += len(assets)
        if on_progress:
            on_progress(summary)
    for relationships in batched(source.iter_stored_relationships(), batch_size):
        target.restore(relationships=relationships)
        summary.relationships += len(relationships)
        if on_progress:
            on_progress(summary)
    summary.findings = target.replace_findings(AssetQuery(), source.iter_findings())
    if copy_log:
        for changes in batched(source.iter_changes(ChangeQuery()), batch_size):
            target.restore_changes(changes)
            summary.changes += len(changes)
    # Scopes and runs last: a copy stopped half way never claims a complete collection.
    scopes, runs = source.list_scopes(), source.list_runs()
    target.restore(scopes=scopes, runs=runs)
    summary.scopes, summary.runs = len(scopes), len(runs)
    return summary


def _check_change_logs(source: Repository, target: Repository) -> None:
    """Refuse a target whose change log is not (a copy of part of) the source's: merging
    two logs id by id would overwrite one with the other."""
    first = next(iter(target.iter_changes(ChangeQuery(limit=1))), None)
    if first is None or first.id is None:
        return
    same = next(iter(source.iter_changes(ChangeQuery(ids=(first.id,)))), None)
    if same is None or same.model_dump() != first.model_dump():
        raise UsageError("the target already holds the change log of another store",
                         hint="copy into an empty store; nothing was copied")
