"""Monitoring: CloudWatch Logs groups, destinations and metric filters, CloudWatch metric
and composite alarms, dashboards and metric streams, X-Ray groups and sampling rules.

An alarm's state changes with what it watches, not with its configuration: the state
fields are volatile. A log destination's access policy (who may subscribe to it from
another account) is ``Policy``, decoded.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Detail, Edge, Resource, arn, key, role

_STATE: Final = ("StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp",
                 "StateTransitionedTimestamp")

LOG_GROUP: Final = Resource(
    "AWS::Logs::LogGroup", "logs", "DescribeLogGroups", "logGroups",
    arn="arn:{partition}:logs:{region}:{account}:log-group:{logGroupName}", name="logGroupName",
    tags=Detail("Tags", "ListTagsForResource", {"resourceArn": "{arn}"}, key="tags",
                absent=("ResourceNotFoundException",)),
    edges=(key("kmsKeyId"),),
    volatile=("storedBytes", "metricFilterCount"),
)

DESTINATION: Final = Resource(
    "AWS::Logs::Destination", "logs", "DescribeDestinations", "destinations",
    arn=("arn", "arn:{partition}:logs:{region}:{account}:destination:{destinationName}"),
    name="destinationName", policy="accessPolicy",
    edges=(role("roleArn"), arn("ROUTES_TO", "targetArn", "(a Kinesis or Firehose stream)")),
)

METRIC_FILTER: Final = Resource(
    "AWS::Logs::MetricFilter", "logs", "DescribeMetricFilters", "metricFilters",
    arn="arn:{partition}:logs:{region}:{account}:log-group:{logGroupName}:metric-filter:"
        "{filterName}",
    name="filterName",
    edges=(Edge("CONTAINS", "logGroupName", "aws:logs:log-group",
                "arn:{partition}:logs:{region}:{account}:log-group:{value}", inbound=True),),
)

METRIC_ALARM: Final = Resource(
    "AWS::CloudWatch::Alarm", "cloudwatch", "DescribeAlarms", "MetricAlarms", arn="AlarmArn",
    name="AlarmName", params={"AlarmTypes": ["MetricAlarm"]},
    tags=Detail("Tags", "ListTagsForResource", {"ResourceARN": "{AlarmArn}"}, key="Tags",
                absent=("ResourceNotFound",)),
    edges=(arn("ROUTES_TO", "AlarmActions[]", "(the SNS topics and actions it notifies)"),),
    volatile=_STATE,
)

COMPOSITE_ALARM: Final = Resource(
    "AWS::CloudWatch::CompositeAlarm", "cloudwatch", "DescribeAlarms", "CompositeAlarms",
    arn="AlarmArn", name="AlarmName", params={"AlarmTypes": ["CompositeAlarm"]},
    edges=(arn("ROUTES_TO", "AlarmActions[]", "(the SNS topics and actions it notifies)"),),
    volatile=_STATE,
)

DASHBOARD: Final = Resource(
    "AWS::CloudWatch::Dashboard", "cloudwatch", "ListDashboards", "DashboardEntries",
    arn="DashboardArn", name="DashboardName", is_global=True,
)

METRIC_STREAM: Final = Resource(
    "AWS::CloudWatch::MetricStream", "cloudwatch", "ListMetricStreams", "Entries", arn="Arn",
    name="Name", edges=(arn("ROUTES_TO", "FirehoseArn", "aws:firehose:delivery-stream"),),
)

XRAY_GROUP: Final = Resource(
    "AWS::XRay::Group", "xray", "GetGroups", "Groups", arn="GroupARN", name="GroupName",
)

SAMPLING_RULE: Final = Resource(
    "AWS::XRay::SamplingRule", "xray", "GetSamplingRules", "SamplingRuleRecords",
    arn="{SamplingRule[RuleARN]}", name="{SamplingRule[RuleName]}",
)

RESOURCES: Final = (LOG_GROUP, DESTINATION, METRIC_FILTER, METRIC_ALARM, COMPOSITE_ALARM,
                    DASHBOARD, METRIC_STREAM, XRAY_GROUP, SAMPLING_RULE)
