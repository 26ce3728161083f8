"""What the hand-written modules collect, described for the catalogue (``cloudscope types``,
the permissions policy, ``--type``).

These services need more than the declarative form: IAM's authorization details in a few
pages, S3's configuration calls in each bucket's region, KMS aliases shared with other
services, organization trails seen from member accounts, EC2's route targets. Their
modules keep their code; this table says what they yield and which calls they make.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import TypeDoc

_PLACED: Final = ("IN_SUBNET -> aws:ec2:subnet", "IN_NETWORK -> aws:ec2:vpc")
_IN_VPC: Final = ("IN_NETWORK -> aws:ec2:vpc", "CONTAINS <- aws:ec2:vpc")
_GROUPS: Final = "PROTECTED_BY -> aws:ec2:security-group"
_KEY: Final = "ENCRYPTED_BY -> aws:kms:key"
_ROLE: Final = "HAS_ROLE -> aws:iam:role"
_EC2_ARN: Final = "arn:P:ec2:R:A:{}/ID"


def _ec2(kind: str, native: str, call: str, relationships: tuple[str, ...],
         resource: str | None = None) -> TypeDoc:
    return TypeDoc(f"aws:ec2:{kind}", f"AWS::EC2::{native}", (f"ec2:{call}",), relationships,
                   _EC2_ARN.format(resource or kind))


EC2: Final = (
    _ec2("vpc", "VPC", "DescribeVpcs", ()),
    _ec2("subnet", "Subnet", "DescribeSubnets", _IN_VPC),
    _ec2("security-group", "SecurityGroup", "DescribeSecurityGroups", _IN_VPC),
    _ec2("internet-gateway", "InternetGateway", "DescribeInternetGateways",
         ("ATTACHED_TO -> aws:ec2:vpc",)),
    _ec2("nat-gateway", "NatGateway", "DescribeNatGateways", _PLACED, "natgateway"),
    _ec2("route-table", "RouteTable", "DescribeRouteTables",
         (*_IN_VPC, "ATTACHED_TO -> aws:ec2:subnet",
          "ROUTES_TO -> (gateways, instances, interfaces, transit gateways, peerings)")),
    _ec2("network-acl", "NetworkAcl", "DescribeNetworkAcls",
         (*_IN_VPC, "ATTACHED_TO -> aws:ec2:subnet")),
    TypeDoc("aws:ec2:instance", "AWS::EC2::Instance",
            ("ec2:DescribeInstances", "iam:ListInstanceProfiles"),
            (*_PLACED, _GROUPS, _ROLE), _EC2_ARN.format("instance")),
    _ec2("volume", "Volume", "DescribeVolumes", ("ATTACHED_TO -> aws:ec2:instance", _KEY)),
    _ec2("network-interface", "NetworkInterface", "DescribeNetworkInterfaces",
         ("ATTACHED_TO -> aws:ec2:instance", *_PLACED, _GROUPS)),
    TypeDoc("aws:ec2:elastic-ip", "AWS::EC2::EIP", ("ec2:DescribeAddresses",),
            ("ATTACHED_TO -> aws:ec2:network-interface", "ATTACHED_TO -> aws:ec2:instance"),
            "arn:P:ec2:R:A:elastic-ip/ALLOCATION_ID (the address without one)"),
)

ELASTICLOADBALANCING: Final = (
    TypeDoc("aws:elasticloadbalancing:load-balancer",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"),
            (*_PLACED, _GROUPS, "ROUTES_TO -> aws:elasticloadbalancing:listener"),
            "LoadBalancerArn"),
    TypeDoc("aws:elasticloadbalancing:listener", "AWS::ElasticLoadBalancingV2::Listener",
            ("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules"),
            ("ROUTES_TO -> aws:elasticloadbalancing:target-group",), "ListenerArn"),
    TypeDoc("aws:elasticloadbalancing:target-group", "AWS::ElasticLoadBalancingV2::TargetGroup",
            ("elasticloadbalancing:DescribeTargetGroups",
             "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags"),
            ("IN_NETWORK -> aws:ec2:vpc", "ROUTES_TO -> (instances, functions, load balancers)"),
            "TargetGroupArn", volatile=("TargetHealthDescriptions[].TargetHealth",)),
    TypeDoc("aws:elasticloadbalancing:load-balancer", "AWS::ElasticLoadBalancing::LoadBalancer",
            ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"),
            (*_PLACED, _GROUPS, "ROUTES_TO -> aws:ec2:instance"),
            "arn:P:elasticloadbalancing:R:A:loadbalancer/NAME"),
)

LAMBDA: Final = (
    TypeDoc("aws:lambda:function", "AWS::Lambda::Function",
            ("lambda:ListFunctions", "lambda:ListTags", "lambda:GetPolicy",
             "lambda:GetFunctionUrlConfig"),
            (_ROLE, *_PLACED, _GROUPS, _KEY), "FunctionArn"),
)

RDS: Final = (
    TypeDoc("aws:rds:db-instance", "AWS::RDS::DBInstance", ("rds:DescribeDBInstances",),
            (*_PLACED, _GROUPS, _KEY, _ROLE), "DBInstanceArn",
            volatile=("LatestRestorableTime",)),
    TypeDoc("aws:rds:db-subnet-group", "AWS::RDS::DBSubnetGroup", ("rds:DescribeDBSubnetGroups",),
            ("IN_NETWORK -> aws:ec2:vpc", "CONTAINS -> aws:ec2:subnet"), "DBSubnetGroupArn"),
)

KMS: Final = (
    TypeDoc("aws:kms:key", "AWS::KMS::Key",
            ("kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus",
             "kms:GetKeyPolicy", "kms:ListResourceTags"), (), "KeyArn"),
)

EKS: Final = (
    TypeDoc("aws:eks:cluster", "AWS::EKS::Cluster",
            ("eks:ListClusters", "eks:DescribeCluster", "kms:ListAliases"),
            (_ROLE, *_PLACED, _GROUPS, _KEY, "CONTAINS -> aws:eks:nodegroup"), "arn"),
    TypeDoc("aws:eks:nodegroup", "AWS::EKS::Nodegroup",
            ("eks:ListClusters", "eks:ListNodegroups", "eks:DescribeNodegroup"),
            ("CONTAINS <- aws:eks:cluster", _ROLE, "IN_SUBNET -> aws:ec2:subnet"),
            "nodegroupArn"),
)

CLOUDTRAIL: Final = (
    TypeDoc("aws:cloudtrail:trail", "AWS::CloudTrail::Trail",
            ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"),
            (_KEY,), "TrailARN",
            volatile=tuple(f"Status.{name}" for name in (
                "LatestDeliveryTime", "LatestDigestDeliveryTime", "LatestDeliveryAttemptTime",
                "LatestDeliveryAttemptSucceeded", "LatestNotificationAttemptTime",
                "LatestNotificationAttemptSucceeded", "LatestCloudWatchLogsDeliveryTime",
                "LatestNotificationTime", "TimeLoggingStarted", "TimeLoggingStopped"))),
)

_POLICIES: Final = "HAS_POLICY -> aws:iam:policy"
_DETAILS: Final = "iam:GetAccountAuthorizationDetails"
IAM: Final = (
    TypeDoc("aws:iam:user", "AWS::IAM::User",
            (_DETAILS, "iam:ListUsers", "iam:ListMFADevices", "iam:ListAccessKeys",
             "iam:GetLoginProfile"), (_POLICIES, "MEMBER_OF -> aws:iam:group"), "Arn",
            volatile=("PasswordLastUsed",)),
    TypeDoc("aws:iam:group", "AWS::IAM::Group", (_DETAILS,), (_POLICIES,), "Arn"),
    TypeDoc("aws:iam:role", "AWS::IAM::Role", (_DETAILS,),
            (_POLICIES, "ASSUMES <- (each AWS principal of the trust policy)"), "Arn",
            volatile=("RoleLastUsed",)),
    TypeDoc("aws:iam:policy", "AWS::IAM::ManagedPolicy", (_DETAILS,), (), "Arn"),
    TypeDoc("aws:iam:instance-profile", "AWS::IAM::InstanceProfile",
            ("iam:ListInstanceProfiles",), (_ROLE,), "Arn"),
)

S3: Final = (
    TypeDoc("aws:s3:bucket", "AWS::S3::Bucket",
            ("s3:ListBuckets", "s3control:GetPublicAccessBlock", "s3:GetBucketLocation",
             "s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetBucketPolicyStatus",
             "s3:GetPublicAccessBlock", "s3:GetBucketOwnershipControls",
             "s3:GetBucketEncryption", "s3:GetBucketVersioning", "s3:GetBucketTagging",
             "kms:ListAliases"), (_KEY,), "arn:P:s3:::NAME"),
)

_ORG: Final = ("organizations:DescribeOrganization",)
_WALK: Final = (*_ORG, "organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent",
                "organizations:ListAccountsForParent")
ORGANIZATIONS: Final = (
    TypeDoc("aws:organizations:organization", "AWS::Organizations::Organization", _ORG,
            ("CONTAINS -> aws:organizations:root",), "Arn"),
    TypeDoc("aws:organizations:root", "AWS::Organizations::Root", (*_ORG, "organizations:ListRoots"),
            ("CONTAINS <- aws:organizations:organization",
             "CONTAINS -> aws:organizations:organizational-unit",
             "CONTAINS -> aws:organizations:account"), "Arn"),
    TypeDoc("aws:organizations:organizational-unit", "AWS::Organizations::OrganizationalUnit",
            (*_WALK, "organizations:ListTagsForResource"),
            ("CONTAINS <- aws:organizations:root",
             "CONTAINS <- aws:organizations:organizational-unit",
             "CONTAINS -> aws:organizations:organizational-unit",
             "CONTAINS -> aws:organizations:account"), "Arn"),
    TypeDoc("aws:organizations:account", "AWS::Organizations::Account",
            (*_WALK, "organizations:ListTagsForResource"),
            ("CONTAINS <- aws:organizations:root",
             "CONTAINS <- aws:organizations:organizational-unit"), "Arn"),
    TypeDoc("aws:organizations:policy", "AWS::Organizations::Policy",
            (*_ORG, "organizations:ListPolicies", "organizations:DescribePolicy",
             "organizations:ListTargetsForPolicy"),
            ("ATTACHED_TO -> (the root, OUs and accounts it applies to)",), "Arn"),
)
