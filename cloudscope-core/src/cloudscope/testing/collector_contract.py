"""The collector contract suite: every collector must pass it.

Subclass it in your tests, name the collector, and give the arguments of
``cloudscope collect NAME ...`` that collect a small estate::

    class TestMyCollector(CollectorContract):
        collector_name = "mysource"

        @pytest.fixture
        def collector_arguments(self, tmp_path):
            ...  # write two small sources into tmp_path
            return [str(tmp_path / "a"), str(tmp_path / "b")]

Optional fixtures add the error cases: ``invalid_arguments`` (arguments ``plan()`` must
refuse) and ``break_source`` (a callable that makes a planned scope's source fail). The
collector is built as ``cloudscope collect`` builds it: its registration resolved through
the plugin host (an installed plugin, or the module set as ``plugin``), its options parsed by
its own ``add_arguments``, a real :class:`CollectContext`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import pytest

from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.collect import CollectOptions, CollectRun
from cloudscope.cli.components import build_component, component_parser
from cloudscope.domain.asset import PROVIDER_PATTERN, Asset
from cloudscope.domain.errors import EXIT_USAGE, CloudScopeError, InputError
from cloudscope.domain.query import AssetQuery
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import RunStatus, ScopeKey
from cloudscope.host.plugin_host import PluginHost
from cloudscope.host.ratelimit import RateLimiter
from cloudscope.host.registry import Registration
from cloudscope.infrastructure.logging import get_logger
from cloudscope.ports.collector import CollectContext, Collector
from cloudscope.testing.plugin import contract_host

Items = tuple[frozenset[str], frozenset[tuple[str, str, str]]]
"""What a scope gave: its asset ids and its relationship keys."""


def _items(collected: Sequence[Asset | Relationship]) -> Items:
    return (frozenset(i.id for i in collected if isinstance(i, Asset)),
            frozenset(i.key for i in collected if isinstance(i, Relationship)))


class CollectorContract:
    """What every collector must do. Subclass; set ``collector_name``; provide the
    ``collector_arguments`` fixture; optionally ``invalid_arguments`` and ``break_source``."""

    collector_name: ClassVar[str]
    #: The plugin's entry point module when the plugin is not installed (None: installed).
    plugin: object | None = None
    #: The plugin's name (its entry point's) when ``plugin`` is set; default: collector_name.
    plugin_name: ClassVar[str | None] = None
    #: Seconds within which a collection ends once ``ctx.cancelled`` is set.
    cancel_within_s: ClassVar[float] = 5.0

    # Fixtures the subclass provides ------------------------------------------------------
    @pytest.fixture
    def collector_arguments(self) -> list[str]:
        """The arguments of ``cloudscope collect NAME ...`` that collect a small estate:
        at least one asset, ideally over two scopes."""
        raise NotImplementedError("provide a collector_arguments fixture")

    @pytest.fixture
    def invalid_arguments(self) -> list[str] | None:
        """Arguments that building the collector or ``plan()`` must refuse with a one-line
        ``InputError`` or ``UsageError`` (a missing directory, say). None skips the case."""
        return None

    @pytest.fixture
    def break_source(self) -> Callable[[ScopeKey], None] | None:
        """A callable that makes a planned scope's source fail (delete its file, stop its
        server), after which ``collect(scope)`` must raise. None skips the case."""
        return None

    # Fixtures of the suite ---------------------------------------------------------------
    @pytest.fixture
    def collector_host(self) -> PluginHost:
        """The plugin host: the installed plugins, or only ``plugin`` when it is set."""
        return contract_host(self.plugin, self.plugin_name or self.collector_name,
                             kind="collectors", component=self.collector_name)

    @pytest.fixture
    def registration(self, collector_host: PluginHost) -> Registration:
        """The collector's registration, as ``cloudscope collect NAME`` finds it."""
        return collector_host.collectors.get(self.collector_name)

    @pytest.fixture
    def make_collector(self, registration: Registration) -> Iterator[Callable[..., Collector]]:
        """``make_collector(arguments)``: a fresh collector with its own context, closed
        after the test."""
        made: list[Collector] = []

        def make(arguments: Sequence[str]) -> Collector:
            factory = registration.resolve()
            parser = component_parser(f"cloudscope collect {self.collector_name}", factory,
                                      "options", lambda _parser: None)
            options = vars(parser.parse_args(list(arguments)))
            ctx = CollectContext(registration.plugin, limiter=RateLimiter(registration.plugin),
                                 config={}, log=get_logger(f"cloudscope.collect.{self.collector_name}"))
            collector: Collector = build_component(registration, "collector", Collector, ctx,
                                                   options)
            made.append(collector)
            return collector

        yield make
        for collector in made:
            collector.close()

    @pytest.fixture
    def collector(self, make_collector: Callable[..., Collector],
                  collector_arguments: list[str]) -> Collector:
        """A collector built from ``collector_arguments``."""
        return make_collector(collector_arguments)

    # Helpers -----------------------------------------------------------------------------
    def collect_all(self, collector: Collector) -> dict[str, Items]:
        """Plan, then collect every scope one after the other: scope key -> items."""
        return {scope.key: _items(list(collector.collect(scope))) for scope in collector.plan()}

    # The contract ------------------------------------------------------------------------
    def test_factory_builds_a_collector_from_context_and_options(
            self, collector: Collector) -> None:
        """``factory(ctx, options)`` returns a Collector, which keeps its context."""
        assert isinstance(collector, Collector)
        assert isinstance(collector.ctx, CollectContext)

    def test_plan_lists_each_scope_once_in_a_stable_order(
            self, make_collector: Callable[..., Collector],
            collector_arguments: list[str]) -> None:
        """Scopes are ScopeKeys, listed once, the same from any instance (shards of one
        run plan separately and must agree)."""
        scopes = list(make_collector(collector_arguments).plan())
        assert scopes, "plan() returned no scope for collector_arguments"
        assert all(isinstance(scope, ScopeKey) for scope in scopes)
        keys = [scope.key for scope in scopes]
        assert len(keys) == len(set(keys)), "a scope is planned twice"
        assert [s.key for s in make_collector(collector_arguments).plan()] == keys

    def test_scopes_name_a_provider_and_a_service(self, collector: Collector) -> None:
        """A scope's provider is lower-case words joined by hyphens; its service is set (it
        keys the circuit breaker, `doctor` and `--include-service`)."""
        for scope in collector.plan():
            assert re.match(PROVIDER_PATTERN, scope.provider), scope.provider
            assert scope.service, f"scope {scope.key} has no service"

    def test_collect_yields_valid_assets_and_relationships(self, collector: Collector) -> None:
        """Every item is an Asset or a Relationship that validates as built (no
        ``model_construct`` around the field rules); the estate is not empty."""
        assets = 0
        for scope in collector.plan():
            for item in collector.collect(scope):
                assert isinstance(item, (Asset, Relationship)), type(item).__name__
                assert type(item).model_validate(item.model_dump()) == item
                assets += isinstance(item, Asset)
        assert assets, "collector_arguments collected no asset"

    def test_ids_are_stable_and_each_asset_belongs_to_one_scope(
            self, make_collector: Callable[..., Collector],
            collector_arguments: list[str]) -> None:
        """Collecting again gives the same ids (else each run deletes and re-adds the
        estate), and no id comes from two scopes (staleness of one would delete the
        other's)."""
        first = self.collect_all(make_collector(collector_arguments))
        assert self.collect_all(make_collector(collector_arguments)) == first
        owners: dict[str, str] = {}
        for key, (ids, _) in first.items():
            for asset_id in ids:
                assert asset_id not in owners, f"{asset_id} is in scopes {owners[asset_id]} " \
                                               f"and {key}"
                owners[asset_id] = key

    def test_a_scope_collected_alone_gives_what_it_gives_in_a_full_run(
            self, make_collector: Callable[..., Collector],
            collector_arguments: list[str]) -> None:
        """A shard collects some scopes only: each scope's items depend on that scope alone."""
        everything = self.collect_all(make_collector(collector_arguments))
        alone = make_collector(collector_arguments)
        last = list(alone.plan())[-1]
        assert _items(list(alone.collect(last))) == everything[last.key]

    def test_concurrent_collection_gives_what_a_sequential_one_gives(
            self, make_collector: Callable[..., Collector],
            collector_arguments: list[str]) -> None:
        """``collect`` runs in a pool of threads, each scope twice at once here: the
        collector is thread-safe."""
        expected = self.collect_all(make_collector(collector_arguments))
        collector = make_collector(collector_arguments)
        scopes = list(collector.plan()) * 2
        start = threading.Barrier(min(len(scopes), 8))

        def collect(scope: ScopeKey) -> tuple[str, Items]:
            try:
                start.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass  # more scopes than threads: the later ones start when a thread frees
            return scope.key, _items(list(collector.collect(scope)))

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(collect, scopes))
        for key, items in results:
            assert items == expected[key], f"scope {key} differs when collected concurrently"

    def test_collection_ends_soon_once_cancelled(self, collector: Collector) -> None:
        """With ``ctx.cancelled`` set, each scope's iteration ends (returning or raising)
        within ``cancel_within_s``: waits use ``ctx.cancelled.wait(s)``, not ``sleep``."""
        scopes = list(collector.plan())
        collector.ctx.cancelled.set()
        assert collector.ctx.cancelled  # the core's Event reads true exactly when set

        def drain() -> None:
            for scope in scopes:
                try:
                    for _ in collector.collect(scope):
                        pass
                except Exception:  # stopping by raising is fine: the scope is interrupted
                    pass

        worker = threading.Thread(target=drain, daemon=True)
        worker.start()
        worker.join(self.cancel_within_s)
        assert not worker.is_alive(), f"still collecting {self.cancel_within_s:g} s after " \
                                      "ctx.cancelled was set"

    def test_an_abandoned_scope_leaves_the_collector_usable(
            self, collector: Collector) -> None:
        """The core stops reading a scope that is interrupted or timed out: closing its
        iterator raises nothing, and the scope collects whole again afterwards."""
        scope = next(iter(collector.plan()))
        expected = _items(list(collector.collect(scope)))
        iterator = iter(collector.collect(scope))
        next(iterator, None)
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
        assert _items(list(collector.collect(scope))) == expected

    def test_close_after_plan_alone_succeeds(self, collector: Collector) -> None:
        """``close()`` releases what ``plan()`` opened even when nothing was collected."""
        list(collector.plan())
        collector.close()

    def test_invalid_arguments_are_one_line_and_exit_2_before_collecting(
            self, make_collector: Callable[..., Collector],
            invalid_arguments: list[str] | None) -> None:
        """Bad input is refused while planning, by a CloudScopeError of exit code 2 whose
        message is one line naming the place once."""
        if invalid_arguments is None:
            pytest.skip("no invalid_arguments fixture")
        with pytest.raises(CloudScopeError) as caught:
            list(make_collector(invalid_arguments).plan())
        error = caught.value
        assert error.exit_code == EXIT_USAGE
        assert "\n" not in str(error)
        if isinstance(error, InputError) and error.location:
            assert str(error).count(error.location) == 1

    def test_a_failing_source_fails_its_scope_instead_of_completing_empty(
            self, collector: Collector,
            break_source: Callable[[ScopeKey], None] | None) -> None:
        """When the source fails, ``collect`` raises: a scope that ends normally is complete,
        and everything it stored but did not yield is deleted as stale."""
        if break_source is None:
            pytest.skip("no break_source fixture")
        scope = next(iter(collector.plan()))
        break_source(scope)
        with pytest.raises(Exception):  # noqa: B017 - any exception fails the scope
            list(collector.collect(scope))

    def test_collects_into_a_store_as_cloudscope_collect_does(
            self, make_collector: Callable[..., Collector], collector_arguments: list[str],
            tmp_path: Path) -> None:
        """Through the core's collect use case into SQLite, in small batches and four
        threads: the run is ok, stores every asset once, and a second run removes nothing."""
        expected = self.collect_all(make_collector(collector_arguments))
        ids = set().union(*(ids for ids, _ in expected.values()))
        options = CollectOptions(concurrency=4, batch_size=2)
        with SQLiteRepository(f"sqlite:///{tmp_path / 'contract.db'}") as repository:
            for _ in range(2):
                collector = make_collector(collector_arguments)
                summary = CollectRun(self.collector_name, collector, repository, collector.ctx,
                                     options).execute()
                assert summary.run.status is RunStatus.OK, summary.run.error or [
                    (s.key.key, s.error) for s in summary.scopes if s.error]
                assert not summary.run.counters.get("stale_removed")
                stored = {asset.id for asset in repository.iter_assets(AssetQuery())}
                assert stored == ids
