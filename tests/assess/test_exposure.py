"""Graph-aware exposure, end to end through the repository port: internet -> instance with an
open admin port -> administrative identity is one critical finding listing the path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.api import Asset, Finding, Relationship

EXPOSURE = "cloudscope.exposure.internet-to-admin"
A = "arn:aws:ec2:eu-west-1:123456789012:"
INSTANCE, GROUP = A + "instance/i-1", A + "security-group/sg-1"
ROLE = "arn:aws:iam::123456789012:role/web"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
OPEN_SSH = {"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
CLOSED = {"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                             "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}


@pytest.fixture
def exposures(assess: Callable[..., Any],
              findings_of: Callable[..., list[Finding]]) -> Callable[[], list[Finding]]:
    """Assess with the baseline rules and return the exposure findings."""
    return lambda: findings_of(assess(), EXPOSURE)


def aws_estate(make_asset: Callable[..., Asset], edge: Callable[..., Relationship], *,
               public: bool = True, group: dict[str, Any] = OPEN_SSH,
               role_policies: list[str] = (ADMIN_ARN,)) -> tuple[list[Asset], list[Relationship]]:
    """An instance in a security group, running as a role (via its instance profile)."""
    instance = {"InstanceId": "i-1", **({"PublicIpAddress": "203.0.113.10"} if public else {})}
    assets = [
        make_asset(INSTANCE, "aws:ec2:instance", instance),
        make_asset(GROUP, "aws:ec2:security-group", {"GroupId": "sg-1", **group}),
        make_asset(ROLE, "aws:iam:role", {"AttachedPolicies": [
            {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in role_policies]},
            region=None),
    ]
    return assets, [edge(INSTANCE, "PROTECTED_BY", GROUP), edge(INSTANCE, "HAS_ROLE", ROLE)]


def test_public_instance_with_open_ssh_and_admin_role_is_critical(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], exposures: Callable[[], list[Finding]]) -> None:
    """The finding belongs to the instance; its path runs from the instance's public address
    through the role to the AdministratorAccess policy."""
    write_estate(*aws_estate(make_asset, edge))
    (finding,) = exposures()
    assert (finding.asset_id, finding.severity.value) == (INSTANCE, "critical")
    assert finding.evidence["path"] == [INSTANCE, ROLE, ADMIN_ARN]
    assert finding.evidence["open_ports"] == [22]
    assert finding.evidence["protected_by"] == [GROUP]
    assert finding.evidence["entry"] == "public address 203.0.113.10"


@pytest.mark.parametrize("change", ["private", "closed", "read-only role"])
def test_breaking_any_link_removes_the_exposure(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], exposures: Callable[[], list[Finding]],
        change: str) -> None:
    """No public address, no open port, or no admin right: no exposure finding."""
    options: dict[str, Any] = {
        "private": {"public": False}, "closed": {"group": CLOSED},
        "read-only role": {"role_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
    }[change]
    write_estate(*aws_estate(make_asset, edge, **options))
    assert exposures() == []


def test_internet_facing_load_balancer_chain_and_customer_admin_policy(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], exposures: Callable[[], list[Finding]]) -> None:
    """A private instance behind load balancer -> listener -> target group is reachable; a
    customer policy allowing * on * through the instance profile is admin."""
    assets, relationships = aws_estate(make_asset, edge, public=False, role_policies=[])
    lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/1"
    listener, target_group = lb.replace("loadbalancer", "listener") + "/2", lb + "/tg"
    profile = "arn:aws:iam::123456789012:instance-profile/web"
    policy = "arn:aws:iam::123456789012:policy/everything"
    assets += [
        make_asset(lb, "aws:elasticloadbalancing:load-balancer", {"Scheme": "internet-facing"}),
        make_asset(policy, "aws:iam:policy", {"PolicyVersion": {"Document": {"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}, region=None),
    ]
    relationships = [r for r in relationships if r.type != "HAS_ROLE"] + [
        edge(lb, "ROUTES_TO", listener), edge(listener, "ROUTES_TO", target_group),
        edge(target_group, "ROUTES_TO", INSTANCE), edge(INSTANCE, "HAS_ROLE", profile),
        edge(profile, "HAS_ROLE", ROLE), edge(ROLE, "HAS_POLICY", policy)]
    write_estate(assets, relationships)
    (finding,) = exposures()
    assert finding.evidence["path"] == [lb, listener, target_group, INSTANCE, profile, ROLE,
                                        policy]


AZURE = "/subscriptions/sub-1/resourcegroups/rg/providers/"
VM, NIC = AZURE + "microsoft.compute/virtualmachines/vm1", AZURE + "microsoft.network/networkinterfaces/nic1"
PIP, NSG = AZURE + "microsoft.network/publicipaddresses/pip1", AZURE + "microsoft.network/networksecuritygroups/nsg1"
IDENTITY = AZURE + "microsoft.managedidentity/userassignedidentities/id-web"
ASSIGNMENT = "/subscriptions/sub-1/providers/microsoft.authorization/roleassignments/ra1"
ROLE_IDS = {"Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "User Access Administrator": "18d09f40-458b-4f0d-9e02-d8e8e2de2c7a",
            "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7"}


def azure_estate(make_asset: Callable[..., Asset], edge: Callable[..., Relationship], *,
                 role: str = "Owner", user_assigned: bool = False,
                 ) -> tuple[list[Asset], list[Relationship]]:
    """A VM behind a public IP on its NIC, the NIC guarded by an NSG open on RDP; its
    system-assigned (or user-assigned) identity holds ``role`` on the subscription."""
    identity: dict[str, Any] = {"type": "SystemAssigned", "principalId": "p-1"}
    assets = [
        make_asset(NIC, "azure:network:network-interface", {"properties": {
            "networkSecurityGroup": {"id": NSG}}}),
        make_asset(PIP, "azure:network:public-ip-address", {"properties": {
            "ipAddress": "20.1.2.3", "ipConfiguration": {"id": NIC + "/ipconfigurations/ip1"}}}),
        make_asset(NSG, "azure:network:network-security-group", {"properties": {"securityRules": [
            {"properties": {"access": "Allow", "direction": "Inbound", "protocol": "*",
                            "sourceAddressPrefix": "Internet", "destinationPortRange": "3389"}}]}}),
        make_asset(ASSIGNMENT, "azure:authorization:role-assignment", {"properties": {
            "principalId": "p-1", "scope": "/subscriptions/sub-1",
            "roleDefinitionId": "/subscriptions/sub-1/providers/Microsoft.Authorization/"
                                f"roleDefinitions/{ROLE_IDS[role]}"}}, region=None),
    ]
    relationships = [edge(NIC, "ATTACHED_TO", VM), edge(NIC, "PROTECTED_BY", NSG),
                     edge(PIP, "ATTACHED_TO", NIC)]
    if user_assigned:  # the collector's edge VM HAS_ROLE identity; the identity has p-1
        identity = {"type": "UserAssigned", "userAssignedIdentities": {
            IDENTITY: {"principalId": "p-1", "clientId": "c-1"}}}
        assets.append(make_asset(IDENTITY, "azure:managedidentity:user-assigned-identity",
                                 {"properties": {"principalId": "p-1"}}))
        relationships.append(edge(VM, "HAS_ROLE", IDENTITY))
    assets.append(make_asset(VM, "azure:compute:virtual-machine", {
        "identity": identity,
        "properties": {"networkProfile": {"networkInterfaces": [{"id": NIC}]}}}))
    return assets, relationships


@pytest.mark.parametrize("role", ["Owner", "Contributor", "User Access Administrator"])
def test_azure_vm_behind_public_ip_with_nsg_on_its_interface_and_admin_identity(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], exposures: Callable[[], list[Finding]],
        role: str) -> None:
    """Public IP -> NIC -> VM (detected), NSG on the NIC opening RDP, the VM's system-assigned
    identity assigned an admin role: critical, path from the public IP to the assignment."""
    write_estate(*azure_estate(make_asset, edge, role=role))
    (finding,) = exposures()
    assert (finding.asset_id, finding.severity.value) == (VM, "critical")
    assert finding.evidence["path"] == [PIP, VM, ASSIGNMENT]
    assert finding.evidence["open_ports"] == [3389]
    assert finding.evidence["protected_by"] == [NSG]
    assert f"grants {role} on /subscriptions/sub-1" in finding.evidence["privilege"]


def test_azure_vm_with_admin_user_assigned_identity_lists_the_identity_in_its_path(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], exposures: Callable[[], list[Finding]]) -> None:
    """A user-assigned identity holding Owner: the path runs public IP -> VM -> identity ->
    role assignment."""
    write_estate(*azure_estate(make_asset, edge, user_assigned=True))
    (finding,) = exposures()
    assert finding.evidence["path"] == [PIP, VM, IDENTITY, ASSIGNMENT]


@pytest.mark.parametrize("user_assigned", [False, True], ids=["system", "user-assigned"])
def test_azure_vm_whose_identity_is_only_reader_is_not_exposed(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], exposures: Callable[[], list[Finding]],
        user_assigned: bool) -> None:
    """The same reachable VM with a Reader assignment holds no admin right: no finding."""
    write_estate(*azure_estate(make_asset, edge, role="Reader", user_assigned=user_assigned))
    assert exposures() == []


def test_gcp_instance_with_external_ip_tagged_firewall_and_owner_service_account(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        exposures: Callable[[], list[Finding]]) -> None:
    """An external IP, a firewall opening 22 to the world on the instance's network and tag
    (matched by detection), and a service account holding roles/owner on the project."""
    compute = "//compute.googleapis.com/projects/proj-1/"
    network = "https://www.googleapis.com/compute/v1/projects/proj-1/global/networks/default"
    email = "app@proj-1.iam.gserviceaccount.com"
    account = "//iam.googleapis.com/projects/proj-1/serviceAccounts/1234567890"
    project = "//cloudresourcemanager.googleapis.com/projects/proj-1"
    instance = compute + "zones/europe-west1-b/instances/web"
    write_estate([
        make_asset(instance, "gcp:compute:instance", {
            "networkInterfaces": [{"network": network, "accessConfigs": [{"natIP": "34.1.2.3"}]}],
            "tags": {"items": ["ssh"]}, "serviceAccounts": [{"email": email}]}),
        make_asset(compute + "global/firewalls/allow-ssh", "gcp:compute:firewall", {
            "network": network, "direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"],
            "targetTags": ["ssh"], "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]}),
        make_asset(account, "gcp:iam:service-account", {"email": email}),
        make_asset(project, "gcp:cloudresourcemanager:project", {"iamPolicy": {"bindings": [
            {"role": "roles/owner", "members": [f"serviceAccount:{email}"]}]}}),
    ])
    (finding,) = exposures()
    assert finding.asset_id == instance
    assert finding.evidence["path"] == [instance, account, project]
    assert "roles/owner" in finding.evidence["privilege"]
