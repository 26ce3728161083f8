"""The PostgreSQL store's read path: filtered queries and lookups, streamed by server-side cursors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from cloudscope.adapters.postgresql_statements import (
    ASSET_COLUMNS,
    FINDING_COLUMNS,
    LISTING_ORDER,
    asset_from_row,
    finding_from_row,
    index_tags,
    relationship_from_row,
    stored_asset_from_row,
)
from cloudscope.adapters.postgresql_store import PostgreSQLStore
from cloudscope.adapters.sql_keyset import asset_after, finding_after
from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import AssetQuery, FindingQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.ports.repository import StoredAsset, StoredRelationship


def where_clause(query: AssetQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause and parameters of ``query``'s filters and ``after`` (limit and
    offset aside)."""
    clauses: list[str] = []
    parameters: list[Any] = []
    for column in ("provider", "asset_type", "account", "region"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"{column} = %s")
            parameters.append(value)
    if query.tags:
        clauses.append("tags @> %s::jsonb")  # served by the GIN index
        parameters.append(index_tags(query.tags))
    if query.ids is not None:
        clauses.append("id = ANY(%s::text[])")
        parameters.append(list(query.ids))
    if not query.include_deleted:
        clauses.append("deleted_at IS NULL")
    if query.after is not None:
        clause, values = asset_after(query.after, "%s")
        clauses.append(clause)
        parameters.extend(values)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def findings_where(query: FindingQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause and parameters of a :class:`FindingQuery`."""
    clauses: list[str] = []
    parameters: list[Any] = []
    if query.severities is not None:
        clauses.append("severity = ANY(%s::text[])")
        parameters.append([severity.value for severity in query.severities])
    if query.rule_id is not None:
        clauses.append("rule_id = %s")
        parameters.append(query.rule_id)
    if query.provider is not None:
        clauses.append("asset_id IN (SELECT id FROM assets WHERE provider = %s)")
        parameters.append(query.provider)
    if query.after is not None:
        clause, values = finding_after(query.after, "%s")
        clauses.append(clause)
        parameters.extend(values)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


class PostgreSQLReadPath(PostgreSQLStore):
    """Queries over assets, relationships and findings."""

    keyset_pagination: ClassVar[bool] = True

    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        """Stream matching assets in (provider, account, asset_type, id) order."""
        where, parameters = where_clause(query)
        return self._stream(f"SELECT {ASSET_COLUMNS} FROM assets{where}"
                            f" ORDER BY {LISTING_ORDER} LIMIT %s OFFSET %s",
                            [*parameters, query.limit, query.offset], asset_from_row)

    def count_assets(self, query: AssetQuery) -> int:
        """How many assets match (limit and offset ignored)."""
        where, parameters = where_clause(query)
        return int(self._fetch(f"SELECT count(*) FROM assets{where}", parameters)[0][0])

    def get_asset(self, asset_id: str) -> Asset | None:
        """The live asset with this id, or None."""
        rows = self._fetch(f"SELECT {ASSET_COLUMNS} FROM assets"
                           " WHERE id = %s AND deleted_at IS NULL", (asset_id,))
        return asset_from_row(rows[0]) if rows else None

    def relationships_of(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships with a source or target among ``asset_ids``."""
        rows = self._fetch("SELECT source_id, type, target_id, properties FROM relationships"
                           " WHERE source_id = ANY(%s::text[]) OR target_id = ANY(%s::text[])",
                           (list(asset_ids), list(asset_ids)))
        return sorted((relationship_from_row(row) for row in rows), key=lambda r: r.key)

    def relationships_from(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships whose source is among ``asset_ids``, in key order."""
        rows = self._fetch("SELECT source_id, type, target_id, properties FROM relationships"
                           " WHERE source_id = ANY(%s::text[])", (list(asset_ids),))
        return sorted((relationship_from_row(row) for row in rows), key=lambda r: r.key)

    def relationships_to(self, asset_ids: Sequence[str]) -> list[Relationship]:
        """Relationships whose target is among ``asset_ids``, self-loops left out, in key
        order."""
        rows = self._fetch("SELECT source_id, type, target_id, properties FROM relationships"
                           " WHERE target_id = ANY(%s::text[]) AND source_id != target_id",
                           (list(asset_ids),))
        return sorted((relationship_from_row(row) for row in rows), key=lambda r: r.key)

    def names_of(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """Names of live assets among ``asset_ids``, without reading their properties."""
        return dict(self._fetch(
            "SELECT id, name FROM assets WHERE id = ANY(%s::text[]) AND deleted_at IS NULL"
            " AND name IS NOT NULL AND name != ''", (list(asset_ids),)))

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every live relationship."""
        return self._stream("SELECT source_id, type, target_id, properties FROM relationships"
                            " ORDER BY source_id, type, target_id", (), relationship_from_row)

    def findings_of(self, asset_ids: Sequence[str]) -> list[Finding]:
        """Findings of these assets, most severe first."""
        rows = self._fetch(f"SELECT {FINDING_COLUMNS} FROM findings WHERE asset_id = ANY(%s)"
                           " ORDER BY severity_rank, asset_id, rule_id", (list(asset_ids),))
        return [finding_from_row(row) for row in rows]

    def iter_findings(self) -> Iterator[Finding]:
        """Every finding."""
        return self.query_findings(FindingQuery())

    def query_findings(self, query: FindingQuery) -> Iterator[Finding]:
        """Matching findings, most severe first, then by asset id and rule id."""
        where, parameters = findings_where(query)
        return self._stream(f"SELECT {FINDING_COLUMNS} FROM findings{where}"
                            " ORDER BY severity_rank, asset_id, rule_id", parameters,
                            finding_from_row)

    def count_assets_by_type(self) -> dict[tuple[str, str], int]:
        """Live assets per (provider, asset_type), counted by the database."""
        return {(provider, asset_type): int(count) for provider, asset_type, count in self._fetch(
            "SELECT provider, asset_type, count(*) FROM assets WHERE deleted_at IS NULL"
            " GROUP BY provider, asset_type")}

    def iter_stored_assets(self) -> Iterator[StoredAsset]:
        """Every asset, removed ones included, with its scope key and removal time."""
        return self._stream(f"SELECT {ASSET_COLUMNS}, scope_key, deleted_at FROM assets"
                            " ORDER BY id", (), stored_asset_from_row)

    def iter_stored_relationships(self) -> Iterator[StoredRelationship]:
        """Every relationship with its scope key and last_seen."""
        return self._stream(
            "SELECT source_id, type, target_id, properties, scope_key, last_seen"
            " FROM relationships ORDER BY source_id, type, target_id", (),
            lambda row: StoredRelationship.model_construct(
                relationship=relationship_from_row(row), scope_key=row[4], last_seen=row[5]))
