"""Where a command may write: the one guard every output path goes through.

Issue 12: ``export csv --dictionary victim.db`` turned the database into Markdown. Now no
output may be the store (its file, or the ``-wal``, ``-shm`` or ``-journal`` SQLite keeps
beside it), a path inside a ``file://`` store's directory, or either of those under another
name: paths are compared after resolving symlinks and ``..``, and existing files by device
and inode, which catches hard links. What is written depends on what the path is:

- a regular file, or a path that does not exist yet: written to a temporary file beside
  it and renamed into place (atomic); through a symlink, the link's target is replaced and
  the link kept;
- a named pipe (FIFO), a character device (``/dev/null``, a terminal) or a process's
  descriptor (``/dev/stdout``, ``/dev/fd/3``): written as a stream, never replaced, never
  truncated, never created;
- a directory, a block device or a socket: refused.

Every refusal is a :class:`UsageError` naming the option and the path (exit code 2).
"""

from __future__ import annotations

import enum
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cloudscope.domain.errors import UsageError

# /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N, /proc/PID/fd/N: the caller's own
# descriptors, whatever they are open on (a pipe, a terminal, or a file the shell opened).
_DESCRIPTOR: Final = re.compile(r"^/(dev/(stdin|stdout|stderr|fd/\d+)|proc/(self|\d+)/fd/\d+)$")


class OutputKind(enum.Enum):
    """How an output path is written."""

    FILE = "file"        # a temporary file renamed into place
    STREAM = "stream"    # opened and written as it goes


@dataclass(frozen=True)
class Output:
    """A checked output path: ``path`` is where to write (the resolved path of a file)."""

    given: str
    path: Path
    kind: OutputKind
    identity: tuple[int, int] | None  # (device, inode) of an existing path


class StoreFootprint:
    """What a store occupies on this machine: paths (resolved) and, for those that exist,
    their (device, inode), with every file directly inside a store directory."""

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self.paths: set[Path] = set()
        self.directories: set[Path] = set()
        self.identities: set[tuple[int, int]] = set()
        for path in paths:
            resolved = Path(os.path.realpath(path))
            self.paths.add(resolved)
            info = _stat(resolved)
            if info is None:
                continue
            self.identities.add((info.st_dev, info.st_ino))
            if stat.S_ISDIR(info.st_mode):
                self.directories.add(resolved)
                try:
                    entries = [entry.stat(follow_symlinks=False)
                               for entry in os.scandir(resolved)]
                except OSError:
                    entries = []  # unreadable: paths inside are still refused by name
                self.identities.update((entry.st_dev, entry.st_ino) for entry in entries)

    def __bool__(self) -> bool:
        return bool(self.paths)

    def holds(self, resolved: Path, identity: tuple[int, int] | None) -> bool:
        """Whether writing ``resolved`` (of ``identity`` when it exists) would touch the store."""
        return self.problem(resolved, identity) is not None

    def problem(self, resolved: Path, identity: tuple[int, int] | None) -> str | None:
        """What is wrong with writing ``resolved``: the words for the message, or None."""
        if resolved in self.paths or identity in self.identities:
            return "is the store itself or one of its files"
        for directory in self.directories:
            if resolved.is_relative_to(directory):
                return f"is inside the store directory {directory}"
        return None

    def overlaps(self, other: StoreFootprint) -> bool:
        """Whether two stores share a path or a file (``db copy`` of a store into itself)."""
        return bool(self.paths & other.paths or self.identities & other.identities
                    or any(self.holds(path, None) for path in other.paths)
                    or any(other.holds(path, None) for path in self.paths))


def check_output(given: str | Path, option: str = "--output",
                 store: StoreFootprint | None = None) -> Output:
    """Check one output path against the rules above; ``store`` is what it must not touch."""
    text = os.fspath(given)
    shown = f"{option} {text}"
    path = Path(text)
    try:
        info = _stat(path)
    except (OSError, ValueError) as error:  # a loop of links, a name too long, a NUL
        raise UsageError(f"{shown}: cannot be written ({_reason(error)})") from None
    identity = (info.st_dev, info.st_ino) if info is not None else None
    resolved = Path(os.path.realpath(path))
    problem = store.problem(resolved, identity) if store is not None else None
    if problem:
        raise UsageError(f"{shown}: {problem}", hint="writing there would destroy the "
                                                     "inventory; choose another path")
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{shown}: is a directory", hint="give a file name")
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
            return Output(text, path, OutputKind.STREAM, identity)
        if not stat.S_ISREG(info.st_mode):
            kind = "block device" if stat.S_ISBLK(info.st_mode) else \
                "socket" if stat.S_ISSOCK(info.st_mode) else "special file"
            raise UsageError(f"{shown}: is a {kind}; only files, pipes and character devices "
                             "are written")
        if _DESCRIPTOR.match(os.path.abspath(text)):
            # A file the shell opened for us (`> out.csv`, `>> log`): write into that open
            # file as a stream, appending, rather than renaming a new file over its name.
            return Output(text, path, OutputKind.STREAM, identity)
    parent = resolved.parent
    if not parent.is_dir():
        if parent.exists():
            raise UsageError(f"{shown}: {parent} is not a directory")
        raise UsageError(f"{shown}: directory {parent} does not exist", hint="create it first")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{shown}: directory {parent} is not writable")
    return Output(text, resolved, OutputKind.FILE, identity)


def names_stdout(given: str) -> bool:
    """Whether ``given`` names this process's standard output (``/dev/stdout``,
    ``/dev/fd/1``, ``/proc/self/fd/1``)."""
    path = os.path.abspath(given)
    return path in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", f"/proc/{os.getpid()}/fd/1")


def is_protected(path: Path, store: StoreFootprint) -> bool:
    """Whether ``path`` (as given) is the store, inside it, or one of its files by another
    name: for code that removes or replaces files it did not just write."""
    info = _stat(path)
    identity = (info.st_dev, info.st_ino) if info is not None else None
    return store.holds(Path(os.path.realpath(path)), identity)


def same_place(outputs: Sequence[Output], candidate: Output) -> bool:
    """Whether ``candidate`` is one of ``outputs`` again (by path, or by inode), character
    devices aside: ``--output /dev/null --dictionary /dev/null`` is fine."""
    for output in outputs:
        if output.path == candidate.path or (
                candidate.identity is not None and output.identity == candidate.identity):
            return not (candidate.kind is OutputKind.STREAM and _is_character_device(candidate))
    return False


def _is_character_device(output: Output) -> bool:
    info = _stat(output.path)
    return info is not None and stat.S_ISCHR(info.st_mode)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # a parent is a file: reported as "directory ... does not exist"


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)
