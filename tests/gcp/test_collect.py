"""``cloudscope collect gcp`` end to end: the real CLI, google-auth and requests, the fake."""

from __future__ import annotations

from gcp_estate import ORG
from gcp_fake import Fault, beyond_the_plan

ALPHA = "projects/alpha-prod"


def relationships_of(stored, asset_id):
    """(type, other end) of an asset's stored relationships, from its point of view."""
    detail = stored(asset_id)
    return {(r["type"], r["target_id"] if r["source_id"] == asset_id else r["source_id"])
            for r in detail["relationships"]}


def test_project_scope_collects_every_type(collect_gcp, estate, stored):
    """A project scope stores each catalogued type of the project, keyed by full name."""
    result = collect_gcp("--scope", ALPHA)
    assert result.exit_code == 0, result.stderr
    assert result.summary["status"] == "ok"
    assets = {a["id"]: a for a in stored()}
    expected = {name for key, name in estate.names.items()
                if not key.startswith(("beta", "other"))} | {estate.names["other_network"]}
    assert expected <= set(assets)
    assert len({a["asset_type"] for a in assets.values()}) >= 15
    assert {a["account"] for a in assets.values()} == {"alpha-prod"}


def test_asset_fields_follow_the_data_model(collect_gcp, estate, stored):
    """native_type is the Cloud Asset type, region the location, tags the labels,
    properties the resource data."""
    collect_gcp("--scope", ALPHA)
    web = stored(estate.names["web"])["asset"]
    assert web["asset_type"] == "gcp:compute:instance"
    assert web["native_type"] == "compute.googleapis.com/Instance"
    assert web["region"] == "us-central1-a"
    assert web["tags"] == {"app": "web", "tier": "frontend"}
    assert web["properties"]["networkInterfaces"][0]["accessConfigs"][0]["natIP"] == "34.1.2.3"
    network = stored(estate.names["network"])["asset"]
    assert network["region"] is None


def test_bucket_carries_its_iam_policy(collect_gcp, estate, stored):
    """A public bucket's properties show allUsers under iamPolicy.bindings."""
    collect_gcp("--scope", ALPHA)
    bucket = stored(estate.names["public_bucket"])["asset"]
    members = [m for b in bucket["properties"]["iamPolicy"]["bindings"] for m in b["members"]]
    assert "allUsers" in members
    assert bucket["properties"]["iamConfiguration"]["uniformBucketLevelAccess"]["enabled"]


def test_relationships_are_stored_with_full_names(collect_gcp, estate, stored):
    """Instance edges point at full names: subnet, disk, account, firewalls, project."""
    collect_gcp("--scope", ALPHA)
    n = estate.names
    edges = relationships_of(stored, n["web"])
    assert {("IN_SUBNET", n["subnet"]), ("ATTACHED_TO", n["web_disk"]),
            ("HAS_ROLE", n["account"]), ("PROTECTED_BY", n["fw_ssh"]),
            ("PROTECTED_BY", n["fw_internal"]), ("PROTECTED_BY", n["fw_by_account"]),
            ("CONTAINS", "//cloudresourcemanager.googleapis.com/projects/100000000001")} <= edges
    assert ("PROTECTED_BY", n["fw_disabled"]) not in edges
    assert ("IN_NETWORK", n["network"]) in relationships_of(stored, n["subnet"])
    assert ("ATTACHED_TO", n["account"]) in relationships_of(stored, n["account_key"])
    assert ("ENCRYPTED_BY", n["crypto_key"]) in relationships_of(stored, n["web_disk"])


def test_organization_scope_lists_projects_and_containers(collect_gcp, estate, stored):
    """An organization plans every active project's scopes plus one container scope."""
    result = collect_gcp("--scope", ORG)
    assert result.exit_code == 0, result.stderr
    accounts = {account for account, _service in result.scopes()}
    assert accounts == {ORG, "alpha-prod", "beta-dev"}  # gamma-old is being deleted
    assert result.scopes()[(ORG, "cloudresourcemanager.googleapis.com")]["assets"] == 5
    beta = stored(estate.names["beta_instance"])["asset"]
    assert beta["account"] == "beta-dev"
    folder = "//cloudresourcemanager.googleapis.com/folders/555000111"
    assert ("CONTAINS", "//cloudresourcemanager.googleapis.com/projects/100000000002") in \
        relationships_of(stored, folder)


def test_project_number_scope_resolves_to_the_project_id(collect_gcp, estate):
    """`--scope projects/NUMBER` collects under the project id, not its number."""
    result = collect_gcp("--scope", "projects/100000000002")
    assert result.exit_code == 0, result.stderr
    assert {account for account, _service in result.scopes()} == {"beta-dev"}


def test_listing_follows_page_tokens(collect_gcp, estate, fake, stored):
    """With two assets a page, every page is fetched and every asset stored."""
    result = collect_gcp("--scope", ALPHA, env={"CLOUDSCOPE_GCP_PAGE_SIZE": "2"})
    assert result.exit_code == 0, result.stderr
    resources = [r for r in fake.recorded if r.params["contentType"] == ["RESOURCE"]]
    assert all("assetTypes" not in r.params for r in resources)  # every type, unfiltered
    assert len(resources) == (result.summary["assets"] + 1) // 2
    assert sum("pageToken" in r.params for r in resources) == len(resources) - 1
    assert {r.params["pageSize"][0] for r in fake.recorded} == {"2"}
    alpha = {name for key, name in estate.names.items() if not key.startswith("beta")}
    assert alpha <= {asset["id"] for asset in stored()}
    assert result.summary["assets"] == len(stored())


def test_throttling_and_unavailability_are_retried(collect_gcp, estate, fake):
    """429 (with Retry-After) and 503 answers are retried; the run completes and counts them."""
    fake.faults += [Fault(429, 2, retry_after="0"), Fault(503, 2)]
    result = collect_gcp("--scope", ALPHA, "--concurrency", "2")
    assert result.exit_code == 0, result.stderr
    assert result.summary["status"] == "ok"
    assert result.summary["counters"]["throttled"] == 2
    assert result.summary["counters"]["retries"] == 4
    assert [r.status for r in fake.recorded].count(503) == 2


def test_a_refusing_project_fails_alone_and_keeps_its_assets(collect_gcp, estate, fake, stored):
    """When the organization's listing fails, each project lists alone: a project answering
    403 fails its scope (exit 3); the others complete; what it had stored stays."""
    assert collect_gcp("--scope", ORG).exit_code == 0
    fake.faults.append(Fault(503, 10_000, parent=ORG, when=beyond_the_plan))
    fake.denied.add("projects/beta-dev")
    result = collect_gcp("--scope", ORG, env={"CLOUDSCOPE_GCP_SERVER_RETRIES": "0"})
    assert result.exit_code == 3
    assert result.summary["status"] == "partial"
    assert result.summary["counters"]["hierarchy_listing_failures"] == 1
    failed = result.scopes("failed")
    assert failed and {account for account, _service in failed} == {"beta-dev"}
    error = next(iter(failed.values()))["error"]
    assert "403 PERMISSION_DENIED" in error and "roles/cloudasset.viewer" in error
    assert {account for account, _ in result.scopes("complete")} == {ORG, "alpha-prod"}
    ids = {a["id"] for a in stored()}
    assert {estate.names["beta_instance"], estate.names["beta_bucket"]} <= ids


def test_a_persistent_server_error_fails_the_scope_after_retries(collect_gcp, estate, fake):
    """A 503 that never ends fails the scope it hits once gcp.server_retries are spent (exit 3)."""
    fake.faults.append(Fault(503, 10_000, parent=ALPHA))
    result = collect_gcp("--scope", ALPHA, env={"CLOUDSCOPE_GCP_SERVER_RETRIES": "2"})
    assert result.exit_code == 3
    failed = result.scopes("failed").values()
    assert len(failed) == len(result.scopes()) == 1  # the project's every-type scope
    assert all("503" in scope["error"] for scope in failed)
    assert result.summary["counters"]["retries"] == 2 * len(failed)


def test_malformed_scope_is_a_usage_error(collect_gcp, estate):
    """A --scope that names no hierarchy node is one line on stderr and exit 2."""
    result = collect_gcp("--scope", "project/alpha-prod")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "expected projects/PROJECT_ID" in result.stderr


def test_custom_roles_are_collected_with_their_permissions(collect_gcp, estate, stored):
    """A project's custom role (``iam.googleapis.com/Role``) is stored with its
    ``includedPermissions``, contained by its project: bindings to it are judged by them."""
    collect_gcp("--scope", ALPHA)
    detail = stored(estate.names["custom_role"])
    role = detail["asset"]
    assert (role["asset_type"], role["name"], role["account"]) == \
        ("gcp:iam:role", "deployer", "alpha-prod")
    assert role["properties"]["includedPermissions"] == ["compute.instances.create",
                                                         "iam.serviceAccounts.actAs"]
    assert any(r["type"] == "CONTAINS" and r["target_id"] == role["id"]
               for r in detail["relationships"])
