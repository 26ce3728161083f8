"""Management and governance: CloudFormation stacks and stack sets, Systems Manager
documents (the account's own), maintenance windows, patch baselines and associations,
Resource Groups, Service Catalog portfolios, AppConfig applications, CloudTrail Lake event
data stores, RAM resource shares (owned by the account), Cloud Map namespaces and services.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Edge, Resource, arn, role

_SSM: Final = "arn:{partition}:ssm:{region}:{account}:"

STACK: Final = Resource(
    "AWS::CloudFormation::Stack", "cloudformation", "DescribeStacks", "Stacks", arn="StackId",
    name="StackName",
    edges=(role("RoleARN"), arn("ROUTES_TO", "NotificationARNs[]", "aws:sns:topic"),
           arn("CONTAINS", "ParentId", "aws:cloudformation:stack", inbound=True)),
    volatile=("DriftInformation",),
)

STACK_SET: Final = Resource(
    "AWS::CloudFormation::StackSet", "cloudformation", "ListStackSets", "Summaries",
    arn="arn:{partition}:cloudformation:{region}:{account}:stackset/{StackSetName}:{StackSetId!b}",
    name="StackSetName", params={"Status": "ACTIVE"},
    volatile=("DriftStatus", "LastDriftCheckTimestamp"),
)

DOCUMENT: Final = Resource(
    "AWS::SSM::Document", "ssm", "ListDocuments", "DocumentIdentifiers",
    arn=_SSM + "document/{Name}", name="Name",
    params={"Filters": [{"Key": "Owner", "Values": ["Self"]}]},
)

MAINTENANCE_WINDOW: Final = Resource(
    "AWS::SSM::MaintenanceWindow", "ssm", "DescribeMaintenanceWindows", "WindowIdentities",
    arn=_SSM + "maintenancewindow/{WindowId}", name="Name",
    volatile=("NextExecutionTime",),
)

PATCH_BASELINE: Final = Resource(
    "AWS::SSM::PatchBaseline", "ssm", "DescribePatchBaselines", "BaselineIdentities",
    arn=_SSM + "patchbaseline/{BaselineId}", name="BaselineName",
    params={"Filters": [{"Key": "OWNER", "Values": ["Self"]}]},
)

ASSOCIATION: Final = Resource(
    "AWS::SSM::Association", "ssm", "ListAssociations", "Associations",
    arn=_SSM + "association/{AssociationId}", name="{AssociationId}",
    edges=(Edge("ATTACHED_TO", "Name", "aws:ssm:document", _SSM + "document/{value}"),),
    volatile=("LastExecutionDate", "Overview"),
)

RESOURCE_GROUP: Final = Resource(
    "AWS::ResourceGroups::Group", "resource-groups", "ListGroups", "GroupIdentifiers",
    arn="GroupArn", name="GroupName",
)

PORTFOLIO: Final = Resource(
    "AWS::ServiceCatalog::Portfolio", "servicecatalog", "ListPortfolios", "PortfolioDetails",
    service="catalog", iam="servicecatalog", arn="ARN", name="DisplayName",
)

APPCONFIG_APPLICATION: Final = Resource(
    "AWS::AppConfig::Application", "appconfig", "ListApplications", "Items",
    arn="arn:{partition}:appconfig:{region}:{account}:application/{Id}", name="Name",
)

EVENT_DATA_STORE: Final = Resource(
    "AWS::CloudTrail::EventDataStore", "cloudtrail", "ListEventDataStores", "EventDataStores",
    arn="EventDataStoreArn", name="Name",
)

RESOURCE_SHARE: Final = Resource(
    "AWS::RAM::ResourceShare", "ram", "GetResourceShares", "resourceShares",
    arn="resourceShareArn", name="name", params={"resourceOwner": "SELF"},
    owner="owningAccountId",
)

NAMESPACE: Final = Resource(
    "AWS::ServiceDiscovery::Namespace", "servicediscovery", "ListNamespaces", "Namespaces",
    arn="Arn", name="Name", volatile=("ServiceCount",),
)

DISCOVERY_SERVICE: Final = Resource(
    "AWS::ServiceDiscovery::Service", "servicediscovery", "ListServices", "Services",
    arn="Arn", name="Name", volatile=("InstanceCount",),
)

RESOURCES: Final = (STACK, STACK_SET, DOCUMENT, MAINTENANCE_WINDOW, PATCH_BASELINE,
                    ASSOCIATION, RESOURCE_GROUP, PORTFOLIO, APPCONFIG_APPLICATION,
                    EVENT_DATA_STORE, RESOURCE_SHARE, NAMESPACE, DISCOVERY_SERVICE)
