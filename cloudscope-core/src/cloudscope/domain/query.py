"""Asset queries: the filters shared by ``assets list``, ``export`` and ``assess``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AssetQuery(BaseModel):
    """Which assets to read. Every filter given must match; ``None`` means any. Added in API 1.0.

    Results come ordered by (provider, account, asset_type, id), so that related assets sit
    together and pages are stable.
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

    def describe(self) -> dict[str, object]:
        """The filters that are set, for export metadata and messages."""
        return self.model_dump(exclude_defaults=True, mode="json")
