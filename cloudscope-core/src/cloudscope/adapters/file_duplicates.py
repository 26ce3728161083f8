"""Finding ids listed twice in one file, in memory that does not grow with the file.

Each record leaves three integers (a hash of its identity, a fingerprint of its text, its
position) in a private temporary SQLite database, which lives on disk and sorts with a
small cache. At the end, identities seen with two different fingerprints are *suspects*:
the caller reads those records again and compares them as models, so that the same asset
written twice with its keys in another order is not a conflict, and a hash collision is
not one either.
"""

from __future__ import annotations

import sqlite3
from typing import Final

FLUSH_EVERY: Final = 10_000
MAX_SUSPECTS: Final = 1000


class DuplicateGuard:
    """Collects (identity hash, fingerprint, position) triples; reports suspect pairs."""

    def __init__(self) -> None:
        # An empty name is a private temporary database on disk, deleted when closed.
        self._database = sqlite3.connect("", isolation_level=None)
        self._database.execute("PRAGMA journal_mode = OFF")
        self._database.execute("PRAGMA synchronous = OFF")
        self._database.execute(
            "CREATE TABLE seen (identity INTEGER, fingerprint INTEGER, position INTEGER)")
        self._pending: list[tuple[int, int, int]] = []

    def add(self, identity: int, fingerprint: int, position: int) -> None:
        """Note that the record at ``position`` has this identity and text fingerprint."""
        self._pending.append((identity, fingerprint, position))
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._database.execute("BEGIN")
            self._database.executemany("INSERT INTO seen VALUES (?, ?, ?)", self._pending)
            self._database.execute("COMMIT")
            self._pending = []

    def suspects(self) -> list[tuple[int, int]]:
        """Pairs (first position, later position) of records with the same identity hash and
        different fingerprints, in file order of the later one (at most a thousand)."""
        self._flush()
        rows = self._database.execute(
            "SELECT identity, fingerprint, min(position) AS first FROM seen"
            " WHERE identity IN (SELECT identity FROM seen GROUP BY identity"
            "                    HAVING min(fingerprint) != max(fingerprint) LIMIT ?)"
            " GROUP BY identity, fingerprint ORDER BY identity, first",
            (MAX_SUSPECTS,)).fetchall()
        pairs: list[tuple[int, int]] = []
        earliest: dict[int, int] = {}
        for identity, _, first in rows:
            if identity in earliest:
                pairs.append((earliest[identity], first))
            else:
                earliest[identity] = first
        return sorted(pairs, key=lambda pair: pair[1])

    def close(self) -> None:
        """Delete the temporary database."""
        self._database.close()
