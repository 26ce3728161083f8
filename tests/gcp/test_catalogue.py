"""The catalogue of collected types, and the resource names relationships point at."""

from __future__ import annotations

import pytest
from cloudscope.api import Asset
from cloudscope_gcp.catalogue import (
    MAPPED_TYPES,
    asset_type_infos,
    asset_type_of,
    catalogue,
    service_for_type,
)
from cloudscope_gcp.collector import GcpCollector
from cloudscope_gcp.names import compute_name, crypto_key_name, network_name
from gcp_types import SEEDED


def test_catalogue_lists_every_mapped_and_seeded_type_once():
    """`cloudscope types` lists the hand-mapped types and every type the tests seed."""
    native_types = [native for _type, native, _mapped in catalogue()]
    assert len(native_types) == len(set(native_types))
    assert {native for native, _policy in MAPPED_TYPES} <= set(native_types)
    assert {seed.native for seed in SEEDED} <= set(native_types)
    assert len(native_types) >= len(MAPPED_TYPES) + 40


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
    ("k8s.io/Pod", "gcp:k8s:pod"),
    ("rbac.authorization.k8s.io/ClusterRoleBinding", "gcp:rbac:cluster-role-binding"),
    ("osconfig.googleapis.com/OSPolicyAssignment", "gcp:osconfig:os-policy-assignment"),
    ("example.googleapis.com/Odd_Kind.v2", "gcp:example:odd-kind-v2"),
    ("", "gcp:unknown:unknown"),
])
def test_asset_type_is_service_and_kind_in_kebab_case(native, expected):
    """A Cloud Asset type maps to gcp:<service>:<kind> with hyphens; anything maps to a
    valid type."""
    assert asset_type_of(native) == expected
    assert Asset(id="//x/y", provider="gcp", asset_type=asset_type_of(native)).service


def test_every_catalogued_type_is_a_valid_asset_type():
    """Every listed type passes the core's asset_type pattern."""
    for asset_type, native, _mapped in catalogue():
        assert Asset(id=f"//{native}", provider="gcp", asset_type=asset_type).service


def test_volatile_fields_come_from_the_catalogue():
    """The port's default reads volatile fields from asset_types(): the GKE node count."""
    infos = {info.native_type: info for info in asset_type_infos()}
    assert infos["container.googleapis.com/Cluster"].volatile_fields == ("currentNodeCount",)
    assert "volatile_fields" not in GcpCollector.__dict__
    assert GcpCollector.volatile_fields() == {"gcp:container:cluster": ("currentNodeCount",)}


def test_policy_carrying_types_name_the_iam_listing():
    """A bucket's catalogue entry names the IAM_POLICY listing; a disk's does not."""
    infos = {info.native_type: info for info in asset_type_infos()}
    assert any("IAM_POLICY" in call for call in infos["storage.googleapis.com/Bucket"].api_calls)
    assert not any("IAM_POLICY" in call for call in infos["compute.googleapis.com/Disk"].api_calls)


@pytest.mark.parametrize(("given", "service"), [
    ("gcp:compute:instance", "compute.googleapis.com"),
    ("compute.googleapis.com/Instance", "compute.googleapis.com"),
    ("gcp:k8s:pod", "k8s.io"),
    ("gcp:newservice:thing", "newservice.googleapis.com"),
    ("compute", None),
    ("gcp:Compute:instance", None),
])
def test_type_options_name_an_api_service(given, service):
    """--type takes a CloudScope or Cloud Asset type and brings its API service."""
    assert service_for_type(given) == service


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
