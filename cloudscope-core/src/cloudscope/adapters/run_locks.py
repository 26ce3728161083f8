"""Per-run lock files: the liveness lock of runs in SQLite and file stores.

The process that records a run holds an exclusive ``flock`` on ``RUN_ID.lock`` in a
directory beside the store for as long as the run runs. The kernel releases the lock when
the process ends, however it ends (SIGKILL, a crash, the machine's power), so a later
process that can take the lock knows the run's process is gone: a proof, not a guess. The
lock is taken before the run is recorded and released after its end is recorded, so a
run recorded as running whose lock is free is abandoned. A flock is per open file: a
second open of the same file, even in the owner's own process, sees the lock held.

Each lock file also reserves :data:`RESERVE_BYTES` of disk. When the disk fills up mid-run,
the store's writes fail; giving the reserve back lets the run still record its end (its
scopes failed, the run failed) instead of reading ``running`` until space is freed.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Final, TypeVar

from cloudscope.domain.errors import StoreError

T = TypeVar("T")
SUFFIX: Final = ".lock"
RESERVE_BYTES: Final = 1 << 20


class RunLocks:
    """The lock files of one store's runs, in ``directory`` (created on first use)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._held: dict[str, IO[bytes]] = {}

    def _path(self, run_id: str) -> Path:
        # run ids are the store's own (hex uuids); keep anything else out of the path.
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id)
        return self.directory / (safe + SUFFIX)

    def hold(self, run_id: str) -> None:
        """Take the run's lock for as long as this process lives or until :meth:`release`.
        A directory that cannot be written leaves the run without a lock (the store then
        falls back on the run's owner and heartbeat)."""
        if run_id in self._held:
            return
        try:
            if not self.directory.is_dir():
                self.directory.mkdir(exist_ok=True)
                # Keep the locks out of version control (a file store is often a git tree).
                (self.directory / ".gitignore").write_text("*\n", encoding="utf-8")
            stream = self._path(run_id).open("ab")
        except OSError:
            return
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            stream.close()  # another process holds it: a run id is never reused
            return
        self._held[run_id] = stream
        try:
            os.posix_fallocate(stream.fileno(), 0, RESERVE_BYTES)
        except OSError:
            pass  # no room left already: the run goes on without a reserve

    def release(self, run_id: str) -> None:
        """Drop the run's lock and its file (the run's end is recorded)."""
        stream = self._held.pop(run_id, None)
        if stream is None:
            return
        self._remove(run_id)
        stream.close()

    def release_all(self) -> None:
        """Drop every lock this process holds (the store is closed)."""
        for run_id in list(self._held):
            stream = self._held.pop(run_id)
            stream.close()

    def is_held(self, run_id: str) -> bool | None:
        """True while the run's process holds its lock, False once it is gone, None when the
        run has no lock file (recorded elsewhere, or by a CloudScope without run locks)."""
        if run_id in self._held:
            return True
        try:
            stream = self._path(run_id).open("rb")
        except OSError:
            return None
        with stream:
            try:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    return True
                return None
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
        return False

    def give_back(self) -> bool:
        """Free the disk reserved by the runs this process holds; True if there was any."""
        freed = False
        for stream in self._held.values():
            if os.fstat(stream.fileno()).st_size:
                os.ftruncate(stream.fileno(), 0)
                freed = True
        return freed

    def through_full_disk(self, write: Callable[[], T], *, abandoned: str | None = None) -> T:
        """``write()``, the record of a run's or a scope's end; when the store refuses it,
        free the reserves (this process's runs', and the lock file of the run
        ``abandoned``, found dead) and try once more."""
        try:
            return write()
        except StoreError:
            path = self._path(abandoned) if abandoned else None
            freed = self.give_back()
            if path is not None and path.exists():
                self.forget(abandoned or "")
                freed = True
            if not freed:
                raise
            return write()

    def forget(self, run_id: str) -> None:
        """Remove the lock file of a run found abandoned."""
        if run_id not in self._held:
            self._remove(run_id)

    def _remove(self, run_id: str) -> None:
        try:
            os.unlink(self._path(run_id))
        except OSError:
            pass  # already gone, or a directory we cannot write: the lock is free anyway
