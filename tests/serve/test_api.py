"""The API answers what the command line prints, over SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cloudscope.cli.main import main
from serve_fixtures import Keys, RunningService, cli_json, mint

BASTION = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001"


@pytest.fixture
def api(start_service: Callable[..., RunningService], estate_url: str,
        keys: Keys) -> tuple[httpx.Client, str]:
    """An admin client of a service over the estate, and the estate's store URL."""
    service = start_service(estate_url)
    return service.client(mint(keys.rsa, roles=("admin",))), estate_url


def every_page(client: httpx.Client, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a paged listing, following next_cursor."""
    pages = []
    cursor = None
    while True:
        response = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("params", [{}, {"provider": "azure"}, {"type": "aws:ec2:subnet"},
                                    {"tag": ["env=prod"]}, {"account": "111122223333",
                                                             "region": "us-east-1"}],
                         ids=["all", "provider", "type", "tag", "account+region"])
def test_asset_pages_concatenate_to_what_assets_list_prints(api: tuple[httpx.Client, str],
                                                            params: dict[str, Any]) -> None:
    """Pages of 7, followed by cursor, give exactly ``assets list --format json`` with the
    same filters, in order."""
    client, url = api
    flags = [part for name, value in params.items()
             for item in (value if isinstance(value, list) else [value])
             for part in (f"--{name}", item)]
    expected = cli_json("assets", "list", "--db", url, "--format", "json", *flags)
    pages = every_page(client, "/v1/assets", limit=7, **params)
    assert [asset for page in pages for asset in page] == expected
    assert all(len(page) == 7 for page in pages[:-1])


def test_an_asset_answers_what_assets_show_prints(api: tuple[httpx.Client, str]) -> None:
    """``/v1/assets/{id}`` (the id URL-encoded) equals ``assets show --format json``."""
    client, url = api
    response = client.get(f"/v1/assets/{quote(BASTION, safe='')}")
    assert response.status_code == 200
    assert response.json() == cli_json("assets", "show", BASTION, "--db", url, "--format",
                                       "json")


def test_an_unknown_asset_is_a_404_problem(api: tuple[httpx.Client, str]) -> None:
    """An id that is not stored: 404, as problem+json naming it."""
    client, _ = api
    response = client.get("/v1/assets/arn%3Aaws%3Aec2%3A%3A1%3Ainstance%2Fnope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "arn:aws:ec2::1:instance/nope" in response.json()["detail"]


@pytest.mark.parametrize(("query", "fragment"), [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("cursor=garbage", "cursor is malformed"),
    ("tag=novalue", "KEY=VALUE"), ("include_deleted=maybe", "include_deleted")])
def test_bad_parameters_are_400_problems(api: tuple[httpx.Client, str], query: str,
                                         fragment: str) -> None:
    """Limits outside 1..1000, a forged cursor, a malformed tag: 400 naming the parameter."""
    client, _ = api
    response = client.get(f"/v1/assets?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]


def test_a_cursor_only_continues_the_filters_it_was_issued_for(
        api: tuple[httpx.Client, str]) -> None:
    """A cursor reused with other filters is refused rather than silently mispaging."""
    client, _ = api
    cursor = client.get("/v1/assets", params={"provider": "aws", "limit": 2}).json()["next_cursor"]
    assert client.get("/v1/assets", params={"provider": "aws", "limit": 2,
                                            "cursor": cursor}).status_code == 200
    response = client.get("/v1/assets", params={"provider": "gcp", "cursor": cursor})
    assert response.status_code == 400
    assert "other filters" in response.json()["detail"]


@pytest.mark.parametrize("params", [{}, {"severity": ["critical", "high"]}, {"provider": "gcp"},
                                    {"rule_id": "aws.ec2.instance-public-ip"}],
                         ids=["all", "severity", "provider", "rule"])
def test_findings_pages_give_the_assessed_findings_most_severe_first(
        api: tuple[httpx.Client, str], params: dict[str, Any]) -> None:
    """Findings filtered by severity, provider and rule, paged by cursor, match the
    findings ``assess --format json`` stored, in the order of the store."""
    client, url = api
    stored = cli_json("assess", "--db", url, "--format", "json")["findings"]
    providers = {a["id"]: a["provider"]
                 for a in cli_json("assets", "list", "--db", url, "--format", "json")}
    wanted = [f for f in stored
              if ("severity" not in params or f["severity"] in params["severity"])
              and ("provider" not in params or providers.get(f["asset_id"]) == params["provider"])
              and ("rule_id" not in params or f["rule_id"] == params["rule_id"])]
    pages = every_page(client, "/v1/findings", limit=5, **params)
    got = [finding for page in pages for finding in page]
    ranks = ["critical", "high", "medium", "low", "info"]
    key = lambda f: (ranks.index(f["severity"]), f["asset_id"], f["rule_id"])  # noqa: E731
    assert sorted(got, key=key) == got
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, wanted))
    assert wanted, "the sample estate has findings of every case"


def test_runs_plugins_and_health(api: tuple[httpx.Client, str]) -> None:
    """Runs newest first; plugins as ``plugins --format json``; health and readiness."""
    client, _ = api
    runs = client.get("/v1/runs").json()["items"]
    collected = [run for run in runs if run["collector"] == "file"]
    assert [(run["status"], run["assets"]) for run in collected] == [("ok", 113)]
    assert {"run_id", "started_at", "finished_at", "relationships", "counters",
            "duration_s"} <= set(collected[0])
    started = [run["started_at"] for run in runs]
    assert started == sorted(started, reverse=True)
    assert client.get("/v1/plugins").json() == cli_json("plugins", "--format", "json")
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["schema_version"] >= 1


@pytest.mark.parametrize("format_name", ["jsonl", "csv"])
def test_an_export_streams_what_cloudscope_export_writes(api: tuple[httpx.Client, str],
                                                         format_name: str,
                                                         tmp_path: Any) -> None:
    """``/v1/export/{format}`` streams the exporter's output for the same filters; the
    content type follows the format."""
    client, url = api
    output = tmp_path / f"out.{format_name}"
    assert main(["export", format_name, "--db", url, "--provider", "azure",
                 "--output", str(output)]) == 0
    with client.stream("GET", f"/v1/export/{format_name}", params={"provider": "azure"}) as r:
        assert r.status_code == 200
        body = b"".join(r.iter_bytes())
    assert r.headers["content-type"].startswith(
        {"jsonl": "application/x-ndjson", "csv": "text/csv"}[format_name])
    assert body.decode("utf-8") == output.read_text(encoding="utf-8")


def test_export_errors_before_the_first_byte_are_problems(api: tuple[httpx.Client, str]) -> None:
    """An unknown format is 404; an unknown option or one that writes files is 400."""
    client, _ = api
    assert client.get("/v1/export/nope").status_code == 404
    for query in ("bogus=1", "dictionary=/tmp/x.md"):
        response = client.get(f"/v1/export/csv?{query}")
        assert response.status_code == 400, query
        assert response.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_describes_the_api(api: tuple[httpx.Client, str]) -> None:
    """``/openapi.json`` lists every route with the bearer scheme."""
    client, _ = api
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) == {
        "/healthz", "/readyz", "/metrics", "/v1/assets", "/v1/assets/{asset_id}",
        "/v1/findings", "/v1/changes", "/v1/runs", "/v1/plugins", "/v1/export/{format_name}"}
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
