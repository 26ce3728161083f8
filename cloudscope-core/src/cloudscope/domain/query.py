"""Queries: the asset filters shared by ``assets list``, ``export``, ``assess`` and ``serve``,
the finding filters of ``serve``, and the keys that order (and page) their results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from cloudscope.domain.finding import Severity

if TYPE_CHECKING:
    from cloudscope.domain.asset import Asset, AssetJson
    from cloudscope.domain.finding import Finding

AssetKey = tuple[str, str | None, str, str]
"""An asset's place in listings: (provider, account, asset_type, id). Added in API 1.1."""

FindingKey = tuple[int, str, str]
"""A finding's place in listings: (severity rank, asset_id, rule_id). Added in API 1.1."""


class AssetQuery(BaseModel):
    """Which assets to read. Every filter given must match; ``None`` means any. Added in API 1.0.

    Results come ordered by (provider, account, asset_type, id), an absent account first,
    so that related assets sit together and pages are stable. ``after`` (added in API 1.1)
    keeps only the assets that come after that key in this order: keyset pagination, which
    neither repeats nor skips an asset while others are written, as ``offset`` would.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str | None = None
    asset_type: str | None = None
    account: str | None = None
    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    ids: tuple[str, ...] | None = None
    include_deleted: bool = False
    limit: int | None = Field(default=None, ge=0)
    offset: int = Field(default=0, ge=0)
    after: AssetKey | None = None

    def describe(self) -> dict[str, object]:
        """The filters that are set, for export metadata and messages."""
        return self.model_dump(exclude_defaults=True, mode="json")


class FindingQuery(BaseModel):
    """Which findings to read, ordered most severe first, then by asset id and rule id.

    ``provider`` matches the provider of the finding's asset; ``after`` keeps the findings
    whose :func:`finding_key` comes after it. Added in API 1.1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    severities: tuple[Severity, ...] | None = None
    rule_id: str | None = None
    provider: str | None = None
    after: FindingKey | None = None


def asset_key(asset: Asset | AssetJson) -> AssetKey:
    """The listing key of ``asset``. Added in API 1.1."""
    return (asset.provider, asset.account, asset.asset_type, asset.id)


def asset_order(key: AssetKey) -> tuple[Any, ...]:
    """A value that sorts as the listing order does: an absent account first, then text in
    code point order (SQLite's and PostgreSQL's "C" order). Added in API 1.1."""
    provider, account, asset_type, asset_id = key
    return (provider, account is not None, account or "", asset_type, asset_id)


def finding_key(finding: Finding) -> FindingKey:
    """The listing key of ``finding``. Added in API 1.1."""
    return (finding.severity.rank, finding.asset_id, finding.rule_id)
