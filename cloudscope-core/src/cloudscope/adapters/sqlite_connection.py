"""The SQLite store's connection: opening, checking, migrating, and transactions.

WAL journaling so that readers never block the writer; one ``BEGIN IMMEDIATE`` transaction
per batch, so that two ``collect`` processes on one file take turns instead of failing
half way, and a process killed mid-batch leaves the previous state intact.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import parse_qs

from cloudscope.adapters import sqlite_schema
from cloudscope.adapters.store_url import timeout_option, url_path
from cloudscope.domain.documents import not_regular
from cloudscope.domain.errors import StoreError

T = TypeVar("T")

FETCH_SIZE: Final = 1000
# SQLite allows 32766 host parameters since 3.32; stay well below for IN (...) lists.
MAX_PARAMETERS: Final = 900
# Ids looked up per statement when a batch is written (passed as one JSON array).
MAX_BATCH_LOOKUP: Final = 10_000


def parse_stamp(text: str | None) -> datetime | None:
    """The inverse of :func:`stamp`."""
    return datetime.fromisoformat(text) if text else None


def path_from_url(url: str) -> str:
    """``sqlite:///relative.db`` -> ``relative.db``; ``sqlite:////abs.db`` -> ``/abs.db``."""
    rest = url.split(":", 1)[1]
    if not rest.startswith("//"):
        raise StoreError(f"--db {url!r}: expected sqlite:///relative/path.db or "
                         "sqlite:////absolute/path.db")
    path = url_path(url, rest[2:].split("?", 1)[0])
    if path.startswith("/"):
        path = path[1:]
    if not path:
        raise StoreError(f"--db {url!r} names no file", hint="e.g. sqlite:///cloudscope.db")
    return path


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


class SQLiteConnection:
    """One SQLite file opened, checked and migrated; the base of the repository's parts.

    URL options: ``?timeout=SECONDS`` (how long a writer waits for another, default 30) and
    ``?mode=ro`` (open read-only: queries only, never a write).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_from_url(url)
        options = parse_qs(url.partition("?")[2])
        timeout = timeout_option(url, options)
        self.read_only = options.get("mode", [""])[0] == "ro"
        if self.path != ":memory:":
            try:
                parent = Path(self.path).resolve().parent
                if Path(self.path).is_dir():
                    raise StoreError(f"--db {url!r}: {self.path} is a directory, expected a file")
                # SQLite would block on a FIFO and write journals beside a device
                # (/dev/null-journal): a store is a regular file or a new one.
                problem = Path(self.path).exists() and not_regular(os.stat(self.path).st_mode)
                if problem:
                    raise StoreError(f"--db {url!r}: {self.path} {problem}")
                if not parent.is_dir():
                    raise StoreError(f"--db {url!r}: directory {parent} does not exist")
                writable = os.access(parent, os.W_OK) and (
                    not Path(self.path).exists() or os.access(self.path, os.W_OK))
            except OSError as error:  # a name too long, a loop of links
                raise StoreError(f"--db {url!r}: {error.strerror or error}") from None
            # SQLite would open it, then fail on its first read ("unable to open database
            # file": the WAL's shared memory cannot be created) or write: say why up front.
            if not self.read_only and not writable:
                raise StoreError(f"{self.path} is read-only (its file or directory cannot be "
                                 "written, e.g. a read-only filesystem)",
                                 hint="use a writable --db, or add ?mode=ro to only read it; "
                                      "nothing was changed")
        try:
            target = f"file:{self.path}?mode=ro" if self.read_only else self.path
            if self.read_only and not os.access(Path(self.path).resolve().parent, os.W_OK):
                # On a read-only medium nobody can change the file, and SQLite could not
                # create the WAL's shared memory beside it: read it as immutable.
                target += "&immutable=1"
            self._connection = sqlite3.connect(target, timeout=timeout, uri=self.read_only,
                                               isolation_level=None, check_same_thread=False)
            self._connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {self.path}: {error}") from None
        self._check_and_migrate()

    def _check_and_migrate(self) -> None:
        try:
            tables = {row[0] for row in self._connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a SQLite database ({error})",
                             hint="choose another --db") from None
        if tables and "cloudscope_meta" not in tables:
            shown = ", ".join(sorted(tables)[:5])
            raise StoreError(f"{self.path} is not a CloudScope database (it holds tables {shown})",
                             hint="choose another --db; nothing was changed")
        if self.read_only:
            if self.schema_version() != sqlite_schema.CURRENT_VERSION:
                raise StoreError(f"{self.path} needs migrating, which a read-only store cannot do",
                                 hint="run `cloudscope db migrate` without ?mode=ro")
            return
        try:
            if self._connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error) and "read-only" not in str(error):
                raise StoreError(f"{self.path}: {error}") from None
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.execute("PRAGMA foreign_keys = OFF")
        if self.schema_version() < sqlite_schema.CURRENT_VERSION:
            self.migrate()
        elif self.schema_version() > sqlite_schema.CURRENT_VERSION:
            raise StoreError(f"{self.path} has schema {self.schema_version()}, newer than this "
                             f"CloudScope supports ({sqlite_schema.CURRENT_VERSION})",
                             hint="upgrade cloudscope-core")

    def schema_version(self) -> int:
        """The schema version recorded in the file (0 for an empty file)."""
        try:
            row = self._connection.execute(
                "SELECT value FROM cloudscope_meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a SQLite database ({error})") from None
        return int(row[0]) if row else 0

    def migrate(self) -> int:
        """Apply every missing migration in one transaction; idempotent."""
        with self._transaction():
            current = self.schema_version()
            for version in sorted(v for v in sqlite_schema.MIGRATIONS if v > current):
                for statement in sqlite_schema.MIGRATIONS[version]:
                    self._connection.execute(statement)
                self._connection.executemany(
                    "INSERT OR REPLACE INTO cloudscope_meta (key, value) VALUES (?, ?)",
                    [("application", sqlite_schema.APPLICATION),
                     ("schema_version", str(version))])
        return self.schema_version()

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def local_paths(self) -> tuple[Path, ...]:
        """The database file and the journals SQLite keeps beside it, by the name given
        and by the resolved name (SQLite names its journals after either)."""
        if self.path == ":memory:":
            return ()
        bases = dict.fromkeys((Path(self.path).absolute(), Path(self.path).resolve()))
        return tuple(Path(f"{base}{suffix}") for base in bases
                     for suffix in ("", "-wal", "-shm", "-journal"))

    def execute_integrity_check(self) -> str:
        """SQLite's own consistency check: ``"ok"`` when the file is sound."""
        return str(self._connection.execute("PRAGMA integrity_check").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection
        try:
            # IMMEDIATE takes the write lock up front: a second writer waits (busy_timeout)
            # instead of failing when it tries to upgrade a read lock.
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._store_error(error) from None
        try:
            yield connection
        except BaseException as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._store_error(error) from None
            raise
        else:
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise self._store_error(error) from None

    def _store_error(self, error: sqlite3.Error) -> StoreError:
        text = str(error)
        if "locked" in text or "busy" in text:
            return StoreError(f"{self.path} is locked by another process ({text})",
                              hint="retry later, or raise ?timeout= in the --db URL")
        if "readonly" in text or "read-only" in text:
            return StoreError(f"{self.path} is read-only ({text})",
                              hint="use a writable --db")
        return StoreError(f"{self.path}: {text}")
