"""The ``db copy`` use case: move an inventory between stores, history and timestamps kept.

Everything goes through the Repository port, streamed in batches, so any two stores that
implement ``iter_stored_*`` and ``restore`` can be copied, whatever their size. The target
must be empty or a CloudScope store (opening it refuses anything else); what it already
holds is merged with the copy, id by id, and its findings are replaced by the source's.
The change log (API 1.1) is copied when both stores keep one, ids included, so that
finding changes still name their causes; a target already holding another store's log is
refused before anything is copied.

Every record is validated again before it is written (issue 12): a store edited by hand, or
written by an older CloudScope, may hold a value the target could not read back (NaN, an
integer beyond 64 bits). Such a record stops the copy with exit code 3, naming it; the
batches before it stay copied, scopes and runs are not (they are copied last), and the copy
can be run again once the source is fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError

from cloudscope.application.output_paths import StoreFootprint
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import ChangeQuery
from cloudscope.domain.errors import EXIT_INCOMPLETE, CloudScopeError, UsageError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import describe_invalid
from cloudscope.ports.repository import Repository, StoredAsset, StoredRelationship

T = TypeVar("T")
Model = TypeVar("Model", bound=BaseModel)


class InvalidRecordError(CloudScopeError):
    """A record of the source that no store may hold as it is: the copy stops (exit 3)."""

    exit_code = EXIT_INCOMPLETE
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
    if StoreFootprint(source.local_paths()).overlaps(StoreFootprint(target.local_paths())):
        raise UsageError("SOURCE_URL and TARGET_URL are the same store (the same file or "
                         "directory under two names)", hint="copy into another store")
    summary = CopySummary()
    copy_log = source.has_change_log() and target.has_change_log()
    if copy_log:
        _check_change_logs(source, target)
    for assets in batched(source.iter_stored_assets(), batch_size):
        target.restore(assets=[_valid_asset(stored, summary) for stored in assets])
        summary.assets += len(assets)
        if on_progress:
            on_progress(summary)
    for relationships in batched(source.iter_stored_relationships(), batch_size):
        target.restore(relationships=[_valid_relationship(stored, summary)
                                      for stored in relationships])
        summary.relationships += len(relationships)
        if on_progress:
            on_progress(summary)
    findings = (_validated(Finding, finding, summary) for finding in source.iter_findings())
    summary.findings = target.replace_findings(AssetQuery(), findings)
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


def _validated(model: type[Model], record: Model, summary: CopySummary) -> Model:
    """``record`` validated again (stores build their records without validation)."""
    try:
        return model.model_validate(dict(record.__dict__))
    except ValidationError as error:
        copied = f"{summary.assets} assets and {summary.relationships} relationships"
        raise InvalidRecordError(
            f"the source holds a record no store may hold: {describe_invalid(error)}",
            hint=f"{copied} were copied before it; fix the record in the source (or collect "
                 "it again) and run the copy again") from None


def _valid_asset(stored: StoredAsset, summary: CopySummary) -> StoredAsset:
    asset = _validated(Asset, stored.asset, summary)
    return stored if asset == stored.asset else stored.model_copy(update={"asset": asset})


def _valid_relationship(stored: StoredRelationship,
                        summary: CopySummary) -> StoredRelationship:
    edge = _validated(Relationship, stored.relationship, summary)
    return stored if edge == stored.relationship else \
        stored.model_copy(update={"relationship": edge})
