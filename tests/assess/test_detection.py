"""Relationship detection: references in properties, shared tags and names, network facts,
stored under the detection scope so that each assessment replaces the previous edges."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from cloudscope.adapters.rules.baseline import (
    NetworkDetection,
    PrincipalDetection,
    ReferenceDetection,
)
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.api import (
    Asset,
    DetectionRule,
    Relationship,
    RuleGraph,
    ScopeKey,
    ScopeStatus,
)
from cloudscope.application.assess import DETECTION_SCOPE
from cloudscope.domain.rule_language import parse_pack
from cloudscope.ports.declarative_rules import rules_of

AWS = "arn:aws:ec2:eu-west-1:123456789012:"
ROLE = "arn:aws:iam::123456789012:role/app"
SUB = "/subscriptions/sub-1/resourcegroups/rg/providers/"
VM = SUB + "microsoft.compute/virtualmachines/vm1"
NIC = SUB + "microsoft.network/networkinterfaces/nic1"
PIP = SUB + "microsoft.network/publicipaddresses/pip1"
NETWORK = "//compute.googleapis.com/projects/proj-1/global/networks/default"


def group_rule(yaml_text: str) -> DetectionRule:
    (rule,) = rules_of(parse_pack(yaml_text, "test.yaml"))
    assert isinstance(rule, DetectionRule)
    return rule


def edges(repository: SQLiteRepository, kind: str | None = None) -> set[tuple[str, str, str]]:
    return {r.key for r in repository.iter_relationships() if kind is None or r.type == kind}


def test_reference_in_properties_becomes_an_edge_even_before_its_target(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """A Lambda's Role ARN gives function -HAS_ROLE-> role, stored although the role is not
    collected yet, marked with the detecting rule, and resolved when the role arrives."""
    function = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    write_estate([make_asset(function, "aws:lambda:function", {"Role": ROLE})])
    assess([ReferenceDetection()])
    (stored,) = repository.relationships_of([function])
    assert stored.key == (function, "HAS_ROLE", ROLE)
    assert stored.properties == {"detected_by": "cloudscope.detect.references", "via": "Role"}
    write_estate([make_asset(ROLE, "aws:iam:role", region=None)],
                 scope=ScopeKey(provider="file", account="/iam.json"))
    detail = repository.get_detail(ROLE)
    assert detail is not None and [r.key for r in detail.relationships] == [stored.key]


def test_azure_vm_and_aws_instance_with_the_same_app_tag_are_related(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """Assets of different clouds tagged app=shop (any case) are RELATED_TO; app=crm is not."""
    write_estate([make_asset(VM, "azure:compute:virtual-machine", tags={"app": "Shop"}),
                  make_asset(AWS + "instance/i-1", "aws:ec2:instance", tags={"app": "shop"}),
                  make_asset(AWS + "instance/i-2", "aws:ec2:instance", tags={"app": "crm"})])
    assess([group_rule("detections: [{id: t.same-app, tag: app}]")])
    assert edges(repository, "RELATED_TO") == {(VM, "RELATED_TO", AWS + "instance/i-1")}


def test_name_pattern_links_names_with_the_same_key(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """`name_pattern` links assets whose names give the same `key` group."""
    write_estate([make_asset("a", "aws:ec2:instance", name="billing-web"),
                  make_asset("b", "gcp:compute:instance", name="billing-db"),
                  make_asset("c", "gcp:compute:instance", name="search-db")])
    assess([group_rule(r"detections: [{id: t.name, name_pattern: '^(?P<key>\w+)-(web|db)$'}]")])
    assert edges(repository, "RELATED_TO") == {("a", "RELATED_TO", "b")}


@pytest.mark.parametrize(("members", "max_group", "expected"), [(4, 20, 6), (30, 20, 29)])
def test_large_groups_are_linked_as_a_star(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any],
        members: int, max_group: int, expected: int) -> None:
    """Up to max_group members are linked pairwise; a larger group around its first member,
    so the number of edges stays linear in the number of assets."""
    write_estate([make_asset(f"i-{n:02}", "aws:ec2:instance", tags={"team": "core"})
                  for n in range(members)])
    assess([group_rule(f"detections: [{{id: t.team, tag: team, max_group: {max_group}}}]")])
    assert len(edges(repository, "RELATED_TO")) == expected


def test_network_facts_link_public_addresses_and_firewalls(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """Azure public IP -> NIC -> VM gives VM EXPOSED_BY the IP; an AWS elastic IP exposes its
    instance; a GCP firewall protects the instances of its network carrying its target tag."""
    gcp = "//compute.googleapis.com/projects/proj-1/"
    network_url = "https://www.googleapis.com/compute/v1/projects/proj-1/global/networks/default"
    write_estate([
        make_asset(VM, "azure:compute:virtual-machine", {"properties": {"networkProfile": {
            "networkInterfaces": [{"id": NIC.replace("networkinterfaces", "networkInterfaces")}]}}}),
        make_asset(PIP, "azure:network:public-ip-address", {"properties": {
            "ipAddress": "20.1.2.3", "ipConfiguration": {"id": NIC + "/ipConfigurations/ipconfig1"}}}),
        make_asset(AWS + "elastic-ip/eipalloc-1", "aws:ec2:elastic-ip",
                   {"InstanceId": "i-1", "PublicIp": "52.1.2.3"}),
        make_asset(gcp + "global/firewalls/ssh", "gcp:compute:firewall",
                   {"network": network_url, "targetTags": ["ssh"], "sourceRanges": ["0.0.0.0/0"]}),
        make_asset(gcp + "zones/z/instances/tagged", "gcp:compute:instance", {
            "networkInterfaces": [{"network": network_url}], "tags": {"items": ["ssh"]}}),
        make_asset(gcp + "zones/z/instances/plain", "gcp:compute:instance", {
            "networkInterfaces": [{"network": network_url}]}),
    ])
    assess([NetworkDetection()])
    assert edges(repository) == {
        (VM, "EXPOSED_BY", PIP),
        (AWS + "instance/i-1", "EXPOSED_BY", AWS + "elastic-ip/eipalloc-1"),
        (gcp + "zones/z/instances/tagged", "PROTECTED_BY", gcp + "global/firewalls/ssh"),
    }


def test_azure_principals_have_the_role_assignments_naming_their_principal_id(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """A VM's system-assigned identity and a user-assigned identity HAS_ROLE each
    assignment whose principalId is theirs (case-insensitive); other assignments and
    principals stay unlinked."""
    identity = SUB + "microsoft.managedidentity/userassignedidentities/id-web"
    assignments = "/subscriptions/sub-1/providers/microsoft.authorization/roleassignments/"

    def assignment(name: str, principal: str) -> Asset:
        return make_asset(assignments + name, "azure:authorization:role-assignment",
                          {"properties": {"principalId": principal}}, region=None)

    write_estate([
        make_asset(VM, "azure:compute:virtual-machine",
                   {"identity": {"type": "SystemAssigned", "principalId": "P-VM"}}),
        make_asset(identity, "azure:managedidentity:user-assigned-identity",
                   {"properties": {"principalId": "p-uai"}}),
        make_asset(SUB + "microsoft.web/sites/app", "azure:web:site",
                   {"identity": {"type": "SystemAssigned", "principalId": "p-unassigned"}}),
        assignment("ra-vm", "p-vm"), assignment("ra-uai-1", "p-uai"),
        assignment("ra-uai-2", "p-uai"), assignment("ra-user", "p-someone"),
    ])
    assess([PrincipalDetection()])
    assert edges(repository) == {
        (VM, "HAS_ROLE", assignments + "ra-vm"),
        (identity, "HAS_ROLE", assignments + "ra-uai-1"),
        (identity, "HAS_ROLE", assignments + "ra-uai-2"),
    }
    stored = repository.relationships_of([assignments + "ra-vm"])
    assert stored[0].properties == {"detected_by": "cloudscope.detect.principals",
                                    "principal_id": "p-vm"}


def test_assessing_again_replaces_the_detected_edges(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """An edge detected before disappears when the facts behind it are gone."""
    rule_text = "detections: [{id: t.same-app, tag: app}]"
    write_estate([make_asset("a", "aws:ec2:instance", tags={"app": "x"}),
                  make_asset("b", "aws:ec2:instance", tags={"app": "x"})])
    assess([group_rule(rule_text)])
    assert edges(repository) == {("a", "RELATED_TO", "b")}
    write_estate([make_asset("a", "aws:ec2:instance", tags={"app": "x"}),
                  make_asset("b", "aws:ec2:instance", tags={"app": "y"})])
    assess([group_rule(rule_text)])
    assert edges(repository) == set()
    (scope,) = [s for s in repository.list_scopes() if s.key == DETECTION_SCOPE]
    assert scope.status is ScopeStatus.COMPLETE


def test_a_collected_edge_stays_the_collectors(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        assess: Callable[..., Any]) -> None:
    """Detecting an edge a collector stored leaves it untouched: recollecting without it
    removes it, as the collector's staleness would without an assessment."""
    function = make_asset("fn", "aws:lambda:function", {"Role": ROLE})
    write_estate([function], [edge("fn", "HAS_ROLE", ROLE)])
    result = assess([ReferenceDetection()])
    assert result.summary.detected_relationships == 0
    assert [r.properties for r in repository.relationships_of(["fn"])] == [{}]
    write_estate([function])
    assert repository.relationships_of(["fn"]) == []


class FailingDetection(DetectionRule):
    """Detects one edge, then fails on the next run."""

    rule_id = "t.flaky"

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def detect(self, graph: RuleGraph) -> Iterable[Relationship]:
        if self.fail:
            raise RuntimeError("index exploded")
        return [self.link("a", "RELATED_TO", "b")]


def test_failed_detection_keeps_the_previous_edges(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """A detection rule that raises is reported; the detection scope fails and keeps its edges."""
    write_estate([make_asset("a", "aws:ec2:instance"), make_asset("b", "aws:ec2:instance")])
    assess([FailingDetection(fail=False)])
    result = assess([FailingDetection(fail=True)])
    assert [(f.rule_id, f.stage, f.error) for f in result.summary.failures] == [
        ("t.flaky", "detect", "RuntimeError: index exploded")]
    assert edges(repository) == {("a", "RELATED_TO", "b")}
    (scope,) = [s for s in repository.list_scopes() if s.key == DETECTION_SCOPE]
    assert scope.status is ScopeStatus.FAILED


def test_assessing_without_detection_rules_removes_their_edges(
        repository: SQLiteRepository, write_estate: Callable[..., None],
        make_asset: Callable[..., Asset], assess: Callable[..., Any]) -> None:
    """Disabling every detection rule clears what they had detected."""
    write_estate([make_asset("a", "aws:ec2:instance", tags={"app": "x"}),
                  make_asset("b", "aws:ec2:instance", tags={"app": "x"})])
    assess([group_rule("detections: [{id: t.same-app, tag: app}]")])
    assert edges(repository) == {("a", "RELATED_TO", "b")}
    assess([])
    assert edges(repository) == set()
