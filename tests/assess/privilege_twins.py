"""Estates for the privilege twin suite (test_twins_privilege.py), built in the clouds'
stand-ins: moto (AWS), the Resource Manager fake (Azure), the Cloud Asset fake (GCP).

Each twin side is a complete little estate of its own, built by one function called with
``blocked`` False (the risky side) or True (the same estate with the one setting that
blocks the path or finding). The sides share only what cannot matter: an AWS VPC with a
security group open on SSH, an Azure network security group open on RDP, a GCP firewall
open on SSH, and the account, subscription or project. Every builder returns the ids of
the side's assets by role (``instance``, ``role``, ``policy``...), as the store names them.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3

for _folder in ("aws", "azure", "gcp"):  # the clouds' fakes and body builders
    sys.path.insert(0, str(Path(__file__).parents[1] / _folder))

from arm_fake import FakeAzure  # noqa: E402
from aws_estate import AMI, TRUST_EC2  # noqa: E402
from estate import (  # noqa: E402
    BUILT_IN_ROLES,
    CONTRIBUTOR,
    OWNER,
    READER,
    network_interface,
    network_security_group,
    public_ip,
    resource_group,
    rid,
    role_assignment,
    role_definition,
    virtual_machine,
    virtual_network,
)
from gcp_estate import ORG, asset_body, self_link  # noqa: E402
from gcp_fake import FakeGcp, serve  # noqa: E402

__all__ = ["FakeAzure", "FakeGcp", "serve"]  # re-exported: the suite reaches the fakes here

Ids = dict[str, str]
REGION = "us-east-1"
MANAGED_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
USER_ACCESS_ADMINISTRATOR = "18d09f40-458b-4f0d-9e02-d8e8e2de2c7a"


def allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


READ_ONLY = document(allow(["s3:GetObject", "ec2:Describe*"]))


class AwsTwins:
    """One moto account: a VPC whose security group opens SSH to the world; each side adds
    an instance with a public address running as its own role, or principals alone."""

    def __init__(self, session: boto3.Session) -> None:
        self.iam = session.client("iam")
        self.ec2 = session.client("ec2", region_name=REGION)
        self.account = session.client("sts").get_caller_identity()["Account"]
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        gateway = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        # A public subnet: the main route table sends the internet to the gateway.
        (main,) = self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}]
                                                 )["RouteTables"]
        self.ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                              GatewayId=gateway)
        self.group = self.ec2.create_security_group(GroupName="twins-ssh", Description="ssh",
                                                    VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    def arn(self, kind: str, name: str) -> str:
        """An IAM ARN of this account."""
        return f"arn:aws:iam::{self.account}:{kind}/{name}"

    def role(self, name: str, trust: dict[str, Any] = TRUST_EC2) -> str:
        """A role trusted as ``trust`` says."""
        return self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
                                    )["Role"]["Arn"]

    def policy(self, name: str, text: str) -> str:
        """A customer-managed policy."""
        return self.iam.create_policy(PolicyName=name, PolicyDocument=text)["Policy"]["Arn"]

    def workload(self, side: str, *policies: str, inline: str | None = None) -> Ids:
        """An instance with a public address in the open group, its instance profile and
        role; ``policies`` attached to the role, ``inline`` put on it."""
        role = self.role(side)
        for arn in policies:
            self.iam.attach_role_policy(RoleName=side, PolicyArn=arn)
        if inline is not None:
            self.iam.put_role_policy(RoleName=side, PolicyName=f"{side}-inline", PolicyDocument=inline)
        profile = self.iam.create_instance_profile(InstanceProfileName=side)["InstanceProfile"]["Arn"]
        self.iam.add_role_to_instance_profile(InstanceProfileName=side, RoleName=side)
        instance = self.ec2.run_instances(
            ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": self.subnet, "Groups": [self.group],
                                "AssociatePublicIpAddress": True}],
            IamInstanceProfile={"Arn": profile})["Instances"][0]["InstanceId"]
        return {"instance": f"arn:aws:ec2:{REGION}:{self.account}:instance/{instance}", "role": role}


def aws_managed_admin(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """AWS's AdministratorAccess, or a customer policy merely named AdministratorAccess."""
    policy = aws.policy("AdministratorAccess", READ_ONLY) if blocked else MANAGED_ADMIN
    return aws.workload(side, policy)


def aws_inline_admin(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """An inline Allow of * on every resource, or on one bucket's objects."""
    return aws.workload(side, inline=document(allow("*", f"arn:aws:s3:::{side}/*" if blocked else "*")))


def aws_default_version(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """A policy whose admin version v2 is the default, or is not."""
    policy = aws.policy(side, READ_ONLY)
    aws.iam.create_policy_version(PolicyArn=policy, PolicyDocument=document(allow("*")),
                                  SetAsDefault=not blocked)
    return {**aws.workload(side, policy), "policy": policy}


def aws_explicit_deny(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """An attached Allow of *, and on the blocked side an inline Deny of * beside it."""
    deny = document({"Effect": "Deny", "Action": "*", "Resource": "*"}) if blocked else None
    return aws.workload(side, aws.policy(side, document(allow("*"))), inline=deny)


def aws_star_colon_star(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """A customer policy allowing ``*:*``, or ``s3:*``."""
    policy = aws.policy(side, document(allow("s3:*" if blocked else "*:*")))
    return {**aws.workload(side, policy), "policy": policy}


def aws_not_action(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """NotAction s3:* on every resource (IAM left allowed), or the PowerUser shape."""
    excluded = ["iam:*", "organizations:*", "account:*"] if blocked else ["s3:*"]
    return aws.workload(side, inline=document({"Effect": "Allow", "NotAction": excluded,
                                               "Resource": "*"}))


def aws_pass_role(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """iam:PassRole on every role with ec2:RunInstances, or PassRole on one role only."""
    target = aws.arn("role", f"{side}-worker") if blocked else "*"
    return aws.workload(side, inline=document(allow("iam:PassRole", target),
                                              allow("ec2:RunInstances")))


def aws_iam_star(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """iam:* on every resource, or IAM reads only."""
    actions = ["iam:Get*", "iam:List*"] if blocked else "iam:*"
    return aws.workload(side, inline=document(allow(actions)))


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [statement | ({"Condition": condition}
                                                                if condition else {})]}


def aws_trust_star(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """A trust policy for Principal *, or the same pinned to one organization."""
    condition = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}} if blocked else None
    return {"role": aws.role(side, _trust("*", condition))}


def aws_trust_aws_star(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """A trust policy for {"AWS": "*"}, or for one account."""
    return {"role": aws.role(side, _trust({"AWS": "arn:aws:iam::111122223333:root"
                                           if blocked else "*"}))}


def aws_group_admin(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """A user in a group whose inline policy allows *; on the blocked side the user's own
    inline policy denies *."""
    aws.iam.create_group(GroupName=f"{side}-group")
    aws.iam.put_group_policy(GroupName=f"{side}-group", PolicyName="all",
                             PolicyDocument=document(allow("*")))
    user = aws.iam.create_user(UserName=side)["User"]["Arn"]
    aws.iam.add_user_to_group(GroupName=f"{side}-group", UserName=side)
    if blocked:
        aws.iam.put_user_policy(UserName=side, PolicyName="deny-all", PolicyDocument=document(
            {"Effect": "Deny", "Action": "*", "Resource": "*"}))
    return {"user": user}


def aws_user_inline(aws: AwsTwins, side: str, blocked: bool) -> Ids:
    """A user's inline policy allowing *, or reads."""
    user = aws.iam.create_user(UserName=side)["User"]["Arn"]
    aws.iam.put_user_policy(UserName=side, PolicyName="inline",
                            PolicyDocument=READ_ONLY if blocked else document(allow("*")))
    return {"user": user}


class AzureTwins:
    """One subscription in the fake: a network security group open on RDP; each side adds a
    VM (system-assigned identity) behind its own public IP, and its role assignment."""

    def __init__(self, fake: FakeAzure, subscription: str) -> None:
        self.fake, self.subscription = fake, subscription
        self.base = f"/subscriptions/{subscription}"
        fake.add_subscription(subscription, "Twins")
        self._add("/resourcegroups", resource_group(subscription))
        self._add("/providers/Microsoft.Network/virtualNetworks", virtual_network(subscription))
        self._add("/providers/Microsoft.Network/networkSecurityGroups",
                  network_security_group(subscription))
        for guid, (name, description, permissions) in BUILT_IN_ROLES.items():
            self._add("/providers/Microsoft.Authorization/roleDefinitions",
                      role_definition(subscription, guid, name, permissions, description=description))
        self._add("/providers/Microsoft.Authorization/roleDefinitions", role_definition(
            subscription, USER_ACCESS_ADMINISTRATOR, "User Access Administrator",
            [{"actions": ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
              "notActions": []}]))

    def _add(self, path: str, body: dict[str, Any]) -> None:
        self.fake.add(self.base + path, [body])

    def workload(self, side: str) -> Ids:
        """A VM with a system-assigned identity, its NIC (in the open NSG) and public IP."""
        principal = str(uuid.uuid5(uuid.NAMESPACE_URL, side))
        vm = virtual_machine(self.subscription, side, f"{side}-nic", f"{side}-disk", identity=None)
        vm["identity"] = {"type": "SystemAssigned", "principalId": principal,
                          "tenantId": self.fake.tenant_id}
        nic = network_interface(self.subscription, f"{side}-nic", side)
        nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"]["id"] = rid(
            self.subscription, f"Microsoft.Network/publicIPAddresses/{side}-pip")
        self._add("/providers/Microsoft.Compute/virtualMachines", vm)
        self._add("/providers/Microsoft.Network/networkInterfaces", nic)
        self._add("/providers/Microsoft.Network/publicIPAddresses", public_ip(
            self.subscription, f"{side}-pip", f"{nic['id']}/ipConfigurations/ipconfig1"))
        return {"vm": vm["id"].lower(), "principal": principal}

    def assign(self, side: str, ids: Ids, role: str, scope: str | None = None) -> Ids:
        """Assign ``role`` (a GUID) to the side's VM identity at ``scope`` (the subscription)."""
        body = role_assignment(self.subscription, str(uuid.uuid5(uuid.NAMESPACE_DNS, side)),
                               ids["principal"], role, scope)
        self._add("/providers/Microsoft.Authorization/roleAssignments", body)
        return {**ids, "assignment": body["id"].lower()}

    def custom_role(self, side: str, actions: list[str], not_actions: list[str] | None = None) -> str:
        """A custom role definition; its GUID."""
        guid = str(uuid.uuid5(uuid.NAMESPACE_OID, side))
        self._add("/providers/Microsoft.Authorization/roleDefinitions", role_definition(
            self.subscription, guid, side, [{"actions": actions, "notActions": not_actions or []}],
            custom=True))
        return guid

    def definition_id(self, guid: str) -> str:
        """The stored id of a role definition listed in this subscription."""
        return f"{self.base}/providers/microsoft.authorization/roledefinitions/{guid}".lower()


def azure_contributor_scope(az: AzureTwins, side: str, blocked: bool) -> Ids:
    """Contributor on the subscription, or on one resource group."""
    scope = f"{az.base}/resourceGroups/RG-Web" if blocked else None
    return az.assign(side, az.workload(side), CONTRIBUTOR, scope)


def azure_custom_star(az: AzureTwins, side: str, blocked: bool) -> Ids:
    """A custom role allowing *, or reads of compute."""
    guid = az.custom_role(side, ["Microsoft.Compute/*/read"] if blocked else ["*"])
    return {**az.assign(side, az.workload(side), guid), "role": az.definition_id(guid)}


def azure_custom_authorization(az: AzureTwins, side: str, blocked: bool) -> Ids:
    """A custom role allowing Microsoft.Authorization/* (role assignments included), or the
    same with its writes in notActions."""
    guid = az.custom_role(side, ["*/read", "Microsoft.Authorization/*"],
                          ["Microsoft.Authorization/*/Write"] if blocked else [])
    return {**az.assign(side, az.workload(side), guid), "role": az.definition_id(guid)}


def azure_owner_management_group(az: AzureTwins, side: str, blocked: bool) -> Ids:
    """Owner inherited from a management group, or Owner on the VM alone."""
    ids = az.workload(side)
    scope = rid(az.subscription, f"Microsoft.Compute/virtualMachines/{side}") if blocked else \
        "/providers/Microsoft.Management/managementGroups/corp"
    return az.assign(side, ids, OWNER, scope)


def azure_access_administrator(az: AzureTwins, side: str, blocked: bool) -> Ids:
    """User Access Administrator on the subscription, or Reader."""
    return az.assign(side, az.workload(side), READER if blocked else USER_ACCESS_ADMINISTRATOR)


FULL_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
DEFAULT_SCOPES = [f"https://www.googleapis.com/auth/{scope}" for scope in (
    "devstorage.read_only", "logging.write", "monitoring.write", "servicecontrol",
    "service.management.readonly", "trace.append")]
"""The scopes a Compute Engine VM gets by default."""


class GcpTwins:
    """One project in the fake: a firewall opening SSH to the world on its network; each
    side adds an instance with an external address running as its own service account,
    bound in the project's IAM policy (written once every side is built)."""

    def __init__(self, fake: FakeGcp, project_id: str = "twins-prod",
                 number: str = "200000000001") -> None:
        self.fake, self.project_id, self.number = fake, project_id, number
        self.ancestors = [f"projects/{number}", ORG]
        self.bindings: list[dict[str, Any]] = []
        fake.add_project(project_id, number)
        self._compute("Firewall", "global/firewalls/allow-ssh", {
            "network": self._link("global/networks/default"), "direction": "INGRESS",
            "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]},
            "global")

    def _link(self, path: str) -> str:
        return self_link(self.project_id, path)

    def _add(self, asset_type: str, path: str, data: dict[str, Any], location: str) -> str:
        service, _, kind = asset_type.partition("/")
        name = f"//{service}/{path}"
        self.fake.add_asset(asset_body(
            name, asset_type, data, location=location, ancestors=self.ancestors,
            parent=f"//cloudresourcemanager.googleapis.com/projects/{self.number}",
            discovery=(service.split(".")[0], kind)))
        return name

    def _compute(self, kind: str, path: str, data: dict[str, Any], location: str) -> str:
        full = {"name": path.rsplit("/", 1)[-1], "selfLink": self._link(path), **data}
        return self._add(f"compute.googleapis.com/{kind}",
                         f"projects/{self.project_id}/{path}", full, location)

    def workload(self, side: str, scopes: list[str] = FULL_SCOPES) -> Ids:
        """A service account and an instance with an external address running as it."""
        email = f"{side}@{self.project_id}.iam.gserviceaccount.com"
        unique = str(uuid.uuid5(uuid.NAMESPACE_URL, side).int)[:21]
        account = self._add("iam.googleapis.com/ServiceAccount",
                            f"projects/{self.project_id}/serviceAccounts/{unique}",
                            {"email": email, "uniqueId": unique, "projectId": self.project_id,
                             "name": f"projects/{self.project_id}/serviceAccounts/{email}"},
                            "global")
        instance = self._compute("Instance", f"zones/us-central1-a/instances/{side}", {
            "status": "RUNNING", "networkInterfaces": [{
                "network": self._link("global/networks/default"),
                "accessConfigs": [{"name": "External NAT", "natIP": "34.9.8.7"}]}],
            "serviceAccounts": [{"email": email, "scopes": scopes}]}, "us-central1-a")
        return {"instance": instance, "account": account, "email": email}

    def bind(self, role: str, ids: Ids) -> Ids:
        """Grant ``role`` on the project to the side's service account."""
        self.bindings.append({"role": role, "members": [f"serviceAccount:{ids['email']}"]})
        return ids

    def custom_role(self, side: str, permissions: list[str]) -> tuple[str, str]:
        """A project custom role: (its IAM name, its asset id)."""
        name = f"projects/{self.project_id}/roles/{side.replace('-', '_')}"
        return name, self._add("iam.googleapis.com/Role", name, {
            "name": name, "title": side, "stage": "GA", "includedPermissions": permissions},
            "global")

    def finish(self) -> None:
        """Serve the project itself with every side's binding in its IAM policy."""
        self.fake.add_asset(asset_body(
            f"//cloudresourcemanager.googleapis.com/projects/{self.number}",
            "cloudresourcemanager.googleapis.com/Project",
            {"projectNumber": self.number, "projectId": self.project_id,
             "lifecycleState": "ACTIVE", "parent": {"type": "organization", "id": ORG.split("/")[1]}},
            location="global", ancestors=self.ancestors,
            parent=f"//cloudresourcemanager.googleapis.com/{ORG}",
            discovery=("cloudresourcemanager", "Project")),
            {"version": 1, "etag": "BwYtwins=", "bindings": self.bindings})


def gcp_vm_scopes(gcp: GcpTwins, side: str, blocked: bool) -> Ids:
    """An editor service account used with the cloud-platform scope, or the default scopes."""
    return gcp.bind("roles/editor", gcp.workload(side, DEFAULT_SCOPES if blocked else FULL_SCOPES))


def gcp_custom_set_iam(gcp: GcpTwins, side: str, blocked: bool) -> Ids:
    """A custom role holding resourcemanager.projects.setIamPolicy, or instance reads."""
    name, role = gcp.custom_role(side, ["compute.instances.get"] if blocked else [
        "resourcemanager.projects.getIamPolicy", "resourcemanager.projects.setIamPolicy"])
    return {**gcp.bind(name, gcp.workload(side)), "role": role}


def gcp_custom_act_as(gcp: GcpTwins, side: str, blocked: bool) -> Ids:
    """A custom role holding iam.serviceAccounts.actAs, or service-account reads."""
    name, role = gcp.custom_role(side, ["iam.serviceAccounts.get"] if blocked else [
        "compute.instances.create", "iam.serviceAccounts.actAs"])
    return {**gcp.bind(name, gcp.workload(side)), "role": role}


def gcp_owner(gcp: GcpTwins, side: str, blocked: bool) -> Ids:
    """roles/owner on the project, or roles/viewer."""
    return gcp.bind("roles/viewer" if blocked else "roles/owner", gcp.workload(side))


def gcp_project_iam_admin(gcp: GcpTwins, side: str, blocked: bool) -> Ids:
    """roles/resourcemanager.projectIamAdmin (sets IAM policies), or roles/iam.securityReviewer."""
    role = "roles/iam.securityReviewer" if blocked else "roles/resourcemanager.projectIamAdmin"
    return gcp.bind(role, gcp.workload(side))
