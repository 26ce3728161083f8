"""Compute beyond instances: Auto Scaling groups, launch configurations, scaling policies and
scheduled actions; EC2 launch templates, the account's own EBS snapshots and AMIs, key
pairs and placement groups; Lambda layers and event source mappings; Batch, Elastic
Beanstalk, Step Functions and SageMaker (notebook instances, endpoints and their
configurations, models).

A snapshot's ``CreateVolumePermissions`` (``DescribeSnapshotAttribute``) and an image's
``Public`` flag say who may use them: the group ``all`` means anyone.
"""

from __future__ import annotations

from typing import Final

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
)

_EC2: Final = "arn:{partition}:ec2:{region}:{account}:"
_SELF: Final = {"OwnerIds": ["self"]}

AUTO_SCALING_GROUP: Final = Resource(
    "AWS::AutoScaling::AutoScalingGroup", "autoscaling", "DescribeAutoScalingGroups",
    "AutoScalingGroups", arn="AutoScalingGroupARN", name="AutoScalingGroupName",
    edges=(Edge("IN_SUBNET", "VPCZoneIdentifier", "aws:ec2:subnet",
                _EC2 + "subnet/{value}", split=","),
           ec2("CONTAINS", "Instances[].InstanceId", "instance", "instance"),
           arn("ROUTES_TO", "TargetGroupARNs[]", "aws:elasticloadbalancing:target-group",
               inbound=True),
           role("ServiceLinkedRoleARN")),
    volatile=("Instances", "DesiredCapacity", "Status"),
)

LAUNCH_CONFIGURATION: Final = Resource(
    "AWS::AutoScaling::LaunchConfiguration", "autoscaling", "DescribeLaunchConfigurations",
    "LaunchConfigurations", arn="LaunchConfigurationARN", name="LaunchConfigurationName",
    omit=("UserData",),
    edges=(groups("SecurityGroups[]"),),
)

SCALING_POLICY: Final = Resource(
    "AWS::AutoScaling::ScalingPolicy", "autoscaling", "DescribePolicies", "ScalingPolicies",
    arn="PolicyARN", name="PolicyName",
)

SCHEDULED_ACTION: Final = Resource(
    "AWS::AutoScaling::ScheduledAction", "autoscaling", "DescribeScheduledActions",
    "ScheduledUpdateGroupActions", arn="ScheduledActionARN", name="ScheduledActionName",
)

LAUNCH_TEMPLATE: Final = Resource(
    "AWS::EC2::LaunchTemplate", "ec2", "DescribeLaunchTemplates", "LaunchTemplates",
    arn=_EC2 + "launch-template/{LaunchTemplateId}", name="LaunchTemplateName",
)

SNAPSHOT: Final = Resource(
    "AWS::EC2::Snapshot", "ec2", "DescribeSnapshots", "Snapshots", params=_SELF, owner="OwnerId",
    arn="arn:{partition}:ec2:{region}::snapshot/{SnapshotId}", name="SnapshotId",
    details=(Detail("CreateVolumePermissions", "DescribeSnapshotAttribute",
                    {"SnapshotId": "{SnapshotId}", "Attribute": "createVolumePermission"},
                    key="CreateVolumePermissions", absent=("InvalidSnapshot.NotFound",)),),
    edges=(key("KmsKeyId"),
           ec2("ATTACHED_TO", "VolumeId", "volume", "volume")),
    note="EBS snapshots have no CloudFormation type; the native type follows the same form",
)

IMAGE: Final = Resource(
    "AWS::EC2::Image", "ec2", "DescribeImages", "Images", params={"Owners": ["self"]},
    owner="OwnerId",
    arn="arn:{partition}:ec2:{region}::image/{ImageId}", name="Name",
    edges=(Edge("CONTAINS", "BlockDeviceMappings[].Ebs.SnapshotId", "aws:ec2:snapshot",
                "arn:{partition}:ec2:{region}::snapshot/{value}"),),
    note="AMIs have no CloudFormation type; the native type follows the same form",
)

KEY_PAIR: Final = Resource(
    "AWS::EC2::KeyPair", "ec2", "DescribeKeyPairs", "KeyPairs",
    arn=_EC2 + "key-pair/{KeyName}", name="KeyName",
)

PLACEMENT_GROUP: Final = Resource(
    "AWS::EC2::PlacementGroup", "ec2", "DescribePlacementGroups", "PlacementGroups",
    arn=("GroupArn", _EC2 + "placement-group/{GroupName}"), name="GroupName",
)

LAYER_VERSION: Final = Resource(
    "AWS::Lambda::LayerVersion", "lambda", "ListLayers", "Layers",
    arn="{LatestMatchingVersion[LayerVersionArn]}", name="LayerName",
    policy=Detail("Policy", "GetLayerVersionPolicy",
                  {"LayerName": "{LayerName}",
                   "VersionNumber": "{LatestMatchingVersion[Version]}"},
                  key="Policy", absent=("ResourceNotFoundException",)),
    note="the latest version of each layer",
)

EVENT_SOURCE_MAPPING: Final = Resource(
    "AWS::Lambda::EventSourceMapping", "lambda", "ListEventSourceMappings",
    "EventSourceMappings",
    arn=("EventSourceMappingArn",
         "arn:{partition}:lambda:{region}:{account}:event-source-mapping:{UUID}"),
    name="UUID",
    edges=(arn("ROUTES_TO", "FunctionArn", "aws:lambda:function"),
           arn("ROUTES_TO", "EventSourceArn", "(a queue, stream or table)", inbound=True),
           key("KMSKeyArn")),
    volatile=("LastModified", "LastProcessingResult", "State", "StateTransitionReason"),
)

COMPUTE_ENVIRONMENT: Final = Resource(
    "AWS::Batch::ComputeEnvironment", "batch", "DescribeComputeEnvironments",
    "computeEnvironments", arn="computeEnvironmentArn", name="computeEnvironmentName",
    edges=(role("serviceRole"), subnets("computeResources.subnets[]"),
           groups("computeResources.securityGroupIds[]")),
)

JOB_QUEUE: Final = Resource(
    "AWS::Batch::JobQueue", "batch", "DescribeJobQueues", "jobQueues", arn="jobQueueArn",
    name="jobQueueName",
    edges=(arn("ROUTES_TO", "computeEnvironmentOrder[].computeEnvironment",
               "aws:batch:compute-environment"),),
)

JOB_DEFINITION: Final = Resource(
    "AWS::Batch::JobDefinition", "batch", "DescribeJobDefinitions", "jobDefinitions",
    arn="jobDefinitionArn", name="jobDefinitionName", params={"status": "ACTIVE"},
    edges=(role("containerProperties.jobRoleArn"), role("containerProperties.executionRoleArn")),
)

BEANSTALK_APPLICATION: Final = Resource(
    "AWS::ElasticBeanstalk::Application", "elasticbeanstalk", "DescribeApplications",
    "Applications", arn="ApplicationArn", name="ApplicationName",
)

BEANSTALK_ENVIRONMENT: Final = Resource(
    "AWS::ElasticBeanstalk::Environment", "elasticbeanstalk", "DescribeEnvironments",
    "Environments", arn="EnvironmentArn", name="EnvironmentName",
    edges=(Edge("CONTAINS", "ApplicationName", "aws:elasticbeanstalk:application",
                "arn:{partition}:elasticbeanstalk:{region}:{account}:application/{value}",
                inbound=True),),
    volatile=("Health", "HealthStatus", "Status", "AbortableOperationInProgress"),
)

STATE_MACHINE: Final = Resource(
    "AWS::StepFunctions::StateMachine", "stepfunctions", "ListStateMachines", "stateMachines",
    service="states", arn="stateMachineArn", name="name",
    describe=Describe("DescribeStateMachine", {"stateMachineArn": "{stateMachineArn}"}, key="",
                      absent=("StateMachineDoesNotExist",)),
    edges=(role("roleArn"), key("encryptionConfiguration.kmsKeyId")),
)

ACTIVITY: Final = Resource(
    "AWS::StepFunctions::Activity", "stepfunctions", "ListActivities", "activities",
    service="states", arn="activityArn", name="name",
)

NOTEBOOK_INSTANCE: Final = Resource(
    "AWS::SageMaker::NotebookInstance", "sagemaker", "ListNotebookInstances",
    "NotebookInstances", arn="NotebookInstanceArn", name="NotebookInstanceName",
    describe=Describe("DescribeNotebookInstance",
                      {"NotebookInstanceName": "{NotebookInstanceName}"}, key="",
                      absent=("ValidationException",)),
    edges=(role("RoleArn"), subnets("SubnetId"), groups("SecurityGroups[]"), key("KmsKeyId")),
)

ENDPOINT: Final = Resource(
    "AWS::SageMaker::Endpoint", "sagemaker", "ListEndpoints", "Endpoints", arn="EndpointArn",
    name="EndpointName",
)

ENDPOINT_CONFIG: Final = Resource(
    "AWS::SageMaker::EndpointConfig", "sagemaker", "ListEndpointConfigs", "EndpointConfigs",
    arn="EndpointConfigArn", name="EndpointConfigName",
)

MODEL: Final = Resource(
    "AWS::SageMaker::Model", "sagemaker", "ListModels", "Models", arn="ModelArn",
    name="ModelName",
)

RESOURCES: Final = (
    AUTO_SCALING_GROUP, LAUNCH_CONFIGURATION, SCALING_POLICY, SCHEDULED_ACTION,
    LAUNCH_TEMPLATE, SNAPSHOT, IMAGE, KEY_PAIR, PLACEMENT_GROUP, LAYER_VERSION,
    EVENT_SOURCE_MAPPING, COMPUTE_ENVIRONMENT, JOB_QUEUE, JOB_DEFINITION,
    BEANSTALK_APPLICATION, BEANSTALK_ENVIRONMENT, STATE_MACHINE, ACTIVITY, NOTEBOOK_INSTANCE,
    ENDPOINT, ENDPOINT_CONFIG, MODEL,
)
