"""The SQLite store's read path: filtered queries, lookups and full scans, streamed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Final, TypeVar

from cloudscope.adapters.sql_keyset import asset_after, finding_after
from cloudscope.adapters.sqlite_connection import (
    FETCH_SIZE,
    MAX_PARAMETERS,
    SQLiteConnection,
    chunks,
    parse_stamp,
)
from cloudscope.domain.asset import Asset, AssetJson
from cloudscope.domain.errors import StoreError
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery, FindingQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import dumps, loads
from cloudscope.domain.trusted import construct_trusted
from cloudscope.ports.repository import StoredAsset, StoredRelationship

T = TypeVar("T")
ASSET_COLUMNS: Final = ("id, provider, asset_type, native_type, name, account, region, tags, "
                        "properties, first_seen, last_seen")


def where_clause(query: AssetQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause and parameters of ``query``'s filters and ``after`` (limit and
    offset aside)."""
    clauses: list[str] = []
    parameters: list[Any] = []
    for column in ("provider", "asset_type", "account", "region"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            parameters.append(value)
    for key, value in query.tags.items():
        clauses.append("number IN (SELECT asset FROM asset_tags WHERE key = ? AND value = ?)")
        parameters.extend((key, value))
    if query.ids is not None:
        clauses.append("id IN (SELECT value FROM json_each(?))")
        parameters.append(dumps(list(query.ids)))
    if not query.include_deleted:
        clauses.append("deleted_at IS NULL")
    if query.after is not None:
        clause, values = asset_after(query.after, "?")
        clauses.append(clause)
        parameters.extend(values)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def findings_where(query: FindingQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause and parameters of a :class:`FindingQuery`."""
    clauses: list[str] = []
    parameters: list[Any] = []
    if query.severities is not None:
        clauses.append(f"severity IN ({', '.join('?' * len(query.severities)) or 'NULL'})")
        parameters.extend(severity.value for severity in query.severities)
    if query.rule_id is not None:
        clauses.append("rule_id = ?")
        parameters.append(query.rule_id)
    if query.provider is not None:
        clauses.append("asset_id IN (SELECT id FROM assets WHERE provider = ?)")
        parameters.append(query.provider)
    if query.after is not None:
        clause, values = finding_after(query.after, "?")
        clauses.append(clause)
        parameters.extend(values)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def _listing(query: AssetQuery) -> tuple[str, list[Any]]:
    """The SQL and parameters of an asset listing, in (provider, account, asset_type, id)
    order: one statement for the models and for the stored JSON, so both list alike."""
    where, parameters = where_clause(query)
    sql = (f"SELECT {ASSET_COLUMNS} FROM assets{where}"
           " ORDER BY provider, account, asset_type, id LIMIT ? OFFSET ?")
    return sql, [*parameters, -1 if query.limit is None else query.limit, query.offset]


class SQLiteReadPath(SQLiteConnection):
    """Queries over assets, relationships and findings; every scan streams in pages."""

    keyset_pagination: ClassVar[bool] = True

    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        """Stream matching assets in (provider, account, asset_type, id) order."""
        return self._stream(*_listing(query), asset_from_row)

    def iter_asset_json(self, query: AssetQuery) -> Iterator[AssetJson]:
        """Matching assets as stored: their JSON text and times as written, not parsed."""
        return self._stream(*_listing(query), _asset_json)

    def _stream(self, sql: str, parameters: Sequence[Any],
                convert: Callable[[Sequence[Any]], T]) -> Iterator[T]:
        # A cursor of its own: iteration may interleave with other calls on the connection.
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, parameters)
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield convert(row)
        except sqlite3.Error as error:
            raise self._store_error(error) from None
        finally:
            cursor.close()

    def count_assets_by_type(self) -> dict[tuple[str, str], int]:
        """Live assets per (provider, asset_type), counted by the database."""
        return {(provider, asset_type): int(count) for provider, asset_type, count in
                self._connection.execute(
                    "SELECT provider, asset_type, count(*) FROM assets WHERE deleted_at IS NULL"
                    " GROUP BY provider, asset_type")}

    def query_findings(self, query: FindingQuery) -> Iterator[Finding]:
        """Matching findings, most severe first, then by asset id and rule id."""
        where, parameters = findings_where(query)
        return self._stream("SELECT rule_id, asset_id, severity, title, detail, remediation,"
                            f" evidence FROM findings{where}"
                            " ORDER BY severity_rank, asset_id, rule_id", parameters,
                            finding_from_row)

    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match (limit and offset ignored)."""
        where, parameters = where_clause(query)
        return int(self._connection.execute(f"SELECT count(*) FROM assets{where}",
                                            parameters).fetchone()[0])

    def get_asset(self, asset_id: str) -> Asset | None:
        """The live asset with this id, or None."""
        row = self._connection.execute(
            f"SELECT {ASSET_COLUMNS} FROM assets WHERE id = ? AND deleted_at IS NULL",
            (asset_id,)).fetchone()
        return asset_from_row(row) if row else None

    def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships with a source or target among ``asset_ids``."""
        # UNION ALL and rows kept by their key (the primary key: equal keys are equal rows)
        # rather than UNION's temporary index; models built once per edge, in key order.
        found: dict[tuple[str, str, str], Sequence[Any]] = {}
        for chunk in chunks(asset_ids, MAX_PARAMETERS):
            marks = ", ".join("?" * len(chunk))
            for row in self._connection.execute(
                    "SELECT source_id, type, target_id, properties FROM relationships"
                    f" WHERE source_id IN ({marks}) UNION ALL"
                    " SELECT source_id, type, target_id, properties FROM relationships"
                    f" WHERE target_id IN ({marks})", [*chunk, *chunk]):
                found[row[0], row[1], row[2]] = row
        return [relationship_from_row(found[key]) for key in sorted(found)]

    def relationships_from(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships whose source is among ``asset_ids``, in key order (the primary
        key's: one range of it per id)."""
        return self._relationships("source_id IN ({})", asset_ids)

    def relationships_to(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships whose target is among ``asset_ids``, self-loops left out, in key
        order (read through the target index)."""
        return self._relationships("target_id IN ({}) AND source_id != target_id", asset_ids)

    def _relationships(self, condition: str, asset_ids: Sequence[str]) -> list[Relationship]:
        rows: list[tuple[Any, ...]] = []
        for chunk in chunks(asset_ids, MAX_PARAMETERS):
            rows += self._connection.execute(
                "SELECT source_id, type, target_id, properties FROM relationships WHERE "
                + condition.format(", ".join("?" * len(chunk))), chunk)
        # Keys are unique, so the rows sort by their key without comparing properties.
        rows.sort()
        return [relationship_from_row(row) for row in rows]

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every live relationship."""
        cursor = self._connection.cursor()
        try:
            cursor.execute("SELECT source_id, type, target_id, properties FROM relationships"
                           " ORDER BY source_id, type, target_id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                yield from (relationship_from_row(row) for row in rows)
        finally:
            cursor.close()

    def names_of(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """Names of live assets among ``asset_ids``, without reading their properties."""
        names: dict[str, str] = {}
        for chunk in chunks(asset_ids, MAX_PARAMETERS):
            marks = ", ".join("?" * len(chunk))
            names.update(self._connection.execute(
                f"SELECT id, name FROM assets WHERE id IN ({marks}) AND deleted_at IS NULL"
                " AND name IS NOT NULL AND name != ''", chunk))
        return names

    def findings_of(self, asset_ids: Sequence[str]) -> list[Finding]:
        """Findings of these assets, most severe first."""
        findings: list[Finding] = []
        for chunk in chunks(asset_ids, MAX_PARAMETERS):
            marks = ", ".join("?" * len(chunk))
            findings.extend(finding_from_row(row) for row in self._connection.execute(
                "SELECT rule_id, asset_id, severity, title, detail, remediation, evidence"
                f" FROM findings WHERE asset_id IN ({marks})", chunk))
        return sorted(findings, key=lambda f: (f.severity.rank, f.asset_id, f.rule_id))

    def iter_findings(self) -> Iterator[Finding]:
        """Every finding."""
        return self.query_findings(FindingQuery())

    def iter_stored_assets(self) -> Iterator[StoredAsset]:
        """Every asset, removed ones included, with its scope key and removal time."""
        cursor = self._connection.cursor()
        try:
            cursor.execute(f"SELECT {ASSET_COLUMNS}, scope_key, deleted_at FROM assets ORDER BY id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield StoredAsset.model_construct(asset=asset_from_row(row),
                                                      scope_key=row[11],
                                                      deleted_at=parse_stamp(row[12]))
        finally:
            cursor.close()

    def iter_stored_relationships(self) -> Iterator[StoredRelationship]:
        """Every relationship with its scope key and last_seen."""
        cursor = self._connection.cursor()
        try:
            cursor.execute("SELECT source_id, type, target_id, properties, scope_key, last_seen"
                           " FROM relationships ORDER BY source_id, type, target_id")
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield StoredRelationship.model_construct(
                        relationship=relationship_from_row(row), scope_key=row[4],
                        last_seen=parse_stamp(row[5]))
        finally:
            cursor.close()


def asset_from_row(row: Sequence[Any]) -> Asset:
    # Rows were validated on the way in: construct without validating again.
    try:
        tags, properties = loads(row[7]), loads(row[8])
    except ValueError:
        # Only a store written before values were checked (NaN written by CloudScope
        # before issue 12) holds such text: name the asset and the way out.
        raise StoreError(f"asset {row[0]!r} holds properties that are not valid JSON (NaN "
                         "or Infinity, written by an older CloudScope)",
                         hint="collect its source again to replace it") from None
    return construct_trusted(Asset, {
        "id": row[0], "provider": row[1], "asset_type": row[2], "native_type": row[3],
        "name": row[4], "account": row[5], "region": row[6], "tags": tags,
        "properties": properties, "first_seen": parse_stamp(row[9]),
        "last_seen": parse_stamp(row[10])})


def _asset_json(row: Sequence[Any]) -> AssetJson:
    # The columns are those of the model, in its order; times are stored as isoformat.
    return AssetJson(*row)


def relationship_from_row(row: Sequence[Any]) -> Relationship:
    return construct_trusted(Relationship, {"source_id": row[0], "type": row[1],
                                            "target_id": row[2], "properties": loads(row[3])})


def finding_from_row(row: Sequence[Any]) -> Finding:
    return construct_trusted(Finding, {
        "rule_id": row[0], "asset_id": row[1], "severity": Severity(row[2]), "title": row[3],
        "detail": row[4], "remediation": row[5], "evidence": loads(row[6])})
