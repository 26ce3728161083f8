"""The catalogue of collected types, and the resource names relationships point at."""

from __future__ import annotations

import pytest
from cloudscope.api import Asset
from cloudscope_gcp.catalogue import GROUPS, asset_type_of, catalogue, group_for
from cloudscope_gcp.names import compute_name, crypto_key_name, network_name


def test_catalogue_covers_at_least_fifteen_types():
    """At least 15 Cloud Asset types are collected, each once."""
    native_types = [native for _type, native, _service in catalogue()]
    assert len(native_types) >= 15
    assert len(native_types) == len(set(native_types))


@pytest.mark.parametrize(("native", "expected"), [
    ("compute.googleapis.com/Instance", "gcp:compute:instance"),
    ("compute.googleapis.com/ForwardingRule", "gcp:compute:forwarding-rule"),
    ("storage.googleapis.com/Bucket", "gcp:storage:bucket"),
    ("iam.googleapis.com/ServiceAccountKey", "gcp:iam:service-account-key"),
    ("container.googleapis.com/Cluster", "gcp:container:cluster"),
    ("sqladmin.googleapis.com/Instance", "gcp:sqladmin:instance"),
    ("cloudresourcemanager.googleapis.com/Project", "gcp:cloudresourcemanager:project"),
    ("cloudfunctions.googleapis.com/CloudFunction", "gcp:cloudfunctions:function"),
    ("cloudkms.googleapis.com/CryptoKey", "gcp:cloudkms:crypto-key"),
])
def test_asset_type_is_service_and_kind_in_kebab_case(native, expected):
    """A Cloud Asset type maps to gcp:<service>:<kind> with hyphens."""
    assert asset_type_of(native) == expected


def test_every_catalogued_type_is_a_valid_asset_type():
    """Every mapped type passes the core's asset_type pattern."""
    entries = list(catalogue())
    assert len(entries) >= 15
    for asset_type, native, _service in entries:
        assert Asset(id=f"//{native}", provider="gcp", asset_type=asset_type).service
        assert asset_type.startswith("gcp:")


def test_compute_types_share_one_scope():
    """Firewalls and instances are in the same service group (so they can be matched)."""
    compute = group_for("compute.googleapis.com", hierarchy=False)
    assert {"compute.googleapis.com/Instance", "compute.googleapis.com/Firewall"} <= \
        set(compute.asset_types)
    assert [group.service for group in GROUPS].count("compute.googleapis.com") == 1


def test_buckets_are_listed_with_their_iam_policy():
    """The storage group asks for IAM_POLICY of buckets (allUsers exposure)."""
    assert "storage.googleapis.com/Bucket" in \
        group_for("storage.googleapis.com", hierarchy=False).iam_policy_types


@pytest.mark.parametrize("link", [
    "https://www.googleapis.com/compute/v1/projects/p1/zones/z/instances/i",
    "https://www.googleapis.com/compute/beta/projects/p1/zones/z/instances/i",
    "https://compute.googleapis.com/compute/v1/projects/p1/zones/z/instances/i",
    "projects/p1/zones/z/instances/i",
])
def test_self_links_become_full_resource_names(link):
    """v1, beta and new-host selfLinks and relative names give the same full name."""
    assert compute_name(link) == "//compute.googleapis.com/projects/p1/zones/z/instances/i"


def test_bare_network_name_is_completed_with_the_project():
    """GKE's `network: default` names the project's network."""
    assert network_name("default", "p1") == \
        "//compute.googleapis.com/projects/p1/global/networks/default"


def test_kms_key_version_resolves_to_its_key():
    """A key version reference points at the key (the asset collected)."""
    assert crypto_key_name("projects/p/locations/us/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3") \
        == "//cloudkms.googleapis.com/projects/p/locations/us/keyRings/r/cryptoKeys/k"


def test_unknown_references_are_not_guessed():
    """A reference that is not a Compute Engine link gives no name."""
    assert compute_name("https://example.com/projects/x") is None
    assert compute_name(None) is None
