"""Pages and cursors of the application layer, over a keyset store and an API-1.0 one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.paging import decode_cursor, encode_cursor, page_assets, page_findings
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import UsageError
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery, FindingQuery
from cloudscope.ports.repository import Repository
from cloudscope.testing.pagination_contract import mixed_assets, write


class Api10Repository(SQLiteRepository):
    """A store written for API 1.0: it knows nothing of ``after``."""

    keyset_pagination: ClassVar[bool] = False

    def iter_assets(self, query: AssetQuery) -> Iterator[Asset]:
        return super().iter_assets(query.model_copy(update={"after": None}))


@pytest.fixture(params=[SQLiteRepository, Api10Repository], ids=["keyset", "api-1.0"])
def store(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Repository]:
    repository: Repository = request.param(sqlite_url)
    write(repository, mixed_assets())
    yield repository
    repository.close()


def walk(store: Repository, query: AssetQuery, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = page_assets(store, query, limit, cursor)
        pages.append([asset.id for asset in page.items])
        if (cursor := page.next_cursor) is None:
            return pages


@pytest.mark.parametrize("limit", [1, 5, 12, 50])
def test_pages_give_the_listing_once_for_any_store(store: Repository, limit: int) -> None:
    """Keyset stores and API-1.0 stores (skipped to the key) page the same listing."""
    everything = [asset.id for asset in store.iter_assets(AssetQuery())]
    pages = walk(store, AssetQuery(), limit)
    assert [asset_id for page in pages for asset_id in page] == everything
    assert pages[-1] and all(len(page) == limit for page in pages[:-1])


def test_findings_sharing_a_key_stay_on_one_page(store: Repository) -> None:
    """Two findings of one rule on one asset are never split by a page boundary."""
    asset = mixed_assets()[0]
    findings = [Finding(rule_id="r", asset_id=asset.id, severity=Severity.HIGH, title=title)
                for title in ("first", "second")]
    findings.append(Finding(rule_id="s", asset_id=asset.id, severity=Severity.LOW, title="x"))
    store.replace_findings(AssetQuery(), findings)
    first = page_findings(store, FindingQuery(), 1)
    assert [f.title for f in first.items] == ["first", "second"]
    assert first.next_cursor is not None
    rest = page_findings(store, FindingQuery(), 1, first.next_cursor)
    assert [f.rule_id for f in rest.items] == ["s"] and rest.next_cursor is None


@pytest.mark.parametrize(("cursor", "message"), [
    ("!!!", "malformed"), ("e30", "malformed"),
    (encode_cursor("findings", [0, "a", "b"], {}), "another listing"),
    (encode_cursor("assets", ["aws", None, "aws:x:y", "i"], {"provider": "gcp"}),
     "other filters"),
    (encode_cursor("assets", ["aws", 5, "aws:x:y", "i"], {}), "malformed"),
])
def test_a_cursor_that_is_not_ours_is_a_usage_error(store: Repository, cursor: str,
                                                    message: str) -> None:
    """Garbage, a findings cursor, another query's cursor or a forged key: one line."""
    with pytest.raises(UsageError, match=message):
        page_assets(store, AssetQuery(), 10, cursor)


def test_cursors_are_opaque_url_safe_text() -> None:
    """No padding, no characters a URL must escape; they decode to what was encoded."""
    filters: dict[str, Any] = {"provider": "aws"}
    cursor = encode_cursor("assets", ["aws", None, "aws:ec2:instance", "arn:aws:x/y"], filters)
    assert cursor.replace("-", "").replace("_", "").isalnum()
    assert decode_cursor(cursor, "assets", filters) == ["aws", None, "aws:ec2:instance",
                                                        "arn:aws:x/y"]
