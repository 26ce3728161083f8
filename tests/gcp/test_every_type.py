"""Every Cloud Asset type: the seeding list (gcp_types.py) served beside the standard estate,
collected by the real CLI with no type filter; unknown and malformed types; ``--type``."""

from __future__ import annotations

import pytest
from cloudscope_gcp.catalogue import asset_type_of
from gcp_estate import ORG, asset_body
from gcp_types import SEEDED, Seed, serve_hierarchy_resources, serve_seeds

ALPHA = "projects/alpha-prod"
PROJECT_NAME = "//cloudresourcemanager.googleapis.com/projects/100000000001"


@pytest.fixture
def seeded(estate) -> list[Seed]:
    """The seeding list served in alpha-prod, beside the standard estate."""
    return serve_seeds(estate.alpha)


def test_the_seeding_list_goes_beyond_the_mapped_types():
    """At least 40 types without a hand mapping are seeded, each once."""
    assert len({seed.native for seed in SEEDED}) == len(SEEDED) >= 40


def test_every_seeded_type_reaches_the_store_named_by_the_rule(collect_gcp, seeded, stored):
    """Each seeded resource is stored under its full resource name, with the documented
    asset type, its Cloud Asset type as native type, its resource data as properties."""
    result = collect_gcp("--scope", ALPHA)
    assert result.exit_code == 0, result.stderr
    assets = {asset["id"]: asset for asset in stored()}
    missing = [seed.name for seed in seeded if seed.name not in assets]
    assert missing == []
    for seed in seeded:
        asset = assets[seed.name]
        assert (asset["asset_type"], asset["native_type"], asset["account"]) == \
            (asset_type_of(seed.native), seed.native, "alpha-prod"), seed.native
        assert {key: asset["properties"][key] for key in seed.data} == seed.data
    assert assets[seeded[0].name]["asset_type"] == "gcp:compute:route"
    pod = next(seed for seed in seeded if seed.native == "k8s.io/Pod")
    assert assets[pod.name]["asset_type"] == "gcp:k8s:pod"
    assert assets[pod.name]["region"] == "us-central1"


def test_seeded_types_keep_their_iam_policy(collect_gcp, seeded, stored):
    """A type without a hand mapping that carries a policy keeps it under iamPolicy."""
    collect_gcp("--scope", ALPHA)
    topic = next(seed for seed in seeded if seed.native == "pubsub.googleapis.com/Topic")
    properties = stored(topic.name)["asset"]["properties"]
    assert properties["iamPolicy"] == topic.iam_policy


def test_new_types_are_contained_by_their_parent_or_nearest_ancestor(collect_gcp, seeded, stored):
    """CONTAINS comes from resource.parent (a table's dataset), else from ancestors."""
    collect_gcp("--scope", ALPHA)
    table = next(seed for seed in seeded if seed.native == "bigquery.googleapis.com/Table")
    dataset = next(seed for seed in seeded if seed.native == "bigquery.googleapis.com/Dataset")
    edges = {(r["source_id"], r["type"]) for r in stored(table.name)["relationships"]}
    assert (dataset.name, "CONTAINS") in edges
    enabled = next(seed for seed in seeded if seed.native == "serviceusage.googleapis.com/Service")
    assert enabled.parent == ""  # served with no resource.parent
    edges = {(r["source_id"], r["type"]) for r in stored(enabled.name)["relationships"]}
    assert (PROJECT_NAME, "CONTAINS") in edges


def test_an_unknown_type_never_breaks_a_collection(collect_gcp, estate, fake, stored):
    """A type no catalogue knows is stored by the rule; a malformed asset is skipped and
    counted; the scope completes."""
    alpha = estate.alpha
    fake.add_asset(asset_body(
        "//futureservice.googleapis.com/projects/alpha-prod/widgets/w1",
        "futureservice.googleapis.com/QuantumWidget_v2", {"name": "w1", "labels": {"a": 1}},
        location="us-east7", ancestors=alpha.ancestors, parent=None,
        discovery=("futureservice", "QuantumWidget")))
    fake.add_asset({"assetType": "broken.googleapis.com/Thing", "ancestors": alpha.ancestors,
                    "resource": "not an object"})
    result = collect_gcp("--scope", ALPHA)
    assert result.exit_code == 0, result.stderr
    assert result.summary["counters"]["assets_skipped"] == 1
    widget = stored("//futureservice.googleapis.com/projects/alpha-prod/widgets/w1")["asset"]
    assert (widget["asset_type"], widget["region"], widget["tags"]) == \
        ("gcp:futureservice:quantum-widget-v2", "us-east7", {"a": "1"})
    assert estate.names["web"] in {asset["id"] for asset in stored()}


def test_organization_scope_holds_hierarchy_level_resources(collect_gcp, estate, stored):
    """An organization's custom role and tag key (outside any project) are in its
    container scope; a project's custom role stays in its project's scope."""
    names = serve_hierarchy_resources(estate.alpha)
    result = collect_gcp("--scope", ORG)
    assert result.exit_code == 0, result.stderr
    container = result.scopes()[(ORG, "cloudresourcemanager.googleapis.com")]
    assert container["assets"] == 5 + len(names)
    for name in names:
        assert stored(name)["asset"]["account"] is None
    role = stored(estate.names["custom_role"])["asset"]
    assert role["account"] == "alpha-prod"


def test_type_option_collects_the_services_of_its_types(collect_gcp, seeded, fake, stored):
    """--type narrows to the API services of its types, each a scope listing the whole
    service (a regular expression), and keeps what other services stored."""
    assert collect_gcp("--scope", ALPHA).exit_code == 0
    before = {asset["id"] for asset in stored()}
    fake.recorded.clear()
    result = collect_gcp("--scope", ALPHA, "--type", "gcp:pubsub:topic",
                         "--type", "bigquery.googleapis.com/Table")
    assert result.exit_code == 0, result.stderr
    assert set(result.scopes()) == {("alpha-prod", "bigquery.googleapis.com"),
                                    ("alpha-prod", "pubsub.googleapis.com")}
    patterns = {pattern for r in fake.recorded for pattern in r.params.get("assetTypes", ())}
    assert {r"pubsub\.googleapis\.com/.*", r"bigquery\.googleapis\.com/.*"} <= patterns
    assert result.scopes()[("alpha-prod", "pubsub.googleapis.com")]["assets"] == 2
    assert {asset["id"] for asset in stored()} == before


def test_a_malformed_type_option_is_a_usage_error(collect_gcp, estate):
    """--type that names no type is one line on stderr and exit 2."""
    result = collect_gcp("--scope", ALPHA, "--type", "compute")
    assert result.exit_code == 2
    assert "expected gcp:SERVICE:KIND" in result.stderr
    assert result.stderr.strip().count("\n") == 0
