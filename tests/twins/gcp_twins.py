"""GCP twin sides served by the Cloud Asset fake: one VPC network per side, resources in
the shape of the Compute Engine API's JSON (``resource.data``), from a mapping of settings.

Every side is a network with a subnetwork, firewall rules as the settings say, and an
instance tagged ``ssh`` running as a service account that is editor of the project,
reached through its external address or an external passthrough load balancer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aws_twins import Side
from gcp_estate import ORG, asset_body, self_link
from gcp_fake import FakeGcp

PROJECT, NUMBER = "twins-prod", "100000000042"
APP, OTHER = (f"app@{PROJECT}.iam.gserviceaccount.com",
              f"batch@{PROJECT}.iam.gserviceaccount.com")
REGION, ZONE = "us-central1", "us-central1-a"


def allow(port: str = "22", priority: int = 1000, source: str = "0.0.0.0/0",
          **extra: Any) -> tuple[str, dict[str, Any]]:
    """An ingress allow rule (role ``allow``)."""
    return "allow", {"direction": "INGRESS", "priority": priority, "sourceRanges": [source],
                     "allowed": [{"IPProtocol": "tcp", "ports": [port]}], **extra}


def deny(priority: int, port: str = "22", source: str = "0.0.0.0/0",
         **extra: Any) -> tuple[str, dict[str, Any]]:
    """An ingress deny rule (role ``deny``)."""
    return "deny", {"direction": "INGRESS", "priority": priority, "sourceRanges": [source],
                    "denied": [{"IPProtocol": "tcp", "ports": [port]}], **extra}


GCP_DEFAULTS: Final[Mapping[str, Any]] = {
    "entry": "external-ip",       # external-ip, ipv6, target-pool, backend-service; else none
    "firewalls": [allow()],       # (role, rule) pairs in the side's network
    "firewall_network": "own",    # own: the instance's network; other: a second network
    "tags": ["ssh"],              # the instance's network tags
    "account": APP,               # its service account (both accounts are project editors)
    "port_range": "22",           # the forwarding rule's ports
    "scheme": "EXTERNAL",         # the forwarding rule's and backend service's scheme
}


class GcpBuilder:
    """Builds sides in one project of the fake."""

    def __init__(self, fake: FakeGcp) -> None:
        self.fake = fake
        fake.add_project(PROJECT, NUMBER)
        ancestors = [f"projects/{NUMBER}", ORG]
        self.ancestors = ancestors
        fake.add_asset(asset_body(
            f"//cloudresourcemanager.googleapis.com/projects/{NUMBER}",
            "cloudresourcemanager.googleapis.com/Project",
            {"projectNumber": NUMBER, "projectId": PROJECT, "lifecycleState": "ACTIVE",
             "name": "Twins", "parent": {"type": "organization", "id": ORG.split("/")[1]}},
            location="global", ancestors=ancestors,
            parent=f"//cloudresourcemanager.googleapis.com/{ORG}",
            discovery=("cloudresourcemanager", "Project")),
            {"bindings": [{"role": "roles/editor",
                           "members": [f"serviceAccount:{APP}", f"serviceAccount:{OTHER}"]}]})
        for number, email in enumerate((APP, OTHER), start=1):
            self._add("iam.googleapis.com/ServiceAccount",
                      f"//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/10500000000000000000{number}",
                      {"email": email, "projectId": PROJECT, "uniqueId": f"10500000000000000000{number}"},
                      None)

    def _add(self, asset_type: str, name: str, data: dict[str, Any], location: str | None) -> str:
        service, _, kind = asset_type.partition("/")
        self.fake.add_asset(asset_body(
            name, asset_type, data, location=location, ancestors=self.ancestors,
            parent=f"//cloudresourcemanager.googleapis.com/projects/{NUMBER}",
            discovery=(service.split(".")[0], kind)))
        return name

    def compute(self, kind: str, path: str, data: dict[str, Any], location: str) -> str:
        """A Compute Engine resource at ``projects/PROJECT/<path>`` (its full name)."""
        body = {"name": path.rsplit("/", 1)[-1], "selfLink": self_link(PROJECT, path),
                "kind": f"compute#{kind[0].lower()}{kind[1:]}", **data}
        return self._add(f"compute.googleapis.com/{kind}",
                         f"//compute.googleapis.com/projects/{PROJECT}/{path}", body, location)

    def side(self, key: str, settings: Mapping[str, Any]) -> Side:
        """One side: ``GCP_DEFAULTS`` with ``settings`` applied."""
        unknown = set(settings) - set(GCP_DEFAULTS)
        assert not unknown, f"unknown GCP twin settings {unknown}"
        s = {**GCP_DEFAULTS, **settings}
        network, other = f"global/networks/net-{key}", f"global/networks/net-{key}-other"
        for path in (network, other):
            self.compute("Network", path, {"autoCreateSubnetworks": False}, "global")
        subnet = f"regions/{REGION}/subnetworks/sub-{key}"
        self.compute("Subnetwork", subnet, {"network": self_link(PROJECT, network),
                                            "ipCidrRange": "10.0.0.0/24"}, REGION)
        controls = {}
        for role, firewall in s["firewalls"]:
            where = network if s["firewall_network"] == "own" else other
            controls[role] = self.compute("Firewall", f"global/firewalls/{key}-{role}", {
                "network": self_link(PROJECT, where), **firewall}, "global")
        interface: dict[str, Any] = {"name": "nic0", "network": self_link(PROJECT, network),
                                     "subnetwork": self_link(PROJECT, subnet), "networkIP": "10.0.0.2",
                                     "stackType": "IPV4_IPV6" if s["entry"] == "ipv6" else "IPV4_ONLY"}
        if s["entry"] == "external-ip":
            interface["accessConfigs"] = [{"name": "External NAT", "type": "ONE_TO_ONE_NAT",
                                           "natIP": "34.120.0.10", "networkTier": "PREMIUM"}]
        if s["entry"] == "ipv6":
            interface["ipv6AccessConfigs"] = [{"name": "External IPv6", "type": "DIRECT_IPV6",
                                               "externalIpv6": "2600:1900:4000:7a::", "networkTier": "PREMIUM"}]
        instance_path = f"zones/{ZONE}/instances/vm-{key}"
        data: dict[str, Any] = {
            "status": "RUNNING", "tags": {"items": list(s["tags"])},
            "networkInterfaces": [interface],
            "serviceAccounts": [{"email": s["account"],
                                 "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}]}
        if s["entry"] == "backend-service":
            data["metadata"] = {"items": [{"key": "created-by", "value":
                                           f"projects/{NUMBER}/zones/{ZONE}/instanceGroupManagers/mig-{key}"}]}
        instance = self.compute("Instance", instance_path, data, ZONE)
        if s["entry"] in ("target-pool", "backend-service"):
            self._balancer(key, s, instance_path, network)
        return Side(instance, controls)

    def _balancer(self, key: str, s: Mapping[str, Any], instance_path: str, network: str) -> None:
        rule: dict[str, Any] = {"IPAddress": "34.120.9.9", "IPProtocol": "TCP",
                                "portRange": s["port_range"], "loadBalancingScheme": s["scheme"],
                                "networkTier": "PREMIUM", "region": self_link(PROJECT, f"regions/{REGION}")}
        if s["entry"] == "target-pool":
            pool = f"regions/{REGION}/targetPools/pool-{key}"
            self.compute("TargetPool", pool, {"instances": [self_link(PROJECT, instance_path)],
                                              "sessionAffinity": "NONE"}, REGION)
            rule["target"] = self_link(PROJECT, pool)
        else:
            group = f"zones/{ZONE}/instanceGroups/mig-{key}"
            self.compute("InstanceGroup", group, {"network": self_link(PROJECT, network),
                                                  "size": 1, "zone": self_link(PROJECT, f"zones/{ZONE}")},
                         ZONE)
            service = f"regions/{REGION}/backendServices/bs-{key}"
            self.compute("RegionBackendService", service, {
                "loadBalancingScheme": s["scheme"], "protocol": "TCP",
                "backends": [{"group": self_link(PROJECT, group), "balancingMode": "CONNECTION"}]},
                REGION)
            rule["backendService"] = self_link(PROJECT, service)
        self.compute("ForwardingRule", f"regions/{REGION}/forwardingRules/fr-{key}", rule, REGION)
