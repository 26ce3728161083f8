"""The export use case: stream the repository through an exporter into an atomic target.

Memory stays flat: assets are read in chunks of ``chunk_size``; each chunk's relationships,
findings and the names of related assets are fetched for that chunk only (its incoming
relationships and the names only when an exporter reads them: ``export_records``), and the
name cache is bounded. Secrets are redacted here, before any exporter sees a record.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TextIO

from cloudscope.application.changes import window
from cloudscope.application.export_records import ChunkEdges, LazyNames
from cloudscope.application.output_paths import (
    Output,
    OutputKind,
    StoreFootprint,
    check_output,
    is_protected,
    names_stdout,
    same_place,
)
from cloudscope.domain.asset import Asset
from cloudscope.domain.change import Change, ChangeQuery
from cloudscope.domain.errors import CloudScopeError, NotFoundError, PluginError, UsageError, describe_error
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.redaction import (
    redact_asset,
    redact_change,
    redact_finding,
    redact_text,
)
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
        edges = ChunkEdges(self.repository, ids)
        findings: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.repository.findings_of(ids):
            findings[finding.asset_id].append(redact_finding(finding))
        redacted = [redact_asset(asset) for asset in chunk]
        names = LazyNames(lambda: self._names_of(edges.related(), redacted))
        for asset in redacted:
            self.exported += 1
            yield AssetRecord(asset, edges.of(asset.id), findings.get(asset.id, []), names)

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
            # Sorted, the lookups walk the store's id index in order: half the CPU of the
            # set's hash order on a large store (49,000 names of a security group's members).
            missing.sort()
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
    output: Output
    temporary: Path | None  # None for a stream, written in place
    stream: TextIO
    owned: bool = True  # False for the command's own standard output: flushed, not closed


class _AtomicFiles(ExportTarget):
    """Files written to a temporary name in their directory, fsynced, then renamed.

    A reader never sees a partial file under a final name; if the export fails, every
    temporary file is removed and existing files are left as they were. Every path goes
    through :func:`check_output` (see ``output_paths``): never the store, pipes and devices
    written as streams.
    """

    def __init__(self, stdout: TextIO | None = None) -> None:
        self.files: list[str] = []
        self._pending: list[_Pending] = []
        self._store = StoreFootprint()
        self._stdout = stdout

    def protect(self, store_paths: Iterable[Path]) -> None:
        """Refuse from now on every output that would touch these paths (the store's)."""
        self._store = StoreFootprint(store_paths)
        for pending in self._pending:
            check_output(pending.output.given, "output", self._store)

    def _open_file(self, path: str | Path, option: str) -> TextIO:
        output = check_output(path, option, self._store)
        if same_place([pending.output for pending in self._pending], output):
            raise UsageError(f"{option} {path}: written twice by this export")
        if output.kind is OutputKind.STREAM:
            if self._stdout is not None and names_stdout(output.given):
                # The command's standard output, which the CLI keeps apart from descriptor
                # 1 (plugin prints go to stderr): /dev/stdout means that stream.
                self._pending.append(_Pending(output, None, self._stdout, owned=False))
                return self._stdout
            stream = _open_stream(output, option)
            self._pending.append(_Pending(output, None, stream))
            return stream
        final = output.path
        try:
            handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp",
                                            dir=final.parent)
        except OSError as error:
            raise UsageError(f"{option} {path}: cannot write in {final.parent} "
                             f"({error.strerror or error})") from None
        stream = open(handle, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed at commit)
        self._pending.append(_Pending(output, Path(name), stream))
        return stream

    def open_extra(self, path: str, *, option: str = "file") -> TextIO:
        """A further file (a data dictionary), committed with the rest."""
        return self._open_file(path, option)

    def commit(self) -> None:
        """Make every file durable, then rename each into place; flush and close streams."""
        mode = _file_mode()
        for pending in self._pending:
            pending.stream.flush()
            if pending.temporary is not None:
                # mkstemp makes 0600 files; an export gets the mode of any new file (umask).
                os.chmod(pending.stream.fileno(), mode)
                os.fsync(pending.stream.fileno())
            if pending.owned:
                pending.stream.close()
        for pending in self._pending:
            if pending.temporary is not None:
                os.replace(pending.temporary, pending.output.path)
            self.files.append(pending.output.given)
        for directory in {p.output.path.parent for p in self._pending if p.temporary}:
            _fsync_directory(directory)
        self._pending.clear()

    def abort(self) -> None:
        """Remove every temporary file; final paths are untouched."""
        for pending in self._pending:
            try:
                if pending.owned:
                    pending.stream.close()
            except OSError:
                pass
            if pending.temporary is not None:
                pending.temporary.unlink(missing_ok=True)
        self._pending.clear()


def _open_stream(output: Output, option: str) -> TextIO:
    """A FIFO, a device or a descriptor, opened to append: never created, never truncated.
    Opening a FIFO waits for its reader, as any writer does."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(output.path, flags)
    except OSError as error:
        raise UsageError(f"{option} {output.given}: cannot be written "
                         f"({error.strerror or error})") from None
    info = os.fstat(descriptor)
    if (info.st_dev, info.st_ino) != output.identity:
        os.close(descriptor)  # replaced between the check and the open
        raise UsageError(f"{option} {output.given}: changed while it was being opened")
    return open(descriptor, "w", encoding="utf-8", newline="")


class StreamTarget(_AtomicFiles):
    """Standard output (``--output -``): written as it goes, so it cannot be atomic.
    Extra files (a data dictionary) are still written atomically."""

    label = "-"

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
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
    """The path given with ``--output``, or its numbered parts: files written atomically,
    a pipe or a device written as a stream."""

    def __init__(self, path: str | Path, *, stdout: TextIO | None = None,
                 option: str = "--output") -> None:
        super().__init__(stdout)
        self.path = Path(path)
        self.label = str(path)
        self.option = option
        self._parts: set[int] = set()
        self._output = check_output(self.path, option)

    @property
    def supports_parts(self) -> bool:
        """Numbered files need a file path, not a pipe or a device."""
        return self._output.kind is OutputKind.FILE

    def protect(self, store_paths: Iterable[Path]) -> None:
        """Check the path against the store too, before anything is written."""
        super().protect(store_paths)
        self._output = check_output(self.path, self.option, self._store)

    def part_path(self, part: int | None) -> Path:
        """``estate.csv`` for the whole output, ``estate-001.csv`` for part 1."""
        if part is None:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{part:03d}{self.path.suffix}")

    def open(self, part: int | None = None) -> TextIO:
        """A temporary file beside the final path, renamed into place by :meth:`commit`."""
        if part is not None:
            if not self.supports_parts:
                raise UsageError(f"{self.option} {self.path}: is a pipe or a device; numbered "
                                 "files need a file path", hint="give --output PATH")
            if part < 1:
                raise ValueError(f"parts are numbered from 1, got {part}")
            self._parts.add(part)
        return self._open_file(self.part_path(part), self.option)

    def commit(self) -> None:
        """Rename every file into place; remove stale later parts of a previous export."""
        super().commit()
        if self._parts:
            # A previous, longer export left estate-004.csv...: it would read as part of this
            # one. Only regular files that are not the store's are removed.
            part = max(self._parts) + 1
            while (stale := self.part_path(part)).is_file() and not stale.is_symlink() \
                    and not is_protected(stale, self._store):
                stale.unlink()
                part += 1


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
    """``-`` or nothing for ``stream`` (default stdout), else a file target (checked now;
    checked against the store again by :func:`run_export`)."""
    return StreamTarget(stream) if output in (None, "", "-") else \
        FileTarget(output, stdout=stream)


@dataclass
class ExportSummary:
    """What an export wrote."""

    assets: int
    files: list[str] = field(default_factory=list)


def run_export(exporter: Exporter, source: RepositorySource, target: StreamTarget | FileTarget,
               options: Mapping[str, Any]) -> ExportSummary:
    """Export ``source`` with ``exporter``; commit the target on success, discard it otherwise.
    No output may touch the source's store (``Repository.local_paths``)."""
    target.protect(source.repository.local_paths())
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
