"""The ``db copy`` use case: move an inventory between stores, history and timestamps kept.

Everything goes through the Repository port, streamed in batches, so any two stores that
implement ``iter_stored_*`` and ``restore`` can be copied, whatever their size. The target
must be empty or a CloudScope store (opening it refuses anything else); what it already
holds is merged with the copy, id by id, and its findings are replaced by the source's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Final, TypeVar

from cloudscope.application.output_paths import StoreFootprint
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
    ``source`` into ``target``; each batch is one transaction in the target."""
    if StoreFootprint(source.local_paths()).overlaps(StoreFootprint(target.local_paths())):
        raise UsageError("SOURCE_URL and TARGET_URL are the same store (the same file or "
                         "directory under two names)", hint="copy into another store")
    summary = CopySummary()
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
    # Scopes and runs last: a copy stopped half way never claims a complete collection.
    scopes, runs = source.list_scopes(), source.list_runs()
    target.restore(scopes=scopes, runs=runs)
    summary.scopes, summary.runs = len(scopes), len(runs)
    return summary
