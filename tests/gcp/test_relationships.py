"""Relationships built from ``resource.data``, firewall matching in particular."""

from __future__ import annotations

from typing import Any

import pytest
from cloudscope_gcp.relationships import RelationshipBuilder
from gcp_estate import asset_body, self_link

P = "proj-a"
PARENT = "//cloudresourcemanager.googleapis.com/projects/42"
NET = f"//compute.googleapis.com/projects/{P}/global/networks/prod"


def compute(kind: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    return asset_body(f"//compute.googleapis.com/projects/{P}/{path}",
                      f"compute.googleapis.com/{kind}", data, location=None,
                      ancestors=["projects/42"], parent=PARENT, discovery=("compute", kind))


def firewall(name: str, network: str = "prod", **data: Any) -> dict[str, Any]:
    return compute("Firewall", f"global/firewalls/{name}",
                   {"network": self_link(P, f"global/networks/{network}"), **data})


def instance(name: str, tags: list[str], email: str | None = None) -> dict[str, Any]:
    return compute("Instance", f"zones/z/instances/{name}", {
        "tags": {"items": tags},
        "networkInterfaces": [{"name": "nic0", "network": self_link(P, "global/networks/prod"),
                               "subnetwork": self_link(P, "regions/r/subnetworks/s")}],
        "serviceAccounts": [{"email": email}] if email else []})


def edges(*assets: dict[str, Any], lookups: tuple[dict[str, Any], ...] = ()) -> set[tuple[str, str, str]]:
    builder = RelationshipBuilder(P)
    for raw in lookups:
        builder.observe_lookup(raw)
    found = [edge for raw in assets for edge in builder.add(raw)]
    found += builder.finish()
    return {(e.source_id.rsplit("/", 1)[-1], e.type, e.target_id.rsplit("/", 1)[-1]) for e in found}


@pytest.fixture
def rules() -> list[dict[str, Any]]:
    return [
        firewall("ssh", targetTags=["ssh"]),
        firewall("internal"),
        firewall("by-account", targetServiceAccounts=["app@proj-a.iam.gserviceaccount.com"]),
        firewall("off", disabled=True),
        firewall("lab", network="lab"),
    ]


def test_firewall_applies_by_tag_account_or_to_all(rules):
    """An instance is PROTECTED_BY its network's untargeted rules, its tags' and its account's."""
    found = edges(*rules, instance("web", ["ssh"], "app@proj-a.iam.gserviceaccount.com"))
    protected = {target for source, kind, target in found if kind == "PROTECTED_BY"}
    assert protected == {"ssh", "internal", "by-account"}


def test_disabled_and_other_network_firewalls_do_not_apply(rules):
    """Neither a disabled rule nor a rule of another network protects the instance."""
    found = edges(*rules, instance("db", ["db"]))
    assert {target for _s, kind, target in found if kind == "PROTECTED_BY"} == {"internal"}


def test_firewalls_listed_after_the_instance_still_match(rules):
    """Matching waits for the end of the scope: listing order does not matter."""
    found = edges(instance("web", ["ssh"]), *rules)
    assert ("web", "PROTECTED_BY", "ssh") in found


def test_instance_edges_to_subnet_and_disk():
    """Instance IN_SUBNET its subnetwork; its disk ATTACHED_TO it; the project CONTAINS it."""
    raw = instance("web", [])
    raw["resource"]["data"]["disks"] = [{"source": self_link(P, "zones/z/disks/web")}]
    found = edges(raw)
    assert {("web", "IN_SUBNET", "s"), ("web", "ATTACHED_TO", "web"),
            ("42", "CONTAINS", "web")} <= found


def test_service_account_resolves_through_the_listed_account():
    """HAS_ROLE points at the account's Cloud Asset name (unique id), found by its email."""
    account = asset_body(f"//iam.googleapis.com/projects/{P}/serviceAccounts/1040001",
                         "iam.googleapis.com/ServiceAccount",
                         {"email": "app@proj-a.iam.gserviceaccount.com"}, location=None,
                         ancestors=["projects/42"], parent=PARENT, discovery=("iam", "ServiceAccount"))
    found = edges(instance("web", [], "app@proj-a.iam.gserviceaccount.com"), lookups=(account,))
    assert ("web", "HAS_ROLE", "1040001") in found


def test_unlisted_service_account_falls_back_to_its_email_name():
    """An account of another project is named projects/OWNER/serviceAccounts/EMAIL."""
    builder = RelationshipBuilder(P)
    list(builder.add(instance("web", [], "ci@tools-prj.iam.gserviceaccount.com")))
    (edge,) = [e for e in builder.finish() if e.type == "HAS_ROLE"]
    assert edge.target_id == \
        "//iam.googleapis.com/projects/tools-prj/serviceAccounts/ci@tools-prj.iam.gserviceaccount.com"


def test_subnetwork_is_in_its_network():
    """Subnetwork IN_NETWORK network, converted from its selfLink."""
    builder = RelationshipBuilder(P)
    subnet = compute("Subnetwork", "regions/r/subnetworks/s",
                     {"network": self_link(P, "global/networks/prod")})
    assert any(e.type == "IN_NETWORK" and e.target_id == NET for e in builder.add(subnet))


def test_load_balancing_chain_runs_from_forwarding_rule_to_instance():
    """Forwarding rule ROUTES_TO target pool or backend service; a target pool ROUTES_TO the
    instances it lists, a backend service to its backends' instance groups, and a managed
    group to the instances whose ``created-by`` metadata names its manager."""
    worker = instance("workers-x1z2", [])
    worker["resource"]["data"]["metadata"] = {"items": [
        {"key": "created-by", "value": "projects/42/zones/z/instanceGroupManagers/workers"}]}
    found = edges(
        compute("ForwardingRule", "regions/r/forwardingRules/ssh", {
            "loadBalancingScheme": "EXTERNAL", "portRange": "22-22",
            "backendService": self_link(P, "regions/r/backendServices/workers")}),
        compute("RegionBackendService", "regions/r/backendServices/workers", {
            "loadBalancingScheme": "EXTERNAL", "protocol": "TCP",
            "backends": [{"group": self_link(P, "zones/z/instanceGroups/workers")}]}),
        compute("TargetPool", "regions/r/targetPools/web", {
            "instances": [self_link(P, "zones/z/instances/web")]}),
        worker)
    assert {("ssh", "ROUTES_TO", "workers"), ("workers", "ROUTES_TO", "workers"),
            ("web", "ROUTES_TO", "web"), ("workers", "ROUTES_TO", "workers-x1z2")} <= found


def test_managed_group_is_named_in_the_instances_project_by_id():
    """``created-by`` names the project by number; the group's resource name uses the
    instance's project id, as the backend service's reference does."""
    from cloudscope_gcp.relationships import managed_group

    instance_name = f"//compute.googleapis.com/projects/{P}/zones/z/instances/i"
    assert managed_group(instance_name, "projects/42/regions/r/instanceGroupManagers/m") == \
        f"//compute.googleapis.com/projects/{P}/regions/r/instanceGroups/m"
    assert managed_group(instance_name, "something else") is None
