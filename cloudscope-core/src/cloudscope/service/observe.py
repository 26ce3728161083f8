"""Around every request: the audit line, the HTTP metrics and the server span.

One ASGI middleware does all three from the same measurements, so that they agree: the
status actually sent, the route template matched (``/v1/assets/{asset_id}``, never the
raw path, which would make a metric series per asset), and the time until the last byte
of the body (a streamed export included).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cloudscope.domain.errors import ConfigError
from cloudscope.domain.redaction import redact_text
from cloudscope.infrastructure.metrics import HttpMetrics
from cloudscope.infrastructure.telemetry import http_span
from cloudscope.service.auth import Principal

RECORD_KEY = "cloudscope.request"
"""Where the middleware leaves the request's :class:`RequestRecord` in the ASGI scope."""


@dataclass(slots=True)
class RequestRecord:
    """What the handlers learn about a request that the audit line needs."""

    principal: Principal | None = None


class AuditLog:
    """One JSON line per request: ``time``, ``sub``, ``roles``, ``method``, ``path``,
    ``status``, ``duration_ms``, ``client``. Never a header, a query string or a token:
    the path is redacted like logs are (a token pasted into a URL is hidden)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stream: IO[str]
        if path is None:
            self._stream = sys.stderr
            self._owned = False
        else:
            try:
                # Line-buffered append: each line reaches the file whole, even with
                # several processes appending (O_APPEND) or a log shipper reading.
                self._stream = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
            except OSError as error:
                raise ConfigError(f"cannot append: {error.strerror or error}", source=str(path),
                                  key="serve.audit_log") from None
            self._owned = True

    def write(self, *, principal: Principal | None, method: str, path: str, status: int,
              duration_ms: float, client: str | None) -> None:
        """Append one request's line."""
        line = json.dumps({
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "sub": principal.sub if principal else None,
            "roles": list(principal.roles) if principal else [],
            "method": method, "path": redact_text(path), "status": status,
            "duration_ms": round(duration_ms, 2), "client": client,
        }, ensure_ascii=False)
        with self._lock:
            self._stream.write(line + "\n")
            if not self._owned:
                self._stream.flush()

    def close(self) -> None:
        """Close the file (stderr is left open)."""
        if self._owned:
            self._stream.close()


class Observe:
    """The ASGI middleware: audit, metrics and a server span for each HTTP request."""

    def __init__(self, app: Any, *, audit: AuditLog, metrics: HttpMetrics,
                 tracer: Any | None) -> None:
        self.app = app
        self.audit = audit
        self.metrics = metrics
        self.tracer = tracer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        record = RequestRecord()
        scope[RECORD_KEY] = record
        status = 500  # what a request that ends without a response start counts as

        async def send_observed(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        method, path = scope["method"], scope["path"]
        with http_span(self.tracer, method, path, scope.get("headers", ())) as span:
            try:
                await self.app(scope, receive, send_observed)
            finally:
                route_object = scope.get("route")
                # path_format drops converters: /v1/assets/{asset_id}, not {asset_id:path}.
                route = getattr(route_object, "path_format", None) or \
                    getattr(route_object, "path", None) or "unmatched"
                seconds = time.perf_counter() - started
                self.metrics.observe(method, route, status, seconds)
                client = scope.get("client")
                self.audit.write(principal=record.principal, method=method, path=path,
                                 status=status, duration_ms=seconds * 1000,
                                 client=client[0] if client else None)
                if span is not None:
                    _finish_span(span, method, route, status)


def _finish_span(span: Any, method: str, route: str, status: int) -> None:
    from opentelemetry import trace

    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(trace.Status(trace.StatusCode.ERROR))
