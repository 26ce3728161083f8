"""Streaming: Kinesis data streams and video streams, Data Firehose delivery streams,
Managed Service for Apache Flink applications, MSK (Kafka) clusters."""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Describe, Detail, Resource, arn, key, role

STREAM: Final = Resource(
    "AWS::Kinesis::Stream", "kinesis", "ListStreams", "StreamNames", element="StreamName",
    arn="arn:{partition}:kinesis:{region}:{account}:stream/{StreamName}", name="StreamName",
    describe=Describe("DescribeStreamSummary", {"StreamName": "{StreamName}"},
                      key="StreamDescriptionSummary", absent=("ResourceNotFoundException",)),
    tags=Detail("Tags", "ListTagsForStream", {"StreamName": "{StreamName}"}, key="Tags",
                absent=("ResourceNotFoundException",)),
    edges=(key("KeyId"),),
    volatile=("OpenShardCount", "ConsumerCount"),
)

DELIVERY_STREAM: Final = Resource(
    "AWS::KinesisFirehose::DeliveryStream", "firehose", "ListDeliveryStreams",
    "DeliveryStreamNames", element="DeliveryStreamName",
    resume="ExclusiveStartDeliveryStreamName", params={"Limit": 10000},
    arn="arn:{partition}:firehose:{region}:{account}:deliverystream/{DeliveryStreamName}",
    name="DeliveryStreamName",
    describe=Describe("DescribeDeliveryStream", {"DeliveryStreamName": "{DeliveryStreamName}"},
                      key="DeliveryStreamDescription", absent=("ResourceNotFoundException",)),
    edges=(key("DeliveryStreamEncryptionConfiguration.KeyARN"),
           role("Destinations[].ExtendedS3DestinationDescription.RoleARN"),
           arn("ROUTES_TO", "Destinations[].ExtendedS3DestinationDescription.BucketARN",
               "aws:s3:bucket"),
           arn("ROUTES_TO", "Source.KinesisStreamSourceDescription.KinesisStreamARN",
               "aws:kinesis:stream", inbound=True)),
)

VIDEO_STREAM: Final = Resource(
    "AWS::KinesisVideo::Stream", "kinesisvideo", "ListStreams", "StreamInfoList",
    arn="StreamARN", name="StreamName", edges=(key("KmsKeyId"),),
)

FLINK_APPLICATION: Final = Resource(
    "AWS::KinesisAnalyticsV2::Application", "kinesisanalyticsv2", "ListApplications",
    "ApplicationSummaries", service="kinesisanalytics", arn="ApplicationARN",
    name="ApplicationName",
)

KAFKA_CLUSTER: Final = Resource(
    "AWS::MSK::Cluster", "kafka", "ListClustersV2", "ClusterInfoList", arn="ClusterArn",
    name="ClusterName",
    edges=(key("Provisioned.EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId"),),
    volatile=("ActiveOperationArn", "StateInfo"),
)

RESOURCES: Final = (STREAM, DELIVERY_STREAM, VIDEO_STREAM, FLINK_APPLICATION, KAFKA_CLUSTER)
