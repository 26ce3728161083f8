"""The mechanics of the file repository: JSON Lines tables, a lock, atomic commits.

A store is a directory of JSON Lines files, one record per line with sorted keys, lines
sorted by key, so that ``git diff`` shows what changed. A commit that changes several files
is atomic: the new files are written beside the old ones (``*.tmp``, fsynced), then a small
journal naming them is renamed into place (the commit point), then each file is renamed
over its old version and the journal removed. Whoever opens the store next finishes an
interrupted commit (the journal exists) or discards its temporary files (it does not);
only the temporary files of the store's own names (``assets.jsonl.tmp``...) are touched.
Writers take turns through ``fcntl.flock`` on a lock file; readers share it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Final

from cloudscope.domain.errors import StoreError
from cloudscope.domain.serialization import dumps

JOURNAL: Final = "commit.json"
LOCK: Final = ".cloudscope.lock"
TEMPORARY: Final = ".tmp"

Stamp = tuple[int, int, int]


def _stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def fsync_directory(directory: Path) -> None:
    """Make renames in ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a store holds")


# NaN and Infinity appear only if the file was edited by hand: refused as an invalid record.
_decode: Final = json.JSONDecoder(parse_constant=_no_constant).decode


def encode(record: dict[str, Any]) -> str:
    """One line: sorted keys, compact, non-ASCII kept (diff-friendly and readable).

    The serializer every repository uses, so that each accepts exactly the same values.
    """
    return dumps(record, sort_keys=True)


class Table:
    """One JSON Lines file held in memory: records by key, and their lines as written."""

    def __init__(self, directory: Path, name: str, key: Callable[[dict[str, Any]], Hashable]):
        self.path = directory / name
        self.name = name
        self._key = key
        self._stamp: Stamp | bool | None = False  # False: never read
        self.records: dict[Any, dict[str, Any]] = {}
        self._lines: dict[Any, str] = {}
        self.dirty = False

    def refresh(self) -> None:
        """Read the file again if it changed since it was last read or written."""
        stamp = _stamp(self.path)
        if stamp == self._stamp:
            return
        records: dict[Any, dict[str, Any]] = {}
        lines: dict[Any, str] = {}
        if stamp is not None:
            with self.path.open(encoding="utf-8") as stream:
                for number, line in enumerate(stream, start=1):
                    line = line.rstrip("\n")
                    if not line:
                        continue
                    try:
                        record = _decode(line)
                        key = self._key(record)
                    except (ValueError, KeyError, TypeError) as error:
                        raise StoreError(f"{self.path}:{number} is not a valid record ({error})",
                                         hint="restore the file from version control") from None
                    records[key] = record
                    lines[key] = line
        self.records, self._lines, self._stamp, self.dirty = records, lines, stamp, False

    def forget(self) -> None:
        """Drop what is held, so that the next refresh reads the file (after a failed write)."""
        self._stamp = False
        self.dirty = False

    def put(self, record: dict[str, Any]) -> None:
        """Insert or replace a record; it reads back as it will read from the file."""
        line = encode(record)
        key = self._key(record)
        self._lines[key] = line
        self.records[key] = _decode(line)
        self.dirty = True

    def delete(self, key: Any) -> None:
        """Remove a record if present."""
        if self.records.pop(key, None) is not None:
            del self._lines[key]
            self.dirty = True

    def content(self) -> bytes:
        """The file's new content: lines sorted by key."""
        text = "".join(self._lines[key] + "\n" for key in sorted(self._lines))
        return text.encode("utf-8")

    def written(self) -> None:
        """Note that the file now holds what is in memory."""
        self._stamp = _stamp(self.path)
        self.dirty = False


class Directory:
    """A store directory: its lock, its crash recovery and its atomic commits.

    ``names`` are the files the store commits (tables, ``meta.json``...). Only their
    temporary files (``NAME.tmp``) and the journal are the directory's to finish or remove:
    anything else a user keeps there, ``notes.tmp`` included, is never touched (issue 12).
    """

    def __init__(self, path: Path, *, timeout: float, read_only: bool,
                 names: Iterable[str]) -> None:
        self.path = path
        self.timeout = timeout
        self.read_only = read_only
        self.names = frozenset(names)
        self._lock_file: IO[str] | None = None

    def open_lock(self) -> None:
        """Open (create) the lock file; a directory we cannot write is read-only."""
        lock = self.path / LOCK
        try:
            self._lock_file = lock.open("r" if self.read_only else "a+")
            return
        except FileNotFoundError:
            self.read_only = True
            return
        except OSError as error:
            if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise StoreError(f"cannot open {lock}: {error.strerror}") from None
        # Not writable (permissions, a read-only filesystem): readers still share the lock.
        self.read_only = True
        if lock.exists():
            self._lock_file = lock.open("r")

    def close(self) -> None:
        """Release the lock file."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    @contextmanager
    def locked(self, exclusive: bool) -> Iterator[None]:
        """Hold the lock (shared for readers, exclusive for writers), waiting up to timeout."""
        if self._lock_file is None:
            yield
            return
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self._lock_file.fileno(), mode | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise StoreError(f"cannot lock {self.path}: {error.strerror}") from None
                if time.monotonic() >= deadline:
                    raise StoreError(f"{self.path} is locked by another process",
                                     hint="retry later, or raise ?timeout= in the --db URL") \
                        from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def _temporaries(self) -> list[Path]:
        """The temporary files of our own names that exist (the journal's included)."""
        names = sorted(self.names | {JOURNAL})
        return [path for name in names if (path := self.path / (name + TEMPORARY)).exists()
                or path.is_symlink()]

    def needs_recovery(self) -> bool:
        """True when a commit was interrupted or left temporary files."""
        return (self.path / JOURNAL).exists() or bool(self._temporaries())

    def _ours(self, path: Path) -> Path:
        """``path`` when it is a regular file, as everything this class writes is."""
        if not stat.S_ISREG(path.lstat().st_mode):
            raise StoreError(f"{path} is not a file CloudScope wrote (a link or a special file)",
                             hint="move it out of the store directory")
        return path

    def _journal_names(self, journal: Path) -> list[str]:
        """The files a journal names; a StoreError (nothing touched) when it is not ours."""
        try:
            names = json.loads(self._ours(journal).read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError, TypeError):
            names = None  # a torn journal cannot exist (it is renamed into place)
        if not isinstance(names, list) or not set(names) <= self.names:
            raise StoreError(f"{journal} is not a CloudScope commit journal",
                             hint="move it out of the store directory; nothing was changed")
        return names

    def recover(self) -> None:
        """Finish an interrupted commit, or discard one that never reached its commit point.
        Call with the exclusive lock held. Only the store's own temporary files are renamed
        or removed."""
        if self.read_only:
            return
        journal = self.path / JOURNAL
        if journal.exists():
            for name in self._journal_names(journal):
                temporary = self.path / (name + TEMPORARY)
                if temporary.exists():
                    os.replace(self._ours(temporary), self.path / name)
            fsync_directory(self.path)
            journal.unlink()
        for temporary in self._temporaries():
            self._ours(temporary).unlink()
        fsync_directory(self.path)

    def commit(self, files: dict[str, bytes]) -> None:
        """Replace ``files`` (name -> content) all at once, durably."""
        if self.read_only:
            raise StoreError(f"{self.path} is read-only", hint="use a writable --db")
        try:
            try:
                for name, content in files.items():
                    self._write(self.path / (name + TEMPORARY), content)
                if len(files) > 1:
                    journal = json.dumps({"files": sorted(files)}).encode("utf-8")
                    self._write(self.path / (JOURNAL + TEMPORARY), journal)
                    os.replace(self.path / (JOURNAL + TEMPORARY), self.path / JOURNAL)
                    fsync_directory(self.path)  # the commit point
            except OSError:
                # Before the commit point nothing changed: drop the new files at once, so
                # that a full disk gets back the room they took (the run can then record
                # its end), rather than at the next open.
                for name in (*files, JOURNAL):
                    with contextlib.suppress(OSError):
                        (self.path / (name + TEMPORARY)).unlink()
                raise
            for name in files:
                os.replace(self.path / (name + TEMPORARY), self.path / name)
            fsync_directory(self.path)
            if len(files) > 1:
                (self.path / JOURNAL).unlink()
                fsync_directory(self.path)
        except PermissionError as error:
            raise StoreError(f"{self.path} is read-only ({error.strerror})",
                             hint="use a writable --db") from None
        except OSError as error:
            raise StoreError(f"cannot write to {self.path}: {error.strerror}") from None

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        with path.open("wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
