"""Folder and organization scopes listed at the node (``organizations/N/assets``) and shared
out by project: the same inventory as listing each project, in a few calls, with staleness
per project; ``--shard`` runs list per project and together give the same inventory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import AssetQuery
from cloudscope_gcp.catalogue import catalogue
from cloudscope_gcp.shared_listing import PARTITIONS
from gcp_estate import FOLDER, ORG
from gcp_fake import Fault, beyond_the_plan
from gcp_types import serve_hierarchy_resources, serve_seeds


def inventory(url: str) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    """(assets by id without timestamps, relationship keys) of the store at ``url``."""
    with SQLiteRepository(url) as repository:
        assets = {a.id: a.model_dump(mode="json", exclude={"first_seen", "last_seen"})
                  for a in repository.iter_assets(AssetQuery())}
        edges = {(r.source_id, r.type, r.target_id) for r in repository.iter_relationships()}
    return assets, edges


@pytest.fixture
def wide(estate):
    """The standard estate, the seeding list in alpha-prod, and resources outside projects."""
    serve_seeds(estate.alpha)
    serve_hierarchy_resources(estate.alpha)
    return estate


def test_organization_is_listed_in_a_few_calls(collect_gcp, wide, fake):
    """At organization scope: the project list, then the resources as a few listings at the
    organization at once (type partitions that together cover every type) and one policy
    listing; no per-project call."""
    result = collect_gcp("--scope", ORG)
    assert result.exit_code == 0, result.stderr
    assert {r.parent for r in fake.recorded} == {ORG}
    listings = sorted((r.params["contentType"][0], tuple(r.params.get("assetTypes", ())))
                      for r in fake.recorded)
    assert listings == sorted([("RESOURCE", ("cloudresourcemanager.googleapis.com/Project",)),
                               ("IAM_POLICY", ()),
                               *(("RESOURCE", part) for part in PARTITIONS)])
    assert {account for account, _service in result.scopes()} == {ORG, "alpha-prod", "beta-dev"}


def test_type_partitions_cover_every_type_once():
    """Each type the catalogue knows, and the seeded ones, falls in exactly one partition."""
    for _type, native, _mapped in catalogue():
        matched = [part for part in PARTITIONS
                   if any(re.fullmatch(pattern, native) for pattern in part)]
        assert len(matched) == 1, native


def test_organization_listing_equals_per_project_listing(collect_gcp, wide, fake, sqlite_url):
    """Two shards (each listing its projects alone) store exactly what one run listing the
    organization stores: assets, properties, policies and relationships."""
    for shard in ("0/2", "1/2"):
        result = collect_gcp("--scope", ORG, "--shard", shard)
        assert result.exit_code == 0, result.stderr
    assert not any(r.parent == ORG and set(r.params.get("assetTypes", ())) & set(PARTITIONS[0])
                   for r in fake.recorded)
    per_project = inventory(sqlite_url)
    Path(sqlite_url.removeprefix("sqlite:///")).unlink()
    fake.recorded.clear()
    assert collect_gcp("--scope", ORG).exit_code == 0
    assert not any(r.parent.startswith("projects/") for r in fake.recorded)
    shared = inventory(sqlite_url)
    assert len(shared[0]) > 80
    assert shared[0].keys() == per_project[0].keys()
    assert shared == per_project


def test_a_deleted_asset_of_one_project_is_removed(collect_gcp, wide, fake, stored):
    """Staleness stays per project: an asset gone from the organization's listing is
    removed from its project's scope; the other projects keep everything."""
    assert collect_gcp("--scope", ORG).exit_code == 0
    before = {asset["id"] for asset in stored()}
    fake.remove_asset(wide.names["beta_bucket"])
    result = collect_gcp("--scope", ORG)
    assert result.exit_code == 0, result.stderr
    assert {asset["id"] for asset in stored()} == before - {wide.names["beta_bucket"]}
    assert result.scopes()[("beta-dev", "all")]["status"] == "complete"


def test_a_failed_organization_listing_keeps_every_projects_assets(collect_gcp, wide, fake,
                                                                    stored):
    """When the organization's listing fails and the projects cannot be listed alone
    either, every scope fails and keeps what it stored (exit 3)."""
    assert collect_gcp("--scope", ORG).exit_code == 0
    before = {asset["id"] for asset in stored()}
    fake.faults.append(Fault(503, 10_000, when=beyond_the_plan))
    result = collect_gcp("--scope", ORG, env={"CLOUDSCOPE_GCP_SERVER_RETRIES": "0"})
    assert result.exit_code == 3
    assert {account for account, _ in result.scopes("failed")} == {"alpha-prod", "beta-dev"}
    assert {asset["id"] for asset in stored()} == before


def test_folder_scope_shares_its_listing(collect_gcp, wide, fake, stored):
    """A folder is listed at the folder: its project and the folder's container scope."""
    result = collect_gcp("--scope", FOLDER)
    assert result.exit_code == 0, result.stderr
    assert {r.parent for r in fake.recorded} == {FOLDER}
    assert set(result.scopes()) == {(FOLDER, "cloudresourcemanager.googleapis.com"),
                                    ("beta-dev", "all")}
    assert wide.names["beta_instance"] in {asset["id"] for asset in stored()}


def test_documented_permissions_are_enough(collect_gcp, wide, fake, stored):
    """A caller granted exactly the documented custom role collects everything; without
    listIamPolicy the resources are still collected, their policies marked unavailable."""
    from cloudscope_gcp.permissions import PERMISSIONS

    from tests.gcp.conftest import CLIENT_EMAIL

    fake.grants = {CLIENT_EMAIL: set(PERMISSIONS)}
    full = collect_gcp("--scope", ORG)
    assert full.exit_code == 0, full.stderr
    assert "details_unavailable" not in full.summary["counters"]
    fake.grants = {CLIENT_EMAIL: set(PERMISSIONS) - {"cloudasset.assets.listIamPolicy"}}
    partial = collect_gcp("--scope", ORG)
    assert partial.exit_code == 0, partial.stderr
    assert partial.summary["counters"]["details_unavailable"] == 1
    bucket = stored(wide.names["public_bucket"])["asset"]["properties"]
    assert bucket["_unavailable"] == {"iamPolicy": "ListAssets(IAM_POLICY): PERMISSION_DENIED"}


def test_organization_listings_follow_page_tokens(collect_gcp, wide, fake, stored):
    """With seven assets a page, every partition's pages are fetched: the same assets as
    with full pages."""
    assert collect_gcp("--scope", ORG).exit_code == 0
    full = {asset["id"] for asset in stored()}
    fake.recorded.clear()
    result = collect_gcp("--scope", ORG, env={"CLOUDSCOPE_GCP_PAGE_SIZE": "7"})
    assert result.exit_code == 0, result.stderr
    pages = [r for r in fake.recorded if "pageToken" in r.params]
    assert len(pages) >= len(full) // 7 - len(PARTITIONS) - 2
    assert {asset["id"] for asset in stored()} == full
