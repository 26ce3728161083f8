"""Databases: DynamoDB, ElastiCache, MemoryDB, DAX, Redshift, Timestream, and RDS beyond
DB instances (clusters, snapshots, parameter and option groups, proxies, global clusters,
event subscriptions; the RDS API also answers for DocumentDB and Neptune).

RDS and Redshift snapshots are the account's own. A manual DB snapshot's attributes
(``DescribeDBSnapshotAttributes``) say who may restore it: ``restore`` naming ``all``
makes it public. AWS's default parameter and option groups (``default.*``, ``default:*``)
exist in every account and are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from cloudscope_aws.catalogue import (
    Describe,
    Detail,
    Edge,
    Resource,
    arn,
    ec2,
    groups,
    key,
    role,
    subnets,
    vpc,
)


def _own(field: str) -> Callable[[Mapping[str, Any]], bool]:
    """Keep an element whose ``field`` does not name one of AWS's default groups."""
    return lambda element: not str(element.get(field, "")).startswith(("default.", "default:"))


TABLE: Final = Resource(
    "AWS::DynamoDB::Table", "dynamodb", "ListTables", "TableNames", element="TableName",
    arn="arn:{partition}:dynamodb:{region}:{account}:table/{TableName}", name="TableName",
    describe=Describe("DescribeTable", {"TableName": "{TableName}"}, key="Table",
                      absent=("ResourceNotFoundException",)),
    details=(Detail("ContinuousBackupsDescription", "DescribeContinuousBackups",
                    {"TableName": "{TableName}"}, key="ContinuousBackupsDescription",
                    absent=("TableNotFoundException",)),),
    tags=Detail("Tags", "ListTagsOfResource", {"ResourceArn": "{arn}"}, key="Tags",
                paginate=True),
    edges=(key("SSEDescription.KMSMasterKeyArn"),),
    volatile=("ItemCount", "TableSizeBytes", "ProvisionedThroughput.NumberOfDecreasesToday",
              "ProvisionedThroughput.LastDecreaseDateTime",
              "ProvisionedThroughput.LastIncreaseDateTime"),
)

BACKUP: Final = Resource(
    "AWS::DynamoDB::Backup", "dynamodb", "ListBackups", "BackupSummaries", arn="BackupArn",
    name="BackupName",
    edges=(arn("CONTAINS", "TableArn", "aws:dynamodb:table", inbound=True),),
)

GLOBAL_TABLE: Final = Resource(
    "AWS::DynamoDB::GlobalTable", "dynamodb", "ListGlobalTables", "GlobalTables",
    arn="arn:{partition}:dynamodb::{account}:global-table/{GlobalTableName}",
    name="GlobalTableName",
    note="global tables of version 2017.11.29; later versions are tables with replicas",
)

_ELASTICACHE_TAGS: Final = Detail("Tags", "ListTagsForResource", {"ResourceName": "{ARN}"},
                                  key="TagList", absent=("CacheClusterNotFound",))

CACHE_CLUSTER: Final = Resource(
    "AWS::ElastiCache::CacheCluster", "elasticache", "DescribeCacheClusters", "CacheClusters",
    arn="ARN", name="CacheClusterId", tags=_ELASTICACHE_TAGS,
    edges=(groups("SecurityGroups[].SecurityGroupId"), key("KmsKeyId"),
           Edge("CONTAINS", "ReplicationGroupId", "aws:elasticache:replication-group",
                "arn:{partition}:elasticache:{region}:{account}:replicationgroup:{value}",
                inbound=True)),
)

REPLICATION_GROUP: Final = Resource(
    "AWS::ElastiCache::ReplicationGroup", "elasticache", "DescribeReplicationGroups",
    "ReplicationGroups", arn="ARN", name="ReplicationGroupId",
    edges=(key("KmsKeyId"),),
)

CACHE_SUBNET_GROUP: Final = Resource(
    "AWS::ElastiCache::SubnetGroup", "elasticache", "DescribeCacheSubnetGroups",
    "CacheSubnetGroups", arn="ARN", name="CacheSubnetGroupName",
    edges=(vpc("VpcId"), ec2("CONTAINS", "Subnets[].SubnetIdentifier", "subnet", "subnet")),
)

CACHE_USER: Final = Resource(
    "AWS::ElastiCache::User", "elasticache", "DescribeUsers", "Users", arn="ARN",
    name="UserName",
)

CACHE_USER_GROUP: Final = Resource(
    "AWS::ElastiCache::UserGroup", "elasticache", "DescribeUserGroups", "UserGroups",
    arn="ARN", name="UserGroupId",
)

CACHE_SNAPSHOT: Final = Resource(
    "AWS::ElastiCache::Snapshot", "elasticache", "DescribeSnapshots", "Snapshots", arn="ARN",
    name="SnapshotName", edges=(key("KmsKeyId"),),
)

SERVERLESS_CACHE: Final = Resource(
    "AWS::ElastiCache::ServerlessCache", "elasticache", "DescribeServerlessCaches",
    "ServerlessCaches", arn="ARN", name="ServerlessCacheName",
    edges=(groups("SecurityGroupIds[]"), subnets("SubnetIds[]"), key("KmsKeyId")),
)

MEMORYDB_CLUSTER: Final = Resource(
    "AWS::MemoryDB::Cluster", "memorydb", "DescribeClusters", "Clusters", arn="ARN",
    name="Name", edges=(groups("SecurityGroups[].SecurityGroupId"), key("KmsKeyId")),
)

MEMORYDB_SUBNET_GROUP: Final = Resource(
    "AWS::MemoryDB::SubnetGroup", "memorydb", "DescribeSubnetGroups", "SubnetGroups",
    arn="ARN", name="Name", edges=(vpc("VpcId"),),
)

MEMORYDB_ACL: Final = Resource(
    "AWS::MemoryDB::ACL", "memorydb", "DescribeACLs", "ACLs", arn="ARN", name="Name",
)

MEMORYDB_USER: Final = Resource(
    "AWS::MemoryDB::User", "memorydb", "DescribeUsers", "Users", arn="ARN", name="Name",
)

DAX_CLUSTER: Final = Resource(
    "AWS::DAX::Cluster", "dax", "DescribeClusters", "Clusters", arn="ClusterArn",
    name="ClusterName",
    edges=(groups("SecurityGroups[].SecurityGroupIdentifier"), role("IamRoleArn")),
)

REDSHIFT_CLUSTER: Final = Resource(
    "AWS::Redshift::Cluster", "redshift", "DescribeClusters", "Clusters",
    arn="arn:{partition}:redshift:{region}:{account}:cluster:{ClusterIdentifier}",
    name="ClusterIdentifier",
    edges=(groups("VpcSecurityGroups[].VpcSecurityGroupId"), vpc("VpcId"), key("KmsKeyId"),
           role("IamRoles[].IamRoleArn")),
)

REDSHIFT_SUBNET_GROUP: Final = Resource(
    "AWS::Redshift::ClusterSubnetGroup", "redshift", "DescribeClusterSubnetGroups",
    "ClusterSubnetGroups",
    arn="arn:{partition}:redshift:{region}:{account}:subnetgroup:{ClusterSubnetGroupName}",
    name="ClusterSubnetGroupName",
    edges=(vpc("VpcId"), ec2("CONTAINS", "Subnets[].SubnetIdentifier", "subnet", "subnet")),
)

REDSHIFT_PARAMETER_GROUP: Final = Resource(
    "AWS::Redshift::ClusterParameterGroup", "redshift", "DescribeClusterParameterGroups",
    "ParameterGroups",
    arn="arn:{partition}:redshift:{region}:{account}:parametergroup:{ParameterGroupName}",
    name="ParameterGroupName", keep=_own("ParameterGroupName"),
)

REDSHIFT_SNAPSHOT: Final = Resource(
    "AWS::Redshift::ClusterSnapshot", "redshift", "DescribeClusterSnapshots", "Snapshots",
    arn="arn:{partition}:redshift:{region}:{account}:snapshot:{ClusterIdentifier}/"
        "{SnapshotIdentifier}",
    name="SnapshotIdentifier", params={"OwnerAccount": "{account}"},
    edges=(key("KmsKeyId"),),
)

TIMESTREAM_DATABASE: Final = Resource(
    "AWS::Timestream::Database", "timestream-write", "ListDatabases", "Databases", arn="Arn",
    name="DatabaseName", service="timestream", edges=(key("KmsKeyId"),),
    volatile=("TableCount",),
)

TIMESTREAM_TABLE: Final = Resource(
    "AWS::Timestream::Table", "timestream-write", "ListTables", "Tables", arn="Arn",
    name="TableName", service="timestream", parent=TIMESTREAM_DATABASE,
    parent_params={"DatabaseName": "{DatabaseName}"},
)

DB_CLUSTER: Final = Resource(
    "AWS::RDS::DBCluster", "rds", "DescribeDBClusters", "DBClusters", arn="DBClusterArn",
    name="DBClusterIdentifier",
    edges=(groups("VpcSecurityGroups[].VpcSecurityGroupId"), key("KmsKeyId"),
           role("AssociatedRoles[].RoleArn"),
           Edge("CONTAINS", "DBClusterMembers[].DBInstanceIdentifier", "aws:rds:db-instance",
                "arn:{partition}:rds:{region}:{account}:db:{value}")),
    volatile=("LatestRestorableTime", "EarliestRestorableTime", "EarliestBacktrackTime",
              "PercentProgress"),
)

DB_SNAPSHOT: Final = Resource(
    "AWS::RDS::DBSnapshot", "rds", "DescribeDBSnapshots", "DBSnapshots", arn="DBSnapshotArn",
    name="DBSnapshotIdentifier",
    details=(Detail("DBSnapshotAttributes", "DescribeDBSnapshotAttributes",
                    {"DBSnapshotIdentifier": "{DBSnapshotIdentifier}"},
                    key="DBSnapshotAttributesResult.DBSnapshotAttributes",
                    absent=("DBSnapshotNotFound",)),),
    edges=(key("KmsKeyId"),
           Edge("CONTAINS", "DBInstanceIdentifier", "aws:rds:db-instance",
                "arn:{partition}:rds:{region}:{account}:db:{value}", inbound=True)),
    volatile=("PercentProgress",),
)

DB_CLUSTER_SNAPSHOT: Final = Resource(
    "AWS::RDS::DBClusterSnapshot", "rds", "DescribeDBClusterSnapshots", "DBClusterSnapshots",
    arn="DBClusterSnapshotArn", name="DBClusterSnapshotIdentifier",
    details=(Detail("DBClusterSnapshotAttributes", "DescribeDBClusterSnapshotAttributes",
                    {"DBClusterSnapshotIdentifier": "{DBClusterSnapshotIdentifier}"},
                    key="DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes",
                    absent=("DBClusterSnapshotNotFoundFault",)),),
    edges=(key("KmsKeyId"),),
    volatile=("PercentProgress",),
)

DB_PARAMETER_GROUP: Final = Resource(
    "AWS::RDS::DBParameterGroup", "rds", "DescribeDBParameterGroups", "DBParameterGroups",
    arn="DBParameterGroupArn", name="DBParameterGroupName",
    keep=_own("DBParameterGroupName"),
)

DB_CLUSTER_PARAMETER_GROUP: Final = Resource(
    "AWS::RDS::DBClusterParameterGroup", "rds", "DescribeDBClusterParameterGroups",
    "DBClusterParameterGroups", arn="DBClusterParameterGroupArn",
    name="DBClusterParameterGroupName",
    keep=_own("DBClusterParameterGroupName"),
)

OPTION_GROUP: Final = Resource(
    "AWS::RDS::OptionGroup", "rds", "DescribeOptionGroups", "OptionGroupsList",
    arn="OptionGroupArn", name="OptionGroupName",
    keep=_own("OptionGroupName"),
)

EVENT_SUBSCRIPTION: Final = Resource(
    "AWS::RDS::EventSubscription", "rds", "DescribeEventSubscriptions",
    "EventSubscriptionsList", arn="EventSubscriptionArn", name="CustSubscriptionId",
    edges=(arn("ROUTES_TO", "SnsTopicArn", "aws:sns:topic"),),
)

DB_PROXY: Final = Resource(
    "AWS::RDS::DBProxy", "rds", "DescribeDBProxies", "DBProxies", arn="DBProxyArn",
    name="DBProxyName",
    edges=(groups("VpcSecurityGroupIds[]"), subnets("VpcSubnetIds[]"), vpc("VpcId"),
           role("RoleArn")),
)

GLOBAL_CLUSTER: Final = Resource(
    "AWS::RDS::GlobalCluster", "rds", "DescribeGlobalClusters", "GlobalClusters",
    arn="GlobalClusterArn", name="GlobalClusterIdentifier",
    edges=(arn("CONTAINS", "GlobalClusterMembers[].DBClusterArn", "aws:rds:db-cluster"),),
)

RESOURCES: Final = (
    TABLE, BACKUP, GLOBAL_TABLE, CACHE_CLUSTER, REPLICATION_GROUP, CACHE_SUBNET_GROUP,
    CACHE_USER, CACHE_USER_GROUP, CACHE_SNAPSHOT, SERVERLESS_CACHE, MEMORYDB_CLUSTER,
    MEMORYDB_SUBNET_GROUP, MEMORYDB_ACL, MEMORYDB_USER, DAX_CLUSTER, REDSHIFT_CLUSTER,
    REDSHIFT_SUBNET_GROUP, REDSHIFT_PARAMETER_GROUP, REDSHIFT_SNAPSHOT, TIMESTREAM_DATABASE,
    TIMESTREAM_TABLE, DB_CLUSTER, DB_SNAPSHOT, DB_CLUSTER_SNAPSHOT, DB_PARAMETER_GROUP,
    DB_CLUSTER_PARAMETER_GROUP, OPTION_GROUP, EVENT_SUBSCRIPTION, DB_PROXY, GLOBAL_CLUSTER,
)
