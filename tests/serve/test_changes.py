"""GET /v1/changes: what ``cloudscope changes`` lists, a page at a time, for analysts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudscope.application.storage import open_repository
from cloudscope.domain.change import Change, ChangedFinding, ChangeKind
from cloudscope.domain.finding import Severity
from cloudscope.host.plugin_host import PluginHost
from serve_fixtures import (
    NEXT_WEEK,
    Keys,
    RunningService,
    cli_json,
    collect_changed_estate,
    mint,
)

Store = tuple[str, dict[str, str]]


@pytest.fixture(scope="module")
def changes_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A SQLite store holding the README's example: two collections, two assessments."""
    workdir = tmp_path_factory.mktemp("changes")
    url = f"sqlite:///{workdir / 'changes.db'}"
    return url, collect_changed_estate(url, workdir)


@pytest.fixture(scope="module")
def changes_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The same in a PostgreSQL database of its own."""
    from postgres_databases import create_database, drop_database, server_url

    server = server_url()
    url = create_database(server)
    yield url, collect_changed_estate(url, tmp_path_factory.mktemp("changes-pg"))
    drop_database(server, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    """The example in each kind of store the API is tested against."""
    return request.getfixturevalue(f"changes_{request.param}")  # type: ignore[no-any-return]


@pytest.fixture
def service(start_service: Callable[..., RunningService], store: Store) -> RunningService:
    """A service over the store."""
    return start_service(store[0])


def walk(client: httpx.Client, limit: int, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every change of a listing, following next_cursor; and how many pages it took."""
    items: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        response = client.get("/v1/changes", params={
            **params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def cli_changes(url: str, *flags: str) -> list[dict[str, Any]]:
    """The changes ``cloudscope changes --format json`` prints with these flags."""
    return cli_json("changes", "--db", url, "--format", "json", *flags)["changes"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("params", "flags"), [
    ({}, []),
    ({"since": "assess1"}, ["--since", "assess1"]),
    ({"since": "assess1", "findings_only": "true"}, ["--since", "assess1", "--findings-only"]),
    ({"since": "collect1", "until": "collect2"}, ["--since", "collect1", "--until", "collect2"]),
    ({"provider": "aws", "type": "aws:s3:bucket"}, ["--provider", "aws", "--type", "aws:s3:bucket"]),
    ({"tag": "env=prod", "since": "7d"}, ["--tag", "env=prod", "--since", "7d"]),
], ids=["all", "since-run", "findings-only", "window", "asset-filters", "tag-duration"])
def test_pages_concatenate_to_what_cloudscope_changes_prints(
        service: RunningService, store: Store, keys: Keys, params: dict[str, str],
        flags: list[str]) -> None:
    """Pages of 4, followed by cursor, give exactly the changes of ``cloudscope changes
    --format json`` with the same filters (run ids, times and durations alike), in order."""
    url, runs = store
    params = {k: runs.get(v, v) for k, v in params.items()}
    flags = [runs.get(flag, flag) for flag in flags]
    items, pages = walk(service.client(mint(keys.rsa, roles=("analyst",))), 4, **params)
    expected = cli_changes(url, *flags)
    assert items == expected and len(expected) > 0
    assert pages == -(-len(expected) // 4)  # the last page says there is no next one
    assert [c["id"] for c in items] == sorted({c["id"] for c in items})


def test_kind_selects_changes_and_findings_only_narrows_it(service: RunningService,
                                                           keys: Keys) -> None:
    """``kind`` (repeatable) keeps those kinds; with ``findings_only`` only finding kinds."""
    client = service.client(mint(keys.rsa, roles=("admin",)))
    items, _ = walk(client, 100, kind=["removed", "finding-resolved"])
    assert {c["change"] for c in items} == {"removed", "finding-resolved"}
    only, _ = walk(client, 100, kind=["removed", "finding-resolved"], findings_only="true")
    assert only == [c for c in items if c["change"] == "finding-resolved"]
    assert walk(client, 100, kind="added", findings_only="true")[0] == []


def test_viewers_are_refused_and_every_request_is_audited(service: RunningService,
                                                          keys: Keys) -> None:
    """Changes need the analyst role: no token is 401, a viewer 403 (a problem), analyst
    and admin 200; each request has its audit line naming the caller."""
    answers = [service.client(token).get("/v1/changes", params={"limit": 1}) for token in (
        None, mint(keys.rsa, roles=("viewer",), sub="vera"),
        mint(keys.rsa, roles=("analyst",), sub="ann"), mint(keys.ec, alg="ES256", kid="ec-1",
                                                            roles=("admin",), sub="adam"))]
    assert [a.status_code for a in answers] == [401, 403, 200, 200]
    assert answers[1].headers["content-type"] == "application/problem+json"
    assert answers[1].json()["detail"] == "this needs the analyst role"
    lines = [(line["sub"], line["path"], line["status"]) for line in service.audit_lines(4)]
    assert lines == [(None, "/v1/changes", 401), ("vera", "/v1/changes", 403),
                     ("ann", "/v1/changes", 200), ("adam", "/v1/changes", 200)]


@pytest.mark.parametrize(("query", "detail"), [
    ("since=yesterday", "since 'yesterday': not a run id, an ISO 8601 time or a duration"),
    ("since=2d&until=3d", "until '3d' is not after since '2d'"),
    ("kind=exploded", "kind.0: Input should be"),
    ("limit=0", "limit: Input should be greater than or equal to 1"),
    ("cursor=bm90LWEtY3Vyc29y", "cursor is malformed"),
])
def test_bad_parameters_are_400_problems(service: RunningService, keys: Keys, query: str,
                                         detail: str) -> None:
    """A bad window, kind, limit or cursor is a 400 problem naming it."""
    answer = service.client(mint(keys.rsa, roles=("analyst",))).get(f"/v1/changes?{query}")
    assert answer.status_code == 400 and answer.json()["detail"].startswith(detail)


def test_a_cursor_keeps_its_window_and_its_filters(service: RunningService, keys: Keys) -> None:
    """A cursor continues only the filters it was issued for (else 400), and keeps the
    window its first page resolved (a duration does not slide with the clock)."""
    client = service.client(mint(keys.rsa, roles=("analyst",)))
    first = client.get("/v1/changes", params={"since": "30d", "limit": 2}).json()
    other = client.get("/v1/changes", params={"since": "29d", "limit": 2,
                                              "cursor": first["next_cursor"]})
    assert other.status_code == 400
    assert other.json()["detail"].startswith("cursor was issued for other filters")
    again = client.get("/v1/changes", params={"since": "30d", "limit": 2,
                                              "cursor": first["next_cursor"]})
    assert again.status_code == 200 and again.json()["items"][0]["id"] > \
        first["items"][-1]["id"]


def test_a_walk_neither_repeats_nor_skips_while_a_collection_writes(
        start_service: Callable[..., RunningService], keys: Keys, tmp_path: Path) -> None:
    """Changes recorded during a walk come after its cursor: every change present when the
    walk began is read once, and the new ones follow them, in id order."""
    url = f"sqlite:///{tmp_path / 'walk.db'}"
    collect_changed_estate(url, tmp_path)
    client = start_service(url).client(mint(keys.rsa, roles=("analyst",)))
    before = cli_changes(url)
    first = client.get("/v1/changes", params={"limit": 5}).json()
    # A third collection (back to last week's estate) writes while the walk is under way.
    (tmp_path / "estate.json").write_bytes(NEXT_WEEK.read_bytes().replace(
        b'"env": "prod"', b'"env": "production"'))
    cli_json("collect", "file", str(tmp_path / "estate.json"), "--db", url, "--format", "json")
    rest, _ = walk(client, 5, cursor=first["next_cursor"])
    seen = first["items"] + rest
    ids = [c["id"] for c in seen]
    assert ids == sorted(set(ids))
    assert seen[:len(before)] == before and len(seen) > len(before)


def test_answers_are_redacted_as_the_cli_prints_them(
        start_service: Callable[..., RunningService], keys: Keys, tmp_path: Path) -> None:
    """A secret that reached the log (here a finding title recorded as it was) is
    redacted on the way out, as ``cloudscope changes`` redacts it."""
    url = f"sqlite:///{tmp_path / 'leaky.db'}"
    collect_changed_estate(url, tmp_path)
    with open_repository(PluginHost.from_environment(), url) as repository:
        repository.record_changes([Change(
            change=ChangeKind.FINDING_NEW, asset_id="arn:aws:s3:::leaky", run_id="assess-x",
            at=datetime.now(UTC), finding=ChangedFinding(
                rule_id="custom.leak", severity=Severity.HIGH,
                title="found DB_PASSWORD=hunter2-Pl4nted in user data"))])
    client = start_service(url).client(mint(keys.rsa, roles=("analyst",)))
    items, _ = walk(client, 50, findings_only="true")
    assert items == cli_changes(url, "--findings-only")
    assert "hunter2-Pl4nted" not in str(items)
    assert items[-1]["finding"]["title"] == "found DB_PASSWORD=[REDACTED] in user data"


def test_the_openapi_document_describes_changes(service: RunningService) -> None:
    """/v1/changes is in the OpenAPI document with its filters and its page schema."""
    document = service.client().get("/openapi.json").json()
    operation = document["paths"]["/v1/changes"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "since", "until", "kind", "findings_only", "provider", "type", "account", "region",
        "tag", "limit", "cursor"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ChangePage"}
    assert {"findings", "causes", "fields", "finding"} <= set(
        document["components"]["schemas"]["ChangeItem"]["properties"])
