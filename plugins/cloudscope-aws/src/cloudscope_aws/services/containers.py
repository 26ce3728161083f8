"""Containers: ECR repositories, ECS clusters, services, task definitions and container
instances, EKS Fargate profiles and add-ons (the clusters and node groups are ``eks.py``'s).

ECS describes in batches (100 clusters, 10 services, 100 container instances a call) with
their tags; task definitions are the ``ACTIVE`` revisions. A repository's policy (who may
pull or push) is ``Policy``, decoded.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import (
    BATCH,
    Describe,
    Detail,
    Edge,
    Resource,
    groups,
    key,
    role,
    subnets,
)

REPOSITORY: Final = Resource(
    "AWS::ECR::Repository", "ecr", "DescribeRepositories", "repositories", arn="repositoryArn",
    name="repositoryName",
    tags=Detail("Tags", "ListTagsForResource", {"resourceArn": "{repositoryArn}"}, key="tags"),
    policy=Detail("Policy", "GetRepositoryPolicy", {"repositoryName": "{repositoryName}"},
                  key="policyText", absent=("RepositoryPolicyNotFoundException",)),
    details=(Detail("LifecyclePolicy", "GetLifecyclePolicy",
                    {"repositoryName": "{repositoryName}"}, key="lifecyclePolicyText",
                    absent=("LifecyclePolicyNotFoundException",)),),
    edges=(key("encryptionConfiguration.kmsKey"),),
)

CLUSTER: Final = Resource(
    "AWS::ECS::Cluster", "ecs", "ListClusters", "clusterArns", element="clusterArn",
    arn="clusterArn", name="{clusterArn!b}",
    describe=Describe("DescribeClusters", {"clusters": BATCH,
                                           "include": ["TAGS", "SETTINGS", "CONFIGURATIONS"]},
                      key="clusters", batch=100, id="{clusterArn}"),
    volatile=("registeredContainerInstancesCount", "runningTasksCount", "pendingTasksCount",
              "activeServicesCount", "statistics"),
)

SERVICE: Final = Resource(
    "AWS::ECS::Service", "ecs", "ListServices", "serviceArns", element="serviceArn",
    arn="serviceArn", name="{serviceArn!b}", parent=CLUSTER,
    parent_params={"cluster": "{clusterArn}"},
    describe=Describe("DescribeServices", {"cluster": "{parent[clusterArn]}",
                                           "services": BATCH, "include": ["TAGS"]},
                      key="services", batch=10, id="{serviceArn}"),
    edges=(role("roleArn"),
           subnets("networkConfiguration.awsvpcConfiguration.subnets[]"),
           groups("networkConfiguration.awsvpcConfiguration.securityGroups[]"),
           Edge("ROUTES_TO", "loadBalancers[].targetGroupArn",
                "aws:elasticloadbalancing:target-group", inbound=True)),
    volatile=("runningCount", "pendingCount", "deployments", "events", "taskSets"),
)

TASK_DEFINITION: Final = Resource(
    "AWS::ECS::TaskDefinition", "ecs", "ListTaskDefinitions", "taskDefinitionArns",
    element="taskDefinitionArn", arn="taskDefinitionArn", name="{taskDefinitionArn!b}",
    describe=Describe("DescribeTaskDefinition", {"taskDefinition": "{taskDefinitionArn}",
                                                 "include": ["TAGS"]},
                      key="taskDefinition", keep=("tags",),
                      absent=("ClientException",)),
    edges=(role("taskRoleArn"), role("executionRoleArn")),
)

CONTAINER_INSTANCE: Final = Resource(
    "AWS::ECS::ContainerInstance", "ecs", "ListContainerInstances", "containerInstanceArns",
    element="containerInstanceArn", arn="containerInstanceArn",
    name="{containerInstanceArn!b}", parent=CLUSTER, parent_params={"cluster": "{clusterArn}"},
    describe=Describe("DescribeContainerInstances",
                      {"cluster": "{parent[clusterArn]}", "containerInstances": BATCH,
                       "include": ["TAGS"]},
                      key="containerInstances", batch=100, id="{containerInstanceArn}"),
    edges=(Edge("ATTACHED_TO", "ec2InstanceId", "aws:ec2:instance",
                "arn:{partition}:ec2:{region}:{account}:instance/{value}"),),
    volatile=("remainingResources", "runningTasksCount", "pendingTasksCount",
              "agentConnected", "versionInfo"),
)

EKS_CLUSTER: Final = Resource(
    "AWS::EKS::Cluster", "eks", "ListClusters", "clusters", element="name",
    arn="arn:{partition}:eks:{region}:{account}:cluster/{name}", name="name",
)
"""The listing of EKS clusters, as the parent of their profiles and add-ons (the clusters
themselves are collected by ``eks.py``)."""

FARGATE_PROFILE: Final = Resource(
    "AWS::EKS::FargateProfile", "eks", "ListFargateProfiles", "fargateProfileNames",
    element="fargateProfileName",
    arn="fargateProfileArn", name="fargateProfileName", parent=EKS_CLUSTER,
    parent_params={"clusterName": "{name}"},
    describe=Describe("DescribeFargateProfile", {"clusterName": "{parent[name]}",
                                                 "fargateProfileName": "{fargateProfileName}"},
                      key="fargateProfile", absent=("ResourceNotFoundException",)),
    edges=(role("podExecutionRoleArn"), subnets("subnets[]")),
)

ADDON: Final = Resource(
    "AWS::EKS::Addon", "eks", "ListAddons", "addons", element="addonName",
    arn="addonArn", name="addonName", parent=EKS_CLUSTER, parent_params={"clusterName": "{name}"},
    describe=Describe("DescribeAddon", {"clusterName": "{parent[name]}",
                                        "addonName": "{addonName}"},
                      key="addon", absent=("ResourceNotFoundException",)),
    edges=(role("serviceAccountRoleArn"),),
    volatile=("health",),
)

RESOURCES: Final = (REPOSITORY, CLUSTER, SERVICE, TASK_DEFINITION, CONTAINER_INSTANCE,
                    FARGATE_PROFILE, ADDON)
