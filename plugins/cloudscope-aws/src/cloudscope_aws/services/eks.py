"""EKS clusters and managed node groups (regional scope service ``eks``).

``ListClusters`` then ``DescribeCluster`` per cluster, ``ListNodegroups`` and
``DescribeNodegroup`` per node group; both carry their ARN and tags. A cluster whose
``DescribeCluster`` is denied is still collected (its ARN is AWS's documented format),
with only its ``name`` and ``_unavailable``; ``ListNodegroups`` and ``DescribeNodegroup``
are listings (a node group's ARN holds an id only they return), so their denial fails the
scope, which keeps the node groups stored before. Encryption keys named by alias are
resolved to their keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import each
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.services.kms import alias_keys
from cloudscope_aws.shapes import Item, Kind, Location, edges, is_kms_alias, kms_key_arn, with_unavailable

CLUSTER: Final = Kind("aws:eks:cluster", "AWS::EKS::Cluster")
NODEGROUP: Final = Kind("aws:eks:nodegroup", "AWS::EKS::Nodegroup")


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every cluster of the region and its node groups."""
    eks = clients.client("eks", location.region)
    for name in each(eks, "list_clusters", "clusters"):
        details = clients.details()
        described = details.read("cluster", eks, "describe_cluster", name=name)
        cluster = described["cluster"] if described else {
            "name": name, "arn": location.arn("eks", f"cluster/{name}")}
        aliases = alias_keys(clients, location) if any(
            is_kms_alias(key) for key in _encryption_keys(cluster)) else {}
        yield from transform_cluster(location, cluster, details.unavailable, aliases)
        for group in each(eks, "list_nodegroups", "nodegroups", clusterName=name):
            nodegroup = eks.describe_nodegroup(clusterName=name, nodegroupName=group)
            yield from transform_nodegroup(location, nodegroup["nodegroup"])


def _encryption_keys(cluster: Mapping[str, Any]) -> list[str | None]:
    return [(config.get("provider") or {}).get("keyArn")
            for config in cluster.get("encryptionConfig") or ()]


def transform_cluster(location: Location, cluster: Mapping[str, Any],
                      unavailable: Mapping[str, str] | None = None,
                      aliases: Mapping[str, str] | None = None) -> list[Item]:
    """A cluster (``DescribeCluster``'s ``cluster``, ``_unavailable`` when denied):
    HAS_ROLE its service role, IN_SUBNET, PROTECTED_BY and IN_NETWORK through
    ``resourcesVpcConfig``, ENCRYPTED_BY its secrets' KMS keys (aliases resolved)."""
    arn = cluster["arn"]
    vpc = cluster.get("resourcesVpcConfig") or {}
    groups = [*(vpc.get("securityGroupIds") or ()), vpc.get("clusterSecurityGroupId")]
    keys = (kms_key_arn(location, key, aliases) for key in _encryption_keys(cluster))
    properties = with_unavailable(dict(cluster), unavailable or {})
    return [location.asset(CLUSTER, arn, properties, name=cluster["name"],
                           tags=cluster.get("tags") or {}),
            *edges(arn, "HAS_ROLE", [cluster.get("roleArn")]),
            *edges(arn, "IN_SUBNET", (location.ec2_arn("subnet", subnet)
                                      for subnet in vpc.get("subnetIds") or ())),
            *edges(arn, "PROTECTED_BY", (location.ec2_arn("security-group", group)
                                         for group in groups if group)),
            *edges(arn, "IN_NETWORK", [location.ec2_arn("vpc", vpc["vpcId"])
                                       if vpc.get("vpcId") else None]),
            *edges(arn, "ENCRYPTED_BY", keys)]


def transform_nodegroup(location: Location, nodegroup: Mapping[str, Any]) -> list[Item]:
    """A managed node group: its cluster CONTAINS it, it HAS_ROLE its node role and sits
    IN_SUBNET its subnets."""
    arn = nodegroup["nodegroupArn"]
    cluster = location.arn("eks", f"cluster/{nodegroup['clusterName']}")
    return [location.asset(NODEGROUP, arn, nodegroup, name=nodegroup["nodegroupName"],
                           tags=nodegroup.get("tags") or {}),
            *edges(cluster, "CONTAINS", [arn]),
            *edges(arn, "HAS_ROLE", [nodegroup.get("nodeRole")]),
            *edges(arn, "IN_SUBNET", (location.ec2_arn("subnet", subnet)
                                      for subnet in nodegroup.get("subnets") or ()))]
