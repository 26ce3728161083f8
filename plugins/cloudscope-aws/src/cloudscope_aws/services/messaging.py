"""Messaging and events: SQS, SNS, EventBridge (rules, buses, archives, connections, API
destinations), EventBridge Scheduler and Pipes, Amazon MQ.

Queue and topic attributes nest under ``Attributes`` (``GetQueueAttributes``,
``GetTopicAttributes``); their access policy moves to ``Policy``, decoded, as does an
event bus's. The counters SQS and SNS keep in the attributes change on every read.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import (
    Describe,
    Detail,
    Edge,
    Resource,
    arn,
    groups,
    key,
    role,
    subnets,
)

_TAGS: Final = "ListTagsForResource"

QUEUE: Final = Resource(
    "AWS::SQS::Queue", "sqs", "ListQueues", "QueueUrls", element="QueueUrl",
    arn="arn:{partition}:sqs:{region}:{account}:{QueueUrl!b}", name="{QueueUrl!b}",
    details=(Detail("Attributes", "GetQueueAttributes",
                    {"QueueUrl": "{QueueUrl}", "AttributeNames": ["All"]}, key="Attributes",
                    absent=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")),),
    tags=Detail("Tags", "ListQueueTags", {"QueueUrl": "{QueueUrl}"}, key="Tags"),
    policy="Attributes.Policy",
    edges=(key("Attributes.KmsMasterKeyId"),),
    volatile=tuple(f"Attributes.{name}" for name in (
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "LastModifiedTimestamp")),
)

TOPIC: Final = Resource(
    "AWS::SNS::Topic", "sns", "ListTopics", "Topics", arn="TopicArn",
    details=(Detail("Attributes", "GetTopicAttributes", {"TopicArn": "{TopicArn}"},
                    key="Attributes", absent=("NotFound",)),),
    tags=Detail("Tags", _TAGS, {"ResourceArn": "{TopicArn}"}, key="Tags"),
    policy="Attributes.Policy",
    edges=(key("Attributes.KmsMasterKeyId"),),
    volatile=("Attributes.SubscriptionsConfirmed", "Attributes.SubscriptionsPending",
              "Attributes.SubscriptionsDeleted"),
)

SUBSCRIPTION: Final = Resource(
    "AWS::SNS::Subscription", "sns", "ListSubscriptions", "Subscriptions",
    arn="SubscriptionArn", name="{Protocol}:{Endpoint}",
    # A subscription awaiting confirmation has "PendingConfirmation" for an ARN: no id yet.
    keep=lambda e: str(e.get("SubscriptionArn", "")).startswith("arn:"),
    edges=(arn("CONTAINS", "TopicArn", "aws:sns:topic", inbound=True),
           arn("ROUTES_TO", "Endpoint", "(the endpoint: a queue, function or stream ARN)")),
)

EVENT_BUS: Final = Resource(
    "AWS::Events::EventBus", "events", "ListEventBuses", "EventBuses", arn="Arn", name="Name",
    tags=Detail("Tags", _TAGS, {"ResourceARN": "{Arn}"}, key="Tags"), policy="Policy",
)

RULE: Final = Resource(
    "AWS::Events::Rule", "events", "ListRules", "Rules", arn="Arn", name="Name",
    parent=EVENT_BUS, parent_params={"EventBusName": "{Name}"},
    details=(Detail("Targets", "ListTargetsByRule",
                    {"Rule": "{Name}", "EventBusName": "{EventBusName}"}, key="Targets",
                    paginate=True),),
    tags=Detail("Tags", _TAGS, {"ResourceARN": "{Arn}"}, key="Tags"),
    edges=(role("RoleArn"), arn("ROUTES_TO", "Targets[].Arn", "(each target's ARN)")),
)

ARCHIVE: Final = Resource(
    "AWS::Events::Archive", "events", "ListArchives", "Archives",
    arn="arn:{partition}:events:{region}:{account}:archive/{ArchiveName}", name="ArchiveName",
    edges=(arn("CONTAINS", "EventSourceArn", "aws:events:event-bus", inbound=True),),
    volatile=("SizeBytes", "EventCount"),
)

CONNECTION: Final = Resource(
    "AWS::Events::Connection", "events", "ListConnections", "Connections",
    arn="ConnectionArn", name="Name", volatile=("LastAuthorizedTime",),
)

API_DESTINATION: Final = Resource(
    "AWS::Events::ApiDestination", "events", "ListApiDestinations", "ApiDestinations",
    arn="ApiDestinationArn", name="Name",
    edges=(arn("ATTACHED_TO", "ConnectionArn", "aws:events:connection"),),
)

SCHEDULE_GROUP: Final = Resource(
    "AWS::Scheduler::ScheduleGroup", "scheduler", "ListScheduleGroups", "ScheduleGroups",
    arn="Arn", name="Name",
)

SCHEDULE: Final = Resource(
    "AWS::Scheduler::Schedule", "scheduler", "ListSchedules", "Schedules", arn="Arn",
    name="Name",
    edges=(Edge("CONTAINS", "GroupName", "aws:scheduler:schedule-group",
                "arn:{partition}:scheduler:{region}:{account}:schedule-group/{value}",
                inbound=True),
           arn("ROUTES_TO", "Target.Arn", "(the target's ARN)")),
)

PIPE: Final = Resource(
    "AWS::Pipes::Pipe", "pipes", "ListPipes", "Pipes", arn="Arn", name="Name",
    edges=(arn("ROUTES_TO", "Target", "(the target's ARN)"),
           arn("ROUTES_TO", "Source", "(the source's ARN)", inbound=True)),
)

BROKER: Final = Resource(
    "AWS::AmazonMQ::Broker", "mq", "ListBrokers", "BrokerSummaries", arn="BrokerArn",
    name="BrokerName",
    describe=Describe("DescribeBroker", {"BrokerId": "{BrokerId}"}, key="",
                      absent=("NotFoundException",)),
    edges=(subnets("SubnetIds[]"), groups("SecurityGroups[]"),
           key("EncryptionOptions.KmsKeyId")),
)

BROKER_CONFIGURATION: Final = Resource(
    "AWS::AmazonMQ::Configuration", "mq", "ListConfigurations", "Configurations", arn="Arn",
    name="Name",
)

RESOURCES: Final = (QUEUE, TOPIC, SUBSCRIPTION, EVENT_BUS, RULE, ARCHIVE, CONNECTION,
                    API_DESTINATION, SCHEDULE_GROUP, SCHEDULE, PIPE, BROKER,
                    BROKER_CONFIGURATION)
