"""Analytics: Glue databases, tables, crawlers, jobs, connections, triggers and schema
registries; Athena workgroups and data catalogs; EMR clusters (the active ones) and
security configurations; OpenSearch Service domains.

Glue connections are listed without passwords (``HidePassword``). A domain's access
policy is ``Policy``, decoded: it decides who may reach the domain's endpoint.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Describe, Detail, Edge, Resource, groups, key, role, subnets

_GLUE: Final = "arn:{partition}:glue:{region}:{account}:"


def _glue_tags(template: str) -> Detail:
    return Detail("Tags", "GetTags", {"ResourceArn": template}, key="Tags",
                  absent=("EntityNotFoundException",))


DATABASE: Final = Resource(
    "AWS::Glue::Database", "glue", "GetDatabases", "DatabaseList",
    arn=_GLUE + "database/{Name}", name="Name",
)

TABLE: Final = Resource(
    "AWS::Glue::Table", "glue", "GetTables", "TableList",
    arn=_GLUE + "table/{DatabaseName}/{Name}", name="Name", parent=DATABASE,
    parent_params={"DatabaseName": "{Name}"}, absent=("EntityNotFoundException",),
    volatile=("LastAccessTime", "LastAnalyzedTime", "UpdateTime", "VersionId"),
)

CRAWLER: Final = Resource(
    "AWS::Glue::Crawler", "glue", "GetCrawlers", "Crawlers", arn=_GLUE + "crawler/{Name}",
    name="Name", tags=_glue_tags("{arn}"),
    edges=(role("Role"),
           Edge("CONTAINS", "DatabaseName", "aws:glue:database", _GLUE + "database/{value}",
                inbound=True)),
    volatile=("State", "LastCrawl", "CrawlElapsedTime", "LastUpdated"),
)

JOB: Final = Resource(
    "AWS::Glue::Job", "glue", "GetJobs", "Jobs", arn=_GLUE + "job/{Name}", name="Name",
    tags=_glue_tags("{arn}"), edges=(role("Role"),),
)

CONNECTION: Final = Resource(
    "AWS::Glue::Connection", "glue", "GetConnections", "ConnectionList",
    arn=_GLUE + "connection/{Name}", name="Name", params={"HidePassword": True},
    edges=(subnets("PhysicalConnectionRequirements.SubnetId"),
           groups("PhysicalConnectionRequirements.SecurityGroupIdList[]")),
)

TRIGGER: Final = Resource(
    "AWS::Glue::Trigger", "glue", "GetTriggers", "Triggers", arn=_GLUE + "trigger/{Name}",
    name="Name",
    edges=(Edge("ROUTES_TO", "Actions[].JobName", "aws:glue:job", _GLUE + "job/{value}"),),
)

REGISTRY: Final = Resource(
    "AWS::Glue::Registry", "glue", "ListRegistries", "Registries", arn="RegistryArn",
    name="RegistryName",
)

WORK_GROUP: Final = Resource(
    "AWS::Athena::WorkGroup", "athena", "ListWorkGroups", "WorkGroups",
    arn="arn:{partition}:athena:{region}:{account}:workgroup/{Name}", name="Name",
    describe=Describe("GetWorkGroup", {"WorkGroup": "{Name}"}, key="WorkGroup",
                      absent=("InvalidRequestException",)),
    tags=Detail("Tags", "ListTagsForResource", {"ResourceARN": "{arn}"}, key="Tags",
                paginate=True),
    edges=(key("Configuration.ResultConfiguration.EncryptionConfiguration.KmsKey"),),
)

DATA_CATALOG: Final = Resource(
    "AWS::Athena::DataCatalog", "athena", "ListDataCatalogs", "DataCatalogsSummary",
    arn="arn:{partition}:athena:{region}:{account}:datacatalog/{CatalogName}",
    name="CatalogName",
)

EMR_CLUSTER: Final = Resource(
    "AWS::EMR::Cluster", "emr", "ListClusters", "Clusters", service="elasticmapreduce",
    arn="ClusterArn", name="Name",
    # Terminated clusters stay listed for two months: only the live ones are inventory.
    params={"ClusterStates": ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING",
                              "TERMINATING"]},
    describe=Describe("DescribeCluster", {"ClusterId": "{Id}"}, key="Cluster",
                      absent=("InvalidRequestException",)),
    edges=(role("ServiceRole"), key("LogEncryptionKmsKeyId"),
           subnets("Ec2InstanceAttributes.Ec2SubnetId"),
           groups("Ec2InstanceAttributes.EmrManagedMasterSecurityGroup"),
           groups("Ec2InstanceAttributes.EmrManagedSlaveSecurityGroup")),
    volatile=("Status", "NormalizedInstanceHours"),
)

SECURITY_CONFIGURATION: Final = Resource(
    "AWS::EMR::SecurityConfiguration", "emr", "ListSecurityConfigurations",
    "SecurityConfigurations", service="elasticmapreduce",
    arn="arn:{partition}:elasticmapreduce:{region}:{account}:security-configuration/{Name}",
    name="Name",
)

DOMAIN: Final = Resource(
    "AWS::OpenSearchService::Domain", "opensearch", "ListDomainNames", "DomainNames",
    service="es", arn="arn:{partition}:es:{region}:{account}:domain/{DomainName}",
    name="DomainName",
    describe=Describe("DescribeDomain", {"DomainName": "{DomainName}"}, key="DomainStatus",
                      absent=("ResourceNotFoundException",)),
    tags=Detail("Tags", "ListTags", {"ARN": "{arn}"}, key="TagList",
                absent=("ResourceNotFoundException",)),
    policy="AccessPolicies",
    edges=(subnets("VPCOptions.SubnetIds[]"), groups("VPCOptions.SecurityGroupIds[]"),
           key("EncryptionAtRestOptions.KmsKeyId")),
    volatile=("Processing", "UpgradeProcessing", "ServiceSoftwareOptions", "DomainProcessingStatus",
              "ModifyingProperties"),
)

RESOURCES: Final = (DATABASE, TABLE, CRAWLER, JOB, CONNECTION, TRIGGER, REGISTRY, WORK_GROUP,
                    DATA_CATALOG, EMR_CLUSTER, SECURITY_CONFIGURATION, DOMAIN)
