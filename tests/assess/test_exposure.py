"""Graph-aware exposure, end to end through the repository port: the internet reaches an
administrative port of a machine (every layer on the way evaluated as the cloud does) that
runs with an administrative identity; one critical finding lists the path.

Estates are written in the documented property shapes (the cloud APIs' own fields); the
twins collected from moto and the Azure and GCP fakes live in tests/twins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.api import Asset, Finding, Relationship

EXPOSURE = "cloudscope.exposure.internet-to-admin"
A = "arn:aws:ec2:eu-west-1:123456789012:"
INSTANCE, GROUP = A + "instance/i-1", A + "security-group/sg-1"
SUBNET, TABLE, ACL = A + "subnet/subnet-1", A + "route-table/rtb-1", A + "network-acl/acl-1"
ROLE = "arn:aws:iam::123456789012:role/web"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
OPEN_SSH = {"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
CLOSED = {"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                             "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}
TO_IGW = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
          {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}]

Estate = tuple[list[Asset], list[Relationship]]


@pytest.fixture
def exposures(assess: Callable[..., Any],
              findings_of: Callable[..., list[Finding]]) -> Callable[[], list[Finding]]:
    """Assess with the baseline rules and return the exposure findings."""
    return lambda: findings_of(assess(), EXPOSURE)


@pytest.fixture
def expose(write_estate: Callable[..., None],
           exposures: Callable[[], list[Finding]]) -> Callable[[Estate], list[Finding]]:
    """Write an estate, assess it, return its exposure findings."""
    def run(estate: Estate) -> list[Finding]:
        write_estate(*estate)
        return exposures()
    return run


# AWS ------------------------------------------------------------------------------------
def aws_estate(make_asset: Callable[..., Asset], edge: Callable[..., Relationship], *,
               public: bool = True, group: dict[str, Any] = OPEN_SSH,
               role_policies: list[str] = (ADMIN_ARN,), routes: list[Any] | None = None,
               acl: list[Any] | None = None) -> Estate:
    """An instance in a security group, running as a role (via its instance profile);
    with ``routes`` and ``acl``, its subnet's route table and network ACL."""
    instance = {"InstanceId": "i-1", "SubnetId": "subnet-1", "VpcId": "vpc-1",
                "PrivateIpAddress": "10.0.0.5",
                **({"PublicIpAddress": "203.0.113.10"} if public else {})}
    assets = [
        make_asset(INSTANCE, "aws:ec2:instance", instance),
        make_asset(GROUP, "aws:ec2:security-group", {"GroupId": "sg-1", **group}),
        make_asset(ROLE, "aws:iam:role", {"AttachedPolicies": [
            {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in role_policies]},
            region=None),
    ]
    if routes is not None:
        assets.append(make_asset(TABLE, "aws:ec2:route-table", {
            "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": routes,
            "Associations": [{"SubnetId": "subnet-1", "Main": False}]}))
    if acl is not None:
        assets.append(make_asset(ACL, "aws:ec2:network-acl", {
            "NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": acl,
            "Associations": [{"SubnetId": "subnet-1", "NetworkAclId": "acl-1"}]}))
    return assets, [edge(INSTANCE, "PROTECTED_BY", GROUP), edge(INSTANCE, "HAS_ROLE", ROLE)]


def acl_entry(number: int, action: str, *, egress: bool = False,
              port: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"RuleNumber": number, "RuleAction": action, "Egress": egress,
                             "CidrBlock": "0.0.0.0/0", "Protocol": "-1" if port is None else "6"}
    if port is not None:
        found["PortRange"] = {"From": port, "To": port}
    return found


OPEN_ACL = [acl_entry(100, "allow"), acl_entry(100, "allow", egress=True),
            acl_entry(32767, "deny"), acl_entry(32767, "deny", egress=True)]


def test_public_instance_with_open_ssh_and_admin_role_is_critical(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]]) -> None:
    """The finding belongs to the instance; its path runs from the instance's public address
    through the role to AdministratorAccess; the route table and ACL evaluated are listed."""
    (finding,) = expose(aws_estate(make_asset, edge, routes=TO_IGW, acl=OPEN_ACL))
    assert (finding.asset_id, finding.severity.value) == (INSTANCE, "critical")
    assert finding.evidence["path"] == [INSTANCE, ROLE, ADMIN_ARN]
    assert finding.evidence["open_ports"] == [22]
    assert finding.evidence["protected_by"] == [GROUP]
    assert finding.evidence["layers"] == [ACL, TABLE]
    assert finding.evidence["not_evaluated"] == []
    assert finding.evidence["entry"] == "public address 203.0.113.10"


def test_layers_missing_from_the_inventory_are_named_not_assumed_closed(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]]) -> None:
    """Without the subnet's route table and ACL in the inventory the path is reported, and
    the evidence says which layers were not evaluated."""
    (finding,) = expose(aws_estate(make_asset, edge))
    assert finding.evidence["not_evaluated"] == ["network ACL of subnet-1",
                                                 "route table of subnet-1"]


@pytest.mark.parametrize("change", [
    "private", "closed", "read-only role", "no route to the gateway", "ACL denies 22",
    "ACL has no way back",
])
def test_breaking_any_link_removes_the_exposure(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], change: str) -> None:
    """No public address, no open port, no admin right, no internet route, an ACL deny or
    an ACL without outbound replies: no exposure finding."""
    options: dict[str, Any] = {
        "private": {"public": False}, "closed": {"group": CLOSED},
        "read-only role": {"role_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
        "no route to the gateway": {"routes": TO_IGW[:1]},
        "ACL denies 22": {"acl": [acl_entry(90, "deny", port=22), *OPEN_ACL]},
        "ACL has no way back": {"acl": [e for e in OPEN_ACL if not (e["Egress"] and
                                                                  e["RuleAction"] == "allow")]},
    }[change]
    assert expose(aws_estate(make_asset, edge, **options)) == []


LB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/web/1"
LISTENER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/web/1/2"
TARGET_GROUP = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/3"
PROFILE = "arn:aws:iam::123456789012:instance-profile/web"
POLICY = "arn:aws:iam::123456789012:policy/everything"


def balanced_estate(make_asset: Callable[..., Asset], edge: Callable[..., Relationship], *,
                    listener_port: int = 2222, target_port: int = 22,
                    target: str = "i-1") -> Estate:
    """A private instance behind an internet-facing network load balancer (listener ->
    target group -> instance or its address), its profile's role holding a customer policy
    allowing * on *; the instance's group admits 22 from the VPC."""
    assets, relationships = aws_estate(make_asset, edge, public=False, role_policies=[],
                                       group={"IpPermissions": [{
                                           "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                           "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]})
    ip_target = not target.startswith("i-")
    assets += [
        make_asset(LB, "aws:elasticloadbalancing:load-balancer", {
            "LoadBalancerArn": LB, "Scheme": "internet-facing", "Type": "network",
            "VpcId": "vpc-1", "AvailabilityZones": [{"SubnetId": "subnet-1"}]}),
        make_asset(LISTENER, "aws:elasticloadbalancing:listener", {
            "ListenerArn": LISTENER, "Port": listener_port, "Protocol": "TCP"}),
        make_asset(TARGET_GROUP, "aws:elasticloadbalancing:target-group", {
            "TargetGroupArn": TARGET_GROUP, "Port": target_port, "VpcId": "vpc-1",
            "TargetType": "ip" if ip_target else "instance",
            "TargetHealthDescriptions": [{"Target": {"Id": target, "Port": target_port}}]}),
        make_asset(SUBNET, "aws:ec2:subnet", {"SubnetId": "subnet-1", "VpcId": "vpc-1",
                                              "CidrBlock": "10.0.0.0/24"}),
        make_asset(POLICY, "aws:iam:policy", {"PolicyVersion": {"Document": {"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}, region=None),
    ]
    relationships = [r for r in relationships if r.type != "HAS_ROLE"] + [
        edge(LB, "ROUTES_TO", LISTENER), edge(LISTENER, "ROUTES_TO", TARGET_GROUP),
        edge(INSTANCE, "IN_SUBNET", SUBNET), edge(INSTANCE, "HAS_ROLE", PROFILE),
        edge(PROFILE, "HAS_ROLE", ROLE), edge(ROLE, "HAS_POLICY", POLICY)]
    if not ip_target:
        relationships.append(edge(TARGET_GROUP, "ROUTES_TO", INSTANCE))
    return assets, relationships


@pytest.mark.parametrize("target", ["i-1", "10.0.0.5"], ids=["instance target", "ip target"])
def test_load_balancer_path_names_the_port_it_forwards(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], target: str) -> None:
    """A listener on 2222 forwarding to 22 exposes 22 of a private instance, registered by id
    or by its private address; the path runs load balancer -> listener -> target group ->
    instance -> profile -> role -> policy."""
    (finding,) = expose(balanced_estate(make_asset, edge, target=target))
    assert finding.evidence["path"] == [LB, LISTENER, TARGET_GROUP, INSTANCE, PROFILE, ROLE,
                                        POLICY]
    assert finding.evidence["open_ports"] == [22]
    assert "forwards port 2222 to 22" in finding.evidence["entry"]


@pytest.mark.parametrize("options", [{"target_port": 8080, "listener_port": 443},
                                     {"target": "10.0.0.99"}],
                         ids=["443 to 8080", "ip of no instance"])
def test_a_load_balancer_exposes_only_what_it_forwards(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], options: dict[str, Any]) -> None:
    """A listener on 443 forwarding to 8080 does not expose 22; an ip target holding no
    instance's address reaches none."""
    assert expose(balanced_estate(make_asset, edge, **options)) == []


def test_a_machine_reachable_two_ways_gets_one_finding_listing_both_entries(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]]) -> None:
    """The public address comes first in the path; ``entries`` lists every way in."""
    assets, relationships = balanced_estate(make_asset, edge)
    assets = [a for a in assets if a.id not in (INSTANCE, GROUP)] + [
        make_asset(INSTANCE, "aws:ec2:instance", {
            "InstanceId": "i-1", "SubnetId": "subnet-1", "VpcId": "vpc-1",
            "PrivateIpAddress": "10.0.0.5", "PublicIpAddress": "203.0.113.10"}),
        make_asset(GROUP, "aws:ec2:security-group", {"GroupId": "sg-1", **OPEN_SSH})]
    (finding,) = expose((assets, relationships))
    assert finding.evidence["path"][0] == INSTANCE
    assert [e["path"][0] for e in finding.evidence["entries"]] == [INSTANCE, LB]


# Azure ----------------------------------------------------------------------------------
AZURE = "/subscriptions/sub-1/resourcegroups/rg/providers/"
VM, NIC = AZURE + "microsoft.compute/virtualmachines/vm1", AZURE + "microsoft.network/networkinterfaces/nic1"
PIP, NSG = AZURE + "microsoft.network/publicipaddresses/pip1", AZURE + "microsoft.network/networksecuritygroups/nsg1"
VNET_SUBNET = AZURE + "microsoft.network/virtualnetworks/vnet1/subnets/app"
IDENTITY = AZURE + "microsoft.managedidentity/userassignedidentities/id-web"
ASSIGNMENT = "/subscriptions/sub-1/providers/microsoft.authorization/roleassignments/ra1"
ROLE_IDS = {"Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "User Access Administrator": "18d09f40-458b-4f0d-9e02-d8e8e2de2c7a",
            "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7"}
RDP = {"name": "allow-rdp", "properties": {
    "access": "Allow", "direction": "Inbound", "protocol": "*", "priority": 100,
    "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "*",
    "destinationPortRange": "3389"}}


def azure_estate(make_asset: Callable[..., Asset], edge: Callable[..., Relationship], *,
                 role: str = "Owner", user_assigned: bool = False,
                 rules: list[dict[str, Any]] = (RDP,)) -> Estate:
    """A VM behind a public IP on its NIC's IP configuration, the NIC guarded by an NSG
    (``rules``, open on RDP by default); the VM's system-assigned (or user-assigned)
    identity holds ``role`` on the subscription."""
    identity: dict[str, Any] = {"type": "SystemAssigned", "principalId": "p-1"}
    assets = [
        make_asset(NIC, "azure:network:network-interface", {"properties": {
            "networkSecurityGroup": {"id": NSG},
            "ipConfigurations": [{"name": "ip1", "id": NIC + "/ipconfigurations/ip1",
                                  "properties": {"privateIPAddress": "10.0.0.4",
                                                 "publicIPAddress": {"id": PIP}}}]}}),
        make_asset(PIP, "azure:network:public-ip-address", {"sku": {"name": "Standard"},
                                                            "properties": {
            "ipAddress": "20.1.2.3", "ipConfiguration": {"id": NIC + "/ipconfigurations/ip1"}}}),
        make_asset(NSG, "azure:network:network-security-group", {"properties": {
            "securityRules": list(rules)}}),
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
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], role: str) -> None:
    """Public IP -> NIC -> VM, the NIC's NSG letting RDP in from the Internet tag, the VM's
    system-assigned identity assigned an admin role: critical, path from the public IP to
    the assignment."""
    (finding,) = expose(azure_estate(make_asset, edge, role=role))
    assert (finding.asset_id, finding.severity.value) == (VM, "critical")
    assert finding.evidence["path"] == [PIP, VM, ASSIGNMENT]
    assert finding.evidence["open_ports"] == [3389]
    assert finding.evidence["protected_by"] == [NSG]
    assert f"grants {role} on /subscriptions/sub-1" in finding.evidence["privilege"]


def test_azure_vm_with_admin_user_assigned_identity_lists_the_identity_in_its_path(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]]) -> None:
    """A user-assigned identity holding Owner: the path runs public IP -> VM -> identity ->
    role assignment."""
    (finding,) = expose(azure_estate(make_asset, edge, user_assigned=True))
    assert finding.evidence["path"] == [PIP, VM, IDENTITY, ASSIGNMENT]


@pytest.mark.parametrize("user_assigned", [False, True], ids=["system", "user-assigned"])
def test_azure_vm_whose_identity_is_only_reader_is_not_exposed(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], user_assigned: bool) -> None:
    """The same reachable VM with a Reader assignment holds no admin right: no finding."""
    assert expose(azure_estate(make_asset, edge, role="Reader", user_assigned=user_assigned)) == []


def test_azure_deny_at_a_higher_priority_closes_the_path(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]]) -> None:
    """A Deny of RDP from anywhere at priority 90 wins over the Allow at 100."""
    deny = {"name": "deny-rdp", "properties": {**RDP["properties"], "access": "Deny",
                                               "priority": 90, "sourceAddressPrefix": "*"}}
    assert expose(azure_estate(make_asset, edge, rules=[RDP, deny])) == []


SCALE_SET = AZURE + "microsoft.compute/virtualmachinescalesets/vmss1"
AZURE_LB = AZURE + "microsoft.network/loadbalancers/lb1"


@pytest.mark.parametrize(("backend_port", "exposed"), [(22, True), (8080, False)])
def test_azure_load_balancer_rule_reaches_a_scale_set_on_its_backend_port(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], backend_port: int, exposed: bool) -> None:
    """A public load balancer's rule forwarding to the scale set's pool: the scale set is
    exposed on the backend port when its NSG lets the internet in (a Basic load balancer
    and no NSG: open); its identity is Owner."""
    pool = AZURE_LB + "/backendaddresspools/pool1"
    assets = [
        make_asset(AZURE_LB, "azure:network:load-balancer", {"sku": {"name": "Basic"}, "properties": {
            "frontendIPConfigurations": [{"id": AZURE_LB + "/frontendipconfigurations/fe", "properties": {
                "publicIPAddress": {"id": PIP}}}],
            "backendAddressPools": [{"id": pool, "properties": {"backendIPConfigurations": [
                {"id": SCALE_SET + "/virtualmachines/0/networkinterfaces/nic/ipconfigurations/ip"}]}}],
            "loadBalancingRules": [{"name": "r", "properties": {
                "frontendIPConfiguration": {"id": AZURE_LB + "/frontendipconfigurations/fe"},
                "backendAddressPool": {"id": pool}, "protocol": "Tcp", "frontendPort": 50022,
                "backendPort": backend_port}}]}}),
        make_asset(SCALE_SET, "azure:compute:virtual-machine-scale-set", {
            "identity": {"type": "SystemAssigned", "principalId": "p-1"},
            "properties": {"virtualMachineProfile": {"networkProfile": {
                "networkInterfaceConfigurations": [{"name": "nic", "properties": {
                    "ipConfigurations": [{"name": "ip", "properties": {
                        "loadBalancerBackendAddressPools": [{"id": pool}]}}]}}]}}}}),
        make_asset(ASSIGNMENT, "azure:authorization:role-assignment", {"properties": {
            "principalId": "p-1", "scope": "/subscriptions/sub-1",
            "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS['Owner']}"}},
            region=None),
    ]
    found = expose((assets, [edge(AZURE_LB, "ROUTES_TO", SCALE_SET)]))
    assert [(f.asset_id, f.evidence["open_ports"], f.evidence["path"]) for f in found] == \
        ([(SCALE_SET, [22], [AZURE_LB, SCALE_SET, ASSIGNMENT])] if exposed else [])


# GCP ------------------------------------------------------------------------------------
COMPUTE = "//compute.googleapis.com/projects/proj-1/"
NETWORK_URL = "https://www.googleapis.com/compute/v1/projects/proj-1/global/networks/default"
EMAIL = "app@proj-1.iam.gserviceaccount.com"
ACCOUNT = "//iam.googleapis.com/projects/proj-1/serviceAccounts/1234567890"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/proj-1"
GCP_INSTANCE = COMPUTE + "zones/europe-west1-b/instances/web"


def gcp_estate(make_asset: Callable[..., Asset], *, external: bool = True,
               firewalls: list[dict[str, Any]] | None = None) -> list[Asset]:
    """An instance tagged ``ssh`` (with an external address unless told), a firewall opening
    22 to the world for that tag, and the instance's service account owner of the project."""
    interface: dict[str, Any] = {"network": NETWORK_URL, "networkIP": "10.0.0.2"}
    if external:
        interface["accessConfigs"] = [{"natIP": "34.1.2.3"}]
    rules = firewalls if firewalls is not None else [{
        "name": "allow-ssh", "network": NETWORK_URL, "direction": "INGRESS", "priority": 1000,
        "sourceRanges": ["0.0.0.0/0"], "targetTags": ["ssh"],
        "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]}]
    return [
        make_asset(GCP_INSTANCE, "gcp:compute:instance", {
            "networkInterfaces": [interface], "tags": {"items": ["ssh"]},
            "serviceAccounts": [{"email": EMAIL}]}),
        *(make_asset(COMPUTE + f"global/firewalls/{r['name']}", "gcp:compute:firewall", r)
          for r in rules),
        make_asset(ACCOUNT, "gcp:iam:service-account", {"email": EMAIL}),
        make_asset(PROJECT, "gcp:cloudresourcemanager:project", {"iamPolicy": {"bindings": [
            {"role": "roles/owner", "members": [f"serviceAccount:{EMAIL}"]}]}}),
    ]


def test_gcp_instance_with_external_ip_tagged_firewall_and_owner_service_account(
        make_asset: Callable[..., Asset], expose: Callable[[Estate], list[Finding]]) -> None:
    """An external IP, a firewall opening 22 to the world on the instance's network and tag
    (matched by detection), and a service account holding roles/owner on the project."""
    (finding,) = expose((gcp_estate(make_asset), []))
    assert finding.asset_id == GCP_INSTANCE
    assert finding.evidence["path"] == [GCP_INSTANCE, ACCOUNT, PROJECT]
    assert finding.evidence["protected_by"] == [COMPUTE + "global/firewalls/allow-ssh"]
    assert "roles/owner" in finding.evidence["privilege"]


def test_gcp_deny_rule_at_a_higher_priority_closes_the_path(
        make_asset: Callable[..., Asset], expose: Callable[[Estate], list[Finding]]) -> None:
    """A deny of 22 from 0.0.0.0/0 for every instance of the network at priority 900 wins."""
    allow, deny = gcp_estate(make_asset)[1].properties, {
        "name": "deny-ssh", "network": NETWORK_URL, "direction": "INGRESS", "priority": 900,
        "sourceRanges": ["0.0.0.0/0"], "denied": [{"IPProtocol": "tcp", "ports": ["22"]}]}
    assert expose((gcp_estate(make_asset, firewalls=[{**allow, "name": "allow-ssh"}, deny]),
                   [])) == []


@pytest.mark.parametrize(("port_range", "exposed"), [("22", True), ("443", False)])
def test_gcp_target_pool_forwards_its_ports_to_a_private_instance(
        make_asset: Callable[..., Asset], edge: Callable[..., Relationship],
        expose: Callable[[Estate], list[Finding]], port_range: str, exposed: bool) -> None:
    """An external passthrough forwarding rule to a target pool listing the instance keeps
    the client's address: the firewall's world-open 22 is reached on the forwarded port."""
    rule = COMPUTE + "regions/europe-west1/forwardingRules/lb"
    pool = COMPUTE + "regions/europe-west1/targetPools/web"
    assets = [*gcp_estate(make_asset, external=False),
              make_asset(rule, "gcp:compute:forwarding-rule", {
                  "IPAddress": "34.9.9.9", "IPProtocol": "TCP", "portRange": port_range,
                  "loadBalancingScheme": "EXTERNAL",
                  "target": "https://www.googleapis.com/compute/v1/projects/proj-1/regions/"
                            "europe-west1/targetPools/web"}),
              make_asset(pool, "gcp:compute:target-pool", {"instances": [
                  "https://www.googleapis.com/compute/v1/projects/proj-1/zones/europe-west1-b/"
                  "instances/web"]})]
    found = expose((assets, [edge(rule, "ROUTES_TO", pool)]))
    assert [f.evidence["path"][:3] for f in found] == \
        ([[rule, pool, GCP_INSTANCE]] if exposed else [])
