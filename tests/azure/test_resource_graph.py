"""--via resource-graph: one paged Resource Graph query across the subscriptions gives the
inventory of the default path."""

from __future__ import annotations

import json

import pytest

from tests.azure.conftest import PRODUCTION, STAGING

GRAPH = "/providers/Microsoft.ResourceGraph/resources"
BOTH = {"subscription": [PRODUCTION, STAGING]}


@pytest.fixture
def both_ways(collect):
    """The same estate collected by Resource Manager list calls and by Resource Graph."""
    return collect(BOTH), collect({**BOTH, "via": "resource-graph"})


def test_resource_graph_gives_the_same_asset_ids_as_the_default_path(both_ways):
    """Same ids, same asset types, every scope complete, on both paths."""
    arm, graph = both_ways
    assert arm.errors == graph.errors == {}
    assert len(arm.assets) > 150
    assert set(graph.assets) == set(arm.assets)
    assert {i: a.asset_type for i, a in graph.assets.items()} == \
        {i: a.asset_type for i, a in arm.assets.items()}


def test_resource_graph_gives_the_same_relationships(both_ways):
    """Edges come from the same bodies, so both paths relate the same assets."""
    arm, graph = both_ways
    assert graph.relationships == arm.relationships


def test_one_query_covers_every_subscription_in_pages(collect, fake):
    """One query names both subscriptions, asks 1,000 rows a page and follows $skipToken;
    no resource is read by id."""
    fake.graph_page_size = 40
    collect({**BOTH, "via": "resource-graph"})
    posts = [s for s in fake.seen if s.method == "POST" and s.path == GRAPH]
    rows = sum(1 for _ in fake.graph._rows([PRODUCTION, STAGING], "resources resourcecontainers "
                                           "authorizationresources"))
    assert len(posts) == -(-rows // 40) > 2
    assert [s for s in fake.seen if s.path.lower().endswith("/redis/cache1")] == []
    assert not fake.requests_to(f"/subscriptions/{PRODUCTION}/resources")


def test_the_query_body_names_the_subscriptions_and_the_tables(collect, fake):
    """The request body: both subscriptions, $top 1000, the three tables."""
    seen: list[dict] = []
    original = fake.graph.query

    def spy(request):
        seen.append(json.loads(json.dumps(request)))
        return original(request)

    fake.graph.query = spy
    collect({**BOTH, "via": "resource-graph"})
    assert len(seen) == 1
    assert sorted(seen[0]["subscriptions"]) == sorted([PRODUCTION, STAGING])
    assert seen[0]["options"]["$top"] == 1000
    for table in ("resources", "resourcecontainers", "authorizationresources"):
        assert table in seen[0]["query"]


def test_a_failed_query_fails_the_graph_scopes_only(collect, fake):
    """Resource Graph refusing the query fails the scopes it feeds, once; role definitions
    (read from Resource Manager) still complete."""
    fake.deny(GRAPH)
    result = collect({"subscription": [PRODUCTION], "via": "resource-graph"})
    assert len([s for s in fake.seen if s.path == GRAPH]) == 1
    assert all("Resource Graph: POST /providers/Microsoft.ResourceGraph/resources: HTTP 403"
               in error for error in result.errors.values())
    assert f"azure/{PRODUCTION}/-/microsoft.authorization/roledefinitions" not in result.errors
    assert any(a.asset_type == "azure:authorization:role-definition"
               for a in result.assets.values())


def test_type_option_narrows_resource_graph_scopes(collect, fake):
    """--type with --via resource-graph keeps only the named types' scopes and rows."""
    result = collect({"subscription": [PRODUCTION], "via": "resource-graph",
                      "types": ["Microsoft.Cache/Redis", "Microsoft.Compute/disks"]})
    assert {a.asset_type for a in result.assets.values()} == {"azure:cache:redis",
                                                               "azure:compute:disk"}


def test_the_cli_takes_via_resource_graph(cloudscope, tmp_path):
    """`collect azure --via resource-graph` stores what the default path stores (exit 0,
    same asset count), and `--via` rejects other values with exit 2."""
    args = ["collect", "azure", "--subscription", PRODUCTION, "--format", "json"]
    default = cloudscope(*args, "--db", f"sqlite:///{tmp_path / 'arm.db'}")
    graph = cloudscope(*args, "--via", "resource-graph", "--db",
                       f"sqlite:///{tmp_path / 'graph.db'}")
    assert (default.code, graph.code) == (0, 0), graph.stderr
    assert graph.json()["assets"] == default.json()["assets"] > 80
    bad = cloudscope(*args, "--via", "graph", "--db", f"sqlite:///{tmp_path / 'bad.db'}")
    assert bad.code == 2 and "--via" in bad.stderr
