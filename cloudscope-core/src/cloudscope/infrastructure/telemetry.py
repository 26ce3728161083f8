"""OpenTelemetry traces, behind the ``otel`` extra and the standard ``OTEL_*`` variables.

Tracing is on when ``OTEL_TRACES_EXPORTER`` names an exporter other than ``none``, or an
OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``),
unless ``OTEL_SDK_DISABLED=true``; or when the process embedding CloudScope already installed
an SDK tracer provider (tests do, with an in-memory exporter). Otherwise nothing here
imports OpenTelemetry: the check reads the environment and ``sys.modules`` only.

Spans: ``cloudscope.collect`` for a collection run, ``cloudscope.scope`` for each scope
(its child, although scopes run on other threads), each cloud API request through the
botocore and requests instrumentations when they are installed (AWS through botocore;
Azure and Google through requests), and one server span per HTTP request of ``serve``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import CollectionRun, ScopeKey
from cloudscope.ports.collector import Collector

INSTRUMENTATION: Final = "cloudscope"
INSTALL_HINT: Final = "pip install 'cloudscope-core[otel]'"


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the standard variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER")
    if exporters is not None:
        return any(name.strip().lower() not in ("", "none") for name in exporters.split(","))
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def _installed_provider() -> bool:
    """An SDK tracer provider set by the embedding process (never imports anything)."""
    if "opentelemetry.trace" not in sys.modules or "opentelemetry.sdk.trace" not in sys.modules:
        return False
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    return isinstance(trace.get_tracer_provider(), TracerProvider)


class _State:
    configured = False
    warned = False


def _configure(environ: Mapping[str, str]) -> bool:
    """Install the SDK provider and exporters the variables name; False without the extra."""
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            ConsoleSpanExporter,
            SpanExporter,
        )
    except ImportError:
        if not _State.warned:
            _State.warned = True
            sys.stderr.write("cloudscope: warning: OTEL_* variables ask for traces, but "
                             f"OpenTelemetry is not installed ({INSTALL_HINT})\n")
        return False
    attributes: dict[str, Any] = {}
    # Explicit attributes win over the environment's: set a default name only when the
    # user named the service nowhere.
    if not environ.get("OTEL_SERVICE_NAME") and \
            "service.name=" not in environ.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        attributes["service.name"] = "cloudscope"
    provider = TracerProvider(resource=Resource.create(attributes))
    for name in (environ.get("OTEL_TRACES_EXPORTER") or "otlp").split(","):
        name = name.strip().lower()
        exporter: SpanExporter | None = None
        if name == "console":
            exporter = ConsoleSpanExporter(out=sys.stderr)
        elif name == "otlp":
            exporter = _otlp_exporter(environ)
        if exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True


def _otlp_exporter(environ: Mapping[str, str]) -> Any:
    protocol = (environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf")
    transport = "grpc" if protocol == "grpc" else "http"
    try:
        module = importlib.import_module(
            f"opentelemetry.exporter.otlp.proto.{transport}.trace_exporter")
    except ImportError:
        sys.stderr.write(f"cloudscope: warning: no OTLP exporter for protocol {protocol!r} "
                         f"is installed ({INSTALL_HINT}, or opentelemetry-exporter-otlp-proto-"
                         "grpc for grpc)\n")
        return None
    return module.OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself


def _instrument_cloud_sdks() -> None:
    """A span per cloud API request: botocore for AWS, requests for Azure and Google."""
    for module, name in (("opentelemetry.instrumentation.botocore", "BotocoreInstrumentor"),
                         ("opentelemetry.instrumentation.requests", "RequestsInstrumentor")):
        try:
            instrumentor = getattr(importlib.import_module(module), name)()
        except ImportError:
            continue
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def tracer(environ: Mapping[str, str] | None = None, *, cloud_requests: bool = False) -> Any | None:
    """The OpenTelemetry tracer of CloudScope, or None when tracing is off.
    ``cloud_requests`` instruments the cloud SDKs too (``collect`` wants it, ``serve`` not:
    it would import botocore for nothing)."""
    environ = os.environ if environ is None else environ
    if not _installed_provider():
        if not tracing_requested(environ):
            return None
        if not _State.configured:
            _State.configured = _configure(environ)
        if not _State.configured:
            return None
    if cloud_requests:
        _instrument_cloud_sdks()
    from opentelemetry import trace

    return trace.get_tracer(INSTRUMENTATION)


class CollectionTracing:
    """The spans of one collection run: the run, and each scope as its child."""

    def __init__(self, tracer: Any, provider: str) -> None:
        self._tracer = tracer  # None when tracing is off
        self._provider = provider
        self._run_span: Any = None

    @classmethod
    def start(cls, provider: str) -> CollectionTracing:
        """Tracing for a run of ``provider``'s collector (a no-op when tracing is off)."""
        return cls(tracer(cloud_requests=True), provider)

    def wrap(self, collector: Collector) -> Collector:
        """``collector``, with a span around each scope when tracing is on."""
        if self._tracer is None:
            return collector
        return _TracedCollector(collector, self)

    @contextmanager
    def run(self, current: Callable[[], CollectionRun]) -> Iterator[None]:
        """A span around the run; ``current()`` gives the run record for its attributes."""
        if self._tracer is None:
            yield
            return
        from opentelemetry import trace

        with self._tracer.start_as_current_span(
                "cloudscope.collect", attributes={"cloudscope.provider": self._provider}) as span:
            self._run_span = span
            try:
                yield
            finally:
                run = current()
                span.set_attributes({"cloudscope.run_id": run.run_id,
                                     "cloudscope.status": run.status.value,
                                     "cloudscope.assets": run.assets})
                if run.status.value != "ok":
                    span.set_status(trace.Status(trace.StatusCode.ERROR, run.error or
                                                 run.status.value))

    def scope_items(self, scope: ScopeKey,
                    items: Iterable[Asset | Relationship]) -> Iterator[Asset | Relationship]:
        """``items`` with a ``cloudscope.scope`` span open from the first to the last; the
        span is current only while the collector works, so that its cloud API requests are
        its children, on whichever thread the scope runs."""
        from opentelemetry import trace

        parent = trace.set_span_in_context(self._run_span) if self._run_span is not None \
            else None
        span = self._tracer.start_span("cloudscope.scope", context=parent, attributes={
            "cloudscope.provider": scope.provider, "cloudscope.account": scope.account,
            "cloudscope.region": scope.region or "", "cloudscope.service": scope.service})
        assets = 0
        iterator = iter(items)
        try:
            while True:
                with trace.use_span(span, end_on_exit=False):
                    try:
                        item = next(iterator)
                    except StopIteration:
                        break
                assets += isinstance(item, Asset)
                yield item
        finally:
            span.set_attribute("cloudscope.assets", assets)
            span.end()


class _TracedCollector(Collector):
    """A collector whose scopes are traced; everything else is the wrapped collector's."""

    def __init__(self, inner: Collector, tracing: CollectionTracing) -> None:
        # Collector.__init__ is not called: ctx and options stay the wrapped one's.
        self._inner = inner
        self._tracing = tracing

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def plan(self) -> Iterable[ScopeKey]:
        """The wrapped collector's plan."""
        return self._inner.plan()

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """The wrapped collector's items, in a scope span."""
        return self._tracing.scope_items(scope, self._inner.collect(scope))

    def covers(self, scope: ScopeKey, other: ScopeKey) -> bool:
        """The wrapped collector's answer."""
        return self._inner.covers(scope, other)

    def close(self) -> None:
        """Close the wrapped collector."""
        self._inner.close()


@contextmanager
def http_span(tracer: Any | None, method: str, path: str,
              headers: Iterable[tuple[bytes, bytes]]) -> Iterator[Any]:
    """A server span for one HTTP request (None when tracing is off), continuing the trace
    of a ``traceparent`` header."""
    if tracer is None:
        yield None
        return
    from opentelemetry import propagate, trace

    carrier = {key.decode("latin-1"): value.decode("latin-1") for key, value in headers}
    with tracer.start_as_current_span(
            method, context=propagate.extract(carrier), kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path}) as span:
        yield span
