"""Two resources of every asset type moto can create, and the ids the collector must give
them: ``seed(session)`` builds them in one region and returns ``{asset_type: [id, id]}``.

``SEEDERS`` lists what is seeded, one builder per asset type; ``NOT_SEEDED`` lists the
catalogue's types moto cannot create or list (each with the reason), which the models
test (``test_catalogue_models.py``) still checks against botocore's definitions. Builders
share a VPC with two subnets, a security group, a role and a key (``Shared``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
from aws_estate import TRUST_LAMBDA, function_zip

ACCOUNT: Final = "123456789012"
POLICY: Final = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "*",
    "Resource": "*"}]})
TWO: Final = ("one", "two")


@dataclass
class Shared:
    """What several builders use, made once: a VPC, two subnets, a group, a role, a key."""

    session: boto3.Session
    region: str
    ids: dict[str, Any] = field(default_factory=dict)

    def client(self, name: str) -> Any:
        return self.session.client(name, region_name=self.region)

    def arn(self, service: str, resource: str, *, region: str | None = None,
            account: str = ACCOUNT) -> str:
        return f"arn:aws:{service}:{self.region if region is None else region}:{account}:{resource}"

    @property
    def vpc(self) -> str:
        if "vpc" not in self.ids:
            ec2 = self.client("ec2")
            vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
            self.ids["vpc"] = vpc
            self.ids["subnets"] = [ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.77.{n}.0/24", AvailabilityZone=f"{self.region}{z}"
            )["Subnet"]["SubnetId"] for n, z in ((1, "a"), (2, "b"))]
            self.ids["group"] = ec2.create_security_group(
                GroupName="seed", Description="seed", VpcId=vpc)["GroupId"]
        return str(self.ids["vpc"])

    @property
    def subnets(self) -> list[str]:
        _ = self.vpc
        return list(self.ids["subnets"])

    @property
    def group(self) -> str:
        _ = self.vpc
        return str(self.ids["group"])

    @property
    def role(self) -> str:
        if "role" not in self.ids:
            self.ids["role"] = self.client("iam").create_role(
                RoleName="seed-role", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA)
            )["Role"]["Arn"]
        return str(self.ids["role"])

    @property
    def function(self) -> str:
        if "function" not in self.ids:
            self.ids["function"] = self.client("lambda").create_function(
                FunctionName="seed-function", Runtime="python3.12", Role=self.role,
                Handler="handler.handler", Code={"ZipFile": function_zip()})["FunctionArn"]
        return str(self.ids["function"])

    @property
    def topic(self) -> str:
        if "topic" not in self.ids:
            self.ids["topic"] = self.client("sns").create_topic(Name="seed-topic")["TopicArn"]
        return str(self.ids["topic"])


Builder = Callable[[Shared], list[str]]
SEEDERS: dict[str, Builder] = {}
"""Asset type -> the builder of its two resources, in the order they are built; the
builders are in ``seed_apps.py``, ``seed_data.py`` and ``seed_infra.py``."""


def seeds(asset_type: str) -> Callable[[Builder], Builder]:
    """Register the builder of ``asset_type``'s two resources."""
    def register(builder: Builder) -> Builder:
        SEEDERS[asset_type] = builder
        return builder
    return register


NOT_SEEDED: dict[str, str] = {
    "aws:ecs:container-instance": "needs a running EC2 instance registered by the ECS agent",
    "aws:eks:addon": "moto does not implement ListAddons",
    "aws:dynamodb:global-table": "moto does not implement ListGlobalTables",
    "aws:elasticache:snapshot": "moto does not create ElastiCache snapshots",
    "aws:elasticache:user-group": "moto does not implement DescribeUserGroups",
    "aws:elasticache:serverless-cache": "moto does not implement DescribeServerlessCaches",
    "aws:memorydb:acl": "moto does not implement DescribeACLs",
    "aws:memorydb:user": "moto does not create MemoryDB users",
    "aws:redshift:cluster-snapshot": "moto's snapshots need a cluster in available state",
    "aws:rds:db-cluster-snapshot": "covered by db-snapshot; moto's cluster snapshots are slow",
    "aws:rds:db-cluster-parameter-group": "covered by db-parameter-group",
    "aws:rds:db-proxy": "moto does not create DB proxies",
    "aws:rds:global-cluster": "moto does not create global clusters",
    "aws:cloudwatch:metric-stream": "moto does not implement ListMetricStreams",
    "aws:xray:sampling-rule": "moto does not implement GetSamplingRules",
    "aws:route53resolver:resolver-query-logging-config": "moto does not create them",
    "aws:cloudfront:cache-policy": "moto does not implement ListCachePolicies",
    "aws:cloudfront:response-headers-policy": "moto does not implement "
                                              "ListResponseHeadersPolicies",
    "aws:cloudfront:function": "moto does not create CloudFront functions",
    "aws:cloudfront:key-group": "moto does not create key groups",
    "aws:apigateway:domain-name": "moto needs a certificate it issued",
    "aws:apigateway:vpc-link": "moto does not create VPC links",
    "aws:apigateway:client-certificate": "moto does not implement GetClientCertificates",
    "aws:fsx:backup": "moto does not create FSx backups",
    "aws:kinesisanalytics:application": "moto does not create Flink applications",
    "aws:config:conformance-pack": "moto does not implement DescribeConformancePacks",
    "aws:shield:protection": "needs a Shield Advanced subscription",
    "aws:codecommit:repository": "moto does not implement ListRepositories",
    "aws:codebuild:report-group": "moto does not implement ListReportGroups",
    "aws:codeartifact:domain": "moto does not implement ListDomains",
    "aws:codeartifact:repository": "moto does not implement ListRepositories",
    "aws:batch:job-queue": "moto's queues need a VALID compute environment",
    "aws:sagemaker:endpoint": "moto's endpoints need a running model",
    "aws:ec2:vpc-endpoint-service": "moto's services need a network load balancer",
    "aws:ec2:carrier-gateway": "needs a Wavelength zone",
    "aws:network-firewall:firewall-policy": "moto does not implement ListFirewallPolicies",
    "aws:network-firewall:rule-group": "moto does not implement ListRuleGroups",
    "aws:cloudformation:stack-set": "moto's stack sets need a template bucket",
    "aws:ssm:association": "moto does not implement ListAssociations",
    "aws:appconfig:application": "moto does not implement ListApplications",
    "aws:cloudtrail:event-data-store": "moto does not implement ListEventDataStores",
    "aws:workspaces:workspace": "moto's workspaces need a registered directory",
    "aws:datasync:task": "moto's tasks need two locations",
    "aws:dms:replication-task": "needs two endpoints and an instance",
    "aws:cloudwatch:composite-alarm": "moto does not implement PutCompositeAlarm",
    "aws:xray:group": "moto does not implement CreateGroup",
    "aws:cloudfront:cloud-front-origin-access-identity": "moto fails to create them",
    "aws:athena:work-group": "moto's server does not route Athena",
    "aws:athena:data-catalog": "moto's server does not route Athena",
    "aws:access-analyzer:analyzer": "moto does not implement CreateAnalyzer",
    "aws:ec2:placement-group": "moto does not implement DescribePlacementGroups",
    "aws:timestream:database": "endpoint discovery sends botocore past moto to AWS",
    "aws:timestream:table": "endpoint discovery sends botocore past moto to AWS",
    "aws:elasticmapreduce:security-configuration": "moto does not implement "
                                                   "ListSecurityConfigurations",
    "aws:rds:option-group": "moto does not implement DescribeOptionGroups",
    "aws:apigateway:authorizer": "moto's authorizers need a Cognito or Lambda provider",
    "aws:config:configuration-recorder": "one per region and account",
    "aws:securityhub:hub": "one per account and region",
    "aws:autoscaling:scaling-policy": "needs a group (seeded) and a policy of each kind",
    "aws:autoscaling:scheduled-action": "needs a group (seeded) and a schedule",
    "aws:servicediscovery:service": "needs a namespace's operation to finish",
}
"""Types of the catalogue moto cannot create, list, or that need more than two calls of
setup, with why. The models test still checks each against botocore."""

MOTO_CANNOT_LIST: Final = frozenset({
    "access-analyzer/analyzer", "apigateway/client-certificate", "apigateway/v2-authorizer",
    "appconfig/application", "athena/data-catalog", "athena/work-group",
    "cloudfront/cache-policy", "cloudfront/cloud-front-origin-access-identity",
    "cloudfront/response-headers-policy", "cloudtrail/event-data-store",
    "cloudwatch/metric-stream", "codeartifact/domain", "codeartifact/repository",
    "codebuild/report-group", "codecommit/repository", "config/conformance-pack",
    "dynamodb/global-table", "ec2/placement-group", "eks/addon",
    "elasticache/serverless-cache", "elasticache/user-group",
    "elasticmapreduce/security-configuration", "memorydb/acl",
    "network-firewall/firewall-policy", "network-firewall/rule-group", "rds/option-group",
    "ssm/association", "timestream/database", "timestream/table", "xray/group",
    "xray/sampling-rule",
})
"""The scope services (units) whose listing moto 5.2's server does not answer (not
implemented, not routed, or Timestream's endpoint discovery leading past moto): their
scopes fail against moto, and only theirs."""


def not_seeded(asset_type: str) -> Callable[[Builder], Builder]:
    """A builder kept for when moto implements the listing: moto cannot list these yet."""
    def keep(builder: Builder) -> Builder:
        return builder
    return keep


def seed(session: boto3.Session, region: str = "us-east-1",
         only: set[str] | None = None) -> dict[str, list[str]]:
    """Build two of every seeded type (or of ``only``); the expected ids by asset type."""
    shared = Shared(session, region)
    return {asset_type: builder(shared) for asset_type, builder in SEEDERS.items()
            if only is None or asset_type in only}


# The builders register themselves in SEEDERS when imported (after the names above exist).
import seed_apps  # noqa: E402, F401
import seed_data  # noqa: E402, F401
import seed_infra  # noqa: E402, F401
