"""The built-in ``file`` collector: ``cloudscope collect file PATH [PATH...]``.

A file is accepted whole or not at all. Since the core writes batches as they stream, each
file is read twice: :meth:`FileCollector.plan` validates every file completely (bad input
stops the run with exit code 2 before anything is written), then :meth:`collect` streams
it again, refusing to finish if the file is not byte for byte the one validated. A JSON
Lines file's second pass does not validate again: it proves each chunk of lines to be the
bytes the first pass validated (a digest per chunk) before it yields any of its items.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cloudscope.adapters.file_duplicates import PAGE, DuplicateGuard
from cloudscope.adapters.file_formats import FORMATS, READERS, RecordReader, format_of
from cloudscope.adapters.file_records import Item
from cloudscope.domain.asset import Asset
from cloudscope.domain.documents import not_regular
from cloudscope.domain.errors import CollectionError, InputError, UsageError
from cloudscope.domain.scope import ScopeKey
from cloudscope.domain.serialization import dumps
from cloudscope.ports.collector import CollectContext, Collector

Stamp = tuple[int, int, int, int]
Validated = tuple[Stamp, bytes, list[bytes]]  # the file's stamp, digest and chunk digests


def _identity(item: Item) -> str | tuple[str, str, str]:
    return item.id if isinstance(item, Asset) else item.key


def _canonical(item: Item) -> str:
    """The item's data as text that does not depend on how the file wrote it (key order,
    spacing, escapes): two listings of an item are the same when these are equal."""
    return dumps(item.model_dump(mode="json"), sort_keys=True)


class SourceFile:
    """One input file: its scope, a validating first pass and a guarded second pass."""

    def __init__(self, given: str, file_format: str | None) -> None:
        self.display = given
        path = Path(given).expanduser()
        try:
            info = path.stat()
        except FileNotFoundError:
            raise InputError("no such file", location=given) from None
        except (OSError, ValueError) as error:  # ValueError: a NUL in the path
            raise InputError(f"cannot read it ({getattr(error, 'strerror', None) or error})",
                             location=given) from None
        problem = not_regular(info.st_mode)
        if problem:
            raise InputError(problem, location=given,
                             hint="give the files in it, e.g. DIR/*.json"
                             if stat.S_ISDIR(info.st_mode) else
                             "a file is read twice (validated, then collected): copy a "
                             "stream to a file first")
        self.path = path.resolve()
        try:
            str(self.path).encode("utf-8")
        except UnicodeEncodeError:
            # The path becomes the scope's account, stored and exported as UTF-8 text: a
            # name in another encoding (bytes Python keeps as lone surrogates) cannot be.
            raise InputError("the file's path is not valid UTF-8", location=given,
                             hint="rename the file (or its directory) to a UTF-8 name") \
                from None
        self.format = format_of(path, file_format)
        self.scope = ScopeKey(provider="file", account=str(self.path), region=None,
                              service="file")
        self._validated: Validated | None = None

    def reader(self) -> RecordReader:
        """A fresh reader of the file."""
        return READERS[self.format](self.path, self.display)

    def _stamp(self) -> Stamp:
        info = os.stat(self.path)
        return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)

    def validate(self) -> int:
        """Read the whole file, raising an InputError at the first problem; return the count
        of records. Remembers what it read, for :meth:`stream`."""
        before = self._stamp()
        reader = self.reader()
        guard = DuplicateGuard()
        count = 0
        try:
            for record in reader.records():
                guard.add(hash(_identity(record.item)), record.fingerprint, record.position)
                count += 1
            self._check_duplicates(guard)
        except OSError as error:
            raise InputError(f"cannot read it ({error.strerror})", location=self.display) \
                from None
        finally:
            guard.close()
        if self._stamp() != before:
            raise InputError("the file changed while it was being validated",
                             location=self.display, hint="collect it again once it is written")
        self._validated = (before, reader.digest(), reader.chunk_digests())
        return count

    def _check_duplicates(self, guard: DuplicateGuard) -> None:
        """Refuse an item listed again with different data (the same item repeated, even
        with its keys in another order, is fine): suspects are read again and compared by
        their canonical form, every one of them, in bounded memory."""
        suspects = guard.suspects()
        wanted = next(suspects, None)
        if wanted is None:
            return  # the common case: no identity was seen with two texts
        for record in self.reader().records():
            if record.position == wanted:
                guard.add_canonical(hash(_identity(record.item)), hash(_canonical(record.item)),
                                    record.position)
                wanted = next(suspects, None)
                if wanted is None:
                    break
        pairs: list[tuple[int, int]] = []
        for pair in guard.conflicts():
            pairs.append(pair)
            if len(pairs) >= PAGE:
                self._reject_conflicts(pairs)
                pairs = []
        self._reject_conflicts(pairs)

    def _reject_conflicts(self, pairs: list[tuple[int, int]]) -> None:
        """Raise for the first pair (in file order of the later record) that is really the
        same identity with different data; pairs whose identities only share a hash pass."""
        if not pairs:
            return
        wanted = {position for pair in pairs for position in pair}
        reader = self.reader()
        items = {record.position: record.item for record in reader.records()
                 if record.position in wanted}
        for first, later in pairs:
            one, other = items[first], items[later]
            if type(one) is not type(other) or _identity(one) != _identity(other):
                continue  # two identities with the same hash
            if _canonical(one) != _canonical(other):
                what = f"id {one.id!r}" if isinstance(one, Asset) else \
                    "relationship {} -{}-> {}".format(*_identity(one))
                raise InputError(f"{what} is listed again with different data (first at "
                                 f"{reader.describe(first)})",
                                 location=reader.location(later),
                                 hint="list each item once")

    def stream(self) -> Iterator[Item]:
        """The file's items, read again; a CollectionError (the scope fails and keeps what it
        had) if the file is not the one :meth:`validate` read."""
        if self._validated is None:
            raise CollectionError(f"{self.display} was not validated")
        stamp, digest, chunks = self._validated
        changed = f"{self.display} changed after it was validated; collect it again"
        if self._stamp() != stamp:
            raise CollectionError(changed)
        reader = self.reader()
        try:
            yield from reader.items(chunks)
        except (InputError, OSError) as error:
            raise CollectionError(f"{changed} ({error})") from None
        if reader.digest() != digest or self._stamp() != stamp:
            raise CollectionError(changed)


class FileCollector(Collector):
    """Collect assets from files: CSV, JSON, JSON Lines or YAML (see docs/files.md).

    Each file is its own scope (provider ``file``, account the file's absolute path):
    collecting a newer version of a file removes what it no longer lists. Added in API 1.0.
    """

    # Files are read from a local disk: a couple of threads keep the writer busy.
    default_concurrency = 2

    def __init__(self, ctx: CollectContext, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._sources: dict[str, SourceFile] = {}

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``PATH [PATH...]`` and ``--file-format``."""
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="files to collect (.csv, .json, .jsonl/.ndjson, .yaml/.yml)")
        parser.add_argument("--file-format", choices=FORMATS, metavar="FORMAT",
                            help=f"read every PATH as this format ({', '.join(FORMATS)}) "
                                 "instead of guessing from its extension")

    def plan(self) -> list[ScopeKey]:
        """Validate every file completely; the first bad one stops the run (exit code 2)."""
        paths = self.options.get("paths")
        if not paths:
            raise UsageError("collect file: give at least one PATH")
        for given in paths:
            source = SourceFile(str(given), self.options.get("file_format"))
            if source.scope.key not in self._sources:
                records = source.validate()
                if self.ctx.log is not None:
                    self.ctx.log.info("file_validated", path=str(source.path), records=records)
                self._sources[source.scope.key] = source
        return [source.scope for source in self._sources.values()]

    def collect(self, scope: ScopeKey) -> Iterator[Item]:
        """Stream the file's assets and relationships."""
        source = self._sources.get(scope.key)
        if source is None:
            raise CollectionError(f"{scope.account} was not planned by this collector")
        return source.stream()
