"""The export use case: stream the repository through an exporter into an atomic target.

Memory stays flat: assets are read in chunks of ``chunk_size``; each chunk's relationships,
findings and the names of related assets are fetched for that chunk only, and the name
cache is bounded. Secrets are redacted here, before any exporter sees a record.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TextIO

from cloudscope.application.changes import window
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import Change, ChangeQuery
from cloudscope.domain.errors import CloudScopeError, NotFoundError, PluginError, UsageError, describe_error
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.redaction import (
    redact_asset,
    redact_change,
    redact_finding,
    redact_relationship,
    redact_text,
)
from cloudscope.domain.relationship import Relationship
from cloudscope.ports.exporter import AssetRecord, Exporter, ExportSource, ExportTarget
from cloudscope.ports.repository import Repository, change_log_missing

CHUNK_SIZE: Final = 500
NAME_CACHE_SIZE: Final = 20_000
"""Names of related assets remembered across chunks (a subnet is named by every instance
in it); bounded so that memory does not grow with the inventory."""


class RepositorySource(ExportSource):
    """An :class:`ExportSource` over a repository, redacting as it reads."""

    def __init__(self, repository: Repository, query: AssetQuery, *,
                 chunk_size: int = CHUNK_SIZE) -> None:
        self.repository = repository
        self.query = query
        self.chunk_size = chunk_size
        self.exported = 0
        self._names: OrderedDict[str, str] = OrderedDict()
        self._since: dict[str, datetime | None] = {}

    def records(self, query: AssetQuery | None = None) -> Iterator[AssetRecord]:
        """Matching assets with their relationships and findings, chunk by chunk."""
        assets = self.repository.iter_assets(query or self.query)
        while chunk := list(itertools.islice(assets, self.chunk_size)):
            yield from self._records_of(chunk)

    def _records_of(self, chunk: Sequence[Asset]) -> Iterator[AssetRecord]:
        ids = [asset.id for asset in chunk]
        by_asset: dict[str, list[Relationship]] = defaultdict(list)
        related: set[str] = set()
        for relationship in self.repository.relationships_of(ids):
            relationship = redact_relationship(relationship)
            by_asset[relationship.source_id].append(relationship)
            if relationship.target_id != relationship.source_id:
                by_asset[relationship.target_id].append(relationship)
            related.update((relationship.source_id, relationship.target_id))
        findings: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.repository.findings_of(ids):
            findings[finding.asset_id].append(redact_finding(finding))
        redacted = [redact_asset(asset) for asset in chunk]
        names = self._names_of(related, redacted)
        for asset in redacted:
            self.exported += 1
            yield AssetRecord(asset, by_asset.get(asset.id, []), findings.get(asset.id, []),
                              names)

    def _names_of(self, ids: set[str], chunk: Sequence[Asset]) -> dict[str, str]:
        names = {asset.id: asset.name for asset in chunk if asset.name and asset.id in ids}
        missing = []
        for asset_id in ids.difference(names):
            cached = self._names.get(asset_id)
            if cached is None:
                missing.append(asset_id)
            else:
                self._names.move_to_end(asset_id)
                if cached:
                    names[asset_id] = cached
        if missing:
            found = {asset_id: redact_text(name)
                     for asset_id, name in self.repository.names_of(missing).items()}
            for asset_id in missing:
                # Remember misses too (""), so an unstored target is not looked up again.
                self._remember(asset_id, found.get(asset_id, ""))
                if found.get(asset_id):
                    names[asset_id] = found[asset_id]
        return names

    def _remember(self, asset_id: str, name: str) -> None:
        self._names[asset_id] = name
        if len(self._names) > NAME_CACHE_SIZE:
            self._names.popitem(last=False)

    def changes_of(self, asset_ids: Sequence[str], since: str) -> Mapping[str, Sequence[Change]]:
        """The assets' changes since ``since``, from the repository's change log."""
        if since not in self._since:
            if not self.repository.has_change_log():
                raise change_log_missing(self.repository)
            self._since[since] = window(self.repository, since, None,
                                        since_option="--changed-since")[0]
        found: dict[str, list[Change]] = defaultdict(list)
        for start in range(0, len(asset_ids), self.chunk_size):
            query = ChangeQuery(since=self._since[since],
                                asset_ids=tuple(asset_ids[start:start + self.chunk_size]))
            for change in self.repository.iter_changes(query):
                found[change.asset_id].append(redact_change(change))
        return found

    def count(self, query: AssetQuery | None = None) -> int:
        """How many assets match, from the repository's count."""
        return self.repository.count_assets(query or self.query)

    def neighbourhood(self, asset_id: str, depth: int, *, limit: int) -> list[str]:
        """Breadth-first search over relationships in both directions."""
        if self.repository.get_asset(asset_id) is None:
            raise NotFoundError(f"--around {asset_id!r}: no asset with this id",
                                hint="see `cloudscope assets list`")
        seen = {asset_id}
        frontier = [asset_id]
        for _ in range(depth):
            reached = []
            for relationship in self.repository.relationships_of(frontier):
                for other in (relationship.source_id, relationship.target_id):
                    if other not in seen:
                        seen.add(other)
                        reached.append(other)
            if len(seen) > limit:
                raise UsageError(f"--around {asset_id!r} --depth {depth} reaches more than "
                                 f"{limit} assets", hint="lower --depth or raise --max-nodes")
            if not reached:
                break
            frontier = reached
        return sorted(seen)


# Targets -------------------------------------------------------------------------------
@dataclass
class _Pending:
    final: Path
    temporary: Path
    stream: TextIO


class _AtomicFiles(ExportTarget):
    """Files written to a temporary name in their directory, fsynced, then renamed.

    A reader never sees a partial file under a final name; if the export fails, every
    temporary file is removed and existing files are left as they were.
    """

    def __init__(self) -> None:
        self.files: list[str] = []
        self._pending: list[_Pending] = []

    def _open_file(self, final: Path, option: str) -> TextIO:
        check_output_path(final, option)
        if any(pending.final == final for pending in self._pending):
            raise UsageError(f"{option} {final}: written twice by this export")
        try:
            handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp",
                                            dir=final.parent)
        except OSError as error:
            raise UsageError(f"{option} {final}: cannot write in {final.parent} "
                             f"({error.strerror or error})") from None
        stream = open(handle, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed at commit)
        self._pending.append(_Pending(final, Path(name), stream))
        return stream

    def open_extra(self, path: str, *, option: str = "file") -> TextIO:
        """A further file (a data dictionary), committed with the rest."""
        return self._open_file(Path(path), option)

    def commit(self) -> None:
        """Make every file durable, then rename each into place."""
        mode = _file_mode()
        for pending in self._pending:
            pending.stream.flush()
            # mkstemp makes 0600 files; an export gets the mode of any new file (umask).
            os.chmod(pending.stream.fileno(), mode)
            os.fsync(pending.stream.fileno())
            pending.stream.close()
        for pending in self._pending:
            os.replace(pending.temporary, pending.final)
            self.files.append(str(pending.final))
        for directory in {pending.final.parent for pending in self._pending}:
            _fsync_directory(directory)
        self._pending.clear()

    def abort(self) -> None:
        """Remove every temporary file; final paths are untouched."""
        for pending in self._pending:
            try:
                pending.stream.close()
            except OSError:
                pass
            pending.temporary.unlink(missing_ok=True)
        self._pending.clear()


class StreamTarget(_AtomicFiles):
    """Standard output (``--output -``): written as it goes, so it cannot be atomic.
    Extra files (a data dictionary) are still written atomically."""

    label = "-"

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream

    @property
    def supports_parts(self) -> bool:
        """Stdout is one stream."""
        return False

    def open(self, part: int | None = None) -> TextIO:
        """Stdout, or a ``UsageError`` for numbered parts."""
        if part is not None:
            raise UsageError("this export writes numbered files", hint="give --output PATH")
        return self._stream or sys.stdout

    def commit(self) -> None:
        """Flush stdout, then commit extra files."""
        (self._stream or sys.stdout).flush()
        super().commit()


class FileTarget(_AtomicFiles):
    """The file given with ``--output``, or its numbered parts, written atomically."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.label = str(path)
        self._parts: set[int] = set()
        check_output_path(self.path, "--output")

    def part_path(self, part: int | None) -> Path:
        """``estate.csv`` for the whole output, ``estate-001.csv`` for part 1."""
        if part is None:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{part:03d}{self.path.suffix}")

    def open(self, part: int | None = None) -> TextIO:
        """A temporary file beside the final path, renamed into place by :meth:`commit`."""
        if part is not None:
            if part < 1:
                raise ValueError(f"parts are numbered from 1, got {part}")
            self._parts.add(part)
        return self._open_file(self.part_path(part), "--output")

    def commit(self) -> None:
        """Rename every file into place; remove stale later parts of a previous export."""
        super().commit()
        if self._parts:
            # A previous, longer export left estate-004.csv...: it would read as part of this one.
            part = max(self._parts) + 1
            while (stale := self.part_path(part)).is_file():
                stale.unlink()
                part += 1


def check_output_path(path: Path, option: str = "--output") -> None:
    """A one-line ``UsageError`` when ``path`` cannot be an output file."""
    parent = path.parent
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory", hint="give a file name")
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: directory {parent} does not exist",
                         hint="create it first")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{option} {path}: directory {parent} is not writable")


def _file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    # The renames are durable only once the directory entry is (POSIX); Windows cannot.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def open_target(output: str | None, *, stream: TextIO | None = None) -> StreamTarget | FileTarget:
    """``-`` or nothing for ``stream`` (default stdout), else an atomic file target (checked now)."""
    return StreamTarget(stream) if output in (None, "", "-") else FileTarget(output)


@dataclass
class ExportSummary:
    """What an export wrote."""

    assets: int
    files: list[str] = field(default_factory=list)


def run_export(exporter: Exporter, source: RepositorySource, target: StreamTarget | FileTarget,
               options: Mapping[str, Any]) -> ExportSummary:
    """Export ``source`` with ``exporter``; commit the target on success, discard it otherwise."""
    try:
        exporter.export(source, target, options)
    except (CloudScopeError, KeyboardInterrupt, OSError):
        target.abort()
        raise
    except BaseException as error:  # exporter code, even sys.exit(): nothing is written
        target.abort()
        raise PluginError(f"exporter {type(exporter).__name__} failed: "
                          f"{describe_error(error)}") from error
    target.commit()
    return ExportSummary(source.exported, list(target.files))
