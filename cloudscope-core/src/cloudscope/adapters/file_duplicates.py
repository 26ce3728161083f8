"""Finding ids listed twice in one file with different data, in memory that does not grow
with the file.

Each record leaves three integers (a hash of its identity, a fingerprint of its text, its
position) in a private temporary SQLite database, which lives on disk and sorts with a
small cache. Identities seen with two different fingerprints are *suspects*: the same item
written twice with its keys in another order, or a real conflict. Every suspect record is
then read again and fingerprinted by its *canonical* form (the model's JSON, keys sorted),
and the identities with two canonical fingerprints are the conflicts, reported in file
order of the later record. There is no cap on how many suspects are examined (issue 12: a
cap let a conflict through after a few thousand harmless repeats); suspects are paged
through the database, so memory stays bounded whatever their number.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Final

FLUSH_EVERY: Final = 10_000
PAGE: Final = 10_000
"""Suspect positions, or conflict pairs, fetched at a time."""


class DuplicateGuard:
    """Collects (identity hash, fingerprint, position) triples; finds conflicting pairs."""

    def __init__(self) -> None:
        # An empty name is a private temporary database on disk, deleted when closed.
        self._database = sqlite3.connect("", isolation_level=None)
        self._database.execute("PRAGMA journal_mode = OFF")
        self._database.execute("PRAGMA synchronous = OFF")
        self._database.execute(
            "CREATE TABLE seen (identity INTEGER, fingerprint INTEGER, position INTEGER)")
        self._database.execute(
            "CREATE TABLE canonical (identity INTEGER, fingerprint INTEGER, position INTEGER)")
        self._pending: list[tuple[int, int, int]] = []
        self._table = "seen"

    def add(self, identity: int, fingerprint: int, position: int) -> None:
        """Note that the record at ``position`` has this identity and text fingerprint."""
        self._pending.append((identity, fingerprint, position))
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def add_canonical(self, identity: int, fingerprint: int, position: int) -> None:
        """Note the canonical fingerprint of a suspect record (after :meth:`suspects`)."""
        self._table = "canonical"
        self.add(identity, fingerprint, position)

    def _flush(self) -> None:
        if self._pending:
            self._database.execute("BEGIN")
            self._database.executemany(f"INSERT INTO {self._table} VALUES (?, ?, ?)",
                                       self._pending)
            self._database.execute("COMMIT")
            self._pending = []

    def suspects(self) -> Iterator[int]:
        """Positions, in file order, of every record whose identity hash was seen with two
        different fingerprints (none when the file lists each item once, or repeats it
        byte for byte)."""
        self._flush()
        database = self._database
        # Ordered on the way in, so that rowid order is file order and pages are cheap.
        database.execute(
            "CREATE TABLE suspect AS SELECT position FROM seen WHERE identity IN"
            " (SELECT identity FROM seen GROUP BY identity"
            "  HAVING min(fingerprint) != max(fingerprint)) ORDER BY position")
        after = 0
        while rows := database.execute(
                "SELECT rowid, position FROM suspect WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, PAGE)).fetchall():
            after = rows[-1][0]
            for _, position in rows:
                yield position

    def conflicts(self) -> Iterator[tuple[int, int]]:
        """Pairs (first position, later position): the later record has the identity hash
        of the first and a different canonical fingerprint. In file order of the later
        one, the first of each identity being where it was first listed."""
        self._flush()
        after = -1
        while rows := self._database.execute(
                "WITH firsts AS (SELECT identity, fingerprint, min(position) AS first"
                "                FROM canonical GROUP BY identity, fingerprint),"
                "     origins AS (SELECT identity, min(first) AS origin FROM firsts"
                "                 GROUP BY identity)"
                " SELECT origin, first FROM firsts JOIN origins USING (identity)"
                " WHERE first > origin AND first > ? ORDER BY first LIMIT ?",
                (after, PAGE)).fetchall():
            after = rows[-1][1]
            yield from rows

    def close(self) -> None:
        """Delete the temporary database."""
        self._database.close()
