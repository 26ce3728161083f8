"""Security services: WAFv2 web ACLs, IP sets, regex pattern sets and rule groups (regional,
and CloudFront's, which live in the partition's home region and are listed once per
account), GuardDuty detectors, Security Hub, IAM Access Analyzer analyzers, AWS Config
recorders, rules and conformance packs, Shield Advanced protections.

A service that is not turned on answers with an error meaning "not enabled" (Security Hub's
``InvalidAccessException``, Shield's ``ResourceNotFoundException``): there is nothing to
list and the scope completes empty.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Describe, Detail, Resource, arn, kebab, role

_WAF_TAGS: Final = Detail("Tags", "ListTagsForResource", {"ResourceARN": "{ARN}"},
                          key="TagInfoForResource.TagList",
                          absent=("WAFNonexistentItemException",))


def _waf(native: str, operation: str, key: str, *, cloudfront: bool) -> Resource:
    """A WAFv2 listing in one scope: ``REGIONAL`` per region, or ``CLOUDFRONT`` once."""
    kind = native.rsplit("::", 1)[-1]
    return Resource(
        f"AWS::WAFv2::{kind}", "wafv2", operation, key, arn="ARN", name="Name",
        params={"Scope": "CLOUDFRONT" if cloudfront else "REGIONAL"}, tags=_WAF_TAGS,
        is_global=cloudfront,
        unit=f"wafv2/{'cloudfront-' if cloudfront else ''}{kebab(kind)}",
    )


_WAF: Final = (("WebACL", "ListWebACLs", "WebACLs"), ("IPSet", "ListIPSets", "IPSets"),
               ("RegexPatternSet", "ListRegexPatternSets", "RegexPatternSets"),
               ("RuleGroup", "ListRuleGroups", "RuleGroups"))
WAF: Final = tuple(_waf(f"AWS::WAFv2::{kind}", operation, key, cloudfront=cloudfront)
                   for cloudfront in (False, True) for kind, operation, key in _WAF)

DETECTOR: Final = Resource(
    "AWS::GuardDuty::Detector", "guardduty", "ListDetectors", "DetectorIds",
    element="DetectorId",
    arn="arn:{partition}:guardduty:{region}:{account}:detector/{DetectorId}",
    name="DetectorId",
    describe=Describe("GetDetector", {"DetectorId": "{DetectorId}"}, key="",
                      absent=("BadRequestException",)),
    edges=(role("ServiceRole"),),
    volatile=("UpdatedAt",),
)

HUB: Final = Resource(
    "AWS::SecurityHub::Hub", "securityhub", "DescribeHub", "", arn="HubArn", name="HubArn",
    absent=("InvalidAccessException", "ResourceNotFoundException"),
)

ANALYZER: Final = Resource(
    "AWS::AccessAnalyzer::Analyzer", "accessanalyzer", "ListAnalyzers", "analyzers",
    service="access-analyzer", arn="arn", name="name",
    volatile=("lastResourceAnalyzed", "lastResourceAnalyzedAt", "status", "statusReason"),
)

CONFIGURATION_RECORDER: Final = Resource(
    "AWS::Config::ConfigurationRecorder", "config", "DescribeConfigurationRecorders",
    "ConfigurationRecorders",
    arn=("arn", "arn:{partition}:config:{region}:{account}:configuration-recorder/{name}"),
    name="name", edges=(role("roleARN"),),
)

CONFIG_RULE: Final = Resource(
    "AWS::Config::ConfigRule", "config", "DescribeConfigRules", "ConfigRules",
    arn="ConfigRuleArn", name="ConfigRuleName",
    edges=(arn("ROUTES_TO", "Source.SourceIdentifier", "aws:lambda:function"),),
)

CONFORMANCE_PACK: Final = Resource(
    "AWS::Config::ConformancePack", "config", "DescribeConformancePacks",
    "ConformancePackDetails", arn="ConformancePackArn", name="ConformancePackName",
)

PROTECTION: Final = Resource(
    "AWS::Shield::Protection", "shield", "ListProtections", "Protections",
    arn="ProtectionArn", name="Name", is_global=True,
    absent=("ResourceNotFoundException",),
    edges=(arn("PROTECTED_BY", "ResourceArn", "(the protected resource)", inbound=True),),
)

RESOURCES: Final = (*WAF, DETECTOR, HUB, ANALYZER, CONFIGURATION_RECORDER, CONFIG_RULE,
                    CONFORMANCE_PACK, PROTECTION)
