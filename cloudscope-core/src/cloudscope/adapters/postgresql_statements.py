"""The SQL the PostgreSQL repository runs, and the conversions between rows and models.

Batches are COPYed into per-connection staging tables (``postgresql_schema.STAGING``), then
moved with one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` per table. ``DISTINCT ON``
keeps the last copy of an id repeated in a batch (ON CONFLICT cannot touch a row twice), and
its ``ORDER BY id`` makes every writer lock rows in the same order, so that concurrent
batches that overlap cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import dumps
from cloudscope.domain.trusted import construct_trusted
from cloudscope.ports.repository import StoredAsset

ASSET_COLUMNS: Final = ("id, provider, asset_type, native_type, name, account, region, tags, "
                        "tags_exact, properties, first_seen, last_seen")
LISTING_ORDER: Final = "provider, account NULLS FIRST, asset_type, id"
STAGE_ASSET_COLUMNS: Final = ("ordinal, id, provider, asset_type, native_type, name, account, "
                              "region, tags, tags_exact, properties, first_seen, last_seen, "
                              "scope_key, deleted_at")
FINDING_COLUMNS: Final = "rule_id, asset_id, severity, title, detail, remediation, evidence"

# Assets of one batch: the last copy of a repeated id wins; the server stamps last_seen.
UPSERT_ASSETS: Final = """
    INSERT INTO assets AS stored (id, provider, asset_type, native_type, name, account, region,
        tags, tags_exact, properties, first_seen, last_seen, scope_key, deleted_at)
    SELECT DISTINCT ON (id COLLATE "C") id, provider, asset_type, native_type, name, account,
        region, tags, tags_exact, properties, coalesce(first_seen, now()), now(), %(scope)s,
        NULL
    FROM asset_stage ORDER BY id COLLATE "C", ordinal DESC
    ON CONFLICT (id) DO UPDATE SET provider = excluded.provider,
        asset_type = excluded.asset_type, native_type = excluded.native_type,
        name = excluded.name, account = excluded.account, region = excluded.region,
        tags = excluded.tags, tags_exact = excluded.tags_exact,
        properties = excluded.properties,
        first_seen = least(stored.first_seen, excluded.first_seen),
        last_seen = excluded.last_seen, scope_key = excluded.scope_key, deleted_at = NULL"""

# db copy: every column as given.
RESTORE_ASSETS: Final = """
    INSERT INTO assets AS stored (id, provider, asset_type, native_type, name, account, region,
        tags, tags_exact, properties, first_seen, last_seen, scope_key, deleted_at)
    SELECT DISTINCT ON (id COLLATE "C") id, provider, asset_type, native_type, name, account,
        region, tags, tags_exact, properties, coalesce(first_seen, now()),
        coalesce(last_seen, now()), scope_key, deleted_at
    FROM asset_stage ORDER BY id COLLATE "C", ordinal DESC
    ON CONFLICT (id) DO UPDATE SET provider = excluded.provider,
        asset_type = excluded.asset_type, native_type = excluded.native_type,
        name = excluded.name, account = excluded.account, region = excluded.region,
        tags = excluded.tags, tags_exact = excluded.tags_exact,
        properties = excluded.properties, first_seen = excluded.first_seen,
        last_seen = excluded.last_seen, scope_key = excluded.scope_key,
        deleted_at = excluded.deleted_at"""

UPSERT_RELATIONSHIPS: Final = """
    INSERT INTO relationships (source_id, type, target_id, properties, scope_key, last_seen)
    SELECT DISTINCT ON (source_id COLLATE "C", type COLLATE "C", target_id COLLATE "C")
        source_id, type, target_id, properties, coalesce(scope_key, %(scope)s),
        coalesce(last_seen, now())
    FROM relationship_stage
    ORDER BY source_id COLLATE "C", type COLLATE "C", target_id COLLATE "C", ordinal DESC
    ON CONFLICT (source_id, type, target_id) DO UPDATE SET properties = excluded.properties,
        scope_key = excluded.scope_key, last_seen = excluded.last_seen"""


def has_nul(tags: dict[str, str]) -> bool:
    """True when a tag key or value holds U+0000, which jsonb cannot store."""
    return any("\0" in key or "\0" in value for key, value in tags.items())


def index_tags(tags: dict[str, str]) -> str:
    """Tags as jsonb accepts them: U+0000 becomes U+FFFD (the exact tags are kept aside)."""
    if has_nul(tags):
        tags = {key.replace("\0", "\ufffd"): value.replace("\0", "\ufffd")
                for key, value in tags.items()}
    return dumps(tags)


def asset_row(ordinal: int, asset: Asset, stored: StoredAsset | None = None) -> tuple[Any, ...]:
    tags = index_tags(asset.tags)
    exact = dumps(asset.tags) if has_nul(asset.tags) else None
    return (ordinal, asset.id, asset.provider, asset.asset_type, asset.native_type, asset.name,
            asset.account, asset.region, tags, exact, dumps(asset.properties), asset.first_seen,
            asset.last_seen if stored else None, stored.scope_key if stored else None,
            stored.deleted_at if stored else None)


def asset_from_row(row: Sequence[Any]) -> Asset:
    # Rows were validated on the way in: construct without validating again.
    return construct_trusted(Asset, {
        "id": row[0], "provider": row[1], "asset_type": row[2], "native_type": row[3],
        "name": row[4], "account": row[5], "region": row[6],
        "tags": row[7] if row[8] is None else row[8], "properties": row[9],
        "first_seen": row[10], "last_seen": row[11]})


def stored_asset_from_row(row: Sequence[Any]) -> StoredAsset:
    return StoredAsset.model_construct(asset=asset_from_row(row), scope_key=row[12],
                                       deleted_at=row[13])


def relationship_from_row(row: Sequence[Any]) -> Relationship:
    return construct_trusted(Relationship, {"source_id": row[0], "type": row[1],
                                            "target_id": row[2], "properties": row[3]})


def finding_from_row(row: Sequence[Any]) -> Finding:
    return Finding.model_construct(rule_id=row[0], asset_id=row[1], severity=Severity(row[2]),
                                   title=row[3], detail=row[4], remediation=row[5],
                                   evidence=row[6])
