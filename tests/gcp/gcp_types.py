"""The seeding list: Cloud Asset types beyond the hand-mapped ones, each one resource shaped
like the public REST reference (``assets.list``: name, assetType, resource{version,
discoveryDocumentUri, discoveryName, parent, data, location}, ancestors, updateTime), served
by the fake in a project of the estate. The collector has no hand mapping for any of them:
each must reach the store named by the rule, with its full resource name as id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gcp_estate import ORG, Project, asset_body, self_link


@dataclass(frozen=True)
class Seed:
    """One resource to serve: type, full name, data; ``parent`` None means the project,
    ``""`` none at all (the collector then takes the closest of ``ancestors``)."""

    native: str
    name: str
    data: dict[str, Any]
    location: str | None = None
    parent: str | None = None
    iam_policy: dict[str, Any] | None = field(default=None, compare=False)


def seeds(p: str, n: str) -> list[Seed]:
    """The seeding list for project id ``p``, number ``n``."""
    cluster = f"projects/{p}/locations/us-central1/clusters/apps"
    ds = f"//bigquery.googleapis.com/projects/{p}/datasets/sales"
    spanner = f"//spanner.googleapis.com/projects/{p}/instances/ledger"
    table = f"//bigtableadmin.googleapis.com/projects/{p}/instances/events"
    secret = f"//secretmanager.googleapis.com/projects/{n}/secrets/db-password"
    app = f"//appengine.googleapis.com/apps/{p}"
    namespace = f"//container.googleapis.com/{cluster}/k8s/namespaces/web"
    reader = {"bindings": [{"role": "roles/viewer", "members": ["group:analysts@example.com"]}]}

    def compute(kind: str, path: str, data: dict[str, Any], location: str = "global") -> Seed:
        full = {"name": path.rsplit("/", 1)[-1], "selfLink": self_link(p, path),
                "kind": f"compute#{kind[0].lower()}{kind[1:]}", **data}
        return Seed(f"compute.googleapis.com/{kind}",
                    f"//compute.googleapis.com/projects/{p}/{path}", full, location)

    return [
        compute("Route", "global/routes/default-internet", {
            "network": self_link(p, "global/networks/prod"), "destRange": "0.0.0.0/0",
            "nextHopGateway": self_link(p, "global/gateways/default-internet-gateway"),
            "priority": 1000}),
        compute("Router", "regions/us-central1/routers/nat", {
            "network": self_link(p, "global/networks/prod"),
            "nats": [{"name": "egress", "natIpAllocateOption": "AUTO_ONLY"}]}, "us-central1"),
        compute("Snapshot", "global/snapshots/web-1-daily", {
            "sourceDisk": self_link(p, "zones/us-central1-a/disks/web-1"), "diskSizeGb": "10",
            "status": "READY", "storageLocations": ["us"]}),
        compute("Image", "global/images/base-2024", {
            "family": "base", "diskSizeGb": "10", "status": "READY"}),
        compute("InstanceTemplate", "global/instanceTemplates/web-v3", {
            "properties": {"machineType": "e2-small", "tags": {"items": ["http"]}}}),
        compute("InstanceGroupManager", "zones/us-central1-a/instanceGroupManagers/web", {
            "baseInstanceName": "web", "targetSize": 2,
            "instanceTemplate": self_link(p, "global/instanceTemplates/web-v3")},
            "us-central1-a"),
        compute("HealthCheck", "global/healthChecks/http-80", {
            "type": "HTTP", "httpHealthCheck": {"port": 80}, "checkIntervalSec": 5}),
        compute("UrlMap", "global/urlMaps/site", {
            "defaultService": self_link(p, "global/backendServices/site")}),
        compute("TargetHttpsProxy", "global/targetHttpsProxies/site", {
            "urlMap": self_link(p, "global/urlMaps/site"),
            "sslCertificates": [self_link(p, "global/sslCertificates/site")]}),
        compute("SslCertificate", "global/sslCertificates/site", {
            "type": "MANAGED", "managed": {"domains": ["shop.example.com"], "status": "ACTIVE"},
            "expireTime": "2025-01-01T00:00:00.000-08:00"}),
        compute("SecurityPolicy", "global/securityPolicies/edge", {
            "rules": [{"priority": 2147483647, "action": "allow",
                       "match": {"config": {"srcIpRanges": ["*"]}}}]}),
        compute("BackendBucket", "global/backendBuckets/static", {
            "bucketName": "alpha-prod-assets", "enableCdn": True}),
        compute("Autoscaler", "zones/us-central1-a/autoscalers/web", {
            "target": self_link(p, "zones/us-central1-a/instanceGroupManagers/web"),
            "autoscalingPolicy": {"minNumReplicas": 2, "maxNumReplicas": 10}}, "us-central1-a"),
        compute("VpnGateway", "regions/us-central1/vpnGateways/onprem", {
            "network": self_link(p, "global/networks/prod")}, "us-central1"),
        compute("VpnTunnel", "regions/us-central1/vpnTunnels/onprem-0", {
            "peerIp": "203.0.113.10", "ikeVersion": 2, "status": "ESTABLISHED"}, "us-central1"),
        compute("RegionDisk", "regions/us-central1/disks/shared-data", {
            "sizeGb": "200", "replicaZones": [self_link(p, "zones/us-central1-a"),
                                              self_link(p, "zones/us-central1-b")]},
            "us-central1"),
        compute("ResourcePolicy", "regions/us-central1/resourcePolicies/daily", {
            "snapshotSchedulePolicy": {"schedule": {"dailySchedule": {"startTime": "04:00"}}}},
            "us-central1"),
        Seed("container.googleapis.com/NodePool",
             f"//container.googleapis.com/{cluster}/nodePools/default-pool",
             {"name": "default-pool", "initialNodeCount": 3, "status": "RUNNING",
              "config": {"machineType": "e2-standard-4"}}, "us-central1",
             parent=f"//container.googleapis.com/{cluster}"),
        Seed("k8s.io/Namespace", namespace,
             {"metadata": {"name": "web", "uid": "3f1c"}, "status": {"phase": "Active"}},
             "us-central1", parent=f"//container.googleapis.com/{cluster}"),
        Seed("k8s.io/Pod", f"{namespace}/pods/web-7d4b9",
             {"metadata": {"name": "web-7d4b9", "namespace": "web", "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
              "status": {"phase": "Running"}}, "us-central1", parent=namespace),
        Seed("apps.k8s.io/Deployment", f"//container.googleapis.com/{cluster}/apis/apps/v1/"
             "namespaces/web/deployments/web",
             {"metadata": {"name": "web", "namespace": "web"}, "spec": {"replicas": 2}},
             "us-central1", parent=namespace),
        Seed("pubsub.googleapis.com/Topic", f"//pubsub.googleapis.com/projects/{p}/topics/orders",
             {"name": f"projects/{p}/topics/orders", "labels": {"team": "orders"},
              "messageRetentionDuration": "604800s"}, iam_policy=reader),
        Seed("pubsub.googleapis.com/Subscription",
             f"//pubsub.googleapis.com/projects/{p}/subscriptions/orders-billing",
             {"name": f"projects/{p}/subscriptions/orders-billing",
              "topic": f"projects/{p}/topics/orders", "ackDeadlineSeconds": 60}),
        Seed("bigquery.googleapis.com/Dataset", ds,
             {"datasetReference": {"projectId": p, "datasetId": "sales"}, "location": "US",
              "labels": {"data": "confidential"},
              "access": [{"role": "OWNER", "specialGroup": "projectOwners"}]}, "us",
             iam_policy=reader),
        Seed("bigquery.googleapis.com/Table", f"{ds}/tables/orders",
             {"tableReference": {"projectId": p, "datasetId": "sales", "tableId": "orders"},
              "type": "TABLE", "numRows": "1200"}, "us", parent=ds),
        Seed("spanner.googleapis.com/Instance", spanner,
             {"name": f"projects/{p}/instances/ledger", "nodeCount": 1,
              "config": f"projects/{p}/instanceConfigs/regional-us-central1"}, "us-central1"),
        Seed("spanner.googleapis.com/Database", f"{spanner}/databases/accounts",
             {"name": f"projects/{p}/instances/ledger/databases/accounts", "state": "READY"},
             "us-central1", parent=spanner),
        Seed("bigtableadmin.googleapis.com/Instance", table,
             {"name": f"projects/{p}/instances/events", "displayName": "events",
              "type": "PRODUCTION"}, "global"),
        Seed("bigtableadmin.googleapis.com/Cluster", f"{table}/clusters/events-c1",
             {"name": f"projects/{p}/instances/events/clusters/events-c1", "serveNodes": 3,
              "location": f"projects/{p}/locations/us-central1-b"}, "us-central1-b",
             parent=table),
        Seed("secretmanager.googleapis.com/Secret", secret,
             {"name": f"projects/{n}/secrets/db-password",
              "replication": {"automatic": {}}, "createTime": "2024-01-02T00:00:00Z"},
             iam_policy=reader),
        Seed("secretmanager.googleapis.com/SecretVersion", f"{secret}/versions/1",
             {"name": f"projects/{n}/secrets/db-password/versions/1", "state": "ENABLED"},
             parent=secret),
        Seed("dns.googleapis.com/ManagedZone", f"//dns.googleapis.com/projects/{p}/managedZones/shop",
             {"name": "shop", "dnsName": "shop.example.com.", "visibility": "public"}),
        Seed("logging.googleapis.com/LogSink", f"//logging.googleapis.com/projects/{p}/sinks/audit",
             {"name": "audit", "destination": f"storage.googleapis.com/{p}-logs",
              "filter": "logName:cloudaudit.googleapis.com"}),
        Seed("logging.googleapis.com/LogBucket",
             f"//logging.googleapis.com/projects/{p}/locations/global/buckets/_Default",
             {"name": f"projects/{p}/locations/global/buckets/_Default", "retentionDays": 30},
             "global"),
        Seed("monitoring.googleapis.com/AlertPolicy",
             f"//monitoring.googleapis.com/projects/{p}/alertPolicies/1234567890",
             {"name": f"projects/{p}/alertPolicies/1234567890", "displayName": "High CPU",
              "enabled": True, "combiner": "OR"}),
        Seed("redis.googleapis.com/Instance",
             f"//redis.googleapis.com/projects/{p}/locations/us-central1/instances/cache",
             {"name": f"projects/{p}/locations/us-central1/instances/cache", "tier": "BASIC",
              "memorySizeGb": 1, "authorizedNetwork": f"projects/{p}/global/networks/prod"},
             "us-central1"),
        Seed("file.googleapis.com/Instance",
             f"//file.googleapis.com/projects/{p}/locations/us-central1-a/instances/nfs",
             {"name": f"projects/{p}/locations/us-central1-a/instances/nfs",
              "tier": "BASIC_HDD", "fileShares": [{"name": "vol1", "capacityGb": "1024"}]},
             "us-central1-a"),
        Seed("artifactregistry.googleapis.com/Repository",
             f"//artifactregistry.googleapis.com/projects/{p}/locations/us/repositories/images",
             {"name": f"projects/{p}/locations/us/repositories/images", "format": "DOCKER"},
             "us"),
        Seed("composer.googleapis.com/Environment",
             f"//composer.googleapis.com/projects/{p}/locations/us-central1/environments/etl",
             {"name": f"projects/{p}/locations/us-central1/environments/etl",
              "state": "RUNNING", "config": {"nodeCount": 3}}, "us-central1"),
        Seed("dataproc.googleapis.com/Cluster",
             f"//dataproc.googleapis.com/projects/{p}/regions/us-central1/clusters/spark",
             {"clusterName": "spark", "projectId": p, "status": {"state": "RUNNING"}},
             "us-central1"),
        Seed("appengine.googleapis.com/Application", app,
             {"name": f"apps/{p}", "id": p, "locationId": "us-central",
              "servingStatus": "SERVING"}, "us-central"),
        Seed("appengine.googleapis.com/Service", f"{app}/services/default",
             {"name": f"apps/{p}/services/default", "id": "default"}, "us-central", parent=app),
        Seed("serviceusage.googleapis.com/Service",
             f"//serviceusage.googleapis.com/projects/{n}/services/compute.googleapis.com",
             {"name": f"projects/{n}/services/compute.googleapis.com", "state": "ENABLED",
              "config": {"name": "compute.googleapis.com"}}, parent=""),
        Seed("cloudkms.googleapis.com/CryptoKeyVersion",
             f"//cloudkms.googleapis.com/projects/{p}/locations/us/keyRings/main/cryptoKeys/"
             "disks/cryptoKeyVersions/3",
             {"name": f"projects/{p}/locations/us/keyRings/main/cryptoKeys/disks/"
                      "cryptoKeyVersions/3", "state": "ENABLED", "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"},
             "us", parent=f"//cloudkms.googleapis.com/projects/{p}/locations/us/keyRings/main/"
                          "cryptoKeys/disks"),
        Seed("iam.googleapis.com/WorkloadIdentityPool",
             f"//iam.googleapis.com/projects/{n}/locations/global/workloadIdentityPools/github",
             {"name": f"projects/{n}/locations/global/workloadIdentityPools/github",
              "state": "ACTIVE", "displayName": "GitHub"}, "global"),
        Seed("run.googleapis.com/Revision",
             f"//run.googleapis.com/projects/{p}/locations/us-central1/services/api/revisions/"
             "api-00001-abc",
             {"metadata": {"name": "api-00001-abc", "namespace": n},
              "spec": {"containerConcurrency": 80}}, "us-central1"),
        Seed("workflows.googleapis.com/Workflow",
             f"//workflows.googleapis.com/projects/{p}/locations/us-central1/workflows/orders",
             {"name": f"projects/{p}/locations/us-central1/workflows/orders", "state": "ACTIVE"},
             "us-central1"),
        Seed("eventarc.googleapis.com/Trigger",
             f"//eventarc.googleapis.com/projects/{p}/locations/us-central1/triggers/on-upload",
             {"name": f"projects/{p}/locations/us-central1/triggers/on-upload",
              "eventFilters": [{"attribute": "type",
                                "value": "google.cloud.storage.object.v1.finalized"}]},
             "us-central1"),
        Seed("vpcaccess.googleapis.com/Connector",
             f"//vpcaccess.googleapis.com/projects/{p}/locations/us-central1/connectors/serverless",
             {"name": f"projects/{p}/locations/us-central1/connectors/serverless",
              "network": "prod", "ipCidrRange": "10.8.0.0/28", "state": "READY"}, "us-central1"),
        Seed("orgpolicy.googleapis.com/Policy",
             f"//orgpolicy.googleapis.com/projects/{n}/policies/compute.requireOsLogin",
             {"name": f"projects/{n}/policies/compute.requireOsLogin",
              "spec": {"rules": [{"enforce": True}]}}),
    ]


SEEDED = seeds("example-project", "100")
"""The seeding list's shape, for assertions about types (not names)."""


def serve_seeds(project: Project) -> list[Seed]:
    """Serve every seed in ``project``; return the seeds as served."""
    served = seeds(project.project_id, project.number)
    project_name = f"//cloudresourcemanager.googleapis.com/projects/{project.number}"
    for seed in served:
        service, _, kind = seed.native.partition("/")
        project.fake.add_asset(asset_body(
            seed.name, seed.native, seed.data, location=seed.location,
            ancestors=project.ancestors,
            parent=project_name if seed.parent is None else (seed.parent or None),
            discovery=(service.split(".")[0], kind)), seed.iam_policy)
    return served


ORG_ROLE = f"//iam.googleapis.com/{ORG}/roles/auditor"
ORG_TAG_KEY = "//cloudresourcemanager.googleapis.com/tagKeys/281474976710656"


def serve_hierarchy_resources(project: Project) -> list[str]:
    """An organization custom role and a tag key, outside any project (the container scope
    of an organization holds them); return their names."""
    fake = project.fake
    fake.add_asset(asset_body(
        ORG_ROLE, "iam.googleapis.com/Role",
        {"name": f"{ORG}/roles/auditor", "title": "Auditor", "stage": "GA",
         "includedPermissions": ["resourcemanager.projects.get"]},
        location="global", ancestors=[ORG],
        parent=f"//cloudresourcemanager.googleapis.com/{ORG}", discovery=("iam", "Role")))
    fake.add_asset(asset_body(
        ORG_TAG_KEY, "cloudresourcemanager.googleapis.com/TagKey",
        {"name": "tagKeys/281474976710656", "parent": ORG, "shortName": "env"},
        location="global", ancestors=[ORG],
        parent=f"//cloudresourcemanager.googleapis.com/{ORG}",
        discovery=("cloudresourcemanager", "TagKey")))
    return [ORG_ROLE, ORG_TAG_KEY]
