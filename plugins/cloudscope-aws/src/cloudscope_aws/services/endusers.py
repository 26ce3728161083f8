"""End-user, transfer and migration services: Directory Service directories, WorkSpaces,
Transfer Family servers, DataSync tasks, DMS replication instances, endpoints and tasks.

A DMS replication instance with ``PubliclyAccessible`` and a Transfer Family server whose
``EndpointType`` is ``PUBLIC`` face the internet.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Describe, Edge, Resource, arn, groups, key, role, subnets, vpc

DIRECTORY: Final = Resource(
    "AWS::DirectoryService::MicrosoftAD", "ds", "DescribeDirectories", "DirectoryDescriptions",
    arn="arn:{partition}:ds:{region}:{account}:directory/{DirectoryId}", name="Name",
    edges=(vpc("VpcSettings.VpcId"), subnets("VpcSettings.SubnetIds[]"),
           groups("VpcSettings.SecurityGroupId")),
    note="every directory type (Microsoft AD, Simple AD, AD Connector)",
)

WORKSPACE: Final = Resource(
    "AWS::WorkSpaces::Workspace", "workspaces", "DescribeWorkspaces", "Workspaces",
    arn="arn:{partition}:workspaces:{region}:{account}:workspace/{WorkspaceId}",
    name="{UserName}",
    edges=(subnets("SubnetId"), key("VolumeEncryptionKey"),
           Edge("CONTAINS", "DirectoryId", "aws:ds:microsoft-ad",
                "arn:{partition}:ds:{region}:{account}:directory/{value}", inbound=True)),
    volatile=("State", "ModificationStates"),
)

TRANSFER_SERVER: Final = Resource(
    "AWS::Transfer::Server", "transfer", "ListServers", "Servers", arn="Arn", name="ServerId",
    describe=Describe("DescribeServer", {"ServerId": "{ServerId}"}, key="Server",
                      absent=("ResourceNotFoundException",)),
    edges=(role("LoggingRole"), subnets("EndpointDetails.SubnetIds[]"),
           groups("EndpointDetails.SecurityGroupIds[]"), vpc("EndpointDetails.VpcId"),
           arn("ATTACHED_TO", "Certificate", "aws:acm:certificate", inbound=True)),
    volatile=("State", "UserCount"),
)

DATASYNC_TASK: Final = Resource(
    "AWS::DataSync::Task", "datasync", "ListTasks", "Tasks", arn="TaskArn", name="Name",
    volatile=("Status",),
)

REPLICATION_INSTANCE: Final = Resource(
    "AWS::DMS::ReplicationInstance", "dms", "DescribeReplicationInstances",
    "ReplicationInstances", arn="ReplicationInstanceArn", name="ReplicationInstanceIdentifier",
    edges=(groups("VpcSecurityGroups[].VpcSecurityGroupId"), key("KmsKeyId"),
           vpc("ReplicationSubnetGroup.VpcId"),
           subnets("ReplicationSubnetGroup.Subnets[].SubnetIdentifier")),
)

DMS_ENDPOINT: Final = Resource(
    "AWS::DMS::Endpoint", "dms", "DescribeEndpoints", "Endpoints", arn="EndpointArn",
    name="EndpointIdentifier", edges=(key("KmsKeyId"),),
)

REPLICATION_TASK: Final = Resource(
    "AWS::DMS::ReplicationTask", "dms", "DescribeReplicationTasks", "ReplicationTasks",
    arn="ReplicationTaskArn", name="ReplicationTaskIdentifier",
    edges=(arn("ROUTES_TO", "TargetEndpointArn", "aws:dms:endpoint"),
           arn("ROUTES_TO", "SourceEndpointArn", "aws:dms:endpoint", inbound=True),
           arn("ATTACHED_TO", "ReplicationInstanceArn", "aws:dms:replication-instance")),
    volatile=("Status", "ReplicationTaskStats", "ReplicationTaskStartDate", "StopReason",
              "LastFailureMessage"),
)

RESOURCES: Final = (DIRECTORY, WORKSPACE, TRANSFER_SERVER, DATASYNC_TASK,
                    REPLICATION_INSTANCE, DMS_ENDPOINT, REPLICATION_TASK)
