"""Prometheus metrics: the names DESIGN.md fixes, for ``serve`` and for ``collect``.

``serve`` exposes HTTP metrics it measures, the process's own (memory, CPU, file
descriptors), and figures read from the store at scrape time (cached briefly): assets per
provider and type, collection runs, throttling and durations. ``collect --metrics-file``
writes one run's metrics as a node_exporter textfile-collector file; the ``_total``
counters add to the ones already in that file, so a cron job's counters keep counting.

prometheus-client is imported here only, and this module only by the commands that use it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from cloudscope.domain.scope import CollectionRun, RunStatus, Scope, ScopeStatus

CONTENT_TYPE: Final = CONTENT_TYPE_PLAIN_0_0_4
STORE_CACHE_S: Final = 15.0
"""How long figures read from the store are reused: a scrape every few seconds must not
count a large inventory every time."""
THROTTLED_COUNTER: Final = "throttled"


class HttpMetrics:
    """``cloudscope_http_requests_total{method,route,status}`` and
    ``cloudscope_http_request_duration_seconds{method,route}``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter("cloudscope_http_requests", "HTTP requests answered",
                                 ["method", "route", "status"], registry=registry)
        self._duration = Histogram("cloudscope_http_request_duration_seconds",
                                   "Time to answer an HTTP request", ["method", "route"],
                                   registry=registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request. ``route`` is the route's template
        (``/v1/assets/{asset_id}``), never the raw path: one series per route."""
        self._requests.labels(method, route, str(status)).inc()
        self._duration.labels(method, route).observe(seconds)


@dataclass(slots=True)
class StoreFigures:
    """What the store says at scrape time."""

    assets: dict[tuple[str, str], int] = field(default_factory=dict)
    runs: list[CollectionRun] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)


class StoreMetrics(Collector):
    """Metrics read from the store when scraped, reused for :data:`STORE_CACHE_S`.

    ``cloudscope_assets{provider,asset_type}``; from the stored runs
    ``cloudscope_collect_runs_total{provider,status}``, ``cloudscope_collect_throttled_total
    {provider}`` and ``cloudscope_collect_duration_seconds{provider}`` (the last finished
    run); ``cloudscope_scopes_failed{provider,service}``, the scopes whose last collection
    failed; and ``cloudscope_store_up`` (0 when the store could not be read).
    """

    def __init__(self, read: Callable[[], StoreFigures], *, ttl: float = STORE_CACHE_S) -> None:
        self._read = read
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, StoreFigures | None] | None = None

    def _figures(self) -> StoreFigures | None:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] >= self._ttl:
                try:
                    figures: StoreFigures | None = self._read()
                except Exception:  # a scrape must answer even when the store does not
                    figures = None
                self._cached = (now, figures)
            return self._cached[1]

    def collect(self) -> Iterable[Metric]:
        """The families, from the cached figures."""
        figures = self._figures()
        up = GaugeMetricFamily("cloudscope_store_up", "1 when the store answered the last read")
        up.add_metric([], 0 if figures is None else 1)
        yield up
        if figures is None:
            return
        assets = GaugeMetricFamily("cloudscope_assets", "Live assets in the store",
                                   labels=["provider", "asset_type"])
        for (provider, asset_type), count in sorted(figures.assets.items()):
            assets.add_metric([provider, asset_type], count)
        yield assets
        yield from run_families(figures.runs)
        failed = GaugeMetricFamily("cloudscope_scopes_failed",
                                   "Scopes whose last collection failed",
                                   labels=["provider", "service"])
        for (provider, service), count in sorted(Tally(
                (s.key.provider, s.key.service) for s in figures.scopes
                if s.status in (ScopeStatus.FAILED, ScopeStatus.INTERRUPTED)).items()):
            failed.add_metric([provider, service], count)
        yield failed


def run_families(runs: Sequence[CollectionRun]) -> Iterable[Metric]:
    """Run counts by provider and status, throttling, and the last run's duration."""
    finished = [run for run in runs if run.status is not RunStatus.RUNNING]
    totals = CounterMetricFamily("cloudscope_collect_runs", "Collection runs",
                                 labels=["provider", "status"])
    for (provider, status), count in sorted(Tally(
            (run.collector, run.status.value) for run in finished).items()):
        totals.add_metric([provider, status], count)
    yield totals
    throttled = CounterMetricFamily("cloudscope_collect_throttled",
                                    "Cloud API requests answered with throttling",
                                    labels=["provider"])
    tally: Tally[str] = Tally()
    for run in finished:
        tally[run.collector] += run.counters.get(THROTTLED_COUNTER, 0)
    for provider, count in sorted(tally.items()):
        throttled.add_metric([provider], count)
    yield throttled
    duration = GaugeMetricFamily("cloudscope_collect_duration_seconds",
                                 "Duration of the last finished collection run",
                                 labels=["provider"])
    last: dict[str, CollectionRun] = {}
    for run in finished:
        if run.collector not in last or run.started_at > last[run.collector].started_at:
            last[run.collector] = run
    for provider, run in sorted(last.items()):
        duration.add_metric([provider], run.duration_s())
    yield duration


def service_registry(read_store: Callable[[], StoreFigures]) -> tuple[CollectorRegistry,
                                                                      HttpMetrics]:
    """The registry ``serve`` exposes on ``/metrics``, and its HTTP metrics."""
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    registry.register(StoreMetrics(read_store))
    return registry, HttpMetrics(registry)


def render(registry: CollectorRegistry) -> bytes:
    """The registry in the Prometheus text format (:data:`CONTENT_TYPE`)."""
    return generate_latest(registry)


# collect --metrics-file ------------------------------------------------------------
class _RunMetrics(Collector):
    def __init__(self, run: CollectionRun, scopes: Sequence[Scope],
                 previous: dict[tuple[str, tuple[str, ...]], float]) -> None:
        self.run, self.scopes, self.previous = run, scopes, previous

    def _counter(self, name: str, documentation: str, labels: list[str],
                 values: dict[tuple[str, ...], float]) -> CounterMetricFamily:
        family = CounterMetricFamily(name, documentation, labels=labels)
        merged = {key: value for (metric, key), value in self.previous.items()
                  if metric == name + "_total"}
        for key, value in values.items():
            merged[key] = merged.get(key, 0.0) + value
        for key, value in sorted(merged.items()):
            family.add_metric(list(key), value)
        return family

    def collect(self) -> Iterable[Metric]:
        run = self.run
        provider = run.collector
        yield self._counter("cloudscope_collect_runs", "Collection runs",
                            ["provider", "status"], {(provider, run.status.value): 1})
        failures = Tally((s.key.provider, s.key.service) for s in self.scopes
                         if s.status is not ScopeStatus.COMPLETE)
        yield self._counter("cloudscope_collect_scope_failures",
                            "Scopes that failed or were interrupted",
                            ["provider", "service"],
                            {key: float(count) for key, count in failures.items()})
        yield self._counter("cloudscope_collect_throttled",
                            "Cloud API requests answered with throttling", ["provider"],
                            {(provider,): float(run.counters.get(THROTTLED_COUNTER, 0))})
        for name, documentation, value in (
                ("cloudscope_collect_duration_seconds", "Duration of the last run",
                 run.duration_s()),
                ("cloudscope_collect_assets", "Assets written by the last run", run.assets),
                ("cloudscope_collect_last_run_timestamp_seconds",
                 "When the last run finished (Unix time)",
                 (run.finished_at or run.started_at).timestamp())):
            gauge = GaugeMetricFamily(name, documentation, labels=["provider"])
            gauge.add_metric([provider], value)
            yield gauge


def _previous_counters(path: Path) -> dict[tuple[str, tuple[str, ...]], float]:
    """The ``_total`` samples of a metrics file written before; nothing if it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
        families = list(text_string_to_metric_families(text))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    found: dict[tuple[str, tuple[str, ...]], float] = {}
    for family in families:
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.name.startswith("cloudscope_collect_"):
                found[(sample.name, tuple(sample.labels[k] for k in sorted(sample.labels)))] = \
                    sample.value
    return found


def collection_metrics_text(run: CollectionRun, scopes: Sequence[Scope],
                            previous: Path | None = None) -> str:
    """``run``'s metrics in the text format of a textfile-collector file, counters added to
    those of ``previous`` (the file written before, if any). The CLI writes it through the
    output guard (``cloudscope.application.output_paths``): atomically to a file, as a
    stream to a pipe or device, never over the store."""
    registry = CollectorRegistry(auto_describe=True)
    # Labels of previous samples come back sorted by name: provider < service < status.
    counters = _previous_counters(previous) if previous is not None else {}
    registry.register(_RunMetrics(run, scopes, counters))
    return generate_latest(registry).decode("utf-8")
