"""The baseline risk rules: each one, a breaking asset and a compliant one.

The table reads as the specification of the pack: rule id, asset type, properties that
make a finding, properties that do not. Properties follow docs/properties.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.api import Asset, RiskRule, Rule

OLD = "2020-01-01T00:00:00Z"
NEW = "2999-01-01T00:00:00Z"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}


def sg(protocol: str, low: int | None, high: int | None, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": cidr}]}
    if low is not None:
        permission |= {"FromPort": low, "ToPort": high}
    return {"GroupId": "sg-1", "IpPermissions": [permission]}


def nsg(port: str, source: str = "*", access: str = "Allow") -> dict[str, Any]:
    return {"properties": {"securityRules": [{"name": "r", "properties": {
        "access": access, "direction": "Inbound", "protocol": "Tcp",
        "sourceAddressPrefix": source, "destinationPortRange": port}}]}}


def policy(action: Any, resource: Any) -> dict[str, Any]:
    return {"PolicyVersion": {"Document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]}}}


OPEN_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
ORG_ONLY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
RESOURCE_POLICY_RULES = (
    ("aws.sqs.queue-policy-public", "aws:sqs:queue"),
    ("aws.sns.topic-policy-public", "aws:sns:topic"),
    ("aws.secretsmanager.secret-policy-public", "aws:secretsmanager:secret"),
    ("aws.ecr.repository-policy-public", "aws:ecr:repository"),
    ("aws.apigateway.rest-api-policy-public", "aws:apigateway:rest-api"),
    ("aws.events.event-bus-policy-public", "aws:events:event-bus"),
    ("aws.backup.vault-policy-public", "aws:backup:backup-vault"),
    ("aws.glacier.vault-policy-public", "aws:glacier:vault"),
    ("aws.es.domain-policy-public", "aws:es:domain"),
    ("aws.elasticfilesystem.file-system-policy-public", "aws:elasticfilesystem:file-system"),
    ("aws.logs.destination-policy-public", "aws:logs:destination"),
    ("aws.acm-pca.certificate-authority-policy-public", "aws:acm-pca:certificate-authority"),
    ("aws.lambda.layer-version-policy-public", "aws:lambda:layer-version"),
)
"""Rules judging a resource policy with allows_anyone: open to all, or to one organization."""

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # AWS
    ("aws.s3.bucket-acl-public", "aws:s3:bucket",
     {"Acl": {"Grants": [{"Grantee": {"URI": ALL_USERS}, "Permission": "READ"}]}},
     {"Acl": {"Grants": [{"Grantee": {"ID": "owner"}, "Permission": "FULL_CONTROL"}]}}),
    ("aws.s3.bucket-policy-public", "aws:s3:bucket",
     {"PolicyStatus": {"IsPublic": True}}, {"PolicyStatus": {"IsPublic": False}}),
    ("aws.s3.bucket-public-access-block-off", "aws:s3:bucket",
     {"PublicAccessBlockConfiguration": {**BLOCK_ALL, "BlockPublicPolicy": False}},
     {"PublicAccessBlockConfiguration": BLOCK_ALL}),
    ("aws.s3.bucket-unencrypted", "aws:s3:bucket", {"Name": "b"},
     {"ServerSideEncryptionConfiguration": {"Rules": [
         {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}),
    ("aws.s3.bucket-versioning-disabled", "aws:s3:bucket", {"Versioning": {"Status": "Suspended"}},
     {"Versioning": {"Status": "Enabled"}}),
    ("aws.ec2.volume-unencrypted", "aws:ec2:volume", {"Encrypted": False}, {"Encrypted": True}),
    ("aws.ec2.instance-imdsv1", "aws:ec2:instance", {"MetadataOptions": {"HttpTokens": "optional"}},
     {"MetadataOptions": {"HttpTokens": "required"}}),
    ("aws.ec2.instance-public-ip", "aws:ec2:instance", {"PublicIpAddress": "203.0.113.5"},
     {"PrivateIpAddress": "10.0.0.5"}),
    ("aws.ec2.subnet-auto-public-ip", "aws:ec2:subnet", {"MapPublicIpOnLaunch": True},
     {"MapPublicIpOnLaunch": False}),
    ("aws.ec2.security-group-admin-ports-open", "aws:ec2:security-group", sg("tcp", 20, 23),
     sg("tcp", 443, 443)),
    ("aws.rds.db-publicly-accessible", "aws:rds:db-instance", {"PubliclyAccessible": True},
     {"PubliclyAccessible": False}),
    ("aws.rds.db-unencrypted", "aws:rds:db-instance", {"StorageEncrypted": False},
     {"StorageEncrypted": True}),
    ("aws.iam.user-console-without-mfa", "aws:iam:user",
     {"LoginProfile": {"CreateDate": OLD}, "MFADevices": []},
     {"LoginProfile": {"CreateDate": OLD}, "MFADevices": [{"SerialNumber": "arn:mfa"}]}),
    ("aws.iam.access-key-older-than-90-days", "aws:iam:user",
     {"AccessKeys": [{"AccessKeyId": "AKIA1", "Status": "Active", "CreateDate": OLD}]},
     {"AccessKeys": [{"AccessKeyId": "AKIA1", "Status": "Inactive", "CreateDate": OLD},
                     {"AccessKeyId": "AKIA2", "Status": "Active", "CreateDate": NEW}]}),
    ("aws.iam.admin-policy-attached", "aws:iam:role",
     {"AttachedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}]},
     {"AttachedPolicies": [{"PolicyName": "ReadOnlyAccess",
                            "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}),
    ("aws.iam.policy-full-admin", "aws:iam:policy", policy("*", "*"), policy("s3:*", "*")),
    ("aws.iam.inline-policy-admin", "aws:iam:role",
     {"RolePolicyList": [{"PolicyName": "all", "PolicyDocument": policy("*", "*")["PolicyVersion"]["Document"]}]},
     {"RolePolicyList": [{"PolicyName": "one-bucket",
                          "PolicyDocument": policy("*", "arn:aws:s3:::logs/*")["PolicyVersion"]["Document"]}]}),
    ("aws.iam.role-trust-any-principal", "aws:iam:role",
     {"AssumeRolePolicyDocument": {"Statement": [
         {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}},
     {"AssumeRolePolicyDocument": {"Statement": [
         {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}}),
    ("aws.kms.key-rotation-disabled", "aws:kms:key",
     {"KeyManager": "CUSTOMER", "KeyRotationEnabled": False},
     {"KeyManager": "AWS", "KeyRotationEnabled": False}),
    ("aws.eks.cluster-endpoint-public", "aws:eks:cluster",
     {"resourcesVpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}},
     {"resourcesVpcConfig": {"endpointPublicAccess": True,
                             "publicAccessCidrs": ["198.51.100.0/24"]}}),
    ("aws.cloudtrail.trail-single-region", "aws:cloudtrail:trail", {"IsMultiRegionTrail": False},
     {"IsMultiRegionTrail": True}),
    ("aws.cloudtrail.log-validation-disabled", "aws:cloudtrail:trail",
     {"LogFileValidationEnabled": False}, {"LogFileValidationEnabled": True}),
    ("aws.cloudtrail.trail-not-logging", "aws:cloudtrail:trail", {"Status": {"IsLogging": False}},
     {"Status": {"IsLogging": True}}),
    ("aws.lambda.function-public-policy", "aws:lambda:function",
     {"Policy": {"Statement": [{"Effect": "Allow", "Principal": "*",
                                "Action": "lambda:InvokeFunction"}]}},
     {"Policy": {"Statement": [{"Effect": "Allow", "Principal": "*",
                                "Action": "lambda:InvokeFunction",
                                "Condition": {"ArnLike": {"AWS:SourceArn": "arn:x"}}}]}}),
    ("aws.lambda.function-url-public", "aws:lambda:function",
     {"FunctionUrlConfig": {"AuthType": "NONE"},
      "Policy": {"Statement": [{"Effect": "Allow", "Principal": "*",
                                "Action": "lambda:InvokeFunctionUrl",
                                "Condition": {"StringEquals": {
                                    "lambda:FunctionUrlAuthType": "NONE"}}}]}},
     {"FunctionUrlConfig": {"AuthType": "AWS_IAM"},
      "Policy": {"Statement": [{"Effect": "Allow", "Principal": "*",
                                "Action": "lambda:InvokeFunctionUrl",
                                "Condition": {"StringEquals": {
                                    "lambda:FunctionUrlAuthType": "AWS_IAM"}}}]}}),
    ("aws.kms.key-policy-public", "aws:kms:key",
     {"Policy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*",
                                "Resource": "*"}]}},
     {"Policy": {"Statement": [{"Effect": "Allow",
                                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                "Action": "kms:*", "Resource": "*"}]}}),
    *((rule_id, asset_type, {"Policy": OPEN_POLICY}, {"Policy": ORG_ONLY_POLICY})
      for rule_id, asset_type in RESOURCE_POLICY_RULES),
    ("aws.ec2.snapshot-public", "aws:ec2:snapshot",
     {"CreateVolumePermissions": [{"Group": "all"}]},
     {"CreateVolumePermissions": [{"UserId": "111122223333"}]}),
    ("aws.ec2.image-public", "aws:ec2:image", {"Public": True}, {"Public": False}),
    ("aws.rds.snapshot-public", "aws:rds:db-snapshot",
     {"DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": ["all"]}]},
     {"DBSnapshotAttributes": [{"AttributeName": "restore",
                                "AttributeValues": ["111122223333"]}]}),
    ("aws.cognito-identity.unauthenticated-access", "aws:cognito-identity:identity-pool",
     {"AllowUnauthenticatedIdentities": True}, {"AllowUnauthenticatedIdentities": False}),
    ("aws.mq.broker-publicly-accessible", "aws:mq:broker", {"PubliclyAccessible": True},
     {"PubliclyAccessible": False}),
    ("aws.dms.replication-instance-public", "aws:dms:replication-instance",
     {"PubliclyAccessible": True}, {"PubliclyAccessible": False}),
    ("aws.inventory.detail-unavailable", "aws:s3:bucket",
     {"_unavailable": {"Policy": "s3 GetBucketPolicy: AccessDenied"}}, {"Name": "b"}),
    ("aws.elb.load-balancer-internet-facing", "aws:elasticloadbalancing:load-balancer",
     {"Scheme": "internet-facing"}, {"Scheme": "internal"}),
    # Azure
    ("azure.storage.blob-public-access", "azure:storage:storage-account",
     {"properties": {"allowBlobPublicAccess": True}},
     {"properties": {"allowBlobPublicAccess": False}}),
    ("azure.storage.https-not-required", "azure:storage:storage-account",
     {"properties": {"supportsHttpsTrafficOnly": False}},
     {"properties": {"supportsHttpsTrafficOnly": True}}),
    ("azure.storage.tls-below-1-2", "azure:storage:storage-account",
     {"properties": {"minimumTlsVersion": "TLS1_0"}},
     {"properties": {"minimumTlsVersion": "TLS1_2"}}),
    ("azure.storage.network-default-allow", "azure:storage:storage-account",
     {"properties": {"networkAcls": {"defaultAction": "Allow"}}},
     {"properties": {"networkAcls": {"defaultAction": "Deny"}}}),
    ("azure.network.nsg-admin-ports-open", "azure:network:network-security-group",
     nsg("3389"), nsg("3389", source="10.0.0.0/8")),
    ("azure.keyvault.purge-protection-disabled", "azure:keyvault:vault",
     {"properties": {"enableSoftDelete": True}},
     {"properties": {"enablePurgeProtection": True}}),
    ("azure.keyvault.soft-delete-disabled", "azure:keyvault:vault",
     {"properties": {"enableSoftDelete": False}}, {"properties": {"enableSoftDelete": True}}),
    ("azure.sql.server-public-network-access", "azure:sql:server",
     {"properties": {"publicNetworkAccess": "Enabled"}},
     {"properties": {"publicNetworkAccess": "Disabled"}}),
    ("azure.compute.disk-platform-key-only", "azure:compute:disk",
     {"managedBy": "/subscriptions/s/vm", "properties": {
         "encryption": {"type": "EncryptionAtRestWithPlatformKey"}}},
     {"managedBy": "/subscriptions/s/vm", "properties": {
         "encryption": {"type": "EncryptionAtRestWithCustomerKey"}}}),
    ("azure.compute.disk-unattached", "azure:compute:disk", {"managedBy": None},
     {"managedBy": "/subscriptions/s/resourcegroups/g/providers/microsoft.compute/"
                   "virtualmachines/vm"}),
    ("azure.aks.api-server-public", "azure:containerservice:managed-cluster",
     {"properties": {"apiServerAccessProfile": {"enablePrivateCluster": False}}},
     {"properties": {"apiServerAccessProfile": {"enablePrivateCluster": True}}}),
    ("azure.authorization.custom-admin-role", "azure:authorization:role-definition",
     {"properties": {"type": "CustomRole", "permissions": [{"actions": ["*"], "notActions": []}]}},
     {"properties": {"type": "CustomRole", "permissions": [{"actions": ["*/read"], "notActions": []}]}}),
    # GCP
    ("gcp.iam.custom-role-privileged", "gcp:iam:role",
     {"name": "projects/p/roles/deployer", "includedPermissions": ["iam.serviceAccounts.actAs"]},
     {"name": "projects/p/roles/viewer", "includedPermissions": ["compute.instances.get"]}),
    ("gcp.storage.bucket-public", "gcp:storage:bucket",
     {"iamPolicy": {"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}},
     {"iamPolicy": {"bindings": [{"role": "roles/storage.objectViewer",
                                  "members": ["user:ann@example.com"]}]}}),
    ("gcp.storage.uniform-access-disabled", "gcp:storage:bucket",
     {"iamConfiguration": {"uniformBucketLevelAccess": {"enabled": False}}},
     {"iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True}}}),
    ("gcp.storage.public-access-prevention-off", "gcp:storage:bucket",
     {"iamConfiguration": {"publicAccessPrevention": "inherited"}},
     {"iamConfiguration": {"publicAccessPrevention": "enforced"}}),
    ("gcp.sql.instance-public-ip", "gcp:sqladmin:instance",
     {"settings": {"ipConfiguration": {"ipv4Enabled": True}}},
     {"settings": {"ipConfiguration": {"ipv4Enabled": False}}}),
    ("gcp.sql.instance-open-to-world", "gcp:sqladmin:instance",
     {"settings": {"ipConfiguration": {"authorizedNetworks": [{"value": "0.0.0.0/0"}]}}},
     {"settings": {"ipConfiguration": {"authorizedNetworks": [{"value": "198.51.100.7/32"}]}}}),
    ("gcp.iam.service-account-user-managed-key", "gcp:iam:service-account-key",
     {"keyType": "USER_MANAGED"}, {"keyType": "SYSTEM_MANAGED"}),
    ("gcp.iam.service-account-key-older-than-90-days", "gcp:iam:service-account-key",
     {"keyType": "USER_MANAGED", "validAfterTime": OLD},
     {"keyType": "USER_MANAGED", "validAfterTime": NEW}),
    ("gcp.iam.primitive-role-service-account", "gcp:cloudresourcemanager:project",
     {"iamPolicy": {"bindings": [{"role": "roles/editor",
                                  "members": ["serviceAccount:ci@p.iam.gserviceaccount.com"]}]}},
     {"iamPolicy": {"bindings": [{"role": "roles/editor", "members": ["user:ann@example.com"]}]}}),
    ("gcp.compute.instance-public-ip", "gcp:compute:instance",
     {"networkInterfaces": [{"accessConfigs": [{"natIP": "34.1.2.3"}]}]},
     {"networkInterfaces": [{"networkIP": "10.0.0.2"}]}),
    ("gcp.compute.default-service-account-full-scope", "gcp:compute:instance",
     {"serviceAccounts": [{"email": "123-compute@developer.gserviceaccount.com",
                           "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}]},
     {"serviceAccounts": [{"email": "123-compute@developer.gserviceaccount.com",
                           "scopes": ["https://www.googleapis.com/auth/devstorage.read_only"]}]}),
]

GRAPH_RULES = {"cloudscope.exposure.internet-to-admin", "aws.iam.principal-admin",
               "gcp.compute.firewall-admin-ports-open"}
"""Rules whose findings need more than one asset (a path; a principal's policy set; a
firewall rule and the denies of its network); tested in test_exposure.py,
test_privilege.py, test_admin_ports.py and tests/twins."""


@pytest.fixture(scope="module")
def rules(baseline_rules: Callable[..., list[Rule]]) -> dict[str, RiskRule]:
    """Every baseline risk rule by id."""
    return {r.rule_id: r for r in baseline_rules() if isinstance(r, RiskRule)}


def test_every_baseline_risk_rule_has_a_case(rules: dict[str, RiskRule]) -> None:
    """The table covers every baseline risk rule, and the pack holds at least 30 of them."""
    assert {case[0] for case in CASES} == set(rules) - GRAPH_RULES
    assert len(rules) >= 30
    assert {rule_id.split(".", 1)[0] for rule_id in rules} >= {"aws", "azure", "gcp"}


def verdicts(make_asset: Callable[..., Asset], rule: RiskRule, asset_type: str,
             properties: dict[str, Any]) -> list[str]:
    asset = make_asset(f"{asset_type}/example", asset_type, properties)
    assert rule.asset_types is None or asset_type in rule.asset_types
    return [f.asset_id for f in rule.observe(asset)]


@pytest.mark.parametrize(("rule_id", "asset_type", "breaking", "compliant"), CASES,
                         ids=[case[0] for case in CASES])
def test_rule_flags_the_breaking_asset_only(rules: dict[str, RiskRule],
                                            make_asset: Callable[..., Asset], rule_id: str,
                                            asset_type: str, breaking: dict[str, Any],
                                            compliant: dict[str, Any]) -> None:
    """A breaking asset gets one finding of the rule; a compliant one gets none."""
    rule = rules[rule_id]
    assert verdicts(make_asset, rule, asset_type, breaking) == [f"{asset_type}/example"]
    assert verdicts(make_asset, rule, asset_type, compliant) == []


def test_aws_managed_admin_policy_is_not_a_customer_policy_finding(
        rules: dict[str, RiskRule], make_asset: Callable[..., Asset]) -> None:
    """The AWS managed AdministratorAccess policy allows * on * by design: not flagged."""
    managed = make_asset(ADMIN_ARN, "aws:iam:policy", policy("*", "*"), region=None)
    assert list(rules["aws.iam.policy-full-admin"].observe(managed)) == []


def test_findings_carry_the_rule_metadata(rules: dict[str, RiskRule],
                                          make_asset: Callable[..., Asset]) -> None:
    """A finding has the rule's id, severity, title, remediation and references as evidence."""
    rule = rules["aws.ec2.volume-unencrypted"]
    (finding,) = rule.observe(make_asset("vol", "aws:ec2:volume", {"Encrypted": False}))
    assert (finding.rule_id, finding.severity.value) == ("aws.ec2.volume-unencrypted", "medium")
    assert finding.title == rule.title and finding.remediation
    assert finding.evidence["references"] == ["CIS AWS 2.2.1"]
    assert finding.evidence["matched"] == [{"path": "Encrypted", "value": False}]


@pytest.mark.parametrize(("properties", "ports"), [
    (sg("-1", None, None), [22, 1433, 1521, 3306, 3389, 5432, 6379, 9200, 27017]),
    (sg("tcp", 3300, 3400), [3306, 3389]),
    (sg("udp", 22, 22), []),
    (sg("tcp", 22, 22, cidr="10.0.0.0/8"), []),
])
def test_security_group_ports_read_protocol_and_range(rules: dict[str, RiskRule],
                                                      make_asset: Callable[..., Asset],
                                                      properties: dict[str, Any],
                                                      ports: list[int]) -> None:
    """All protocols (-1) open every admin port; a TCP range opens those inside it; UDP or a
    private source opens none."""
    rule = rules["aws.ec2.security-group-admin-ports-open"]
    found = list(rule.observe(make_asset("sg", "aws:ec2:security-group", properties)))
    assert [f.evidence["open_ports"] for f in found] == ([ports] if ports else [])


@pytest.mark.parametrize(("properties", "flagged"), [
    (nsg("*"), True), (nsg("20-30"), True), (nsg("22", source="Internet"), True),
    (nsg("22", access="Deny"), False), (nsg("443"), False),
])
def test_nsg_rules_read_ranges_sources_and_access(rules: dict[str, RiskRule],
                                                  make_asset: Callable[..., Asset],
                                                  properties: dict[str, Any],
                                                  flagged: bool) -> None:
    """An NSG allow rule from the internet over a range holding 22 is flagged; deny is not."""
    rule = rules["azure.network.nsg-admin-ports-open"]
    nsg_asset = make_asset("/subscriptions/s/nsg", "azure:network:network-security-group",
                           properties)
    found = list(rule.observe(nsg_asset))
    assert bool(found) is flagged


@pytest.mark.parametrize(("properties", "flagged"), [
    ({"allowBlobPublicAccess": True, "creationTime": "2024-03-01T10:00:00.1234567Z"}, True),
    ({"allowBlobPublicAccess": False, "creationTime": "2017-05-24T13:24:47.3155493Z"}, False),
    ({"creationTime": "2017-05-24T13:24:47.3155493Z"}, True),
    ({"allowBlobPublicAccess": None, "creationTime": "2023-11-29T23:59:59Z"}, True),
    ({"creationTime": "2023-11-30T00:00:00Z"}, False),
    ({"creationTime": "2024-03-01T10:00:00.1234567Z"}, False),
    ({}, False),
])
def test_blob_public_access_absent_means_allowed_only_before_the_secure_default(
        rules: dict[str, RiskRule], make_asset: Callable[..., Asset],
        properties: dict[str, Any], flagged: bool) -> None:
    """allowBlobPublicAccess absent (or null) allows anonymous access on an account created
    before 2023-11-30 and disallows it on one created since; true always allows it, false
    never; with no creation time the account is not judged."""
    rule = rules["azure.storage.blob-public-access"]
    account = make_asset("/subscriptions/s/sa", "azure:storage:storage-account",
                         {"properties": properties})
    assert bool(list(rule.observe(account))) is flagged
