"""Prometheus metrics of ``serve`` and ``collect --metrics-file``, read with
prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cloudscope.cli.main import main
from prometheus_client.parser import text_string_to_metric_families
from serve_fixtures import ESTATE, Keys, RunningService, mint


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text document, by name and sorted labels."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_count_requests_by_route_and_read_the_store(
        start_service: Callable[..., RunningService], estate_sqlite: str, keys: Keys) -> None:
    """Requests counted per method, route template and status, timed in a histogram;
    assets per provider and type and the stored runs as the store holds them."""
    service = start_service(estate_sqlite)
    client = service.client(mint(keys.rsa))
    for _ in range(3):
        assert client.get("/v1/assets?limit=2").status_code == 200
    client.get("/v1/assets/arn%3Aaws%3As3%3A%3A%3Anope")
    service.client().get("/v1/assets")
    service.client().get("/no/such/route")
    response = service.client().get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)

    def requests(route: str, status: str) -> float:
        key = ("cloudscope_http_requests_total",
               (("method", "GET"), ("route", route), ("status", status)))
        return found.get(key, 0.0)

    assert requests("/v1/assets", "200") == 3
    assert requests("/v1/assets", "401") == 1
    assert requests("/v1/assets/{asset_id}", "404") == 1
    assert requests("unmatched", "404") == 1
    count = found[("cloudscope_http_request_duration_seconds_count",
                   (("method", "GET"), ("route", "/v1/assets")))]
    assert count == 4
    assets = {labels: value for (name, labels), value in found.items()
              if name == "cloudscope_assets"}
    assert sum(assets.values()) == 113
    assert assets[(("asset_type", "aws:ec2:instance"), ("provider", "aws"))] == 7
    assert found[("cloudscope_collect_runs_total", (("provider", "file"), ("status", "ok")))] == 1
    assert found[("cloudscope_store_up", ())] == 1
    assert found[("process_resident_memory_bytes", ())] > 0


def test_collect_writes_a_textfile_whose_counters_keep_counting(
        flaky_plugin: None, sqlite_url: str, tmp_path: Path) -> None:
    """``collect --metrics-file`` writes runs by status, failed scopes by service,
    throttling, duration and assets; a second run adds to the counters."""
    path = tmp_path / "cloudscope.prom"
    for _ in range(2):
        assert main(["collect", "flaky", "--db", sqlite_url, "--metrics-file", str(path),
                     "--format", "json"]) == 3
    found = samples(path.read_text(encoding="utf-8"))
    assert found[("cloudscope_collect_runs_total",
                  (("provider", "flaky"), ("status", "partial")))] == 2
    assert found[("cloudscope_collect_scope_failures_total",
                  (("provider", "flaky"), ("service", "bad")))] == 2
    assert ("cloudscope_collect_scope_failures_total",
            (("provider", "flaky"), ("service", "good"))) not in found
    assert found[("cloudscope_collect_throttled_total", (("provider", "flaky"),))] == 8
    assert found[("cloudscope_collect_assets", (("provider", "flaky"),))] == 1
    assert found[("cloudscope_collect_duration_seconds", (("provider", "flaky"),))] >= 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("cloudscope.prom.")] == []


def test_a_metrics_file_in_a_missing_directory_is_refused_before_collecting(
        sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that cannot be written is a usage error (exit 2) and nothing is collected."""
    code = main(["collect", "file", str(ESTATE), "--db", sqlite_url,
                 "--metrics-file", str(tmp_path / "missing" / "m.prom")])
    assert code == 2
    assert "--metrics-file" in capsys.readouterr().err
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()
