"""Developer tools: CodeCommit repositories, CodeBuild projects and report groups,
CodePipeline pipelines, CodeDeploy applications, CodeArtifact domains and repositories,
SES identities, configuration sets, receipt rule sets and templates."""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import BATCH, Describe, Edge, Resource, groups, key, role, subnets

REPOSITORY: Final = Resource(
    "AWS::CodeCommit::Repository", "codecommit", "ListRepositories", "repositories",
    arn="arn:{partition}:codecommit:{region}:{account}:{repositoryName}", name="repositoryName",
    describe=Describe("GetRepository", {"repositoryName": "{repositoryName}"},
                      key="repositoryMetadata", absent=("RepositoryDoesNotExistException",)),
    edges=(key("kmsKeyId"),),
)

PROJECT: Final = Resource(
    "AWS::CodeBuild::Project", "codebuild", "ListProjects", "projects", element="name",
    arn="arn:{partition}:codebuild:{region}:{account}:project/{name}", name="name",
    describe=Describe("BatchGetProjects", {"names": BATCH}, key="projects", batch=100,
                      id="{name}"),
    edges=(role("serviceRole"), key("encryptionKey"),
           subnets("vpcConfig.subnets[]"), groups("vpcConfig.securityGroupIds[]")),
)

REPORT_GROUP: Final = Resource(
    "AWS::CodeBuild::ReportGroup", "codebuild", "ListReportGroups", "reportGroups",
    element="arn", arn="arn", name="{arn!b}",
    describe=Describe("BatchGetReportGroups", {"reportGroupArns": BATCH}, key="reportGroups",
                      batch=100, id="{arn}"),
)

PIPELINE: Final = Resource(
    "AWS::CodePipeline::Pipeline", "codepipeline", "ListPipelines", "pipelines",
    arn="arn:{partition}:codepipeline:{region}:{account}:{name}", name="name",
    describe=Describe("GetPipeline", {"name": "{name}"}, key="pipeline", keep=("metadata",),
                      absent=("PipelineNotFoundException",)),
    edges=(role("roleArn"), role("stages[].actions[].roleArn")),
)

DEPLOY_APPLICATION: Final = Resource(
    "AWS::CodeDeploy::Application", "codedeploy", "ListApplications", "applications",
    element="applicationName",
    arn="arn:{partition}:codedeploy:{region}:{account}:application:{applicationName}",
    name="applicationName",
    describe=Describe("BatchGetApplications", {"applicationNames": BATCH},
                      key="applicationsInfo", batch=100, id="{applicationName}"),
)

ARTIFACT_DOMAIN: Final = Resource(
    "AWS::CodeArtifact::Domain", "codeartifact", "ListDomains", "domains", arn="arn",
    name="name", edges=(key("encryptionKey"),),
)

ARTIFACT_REPOSITORY: Final = Resource(
    "AWS::CodeArtifact::Repository", "codeartifact", "ListRepositories", "repositories",
    arn="arn", name="name",
    edges=(Edge("CONTAINS", "domainName", "aws:codeartifact:domain",
                "arn:{partition}:codeartifact:{region}:{domainOwner}:domain/{value}",
                inbound=True),),
)

_SES: Final = "arn:{partition}:ses:{region}:{account}:"

EMAIL_IDENTITY: Final = Resource(
    "AWS::SES::EmailIdentity", "ses", "ListIdentities", "Identities", element="Identity",
    arn=_SES + "identity/{Identity}", name="Identity",
)

CONFIGURATION_SET: Final = Resource(
    "AWS::SES::ConfigurationSet", "ses", "ListConfigurationSets", "ConfigurationSets",
    arn=_SES + "configuration-set/{Name}", name="Name",
)

RECEIPT_RULE_SET: Final = Resource(
    "AWS::SES::ReceiptRuleSet", "ses", "ListReceiptRuleSets", "RuleSets",
    arn=_SES + "receipt-rule-set/{Name}", name="Name",
)

TEMPLATE: Final = Resource(
    "AWS::SES::Template", "ses", "ListTemplates", "TemplatesMetadata",
    arn=_SES + "template/{Name}", name="Name",
)

RESOURCES: Final = (REPOSITORY, PROJECT, REPORT_GROUP, PIPELINE, DEPLOY_APPLICATION,
                    ARTIFACT_DOMAIN, ARTIFACT_REPOSITORY, EMAIL_IDENTITY, CONFIGURATION_SET,
                    RECEIPT_RULE_SET, TEMPLATE)

