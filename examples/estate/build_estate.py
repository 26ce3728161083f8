# ruff: noqa: PLR0917 - the builders mirror each API's positional fields, read in one line each
"""Write the sample estate, ``estate.json``: about 100 assets over AWS, Azure and GCP.

    python examples/estate/build_estate.py     # rewrites examples/estate/estate.json

Properties follow ``docs/properties.md`` (each API's own field names), ids each cloud's
own format. Most assets are well configured; a few carry the risks the baseline rules
find: the public S3 bucket, the unencrypted volume, the IAM user without MFA and with an
old access key, the administrator role, SSH open to the world, and the exposure path
internet -> i-0a1b2c3d4e5f60001 (public IP, PROTECTED_BY sg-0a1b2c3d4e5f60001 open on 22)
-> HAS_ROLE admin-role (AdministratorAccess); in Azure a public storage account, an NSG
open on 3389 from the Internet, a key vault without purge protection, and the exposure path
internet -> vm-jump-01-ip -> vm-jump-01 (its NIC and subnet PROTECTED_BY nsg-jump) whose
system-assigned identity HAS_ROLE an Owner assignment on the subscription; in GCP a bucket
readable by allUsers, a firewall open on 22, a user-managed service account key, a Cloud
SQL instance authorised for 0.0.0.0/0, and the exposure path bastion-ew1 (external IP,
allow-ssh-anywhere) -> etl-runner, bound to roles/editor in the project's IAM policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROD, DEV = "111122223333", "444455556666"
SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
PROJECT = "acme-analytics-prod"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"

assets: list[dict[str, Any]] = []
relationships: list[dict[str, Any]] = []


def asset(asset_id: str, asset_type: str, native_type: str, name: str, account: str | None,
          region: str | None, properties: dict[str, Any], tags: dict[str, str] | None = None,
          ) -> str:
    """Add an asset; return its id."""
    assets.append({"id": asset_id, "provider": asset_type.split(":", maxsplit=1)[0],
                   "asset_type": asset_type, "native_type": native_type, "name": name,
                   "account": account, "region": region, "tags": tags or {},
                   "properties": properties})
    return asset_id


def edge(source: str, kind: str, target: str, **properties: Any) -> None:
    """Add a relationship."""
    relationships.append({"source_id": source, "type": kind, "target_id": target,
                          "properties": properties})


def ec2_arn(region: str, account: str, kind: str, resource: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{resource}"


def rule(port: int, cidr: str, description: str = "") -> dict[str, Any]:
    """One inbound TCP permission of a security group."""
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "IpRanges": [{"CidrIp": cidr, **({"Description": description} if description
                                             else {})}],
            "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []}


EGRESS_ALL = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
               "UserIdGroupPairs": [], "PrefixListIds": []}]


# AWS ----------------------------------------------------------------------------------
def aws_network(account: str, region: str, number: int, cidr: str,
                env: str) -> dict[str, str]:
    """A VPC with a public and a private subnet, gateways and a route table."""
    suffix = f"{number:04d}"
    tags = {"env": env, "owner": "platform"}
    vpc_id, public, private = f"vpc-0{suffix}aa11bb22cc3", f"subnet-0{suffix}aa11bb22cc1", \
        f"subnet-0{suffix}aa11bb22cc2"
    vpc = asset(ec2_arn(region, account, "vpc", vpc_id), "aws:ec2:vpc", "AWS::EC2::VPC",
                f"{env}-vpc", account, region,
                {"VpcId": vpc_id, "CidrBlock": cidr, "State": "available", "IsDefault": False,
                 "OwnerId": account}, tags)
    ids = {"vpc": vpc, "vpc_id": vpc_id}
    for subnet_id, offset, is_public in ((public, 0, True), (private, 128, False)):
        base = cidr.rsplit(".", 2)[0]
        subnet = asset(ec2_arn(region, account, "subnet", subnet_id), "aws:ec2:subnet",
                       "AWS::EC2::Subnet", f"{env}-{'public' if is_public else 'private'}",
                       account, region,
                       {"SubnetId": subnet_id, "VpcId": vpc_id,
                        "CidrBlock": f"{base}.{offset}.0/24",
                        "AvailabilityZone": f"{region}a", "MapPublicIpOnLaunch": is_public,
                        "State": "available", "OwnerId": account}, tags)
        edge(subnet, "IN_NETWORK", vpc)
        ids["public" if is_public else "private"] = subnet
        ids[("public" if is_public else "private") + "_id"] = subnet_id
    gateway_id = f"igw-0{suffix}aa11bb22cc3"
    gateway = asset(ec2_arn(region, account, "internet-gateway", gateway_id),
                    "aws:ec2:internet-gateway", "AWS::EC2::InternetGateway", f"{env}-igw",
                    account, region,
                    {"InternetGatewayId": gateway_id, "OwnerId": account,
                     "Attachments": [{"State": "available", "VpcId": vpc_id}]}, tags)
    edge(gateway, "IN_NETWORK", vpc)
    table_id = f"rtb-0{suffix}aa11bb22cc3"
    table = asset(ec2_arn(region, account, "route-table", table_id), "aws:ec2:route-table",
                  "AWS::EC2::RouteTable", f"{env}-public-routes", account, region,
                  {"RouteTableId": table_id, "VpcId": vpc_id, "OwnerId": account,
                   "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local",
                               "State": "active"},
                              {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id,
                               "State": "active"}],
                   "Associations": [{"SubnetId": ids["public_id"], "Main": False}]}, tags)
    edge(table, "IN_NETWORK", vpc)
    edge(table, "ROUTES_TO", gateway)
    return ids


def security_group(account: str, region: str, group_id: str, name: str, vpc_id: str,
                   permissions: list[dict[str, Any]], env: str) -> str:
    arn = ec2_arn(region, account, "security-group", group_id)
    asset(arn, "aws:ec2:security-group", "AWS::EC2::SecurityGroup", name, account, region,
          {"GroupId": group_id, "GroupName": name, "Description": f"{name} access",
           "VpcId": vpc_id, "OwnerId": account, "IpPermissions": permissions,
           "IpPermissionsEgress": EGRESS_ALL}, {"env": env})
    edge(arn, "IN_NETWORK", ec2_arn(region, account, "vpc", vpc_id))
    return arn


def instance(account: str, region: str, instance_id: str, name: str, net: dict[str, str],
             groups: list[str], *, public_ip: str | None = None, profile: str | None = None,
             role: str | None = None, env: str = "prod", private_ip: str = "10.0.1.10",
             volume_encrypted: bool = True, kind: str = "t3.medium") -> str:
    """An instance in a subnet, with its root volume and network interface."""
    subnet_id = net["public_id"] if public_ip else net["private_id"]
    properties: dict[str, Any] = {
        "InstanceId": instance_id, "InstanceType": kind, "ImageId": "ami-0c55b159cbfafe1f0",
        "State": {"Code": 16, "Name": "running"}, "SubnetId": subnet_id,
        "VpcId": net["vpc_id"], "PrivateIpAddress": private_ip,
        "Placement": {"AvailabilityZone": f"{region}a", "Tenancy": "default"},
        "SecurityGroups": [{"GroupId": g.rsplit("/", 1)[1], "GroupName": g.rsplit("/", 1)[1]}
                           for g in groups],
        "MetadataOptions": {"HttpTokens": "required" if not public_ip else "optional",
                            "HttpEndpoint": "enabled"},
        "LaunchTime": "2025-09-12T10:21:44Z", "Architecture": "x86_64",
        "RootDeviceName": "/dev/xvda", "Monitoring": {"State": "disabled"}}
    if public_ip:
        properties["PublicIpAddress"] = public_ip
        properties["PublicDnsName"] = f"ec2-{public_ip.replace('.', '-')}.compute-1.amazonaws.com"
    if profile:
        properties["IamInstanceProfile"] = {"Arn": profile, "Id": "AIPA" + instance_id[2:14].upper()}
    tags = {"Name": name, "env": env, "app": name.split("-", maxsplit=1)[0]}
    arn = asset(ec2_arn(region, account, "instance", instance_id), "aws:ec2:instance",
                "AWS::EC2::Instance", name, account, region, properties, tags)
    edge(arn, "IN_SUBNET", net["public"] if public_ip else net["private"])
    edge(arn, "IN_NETWORK", net["vpc"])
    for group in groups:
        edge(arn, "PROTECTED_BY", group)
    if role:
        edge(arn, "HAS_ROLE", role, instance_profile=profile)
    volume_id = "vol-" + instance_id[2:]
    volume = asset(ec2_arn(region, account, "volume", volume_id), "aws:ec2:volume",
                   "AWS::EC2::Volume", f"{name}-root", account, region,
                   {"VolumeId": volume_id, "Size": 30, "VolumeType": "gp3", "State": "in-use",
                    "AvailabilityZone": f"{region}a", "Encrypted": volume_encrypted,
                    **({"KmsKeyId": KMS_KEYS[(account, region)]} if volume_encrypted else {}),
                    "CreateTime": "2025-09-12T10:21:44Z",
                    "Attachments": [{"InstanceId": instance_id, "Device": "/dev/xvda",
                                     "State": "attached", "DeleteOnTermination": True}]},
                   {"env": env})
    edge(volume, "ATTACHED_TO", arn)
    if volume_encrypted:
        edge(volume, "ENCRYPTED_BY", KMS_KEYS[(account, region)])
    interface_id = "eni-" + instance_id[2:]
    association = {"Association": {"PublicIp": public_ip, "IpOwnerId": "amazon"}} \
        if public_ip else {}
    interface = asset(ec2_arn(region, account, "network-interface", interface_id),
                      "aws:ec2:network-interface", "AWS::EC2::NetworkInterface", interface_id,
                      account, region,
                      {"NetworkInterfaceId": interface_id, "SubnetId": subnet_id,
                       "VpcId": net["vpc_id"], "PrivateIpAddress": private_ip,
                       "Status": "in-use", "InterfaceType": "interface",
                       "Groups": properties["SecurityGroups"],
                       "Attachment": {"InstanceId": instance_id, "DeviceIndex": 0},
                       **association})
    edge(interface, "ATTACHED_TO", arn)
    edge(interface, "IN_SUBNET", net["public"] if public_ip else net["private"])
    for group in groups:
        edge(interface, "PROTECTED_BY", group)
    return arn


def kms_key(account: str, region: str, key_id: str) -> str:
    arn = f"arn:aws:kms:{region}:{account}:key/{key_id}"
    asset(arn, "aws:kms:key", "AWS::KMS::Key", f"ebs-{region}", account, region,
          {"KeyId": key_id, "Arn": arn, "KeyState": "Enabled", "KeyUsage": "ENCRYPT_DECRYPT",
           "KeyManager": "CUSTOMER", "Origin": "AWS_KMS", "Enabled": True,
           "CreationDate": "2024-03-02T12:00:00Z", "KeyRotationEnabled": True})
    return arn


KMS_KEYS = {
    (PROD, "us-east-1"): f"arn:aws:kms:us-east-1:{PROD}:key/1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a5b",
    (PROD, "eu-west-1"): f"arn:aws:kms:eu-west-1:{PROD}:key/1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a5b",
    (DEV, "us-east-1"): f"arn:aws:kms:us-east-1:{DEV}:key/1a2b3c4d-0003-4e5f-8a9b-0c1d2e3f4a5b",
    (DEV, "eu-west-1"): f"arn:aws:kms:eu-west-1:{DEV}:key/1a2b3c4d-0004-4e5f-8a9b-0c1d2e3f4a5b",
}


def bucket(account: str, name: str, region: str, *, public: bool = False) -> str:
    arn = f"arn:aws:s3:::{name}"
    owner = {"DisplayName": "platform", "ID": "79a59df900b949e55d96a1e698fbaced" + account[:8]}
    grants: list[dict[str, Any]] = [{"Grantee": {"Type": "CanonicalUser", **owner},
                                     "Permission": "FULL_CONTROL"}]
    if public:
        grants.append({"Grantee": {"Type": "Group",
                                   "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                       "Permission": "READ"})
    properties: dict[str, Any] = {
        "Name": name, "CreationDate": "2024-06-01T08:00:00Z", "BucketRegion": region,
        "Acl": {"Owner": owner, "Grants": grants}, "PolicyStatus": {"IsPublic": public},
        "Versioning": {"Status": "Suspended" if public else "Enabled"},
        "ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault":
                                                         {"SSEAlgorithm": "aws:kms"},
                                                         "BucketKeyEnabled": True}]}}
    if public:
        properties["Policy"] = {"Version": "2012-10-17", "Statement": [
            {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{name}/*"}]}
    else:
        properties["PublicAccessBlockConfiguration"] = {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True}
    return asset(arn, "aws:s3:bucket", "AWS::S3::Bucket", name, account, region, properties,
                 {"env": "prod" if account == PROD else "dev", "data": "public" if public
                  else "internal"})


TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}


def role(account: str, name: str, policies: list[tuple[str, str]],
         trust: dict[str, Any] = TRUST_EC2) -> str:
    arn = f"arn:aws:iam::{account}:role/{name}"
    asset(arn, "aws:iam:role", "AWS::IAM::Role", name, account, None,
          {"RoleName": name, "RoleId": "AROA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
           "Arn": arn, "Path": "/", "CreateDate": "2024-02-10T09:30:00Z",
           "AssumeRolePolicyDocument": trust, "MaxSessionDuration": 3600,
           "AttachedPolicies": [{"PolicyName": n, "PolicyArn": a} for n, a in policies]})
    for _, policy in policies:
        edge(arn, "HAS_POLICY", policy)
    return arn


def profile(account: str, name: str, role_arn: str) -> str:
    arn = f"arn:aws:iam::{account}:instance-profile/{name}"
    asset(arn, "aws:iam:instance-profile", "AWS::IAM::InstanceProfile", name, account, None,
          {"InstanceProfileName": name, "Arn": arn, "Path": "/",
           "CreateDate": "2024-02-10T09:31:00Z",
           "Roles": [{"RoleName": role_arn.rsplit("/", 1)[1], "Arn": role_arn}]})
    edge(arn, "HAS_ROLE", role_arn)
    return arn


MANAGED_POLICIES = {
    "AdministratorAccess": ({"Effect": "Allow", "Action": "*", "Resource": "*"}, ""),
    "ReadOnlyAccess": ({"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get*", "s3:List*",
                                                      "iam:Get*", "iam:List*"],
                        "Resource": "*"}, ""),
    "AmazonEC2FullAccess": ({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}, ""),
    "AmazonS3ReadOnlyAccess": ({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
                                "Resource": "*"}, ""),
    "AWSLambdaBasicExecutionRole": ({"Effect": "Allow", "Action": [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
        "service-role/"),
}


def managed_policies() -> None:
    """The AWS managed policies the estate attaches (ListPolicies with Scope=AWS): global,
    owned by no customer account."""
    for name, (statement, path) in MANAGED_POLICIES.items():
        arn = f"arn:aws:iam::aws:policy/{path}{name}"
        asset(arn, "aws:iam:policy", "AWS::IAM::ManagedPolicy", name, None, None,
              {"PolicyName": name, "Arn": arn, "Path": f"/{path}", "DefaultVersionId": "v1",
               "AttachmentCount": 1, "IsAttachable": True, "CreateDate": "2015-02-06T18:39:46Z",
               "PolicyVersion": {"VersionId": "v1", "IsDefaultVersion": True, "Document": {
                   "Version": "2012-10-17", "Statement": [statement]}}})


def user(account: str, name: str, *, mfa: bool, key_created: str | None,
         policies: list[tuple[str, str]], console: bool = True) -> str:
    arn = f"arn:aws:iam::{account}:user/{name}"
    properties: dict[str, Any] = {
        "UserName": name, "UserId": "AIDA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "Arn": arn, "Path": "/", "CreateDate": "2023-01-09T14:00:00Z",
        "MFADevices": [{"UserName": name, "SerialNumber": f"arn:aws:iam::{account}:mfa/{name}",
                        "EnableDate": "2023-01-09T14:05:00Z"}] if mfa else [],
        "AccessKeys": [{"UserName": name, "AccessKeyId": "AKIA" + name.upper().replace("-", "")
                        [:12].ljust(16, "7"), "Status": "Active", "CreateDate": key_created}]
        if key_created else [],
        "AttachedPolicies": [{"PolicyName": n, "PolicyArn": a} for n, a in policies]}
    if console:
        properties["PasswordLastUsed"] = "2026-01-10T08:12:00Z"
        properties["LoginProfile"] = {"UserName": name, "CreateDate": "2023-01-09T14:00:00Z",
                                      "PasswordResetRequired": False}
    asset(arn, "aws:iam:user", "AWS::IAM::User", name, account, None, properties)
    for _, policy in policies:
        edge(arn, "HAS_POLICY", policy)
    return arn


def build_aws() -> None:
    managed_policies()
    for (account, region), key in KMS_KEYS.items():
        kms_key(account, region, key.rsplit("/", 1)[1])
    # Production, us-east-1: the exposure path lives here.
    net = aws_network(PROD, "us-east-1", 1, "10.0.0.0/16", "prod")
    ssh_open = security_group(PROD, "us-east-1", "sg-0a1b2c3d4e5f60001", "bastion-ssh",
                              net["vpc_id"], [rule(22, "0.0.0.0/0", "temporary - remove")],
                              "prod")
    web = security_group(PROD, "us-east-1", "sg-0a1b2c3d4e5f60002", "web-https", net["vpc_id"],
                         [rule(443, "0.0.0.0/0"), rule(80, "0.0.0.0/0")], "prod")
    app = security_group(PROD, "us-east-1", "sg-0a1b2c3d4e5f60003", "app-internal",
                         net["vpc_id"], [rule(8080, "10.0.0.0/16")], "prod")
    database = security_group(PROD, "us-east-1", "sg-0a1b2c3d4e5f60004", "db-postgres",
                              net["vpc_id"], [rule(5432, "10.0.128.0/24")], "prod")
    admin = role(PROD, "admin-role", [("AdministratorAccess", ADMIN_POLICY)])
    app_role = role(PROD, "app-role", [("AmazonS3ReadOnlyAccess",
                                        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")])
    admin_profile = profile(PROD, "admin-profile", admin)
    app_profile = profile(PROD, "app-profile", app_role)
    role(PROD, "lambda-orders-role", [("AWSLambdaBasicExecutionRole",
                                       "arn:aws:iam::aws:policy/service-role/"
                                       "AWSLambdaBasicExecutionRole")],
         {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
              "Action": "sts:AssumeRole"}]})
    bastion = instance(PROD, "us-east-1", "i-0a1b2c3d4e5f60001", "bastion-prod", net,
                       [ssh_open], public_ip="54.210.167.204", profile=admin_profile,
                       role=admin, private_ip="10.0.0.10", volume_encrypted=False,
                       kind="t3.micro")
    web_one = instance(PROD, "us-east-1", "i-0a1b2c3d4e5f60002", "web-prod-1", net,
                       [web, app], profile=app_profile, role=app_role, private_ip="10.0.128.21")
    instance(PROD, "us-east-1", "i-0a1b2c3d4e5f60003", "web-prod-2", net, [web, app],
             profile=app_profile, role=app_role, private_ip="10.0.128.22")
    balancer = f"arn:aws:elasticloadbalancing:us-east-1:{PROD}:loadbalancer/app/web-prod/50dc6c495c0c9188"
    asset(balancer, "aws:elasticloadbalancing:load-balancer", "AWS::ElasticLoadBalancingV2::LoadBalancer",
          "web-prod", PROD, "us-east-1",
          {"LoadBalancerArn": balancer, "LoadBalancerName": "web-prod", "Scheme": "internet-facing",
           "Type": "application", "VpcId": net["vpc_id"], "SecurityGroups": ["sg-0a1b2c3d4e5f60002"],
           "DNSName": "web-prod-1234567890.us-east-1.elb.amazonaws.com",
           "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": net["public_id"]}],
           "State": {"Code": "active"}}, {"env": "prod", "app": "web"})
    edge(balancer, "PROTECTED_BY", web)
    edge(balancer, "IN_SUBNET", net["public"])
    edge(balancer, "ROUTES_TO", web_one)
    database_arn = f"arn:aws:rds:us-east-1:{PROD}:db:orders-prod"
    asset(database_arn, "aws:rds:db-instance", "AWS::RDS::DBInstance", "orders-prod", PROD,
          "us-east-1",
          {"DBInstanceIdentifier": "orders-prod", "DBInstanceArn": database_arn,
           "Engine": "postgres", "EngineVersion": "16.3", "DBInstanceClass": "db.r6g.large",
           "PubliclyAccessible": False, "StorageEncrypted": True,
           "KmsKeyId": KMS_KEYS[(PROD, "us-east-1")], "MultiAZ": True,
           "Endpoint": {"Address": "orders-prod.c9akciq32.us-east-1.rds.amazonaws.com",
                        "Port": 5432},
           "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0a1b2c3d4e5f60004",
                                  "Status": "active"}],
           "DBSubnetGroup": {"DBSubnetGroupName": "orders", "VpcId": net["vpc_id"],
                             "Subnets": [{"SubnetIdentifier": net["private_id"]}]},
           "BackupRetentionPeriod": 14, "DeletionProtection": True},
          {"env": "prod", "app": "orders"})
    edge(database_arn, "PROTECTED_BY", database)
    edge(database_arn, "IN_SUBNET", net["private"])
    edge(database_arn, "ENCRYPTED_BY", KMS_KEYS[(PROD, "us-east-1")])
    function = f"arn:aws:lambda:us-east-1:{PROD}:function:orders-events"
    asset(function, "aws:lambda:function", "AWS::Lambda::Function", "orders-events", PROD,
          "us-east-1",
          {"FunctionName": "orders-events", "FunctionArn": function, "Runtime": "python3.12",
           "Role": f"arn:aws:iam::{PROD}:role/lambda-orders-role", "Handler": "app.handler",
           "MemorySize": 256, "Timeout": 30, "LastModified": "2025-12-01T10:00:00.000+0000",
           "VpcConfig": {"SubnetIds": [net["private_id"]],
                         "SecurityGroupIds": ["sg-0a1b2c3d4e5f60003"], "VpcId": net["vpc_id"]}},
          {"env": "prod", "app": "orders"})
    edge(function, "HAS_ROLE", f"arn:aws:iam::{PROD}:role/lambda-orders-role")
    edge(function, "IN_SUBNET", net["private"])
    cluster = f"arn:aws:eks:us-east-1:{PROD}:cluster/platform-prod"
    asset(cluster, "aws:eks:cluster", "AWS::EKS::Cluster", "platform-prod", PROD, "us-east-1",
          {"name": "platform-prod", "arn": cluster, "version": "1.30", "status": "ACTIVE",
           "roleArn": f"arn:aws:iam::{PROD}:role/eks-cluster-role",
           "resourcesVpcConfig": {"subnetIds": [net["private_id"]], "vpcId": net["vpc_id"],
                                  "endpointPublicAccess": False, "endpointPrivateAccess": True,
                                  "publicAccessCidrs": []}}, {"env": "prod"})
    edge(cluster, "IN_NETWORK", net["vpc"])
    trail = f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/organization-trail"
    asset(trail, "aws:cloudtrail:trail", "AWS::CloudTrail::Trail", "organization-trail", PROD,
          "us-east-1",
          {"Name": "organization-trail", "TrailARN": trail, "S3BucketName": "acme-audit-logs",
           "IsMultiRegionTrail": True, "LogFileValidationEnabled": True,
           "KmsKeyId": KMS_KEYS[(PROD, "us-east-1")], "HomeRegion": "us-east-1",
           "Status": {"IsLogging": True}})
    # Production, eu-west-1: ordinary, well configured.
    net_eu = aws_network(PROD, "eu-west-1", 2, "10.1.0.0/16", "prod")
    app_eu = security_group(PROD, "eu-west-1", "sg-0b1c2d3e4f5a60001", "app-internal",
                            net_eu["vpc_id"], [rule(8080, "10.1.0.0/16")], "prod")
    instance(PROD, "eu-west-1", "i-0b1c2d3e4f5a60001", "api-prod-eu-1", net_eu, [app_eu],
             profile=app_profile, role=app_role, private_ip="10.1.128.11")
    instance(PROD, "eu-west-1", "i-0b1c2d3e4f5a60002", "api-prod-eu-2", net_eu, [app_eu],
             profile=app_profile, role=app_role, private_ip="10.1.128.12")
    # Development account: one network per region, a few instances.
    for number, region, cidr in ((3, "us-east-1", "10.20.0.0/16"), (4, "eu-west-1", "10.21.0.0/16")):
        dev_net = aws_network(DEV, region, number, cidr, "dev")
        group = security_group(DEV, region, f"sg-0c{number}d2e3f4a5b60001", "dev-internal",
                               dev_net["vpc_id"], [rule(22, "10.0.0.0/8"),
                                                   rule(8080, cidr)], "dev")
        instance(DEV, region, f"i-0c{number}d2e3f4a5b60001", f"ci-runner-{region}", dev_net,
                 [group], env="dev", private_ip=cidr.replace("0.0/16", "128.31"))
    # Global services: buckets and identities.
    bucket(PROD, "acme-public-assets", "us-east-1", public=True)
    bucket(PROD, "acme-audit-logs", "us-east-1")
    bucket(PROD, "acme-orders-exports", "eu-west-1")
    bucket(DEV, "acme-dev-scratch", "us-east-1")
    read_only = ("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    user(PROD, "legacy-deploy", mfa=False, key_created="2023-03-14T11:20:00Z",
         policies=[("AmazonEC2FullAccess", "arn:aws:iam::aws:policy/AmazonEC2FullAccess")],
         console=True)
    # Without access keys: an ordinary console user with MFA, and a CI identity that
    # federates through OIDC (so no key ages into a finding as the estate gets older).
    user(PROD, "alice", mfa=True, key_created=None, policies=[read_only])
    user(DEV, "ci-bot", mfa=False, key_created=None, policies=[read_only], console=False)
    role(DEV, "dev-app-role", [read_only])
    assert bastion.endswith("i-0a1b2c3d4e5f60001")


# Azure --------------------------------------------------------------------------------
def arm_id(group: str, provider: str, path: str) -> str:
    return (f"/subscriptions/{SUBSCRIPTION}/resourcegroups/{group}/providers/{provider}/"
            f"{path}").lower()


def arm(resource_id: str, asset_type: str, native: str, name: str, location: str,
        properties: dict[str, Any], tags: dict[str, str] | None = None,
        **extra: Any) -> str:
    """An ARM resource: the body as Resource Manager returns it."""
    body = {"id": resource_id, "name": name, "type": native, "location": location,
            "tags": tags or {}, **extra, "properties": properties}
    return asset(resource_id, asset_type, native, name, SUBSCRIPTION, location, body, tags)


def nsg_rule(name: str, port: str, source: str, priority: int,
             access: str = "Allow") -> dict[str, Any]:
    return {"name": name, "properties": {
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": port,
        "sourceAddressPrefix": source, "destinationAddressPrefix": "*", "access": access,
        "priority": priority, "direction": "Inbound", "provisioningState": "Succeeded"}}


def build_azure() -> None:
    group_name, location = "rg-prod-eastus", "eastus"
    group = f"/subscriptions/{SUBSCRIPTION}/resourcegroups/{group_name}"
    asset(group, "azure:resources:resource-group", "Microsoft.Resources/resourceGroups",
          group_name, SUBSCRIPTION, location,
          {"id": group, "name": group_name, "type": "Microsoft.Resources/resourceGroups",
           "location": location, "tags": {"env": "prod"},
           "properties": {"provisioningState": "Succeeded"}}, {"env": "prod"})
    vnet = arm(arm_id(group_name, "microsoft.network", "virtualnetworks/vnet-prod"),
               "azure:network:virtual-network", "Microsoft.Network/virtualNetworks",
               "vnet-prod", location,
               {"addressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
                "provisioningState": "Succeeded"}, {"env": "prod"})
    edge(group, "CONTAINS", vnet)
    rdp_open = arm(arm_id(group_name, "microsoft.network", "networksecuritygroups/nsg-jump"),
                   "azure:network:network-security-group",
                   "Microsoft.Network/networkSecurityGroups", "nsg-jump", location,
                   {"securityRules": [nsg_rule("allow-rdp", "3389", "Internet", 100),
                                      nsg_rule("allow-https", "443", "*", 110)],
                    "provisioningState": "Succeeded"}, {"env": "prod"})
    app_nsg = arm(arm_id(group_name, "microsoft.network", "networksecuritygroups/nsg-app"),
                  "azure:network:network-security-group",
                  "Microsoft.Network/networkSecurityGroups", "nsg-app", location,
                  {"securityRules": [nsg_rule("allow-app", "8443", "10.50.0.0/16", 100),
                                     nsg_rule("deny-all", "*", "*", 4000, "Deny")],
                   "provisioningState": "Succeeded"}, {"env": "prod"})
    subnets = {}
    for name, prefix, nsg in (("snet-jump", "10.50.0.0/24", rdp_open),
                              ("snet-app", "10.50.1.0/24", app_nsg)):
        subnet = arm(arm_id(group_name, "microsoft.network",
                            f"virtualnetworks/vnet-prod/subnets/{name}"),
                     "azure:network:subnet", "Microsoft.Network/virtualNetworks/subnets", name,
                     location, {"addressPrefix": prefix, "networkSecurityGroup": {"id": nsg},
                                "provisioningState": "Succeeded"})
        edge(subnet, "IN_NETWORK", vnet)
        edge(subnet, "PROTECTED_BY", nsg)
        subnets[name] = subnet
    principals = {}
    for vm_name, subnet_name, nsg, public in (("vm-jump-01", "snet-jump", rdp_open, True),
                                              ("vm-app-01", "snet-app", app_nsg, False),
                                              ("vm-app-02", "snet-app", app_nsg, False)):
        nic_id = arm_id(group_name, "microsoft.network", f"networkinterfaces/{vm_name}-nic")
        vm_id = arm_id(group_name, "microsoft.compute", f"virtualmachines/{vm_name}")
        disk_id = arm_id(group_name, "microsoft.compute", f"disks/{vm_name}-osdisk")
        ip_config: dict[str, Any] = {"privateIPAddress": "10.50.0.4" if public else "10.50.1.5",
                                     "subnet": {"id": subnets[subnet_name]}}
        if public:
            ip_id = arm_id(group_name, "microsoft.network", f"publicipaddresses/{vm_name}-ip")
            ip_config["publicIPAddress"] = {"id": ip_id}
            arm(ip_id, "azure:network:public-ip-address", "Microsoft.Network/publicIPAddresses",
                f"{vm_name}-ip", location,
                {"ipAddress": "20.121.44.17", "publicIPAllocationMethod": "Static",
                 "ipConfiguration": {"id": nic_id + "/ipconfigurations/ipconfig1"}},
                sku={"name": "Standard"})
            edge(ip_id, "ATTACHED_TO", nic_id)
            edge(vm_id, "EXPOSED_BY", ip_id)
        arm(nic_id, "azure:network:network-interface", "Microsoft.Network/networkInterfaces",
            f"{vm_name}-nic", location,
            {"ipConfigurations": [{"name": "ipconfig1", "properties": ip_config}],
             "networkSecurityGroup": {"id": nsg}, "virtualMachine": {"id": vm_id}})
        edge(nic_id, "ATTACHED_TO", vm_id)
        edge(nic_id, "IN_SUBNET", subnets[subnet_name])
        edge(nic_id, "PROTECTED_BY", nsg)
        arm(vm_id, "azure:compute:virtual-machine", "Microsoft.Compute/virtualMachines",
            vm_name, location,
            {"vmId": f"3c5b{len(vm_name):04d}-8d2e-4f1a-9b7c-2e6f1d0a{len(subnet_name):04d}",
             "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
             "storageProfile": {"osDisk": {"name": f"{vm_name}-osdisk",
                                           "managedDisk": {"id": disk_id}}},
             "osProfile": {"computerName": vm_name, "adminUsername": "azureops"},
             "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
             "provisioningState": "Succeeded"}, {"env": "prod", "app": vm_name.split("-")[1]},
            identity={"type": "SystemAssigned", "tenantId": TENANT,
                      "principalId": f"9d1c{len(vm_name):04d}-5e7a-4b2c-8f3d-{vm_name[-2:]}"
                                     "0a7e6b5c4d"})
        principals[vm_name] = vm_id
        edge(vm_id, "IN_SUBNET", subnets[subnet_name])
        edge(group, "CONTAINS", vm_id)
        arm(disk_id, "azure:compute:disk", "Microsoft.Compute/disks", f"{vm_name}-osdisk",
            location, {"diskSizeGB": 128, "diskState": "Attached",
                       "encryption": {"type": "EncryptionAtRestWithPlatformKey"}},
            managedBy=vm_id, sku={"name": "Premium_LRS"})
        edge(disk_id, "ATTACHED_TO", vm_id)
    jump = next(a for a in assets if a["id"] == principals["vm-jump-01"])
    role_assignment(jump["id"], jump["properties"]["identity"]["principalId"], OWNER_ROLE,
                    "3f8c2a1e-7b6d-4e5f-9a0b-1c2d3e4f5a6b")
    for name, public in (("stacmepublicdata", True), ("stacmeprodlogs", False)):
        arm(arm_id(group_name, "microsoft.storage", f"storageaccounts/{name}"),
            "azure:storage:storage-account", "Microsoft.Storage/storageAccounts", name, location,
            {"allowBlobPublicAccess": public, "supportsHttpsTrafficOnly": True,
             "minimumTlsVersion": "TLS1_2",
             "networkAcls": {"defaultAction": "Allow" if public else "Deny", "bypass":
                             "AzureServices", "ipRules": [], "virtualNetworkRules": []},
             "encryption": {"keySource": "Microsoft.Storage",
                            "services": {"blob": {"enabled": True}}},
             "provisioningState": "Succeeded"}, {"env": "prod"},
            kind="StorageV2", sku={"name": "Standard_LRS", "tier": "Standard"})
    for name, purge in (("kv-acme-prod", False), ("kv-acme-secrets", True)):
        vault = {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                 "sku": {"family": "A", "name": "standard"}, "enableSoftDelete": True,
                 "softDeleteRetentionInDays": 90, "enableRbacAuthorization": True,
                 "vaultUri": f"https://{name}.vault.azure.net/", "provisioningState": "Succeeded"}
        if purge:
            vault["enablePurgeProtection"] = True
        arm(arm_id(group_name, "microsoft.keyvault", f"vaults/{name}"), "azure:keyvault:vault",
            "Microsoft.KeyVault/vaults", name, location, vault, {"env": "prod"})
    server = arm(arm_id(group_name, "microsoft.sql", "servers/sql-acme-prod"),
                 "azure:sql:server", "Microsoft.Sql/servers", "sql-acme-prod", location,
                 {"administratorLogin": "sqladmin", "version": "12.0", "state": "Ready",
                  "publicNetworkAccess": "Disabled", "minimalTlsVersion": "1.2",
                  "fullyQualifiedDomainName": "sql-acme-prod.database.windows.net"},
                 {"env": "prod"})
    edge(group, "CONTAINS", server)


def role_assignment(principal_resource: str, principal_id: str, role: str, name: str) -> str:
    """A role assignment on the subscription (RoleAssignments_ListForSubscription element);
    the principal's resource HAS_ROLE it, as ``cloudscope.detect.principals`` would link."""
    scope = f"/subscriptions/{SUBSCRIPTION}"
    assignment_id = f"{scope}/providers/microsoft.authorization/roleassignments/{name}"
    asset(assignment_id, "azure:authorization:role-assignment",
          "Microsoft.Authorization/roleAssignments", name, SUBSCRIPTION, None,
          {"id": assignment_id, "name": name, "type": "Microsoft.Authorization/roleAssignments",
           "properties": {"roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/"
                                              f"roleDefinitions/{role}",
                          "principalId": principal_id, "principalType": "ServicePrincipal",
                          "scope": scope, "createdOn": "2024-03-11T09:12:44.1234567Z",
                          "updatedOn": "2024-03-11T09:12:44.1234567Z"}})
    edge(principal_resource, "HAS_ROLE", assignment_id, principal_id=principal_id)
    return assignment_id


# GCP ----------------------------------------------------------------------------------
def gcp(service: str, path: str, asset_type: str, native: str, name: str, region: str | None,
        data: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """A Cloud Asset resource: the id is its full resource name, properties resource.data."""
    resource = f"//{service}.googleapis.com/projects/{PROJECT}/{path}"
    return asset(resource, asset_type, native, name, PROJECT, region,
                 {**data, **({"labels": labels} if labels else {})}, labels)


def build_gcp() -> None:
    base = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
    account_email = f"etl-runner@{PROJECT}.iam.gserviceaccount.com"
    # The project's IAM policy (Cloud Asset's iamPolicy): the ETL runner, which the public
    # bastion also runs as, holds the primitive editor role.
    policy = {"version": 1, "etag": "BwYtBx3vZ1s=", "bindings": [
        {"role": "roles/owner", "members": [f"group:platform-admins@{PROJECT}.example"]},
        {"role": "roles/editor", "members": [f"serviceAccount:{account_email}"]}]}
    project = asset(f"//cloudresourcemanager.googleapis.com/projects/{PROJECT}",
                    "gcp:cloudresourcemanager:project",
                    "cloudresourcemanager.googleapis.com/Project", PROJECT, PROJECT, None,
                    {"projectNumber": "417294011823", "projectId": PROJECT,
                     "lifecycleState": "ACTIVE", "name": "acme analytics prod",
                     "parent": {"type": "organization", "id": "123456789012"},
                     "iamPolicy": policy})
    network = gcp("compute", "global/networks/analytics-vpc", "gcp:compute:network",
                  "compute.googleapis.com/Network", "analytics-vpc", None,
                  {"name": "analytics-vpc", "autoCreateSubnetworks": False,
                   "selfLink": f"{base}/global/networks/analytics-vpc",
                   "routingConfig": {"routingMode": "REGIONAL"}})
    edge(project, "CONTAINS", network)
    subnet = gcp("compute", "regions/europe-west1/subnetworks/analytics-ew1",
                 "gcp:compute:subnetwork", "compute.googleapis.com/Subnetwork", "analytics-ew1",
                 "europe-west1",
                 {"name": "analytics-ew1", "ipCidrRange": "10.80.0.0/20",
                  "network": f"{base}/global/networks/analytics-vpc",
                  "region": f"{base}/regions/europe-west1", "privateIpGoogleAccess": True})
    edge(subnet, "IN_NETWORK", network)
    firewalls = {}
    for name, port, ranges, tags in (("allow-ssh-anywhere", "22", ["0.0.0.0/0"], ["bastion"]),
                                     ("allow-internal", "8080", ["10.80.0.0/20"], ["worker"])):
        firewalls[name] = gcp("compute", f"global/firewalls/{name}", "gcp:compute:firewall",
                              "compute.googleapis.com/Firewall", name, None,
                              {"name": name, "network": f"{base}/global/networks/analytics-vpc",
                               "direction": "INGRESS", "priority": 1000, "disabled": False,
                               "sourceRanges": ranges, "targetTags": tags,
                               "allowed": [{"IPProtocol": "tcp", "ports": [port]}]})
        edge(firewalls[name], "IN_NETWORK", network)
    service_account = asset(f"//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/"
                            f"{account_email}", "gcp:iam:service-account",
                            "iam.googleapis.com/ServiceAccount", "etl-runner", PROJECT, None,
                            {"email": account_email, "displayName": "ETL runner",
                             "uniqueId": "104729384756102938475", "disabled": False,
                             "projectId": PROJECT})
    key_name = "3f2a9c4b7d1e8f60a5b4c3d2e1f0a9b8c7d6e5f4"
    key = asset(f"//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/{account_email}/keys/"
                f"{key_name}", "gcp:iam:service-account-key",
                "iam.googleapis.com/ServiceAccountKey", key_name, PROJECT, None,
                {"name": f"projects/{PROJECT}/serviceAccounts/{account_email}/keys/{key_name}",
                 "keyType": "USER_MANAGED", "keyAlgorithm": "KEY_ALG_RSA_2048",
                 "keyOrigin": "GOOGLE_PROVIDED", "validAfterTime": "2024-04-02T10:00:00Z",
                 "validBeforeTime": "9999-12-31T23:59:59Z"})
    edge(key, "ATTACHED_TO", service_account)
    for name, tag, public_ip in (("bastion-ew1", "bastion", "34.76.120.9"),
                                 ("etl-worker-1", "worker", None),
                                 ("etl-worker-2", "worker", None)):
        interface: dict[str, Any] = {"network": f"{base}/global/networks/analytics-vpc",
                                     "subnetwork": f"{base}/regions/europe-west1/subnetworks/"
                                                   "analytics-ew1",
                                     "networkIP": f"10.80.0.{len(name)}"}
        if public_ip:
            interface["accessConfigs"] = [{"name": "External NAT", "type": "ONE_TO_ONE_NAT",
                                           "natIP": public_ip}]
        machine = gcp("compute", f"zones/europe-west1-b/instances/{name}",
                      "gcp:compute:instance", "compute.googleapis.com/Instance", name,
                      "europe-west1-b",
                      {"name": name, "status": "RUNNING",
                       "machineType": f"{base}/zones/europe-west1-b/machineTypes/e2-standard-4",
                       "networkInterfaces": [interface], "tags": {"items": [tag]},
                       "serviceAccounts": [{"email": account_email, "scopes": [
                           "https://www.googleapis.com/auth/cloud-platform"]}],
                       "disks": [{"source": f"{base}/zones/europe-west1-b/disks/{name}",
                                  "boot": True}],
                       "shieldedInstanceConfig": {"enableSecureBoot": True}},
                      {"env": "prod", "team": "data"})
        edge(machine, "IN_SUBNET", subnet)
        edge(machine, "IN_NETWORK", network)
        edge(machine, "HAS_ROLE", service_account)
        edge(machine, "PROTECTED_BY", firewalls["allow-ssh-anywhere" if tag == "bastion"
                                                else "allow-internal"])
        disk = gcp("compute", f"zones/europe-west1-b/disks/{name}", "gcp:compute:disk",
                   "compute.googleapis.com/Disk", name, "europe-west1-b",
                   {"name": name, "sizeGb": "50", "status": "READY",
                    "type": f"{base}/zones/europe-west1-b/diskTypes/pd-balanced",
                    "users": [f"{base}/zones/europe-west1-b/instances/{name}"]})
        edge(disk, "ATTACHED_TO", machine)
    for name, public in (("acme-analytics-public-reports", True), ("acme-analytics-raw", False)):
        members = ["allUsers"] if public else [f"serviceAccount:{account_email}"]
        role_name = "roles/storage.objectViewer" if public else "roles/storage.objectAdmin"
        storage = asset(f"//storage.googleapis.com/{name}", "gcp:storage:bucket",
                        "storage.googleapis.com/Bucket", name, PROJECT, "europe-west1",
                        {"name": name, "location": "EUROPE-WEST1", "storageClass": "STANDARD",
                         "iamConfiguration": {
                             "uniformBucketLevelAccess": {"enabled": True},
                             "publicAccessPrevention": "inherited" if public else "enforced"},
                         "versioning": {"enabled": not public},
                         "iamPolicy": {"bindings": [{"role": role_name, "members": members}]}},
                        {"env": "prod", "team": "data"})
        edge(project, "CONTAINS", storage)
    networks = [{"name": "anywhere", "value": "0.0.0.0/0"}]
    sql = gcp("sqladmin", "instances/analytics-pg", "gcp:sqladmin:instance",
              "sqladmin.googleapis.com/Instance", "analytics-pg", "europe-west1",
              {"name": "analytics-pg", "databaseVersion": "POSTGRES_15", "state": "RUNNABLE",
               "region": "europe-west1", "settings": {
                   "tier": "db-custom-2-7680", "availabilityType": "REGIONAL",
                   "ipConfiguration": {"ipv4Enabled": True, "requireSsl": False,
                                       "authorizedNetworks": networks},
                   "backupConfiguration": {"enabled": True}}})
    edge(project, "CONTAINS", sql)


def main() -> None:
    """Build every cloud's assets and write estate.json beside this script."""
    build_aws()
    build_azure()
    build_gcp()
    ids = [item["id"] for item in assets]
    assert len(ids) == len(set(ids)), "duplicate ids"
    target = Path(__file__).with_name("estate.json")
    document = {"assets": assets, "relationships": relationships}
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"{target}: {len(assets)} assets, {len(relationships)} relationships")


if __name__ == "__main__":
    main()
