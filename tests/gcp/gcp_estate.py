"""Builders of Cloud Asset ``Asset`` bodies, shaped like the public REST reference, and the
estate the tests share: an organization, a folder, two projects and every catalogued type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gcp_fake import FakeGcp

ORG = "organizations/123456789012"
FOLDER = "folders/555000111"
UPDATED = "2024-04-30T12:00:00.000000Z"


def self_link(project: str, path: str) -> str:
    """A Compute Engine selfLink, as resources reference each other."""
    return f"https://www.googleapis.com/compute/v1/projects/{project}/{path}"


@dataclass
class Project:
    """A project of the fake estate: its id, number and ancestors."""

    fake: FakeGcp
    project_id: str
    number: str
    ancestors: list[str]

    def add(self, asset_type: str, path: str, data: dict[str, Any], *,
            location: str | None = None, parent: str | None = None,
            iam_policy: dict[str, Any] | None = None) -> str:
        """Serve one asset of this project; return its full resource name."""
        service, _, kind = asset_type.partition("/")
        name = f"//{service}/{path}"
        self.fake.add_asset(asset_body(
            name, asset_type, data, location=location, ancestors=self.ancestors,
            parent=parent or f"//cloudresourcemanager.googleapis.com/projects/{self.number}",
            discovery=(service.split(".")[0], kind)), iam_policy)
        return name

    def compute(self, kind: str, path: str, data: dict[str, Any], **extra: Any) -> str:
        """A Compute Engine asset at ``projects/ID/<path>``, with its selfLink and name."""
        full = {"name": path.rsplit("/", 1)[-1], "selfLink": self_link(self.project_id, path),
                "kind": f"compute#{kind[0].lower()}{kind[1:]}", **data}
        return self.add(f"compute.googleapis.com/{kind}", f"projects/{self.project_id}/{path}",
                        full, **extra)


def asset_body(name: str, asset_type: str, data: dict[str, Any], *, location: str | None,
               ancestors: list[str], parent: str | None,
               discovery: tuple[str, str]) -> dict[str, Any]:
    """An ``Asset`` as ``assets.list`` returns it with ``contentType=RESOURCE``."""
    api, kind = discovery
    resource: dict[str, Any] = {
        "version": "v1",
        "discoveryDocumentUri": f"https://www.googleapis.com/discovery/v1/apis/{api}/v1/rest",
        "discoveryName": kind, "data": data,
    }
    if parent:
        resource["parent"] = parent
    if location:
        resource["location"] = location
    return {"name": name, "assetType": asset_type, "resource": resource,
            "ancestors": ancestors, "updateTime": UPDATED}


def add_organization(fake: FakeGcp) -> None:
    """The organization and its folder."""
    fake.add_asset(asset_body(
        f"//cloudresourcemanager.googleapis.com/{ORG}",
        "cloudresourcemanager.googleapis.com/Organization",
        {"name": ORG, "displayName": "example.com", "lifecycleState": "ACTIVE",
         "owner": {"directoryCustomerId": "C0123abc"}},
        location="global", ancestors=[ORG], parent=None,
        discovery=("cloudresourcemanager", "Organization")),
        {"bindings": [{"role": "roles/owner", "members": ["group:admins@example.com"]}]})
    fake.add_asset(asset_body(
        f"//cloudresourcemanager.googleapis.com/{FOLDER}", "cloudresourcemanager.googleapis.com/Folder",
        {"name": FOLDER, "displayName": "Development", "parent": ORG, "lifecycleState": "ACTIVE"},
        location="global", ancestors=[FOLDER, ORG],
        parent=f"//cloudresourcemanager.googleapis.com/{ORG}",
        discovery=("cloudresourcemanager", "Folder")))


def add_project(fake: FakeGcp, project_id: str, number: str, parent: str = ORG,
                state: str = "ACTIVE") -> Project:
    """A project asset under ``parent`` (the organization or the folder)."""
    ancestors = [f"projects/{number}", *([parent, ORG] if parent != ORG else [ORG])]
    fake.add_project(project_id, number)
    kind, _, identifier = parent.partition("/")
    fake.add_asset(asset_body(
        f"//cloudresourcemanager.googleapis.com/projects/{number}",
        "cloudresourcemanager.googleapis.com/Project",
        {"projectNumber": number, "projectId": project_id, "lifecycleState": state,
         "name": project_id.replace("-", " ").title(), "labels": {"env": project_id.rsplit("-", maxsplit=1)[-1]},
         "parent": {"type": kind.rstrip("s"), "id": identifier},
         "createTime": "2023-01-10T09:00:00.000Z"},
        location="global", ancestors=ancestors,
        parent=f"//cloudresourcemanager.googleapis.com/{parent}",
        discovery=("cloudresourcemanager", "Project")),
        {"bindings": [{"role": "roles/editor", "members": [f"user:dev@{project_id}.example"]}]})
    return Project(fake, project_id, number, ancestors)


@dataclass
class StandardEstate:
    """Names of what :func:`standard_estate` built, for assertions."""

    alpha: Project
    beta: Project
    names: dict[str, str]


def standard_estate(fake: FakeGcp) -> StandardEstate:
    """The shared estate: ``alpha-prod`` (every catalogued type) under the organization,
    ``beta-dev`` (an instance and a bucket) under the folder, and a deleted project."""
    add_organization(fake)
    alpha = add_project(fake, "alpha-prod", "100000000001")
    beta = add_project(fake, "beta-dev", "100000000002", parent=FOLDER)
    add_project(fake, "gamma-old", "100000000003", state="DELETE_REQUESTED")
    n: dict[str, str] = {}
    p = alpha.project_id
    app_email = f"app@{p}.iam.gserviceaccount.com"
    n["network"] = alpha.compute("Network", "global/networks/prod", {"autoCreateSubnetworks": False},
                                 location="global")
    n["other_network"] = alpha.compute("Network", "global/networks/lab", {}, location="global")
    n["subnet"] = alpha.compute("Subnetwork", "regions/us-central1/subnetworks/web", {
        "network": self_link(p, "global/networks/prod"), "ipCidrRange": "10.0.0.0/24",
        "region": self_link(p, "regions/us-central1")}, location="us-central1")
    n["fw_ssh"] = alpha.compute("Firewall", "global/firewalls/allow-ssh", {
        "network": self_link(p, "global/networks/prod"), "direction": "INGRESS",
        "priority": 1000, "sourceRanges": ["0.0.0.0/0"], "targetTags": ["ssh"],
        "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}], "disabled": False}, location="global")
    n["fw_internal"] = alpha.compute("Firewall", "global/firewalls/allow-internal", {
        "network": self_link(p, "global/networks/prod"), "direction": "INGRESS",
        "sourceRanges": ["10.0.0.0/8"], "allowed": [{"IPProtocol": "all"}]}, location="global")
    n["fw_by_account"] = alpha.compute("Firewall", "global/firewalls/allow-app", {
        "network": f"https://www.googleapis.com/compute/beta/projects/{p}/global/networks/prod",
        "direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"],
        "targetServiceAccounts": [app_email],
        "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}]}, location="global")
    n["fw_disabled"] = alpha.compute("Firewall", "global/firewalls/allow-all-disabled", {
        "network": self_link(p, "global/networks/prod"), "direction": "INGRESS",
        "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "all"}], "disabled": True},
        location="global")
    n["fw_lab"] = alpha.compute("Firewall", "global/firewalls/lab-any", {
        "network": self_link(p, "global/networks/lab"), "direction": "INGRESS",
        "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "all"}]}, location="global")
    n["web"] = alpha.compute("Instance", "zones/us-central1-a/instances/web-1", {
        "status": "RUNNING", "labels": {"app": "web", "tier": "frontend"},
        "tags": {"items": ["ssh", "http"]},
        "networkInterfaces": [{"name": "nic0", "network": self_link(p, "global/networks/prod"),
                               "subnetwork": self_link(p, "regions/us-central1/subnetworks/web"),
                               "networkIP": "10.0.0.2",
                               "accessConfigs": [{"name": "External NAT", "natIP": "34.1.2.3",
                                                  "type": "ONE_TO_ONE_NAT"}]}],
        "disks": [{"boot": True, "source": self_link(p, "zones/us-central1-a/disks/web-1")}],
        "serviceAccounts": [{"email": app_email,
                             "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}],
        "zone": self_link(p, "zones/us-central1-a")}, location="us-central1-a")
    n["db"] = alpha.compute("Instance", "zones/us-central1-a/instances/db-1", {
        "status": "RUNNING", "tags": {"items": ["db"]},
        "networkInterfaces": [{"name": "nic0", "network": self_link(p, "global/networks/prod"),
                               "subnetwork": self_link(p, "regions/us-central1/subnetworks/web")}],
        "disks": [{"boot": True, "source": self_link(p, "zones/us-central1-a/disks/db-1")}],
        "serviceAccounts": [{"email": "100000000001-compute@developer.gserviceaccount.com"}]},
        location="us-central1-a")
    n["web_disk"] = alpha.compute("Disk", "zones/us-central1-a/disks/web-1", {
        "sizeGb": "10", "users": [self_link(p, "zones/us-central1-a/instances/web-1")],
        "diskEncryptionKey": {"kmsKeyName": f"projects/{p}/locations/us/keyRings/main/cryptoKeys/"
                                            "disks/cryptoKeyVersions/3"}},
        location="us-central1-a")
    n["db_disk"] = alpha.compute("Disk", "zones/us-central1-a/disks/db-1", {"sizeGb": "100"},
                                 location="us-central1-a")
    n["address"] = alpha.compute("Address", "regions/us-central1/addresses/web-ip", {
        "address": "34.1.2.3", "addressType": "EXTERNAL", "status": "IN_USE",
        "users": [self_link(p, "regions/us-central1/forwardingRules/web-lb")]},
        location="us-central1")
    n["global_address"] = alpha.compute("GlobalAddress", "global/addresses/site-ip", {
        "address": "35.2.3.4", "addressType": "EXTERNAL"}, location="global")
    n["forwarding_rule"] = alpha.compute("ForwardingRule", "regions/us-central1/forwardingRules/web-lb", {
        "IPAddress": "34.1.2.3", "IPProtocol": "TCP", "portRange": "443-443",
        "loadBalancingScheme": "EXTERNAL", "target": self_link(p, "regions/us-central1/targetPools/web")},
        location="us-central1")
    n["global_forwarding_rule"] = alpha.compute(
        "GlobalForwardingRule", "global/forwardingRules/site", {
            "IPAddress": "35.2.3.4", "loadBalancingScheme": "EXTERNAL_MANAGED",
            "target": self_link(p, "global/targetHttpsProxies/site")}, location="global")
    n["cluster"] = alpha.add("container.googleapis.com/Cluster",
                             f"projects/{p}/locations/us-central1/clusters/apps", {
        "name": "apps", "status": "RUNNING", "network": "prod",
        "networkConfig": {"network": f"projects/{p}/global/networks/prod",
                          "subnetwork": f"projects/{p}/regions/us-central1/subnetworks/web"},
        "nodeConfig": {"serviceAccount": app_email}, "resourceLabels": {"team": "platform"},
        "masterAuthorizedNetworksConfig": {"enabled": False},
        "privateClusterConfig": {"enablePrivateNodes": True}}, location="us-central1")
    n["public_bucket"] = alpha.add("storage.googleapis.com/Bucket", "alpha-prod-assets", {
        "name": "alpha-prod-assets", "location": "US", "storageClass": "STANDARD",
        "labels": {"data": "public"},
        "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True},
                             "publicAccessPrevention": "inherited"},
        "encryption": {"defaultKmsKeyName": f"projects/{p}/locations/us/keyRings/main/cryptoKeys/disks"}},
        location="us", iam_policy={"version": 1, "etag": "CAE=", "bindings": [
            {"role": "roles/storage.objectViewer", "members": ["allUsers"]},
            {"role": "roles/storage.admin", "members": [f"serviceAccount:{app_email}"]}]})
    n["private_bucket"] = alpha.add("storage.googleapis.com/Bucket", "alpha-prod-logs", {
        "name": "alpha-prod-logs", "location": "US",
        "iamConfiguration": {"publicAccessPrevention": "enforced"}}, location="us",
        iam_policy={"bindings": [{"role": "roles/storage.admin",
                                  "members": ["projectOwner:alpha-prod"]}]})
    n["sql"] = alpha.add("sqladmin.googleapis.com/Instance", f"projects/{p}/instances/orders", {
        "name": "orders", "databaseVersion": "POSTGRES_15", "region": "us-central1",
        "settings": {"userLabels": {"app": "orders"}, "ipConfiguration": {
            "ipv4Enabled": True, "authorizedNetworks": [{"value": "0.0.0.0/0"}],
            "privateNetwork": f"projects/{p}/global/networks/prod"}}},
        location="us-central1")
    n["account"] = alpha.add("iam.googleapis.com/ServiceAccount",
                             f"projects/{p}/serviceAccounts/104000000000000000001", {
        "email": app_email, "uniqueId": "104000000000000000001", "displayName": "App",
        "name": f"projects/{p}/serviceAccounts/{app_email}", "projectId": p},
        iam_policy={"bindings": [{"role": "roles/iam.serviceAccountUser",
                                  "members": ["group:devs@example.com"]}]})
    n["account_key"] = alpha.add("iam.googleapis.com/ServiceAccountKey",
                                 f"projects/{p}/serviceAccounts/104000000000000000001/keys/"
                                 "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", {
        "keyType": "USER_MANAGED", "keyAlgorithm": "KEY_ALG_RSA_2048",
        "validAfterTime": "2023-02-01T00:00:00Z", "validBeforeTime": "9999-12-31T23:59:59Z",
        "name": f"projects/{p}/serviceAccounts/{app_email}/keys/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"},
        parent=f"//iam.googleapis.com/projects/{p}/serviceAccounts/104000000000000000001")
    n["custom_role"] = alpha.add("iam.googleapis.com/Role", f"projects/{p}/roles/deployer", {
        "name": f"projects/{p}/roles/deployer", "title": "Deployer",
        "description": "Creates instances running as the app account", "stage": "GA",
        "includedPermissions": ["compute.instances.create", "iam.serviceAccounts.actAs"],
        "etag": "BwWKmjvelug="}, location="global")
    n["run"] = alpha.add("run.googleapis.com/Service", f"projects/{p}/locations/us-central1/services/api", {
        "apiVersion": "serving.knative.dev/v1", "kind": "Service",
        "metadata": {"name": "api", "labels": {"cloud.googleapis.com/location": "us-central1"}},
        "spec": {"template": {"spec": {"serviceAccountName": app_email}}}},
        location="us-central1", iam_policy={"bindings": [
            {"role": "roles/run.invoker", "members": ["allUsers"]}]})
    n["function"] = alpha.add("cloudfunctions.googleapis.com/CloudFunction",
                              f"projects/{p}/locations/us-central1/functions/resize", {
        "name": f"projects/{p}/locations/us-central1/functions/resize", "runtime": "python311",
        "serviceAccountEmail": f"other@shared-{p}.iam.gserviceaccount.com",
        "httpsTrigger": {"url": "https://us-central1-alpha-prod.cloudfunctions.net/resize"}},
        location="us-central1")
    n["keyring"] = alpha.add("cloudkms.googleapis.com/KeyRing", f"projects/{p}/locations/us/keyRings/main",
                             {"name": f"projects/{p}/locations/us/keyRings/main"}, location="us")
    n["crypto_key"] = alpha.add("cloudkms.googleapis.com/CryptoKey",
                                f"projects/{p}/locations/us/keyRings/main/cryptoKeys/disks", {
        "name": f"projects/{p}/locations/us/keyRings/main/cryptoKeys/disks",
        "purpose": "ENCRYPT_DECRYPT", "rotationPeriod": "7776000s"}, location="us",
        parent=f"//cloudkms.googleapis.com/projects/{p}/locations/us/keyRings/main")
    q = beta.project_id
    n["beta_instance"] = beta.compute("Instance", "zones/europe-west1-b/instances/dev-1", {
        "networkInterfaces": [{"network": self_link(q, "global/networks/default"),
                               "subnetwork": self_link(q, "regions/europe-west1/subnetworks/default")}]},
        location="europe-west1-b")
    n["beta_bucket"] = beta.add("storage.googleapis.com/Bucket", "beta-dev-scratch",
                                {"name": "beta-dev-scratch"}, location="europe-west1")
    return StandardEstate(alpha, beta, n)
