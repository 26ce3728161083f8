"""A denied detail never loses a scope: IAM policies listed apart from their resources."""

from __future__ import annotations

ALPHA = "projects/alpha-prod"
DENIED = {"iamPolicy": "ListAssets(IAM_POLICY): PERMISSION_DENIED"}
DENIED_LISTINGS = 1  # the project's one IAM_POLICY listing (every type)


def test_denied_policies_mark_the_resources_and_the_scopes_complete(collect_gcp, estate, fake,
                                                                    stored):
    """Without cloudasset.assets.listIamPolicy the resources are still collected: each one
    whose policy was asked for says the policy is unavailable, the run counts a warning per
    denied listing, and every scope completes (exit 0)."""
    fake.policies_denied.add(ALPHA)
    result = collect_gcp("--scope", ALPHA)
    assert result.exit_code == 0, result.stderr
    assert {scope["status"] for scope in result.summary["scopes"]} == {"complete"}
    assert result.summary["counters"]["details_unavailable"] == DENIED_LISTINGS
    bucket = stored(estate.names["public_bucket"])["asset"]["properties"]
    assert bucket["_unavailable"] == DENIED
    assert "iamPolicy" not in bucket
    instance = stored(estate.names["web"])["asset"]["properties"]
    assert "_unavailable" not in instance  # compute types carry no policy


def test_allowed_policies_mark_nothing(collect_gcp, estate, stored):
    """The twin: with the permission the policy is merged and no warning is counted."""
    result = collect_gcp("--scope", ALPHA)
    assert "details_unavailable" not in result.summary["counters"]
    bucket = stored(estate.names["public_bucket"])["asset"]["properties"]
    assert "_unavailable" not in bucket
    assert bucket["iamPolicy"]["bindings"]


def test_a_denied_resource_listing_still_fails_the_scope(collect_gcp, estate, fake):
    """Denied the resources themselves, the project's scopes fail as before."""
    fake.denied.add(ALPHA)
    result = collect_gcp("--scope", ALPHA)
    assert result.exit_code == 3
    assert all("403 PERMISSION_DENIED" in scope["error"] for scope in result.summary["scopes"])
