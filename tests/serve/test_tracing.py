"""OpenTelemetry spans: collection runs and scopes, HTTP requests of ``serve``, and the
standard OTEL_* variables, with the SDK's in-memory exporter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudscope.cli.main import main
from serve_fixtures import ESTATE, Keys, RunningService, mint

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_collection_is_a_run_span_with_a_span_per_scope(otel_spans: Any, flaky_plugin: None,
                                                          sqlite_url: str) -> None:
    """The run span carries the run id and status; each scope is its child, with its
    provider, service and asset count; a failed scope's span holds the error."""
    assert main(["collect", "flaky", "--db", sqlite_url, "--format", "json"]) == 3
    spans = otel_spans.get_finished_spans()
    (run,) = [s for s in spans if s.name == "cloudscope.collect"]
    scopes = {s.attributes["cloudscope.service"]: s for s in spans
              if s.name == "cloudscope.scope"}
    assert set(scopes) == {"good", "bad"}
    assert run.attributes["cloudscope.status"] == "partial"
    assert run.attributes["cloudscope.provider"] == "flaky" and run.attributes["cloudscope.run_id"]
    assert run.status.status_code.name == "ERROR"
    for scope in scopes.values():
        assert scope.parent is not None and scope.parent.span_id == run.context.span_id
    assert scopes["good"].attributes["cloudscope.assets"] == 1
    assert scopes["good"].status.status_code.name == "UNSET"
    assert scopes["bad"].status.status_code.name == "ERROR"
    assert any(event.name == "exception" for event in scopes["bad"].events)


def test_each_http_request_is_a_server_span_continuing_the_callers_trace(
        otel_spans: Any, start_service: Callable[..., RunningService], estate_sqlite: str,
        keys: Keys) -> None:
    """A server span named after the route, with its status, in the trace of the
    caller's ``traceparent``."""
    service = start_service(estate_sqlite)
    client = service.client(mint(keys.rsa), traceparent=f"00-{TRACE_ID}-00f067aa0ba902b7-01")
    assert client.get("/v1/assets/arn%3Aaws%3As3%3A%3A%3Amissing").status_code == 404
    assert client.get("/v1/assets?limit=1").status_code == 200
    # A server span ends once the last byte is sent: the client may be faster than that.
    deadline = time.monotonic() + 10
    while len(spans := [s for s in otel_spans.get_finished_spans()
                        if s.kind.name == "SERVER"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [s.name for s in spans] == ["GET /v1/assets/{asset_id}", "GET /v1/assets"]
    assert [s.attributes["http.response.status_code"] for s in spans] == [404, 200]
    assert spans[1].attributes["http.route"] == "/v1/assets"
    assert all(f"{s.context.trace_id:032x}" == TRACE_ID for s in spans)


def test_otel_variables_configure_the_exporter(sqlite_url: str, tmp_path: Path) -> None:
    """``OTEL_TRACES_EXPORTER=console`` with ``OTEL_SERVICE_NAME``: the spans of a real
    ``cloudscope collect`` process are exported, named as the variable says."""
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "inventory"}
    result = subprocess.run([sys.executable, "-m", "cloudscope", "collect", "file", str(ESTATE),
                             "--db", sqlite_url], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    spans, text, index = [], result.stderr, 0
    while (start := text.find("{", index)) >= 0:
        try:
            document, index = decoder.raw_decode(text, start)
        except ValueError:
            index = start + 1
            continue
        spans.append(document)
    names = {span["name"] for span in spans}
    assert {"cloudscope.collect", "cloudscope.scope"} <= names
    assert {span["resource"]["attributes"]["service.name"] for span in spans} == {"inventory"}
