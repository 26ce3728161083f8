"""The pagination part of the repository contract: keyset pages, finding queries, counts.

Mixed into :class:`cloudscope.testing.repository_contract.RepositoryContract`, so every
repository runs it. A repository that does not declare ``keyset_pagination`` (one written
for API 1.0) skips the ``after`` cases: ``serve`` pages over it by reading from the start.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from cloudscope.domain.asset import Asset, AssetJson
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery, FindingQuery, asset_key, asset_order, finding_key
from cloudscope.domain.scope import CollectionRun, ScopeKey
from cloudscope.domain.serialization import loads
from cloudscope.ports.repository import Repository

MIXED_SCOPE = ScopeKey(provider="aws", account="111111111111", region="eu-west-1",
                       service="mixed")


def mixed_assets() -> list[Asset]:
    """Assets over three providers, with and without an account, whose ids alone do not
    sort like the listing (so an implementation keyed on id alone fails)."""
    assets: list[Asset] = []
    for index in range(12):
        account = (None, "111111111111", "222222222222")[index % 3]
        provider = ("aws", "file", "gcp")[index % 4 % 3]
        assets.append(Asset(id=f"{'zyx'[index % 3]}-{provider}-{index:03d}", provider=provider,
                            asset_type=f"{provider}:svc:{'ab'[index % 2]}", account=account,
                            name=f"n{index}", tags={"team": "core" if index % 2 else "ops"}))
    return assets


def write(store: Repository, assets: list[Asset], scope: ScopeKey = MIXED_SCOPE) -> None:
    """Write ``assets`` into ``scope`` in a run of their own and complete it, the way a
    collection does."""
    now = datetime.now(UTC)
    run = CollectionRun(run_id=uuid.uuid4().hex, collector="contract", started_at=now)
    store.start_run(run)
    store.start_scope(scope, run.run_id, now)
    store.write_batch(scope, run.run_id, assets, [], now)
    store.complete_scope(scope, run.run_id, len(assets), datetime.now(UTC))


def page_ids(store: Repository, query: AssetQuery, size: int,
             between: Callable[[int], None] | None = None) -> list[list[str]]:
    """The ids of every page of ``size`` read with ``after``; ``between(n)`` runs after page n."""
    pages: list[list[str]] = []
    after = None
    while True:
        page = list(store.iter_assets(query.model_copy(update={"after": after, "limit": size})))
        if not page:
            return pages
        pages.append([asset.id for asset in page])
        after = asset_key(page[-1])
        if between is not None:
            between(len(pages))


class PaginationContract:
    """Keyset pagination and finding queries. Expects the ``store`` fixture of the suite."""

    @pytest.fixture
    def keyset_store(self, store: Repository) -> Repository:
        if not store.keyset_pagination:
            pytest.skip(f"{type(store).__name__} does not declare keyset_pagination")
        return store

    def test_listing_order_puts_an_absent_account_first(self, store: Repository) -> None:
        """The listing is ordered as domain.query.asset_order says, accountless assets first."""
        assets = mixed_assets()
        write(store, assets)
        listed = [asset_key(a) for a in store.iter_assets(AssetQuery())]
        assert listed == sorted((asset_key(a) for a in assets), key=asset_order)

    @pytest.mark.parametrize("query", [AssetQuery(), AssetQuery(provider="aws", limit=3),
                                       AssetQuery(tags={"team": "ops"})],
                             ids=["all", "provider-limit", "tag"])
    def test_asset_json_is_the_listing_as_json(self, store: Repository,
                                               query: AssetQuery) -> None:
        """iter_asset_json yields the assets iter_assets yields, in the same order, with
        tags and properties as JSON text and times as isoformat writes them."""
        assets = mixed_assets()
        assets[0] = assets[0].model_copy(update={"properties": {"a": [1, {"b": None}],
                                                                "é": 1.5}})
        write(store, assets)
        expected = [AssetJson.of(asset) for asset in store.iter_assets(query)]
        fields = ("id", "provider", "asset_type", "native_type", "name", "account", "region",
                  "first_seen", "last_seen")

        def parsed(piece: AssetJson) -> tuple[Any, ...]:
            return (*(getattr(piece, f) for f in fields), loads(piece.tags),
                    loads(piece.properties))

        assert [parsed(p) for p in store.iter_asset_json(query)] == \
            [parsed(e) for e in expected]
        assert len(expected) == (3 if query.limit else len(expected)) and expected

    @pytest.mark.parametrize("size", [1, 4, 5, 100])
    def test_pages_read_with_after_concatenate_to_the_listing(self, keyset_store: Repository,
                                                              size: int) -> None:
        """Pages of any size read with ``after`` give the whole listing, once, in order."""
        write(keyset_store, mixed_assets())
        everything = [a.id for a in keyset_store.iter_assets(AssetQuery())]
        pages = page_ids(keyset_store, AssetQuery(), size)
        assert [asset_id for page in pages for asset_id in page] == everything
        assert all(len(page) == size for page in pages[:-1])

    @pytest.mark.parametrize("query", [AssetQuery(provider="aws"), AssetQuery(tags={"team": "ops"}),
                                       AssetQuery(account="111111111111")],
                             ids=["provider", "tag", "account"])
    def test_after_combines_with_filters(self, keyset_store: Repository,
                                         query: AssetQuery) -> None:
        """``after`` narrows a filtered listing; it never adds what the filters exclude."""
        write(keyset_store, mixed_assets())
        everything = [a.id for a in keyset_store.iter_assets(query)]
        pages = page_ids(keyset_store, query, 2)
        assert [asset_id for page in pages for asset_id in page] == everything

    def test_after_an_accountless_key_continues_with_the_accounts(self,
                                                                  keyset_store: Repository) -> None:
        """After the last accountless asset of a provider come its assets with an account."""
        assets = mixed_assets()
        write(keyset_store, assets)
        aws = sorted((asset_key(a) for a in assets if a.provider == "aws"), key=asset_order)
        last_without = max((k for k in aws if k[1] is None), key=asset_order)
        expected = [k[3] for k in sorted((asset_key(a) for a in assets), key=asset_order)
                    if asset_order(k) > asset_order(last_without)]
        assert [a.id for a in keyset_store.iter_assets(AssetQuery(after=last_without))] == expected

    def test_pages_neither_repeat_nor_skip_while_assets_are_written(
            self, keyset_store: Repository) -> None:
        """Assets written before and after the cursor between pages: every asset present
        throughout is read exactly once, and nothing is read twice."""
        original = mixed_assets()
        write(keyset_store, original)
        counter = itertools.count()

        def write_more(_: int) -> None:
            index = next(counter)
            extra = [Asset(id=f"{prefix}-new-{index}", provider="aws", asset_type="aws:svc:a",
                           account=account) for prefix, account in
                     (("a", None), ("z", "999999999999"), ("m", "111111111111"))]
            # Written into a scope of their own: the original scope keeps its assets.
            write(keyset_store, extra, ScopeKey(provider="aws", account=str(index),
                                                service="extra"))

        pages = page_ids(keyset_store, AssetQuery(), 3, between=write_more)
        read = [asset_id for page in pages for asset_id in page]
        assert len(read) == len(set(read))
        assert {a.id for a in original} <= set(read)

    def test_findings_filter_by_severity_rule_and_provider(self, store: Repository) -> None:
        """query_findings keeps the findings whose severity, rule and asset provider match."""
        assets = mixed_assets()
        write(store, assets)
        findings = [Finding(rule_id=f"rule.{i % 3}", asset_id=a.id,
                            severity=list(Severity)[i % 5], title=f"t{i}")
                    for i, a in enumerate(assets)]
        store.replace_findings(AssetQuery(), findings)
        provider_of = {a.id: a.provider for a in assets}
        cases: list[tuple[FindingQuery, Callable[[Finding], Any]]] = [
            (FindingQuery(), lambda f: True),
            (FindingQuery(severities=(Severity.HIGH, Severity.INFO)),
             lambda f: f.severity in (Severity.HIGH, Severity.INFO)),
            (FindingQuery(rule_id="rule.1"), lambda f: f.rule_id == "rule.1"),
            (FindingQuery(provider="gcp"), lambda f: provider_of[f.asset_id] == "gcp"),
            (FindingQuery(provider="gcp", rule_id="rule.2"),
             lambda f: provider_of[f.asset_id] == "gcp" and f.rule_id == "rule.2"),
        ]
        for query, keep in cases:
            expected = sorted(finding_key(f) for f in findings if keep(f))
            assert [finding_key(f) for f in store.query_findings(query)] == expected, query

    def test_findings_after_a_key_continue_in_order(self, store: Repository) -> None:
        """query_findings(after=key) gives exactly the findings ordered after that key."""
        assets = mixed_assets()
        write(store, assets)
        findings = [Finding(rule_id=rule, asset_id=a.id, severity=list(Severity)[i % 5],
                            title="t") for i, a in enumerate(assets) for rule in ("r.a", "r.b")]
        store.replace_findings(AssetQuery(), findings)
        ordered = [finding_key(f) for f in store.iter_findings()]
        assert ordered == sorted(finding_key(f) for f in findings)
        middle = ordered[len(ordered) // 2]
        assert [finding_key(f) for f in store.query_findings(FindingQuery(after=middle))] == \
            [key for key in ordered if key > middle]

    def test_assets_are_counted_by_provider_and_type(self, store: Repository) -> None:
        """count_assets_by_type counts live assets per (provider, asset_type)."""
        assets = mixed_assets()
        write(store, assets)
        expected: dict[tuple[str, str], int] = {}
        for asset in assets:
            expected[(asset.provider, asset.asset_type)] = \
                expected.get((asset.provider, asset.asset_type), 0) + 1
        assert store.count_assets_by_type() == expected
