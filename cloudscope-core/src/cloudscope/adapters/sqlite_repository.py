"""The SQLite repository, the embedded default (``sqlite:///cloudscope.db``).

One class made of its concepts, each in a module of its own: the connection and migrations
(:mod:`sqlite_connection`), the write path with staleness (:mod:`sqlite_writes`), the read
and query path (:mod:`sqlite_reads`), and the run log (:mod:`sqlite_runs`).
"""

from __future__ import annotations

from pathlib import Path

from cloudscope.adapters.sqlite_connection import path_from_url
from cloudscope.adapters.sqlite_reads import ASSET_COLUMNS, SQLiteReadPath
from cloudscope.adapters.sqlite_runs import SQLiteRunLog
from cloudscope.adapters.sqlite_writes import SQLiteWritePath
from cloudscope.ports.repository import Repository

__all__ = ["ASSET_COLUMNS", "SQLiteRepository"]


class SQLiteRepository(SQLiteWritePath, SQLiteReadPath, SQLiteRunLog, Repository):
    """A CloudScope store in one SQLite file. Added in API 1.0.

    URL options: ``?timeout=SECONDS`` (how long a writer waits for another, default 30) and
    ``?mode=ro`` (open read-only: queries only, never a write).
    """

    @classmethod
    def exists(cls, url: str) -> bool | None:
        """Whether the URL's file exists (an in-memory store always does)."""
        path = path_from_url(url)
        return path == ":memory:" or Path(path).exists()
