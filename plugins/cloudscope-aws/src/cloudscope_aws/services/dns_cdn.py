"""DNS and content delivery: Route 53 hosted zones, record sets and health checks, Route 53
Resolver endpoints, rules and query logging, CloudFront distributions, origin access
identities and controls, custom cache and response headers policies, functions and key
groups. Route 53 and CloudFront are global (one scope per account).

A record set has no ARN: its id is the zone's ARN followed by ``/recordset/NAME/TYPE``
(and ``/SET_IDENTIFIER`` for weighted, latency, failover and geolocation records).
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Detail, Edge, Resource, arn, groups, vpc

_ZONE_ARN: Final = "arn:{partition}:route53:::hostedzone/{Id!b}"

HOSTED_ZONE: Final = Resource(
    "AWS::Route53::HostedZone", "route53", "ListHostedZones", "HostedZones", arn=_ZONE_ARN,
    name="Name", is_global=True,
    tags=Detail("Tags", "ListTagsForResource",
                {"ResourceType": "hostedzone", "ResourceId": "{Id!b}"},
                key="ResourceTagSet.Tags", absent=("NoSuchHostedZone",)),
    volatile=("ResourceRecordSetCount",),
)

RECORD_SET: Final = Resource(
    "AWS::Route53::RecordSet", "route53", "ListResourceRecordSets", "ResourceRecordSets",
    arn="arn:{partition}:route53:::hostedzone/{parent[Id]!b}/recordset/{Name}/{Type}"
        "{SetIdentifier?}",
    name="{Name} {Type}", is_global=True, parent=HOSTED_ZONE,
    parent_params={"HostedZoneId": "{Id}"}, absent=("NoSuchHostedZone",),
    edges=(Edge("ROUTES_TO", "HealthCheckId", "aws:route53:health-check",
                "arn:{partition}:route53:::healthcheck/{value}"),),
)

HEALTH_CHECK: Final = Resource(
    "AWS::Route53::HealthCheck", "route53", "ListHealthChecks", "HealthChecks",
    arn="arn:{partition}:route53:::healthcheck/{Id}", name="Id", is_global=True,
)

RESOLVER_ENDPOINT: Final = Resource(
    "AWS::Route53Resolver::ResolverEndpoint", "route53resolver", "ListResolverEndpoints",
    "ResolverEndpoints", arn="Arn", name="Name",
    edges=(groups("SecurityGroupIds[]"), vpc("HostVPCId")),
)

RESOLVER_RULE: Final = Resource(
    "AWS::Route53Resolver::ResolverRule", "route53resolver", "ListResolverRules",
    "ResolverRules", arn="Arn", name="{DomainName}",
    edges=(Edge("ROUTES_TO", "ResolverEndpointId", "aws:route53resolver:resolver-endpoint",
                "arn:{partition}:route53resolver:{region}:{account}:resolver-endpoint/{value}"),),
)

QUERY_LOG_CONFIG: Final = Resource(
    "AWS::Route53Resolver::ResolverQueryLoggingConfig", "route53resolver",
    "ListResolverQueryLogConfigs", "ResolverQueryLogConfigs", arn="Arn", name="Name",
    edges=(arn("ROUTES_TO", "DestinationArn", "(a log group, bucket or stream)"),),
    volatile=("AssociationCount",),
)

_CLOUDFRONT_TAGS: Final = Detail("Tags", "ListTagsForResource", {"Resource": "{ARN}"},
                                 key="Tags.Items")

DISTRIBUTION: Final = Resource(
    "AWS::CloudFront::Distribution", "cloudfront", "ListDistributions", "DistributionList.Items",
    arn="ARN", name="DomainName", is_global=True, tags=_CLOUDFRONT_TAGS,
    edges=(arn("PROTECTED_BY", "WebACLId", "aws:wafv2:web-acl"),
           arn("ATTACHED_TO", "ViewerCertificate.ACMCertificateArn", "aws:acm:certificate",
               inbound=True),
           Edge("ROUTES_TO", "Origins.Items[].S3OriginConfig.OriginAccessIdentity",
                "aws:cloudfront:cloud-front-origin-access-identity",
                "arn:{partition}:cloudfront::{account}:origin-access-identity/{value!b}"),
           Edge("ROUTES_TO", "Origins.Items[].OriginAccessControlId",
                "aws:cloudfront:origin-access-control",
                "arn:{partition}:cloudfront::{account}:origin-access-control/{value}")),
)

ORIGIN_ACCESS_IDENTITY: Final = Resource(
    "AWS::CloudFront::CloudFrontOriginAccessIdentity", "cloudfront",
    "ListCloudFrontOriginAccessIdentities", "CloudFrontOriginAccessIdentityList.Items",
    arn="arn:{partition}:cloudfront::{account}:origin-access-identity/{Id}", name="Comment",
    is_global=True,
)

ORIGIN_ACCESS_CONTROL: Final = Resource(
    "AWS::CloudFront::OriginAccessControl", "cloudfront", "ListOriginAccessControls",
    "OriginAccessControlList.Items",
    arn="arn:{partition}:cloudfront::{account}:origin-access-control/{Id}", name="Name",
    is_global=True,
)

CACHE_POLICY: Final = Resource(
    "AWS::CloudFront::CachePolicy", "cloudfront", "ListCachePolicies", "CachePolicyList.Items",
    arn="arn:{partition}:cloudfront::{account}:cache-policy/{CachePolicy[Id]}",
    name="{CachePolicy[CachePolicyConfig][Name]}", params={"Type": "custom"}, is_global=True,
)

RESPONSE_HEADERS_POLICY: Final = Resource(
    "AWS::CloudFront::ResponseHeadersPolicy", "cloudfront", "ListResponseHeadersPolicies",
    "ResponseHeadersPolicyList.Items",
    arn="arn:{partition}:cloudfront::{account}:response-headers-policy/"
        "{ResponseHeadersPolicy[Id]}",
    name="{ResponseHeadersPolicy[ResponseHeadersPolicyConfig][Name]}",
    params={"Type": "custom"}, is_global=True,
)

FUNCTION: Final = Resource(
    "AWS::CloudFront::Function", "cloudfront", "ListFunctions", "FunctionList.Items",
    arn="{FunctionMetadata[FunctionARN]}", name="Name", is_global=True,
)

KEY_GROUP: Final = Resource(
    "AWS::CloudFront::KeyGroup", "cloudfront", "ListKeyGroups", "KeyGroupList.Items",
    arn="arn:{partition}:cloudfront::{account}:key-group/{KeyGroup[Id]}",
    name="{KeyGroup[KeyGroupConfig][Name]}", is_global=True,
)

RESOURCES: Final = (HOSTED_ZONE, RECORD_SET, HEALTH_CHECK, RESOLVER_ENDPOINT, RESOLVER_RULE,
                    QUERY_LOG_CONFIG, DISTRIBUTION, ORIGIN_ACCESS_IDENTITY,
                    ORIGIN_ACCESS_CONTROL, CACHE_POLICY, RESPONSE_HEADERS_POLICY, FUNCTION,
                    KEY_GROUP)
