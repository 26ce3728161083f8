"""Estates built in moto's server with boto3, for the AWS plugin's tests and benchmark.

moto quirks these builders work around (measured with moto 5.2):
- ``DescribeImages`` costs about 1 s per region, so instances use a fixed AMI id
  (``ami-12c6146b``, one of moto's bundled images) and nothing looks images up.
- Every region has a default VPC with its subnets, security group, route table, network
  ACL and internet gateway: an inventory holds more than what a builder made.
- ``RunInstances`` costs about 19 ms an instance: batch with ``MaxCount``.
- ``GetAccountAuthorizationDetails`` omits ``PolicyName`` and ``PolicyId`` from
  customer-managed policies (AWS returns them); the collector names a policy from its ARN.
- ``ListBuckets`` returns no ``BucketRegion`` (AWS does to a paged call): the collector
  falls back to ``GetBucketLocation``, which moto answers. The proxy in ``aws_proxy.py``
  can page it as AWS does.
- AWS-managed IAM policies exist only with ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` set
  before the server starts; attaching one otherwise fails, so estates attach their own.
- Security groups, subnets and Lambda ``ListFunctions`` ignore page sizes (the collector
  sets none for them), and ``ListBuckets`` with ``MaxBuckets`` truncates without a
  continuation token: the collector completes a full last page with one unpaged call.
- ``ListFunctionUrlConfigs`` is not implemented (the collector reads
  ``GetFunctionUrlConfig``); ``AddPermission`` with ``FunctionUrlAuthType`` puts the key at
  the statement's top level where AWS writes a ``Condition``.
- ``ListAccounts`` outside an organization answers an empty list (AWS:
  ``AWSOrganizationsNotInUseException``); KMS does not evaluate key policies (denials come
  from the proxy); IAM policies are enforced for S3 once ``/moto-api/reset-auth`` sets
  the free request count to 0.
- AssumeRole succeeds for any role ARN; the returned credentials act in the role's
  account, which is how multi-account tests select accounts.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3

AMI = "ami-12c6146b"
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
ADMIN = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_ONLY = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def function_zip() -> bytes:
    """A deployable Lambda package (moto stores it; nothing runs it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@dataclass
class Estate:
    """What a builder made: ids and ARNs by role in the estate, for assertions."""

    account: str
    region: str
    ids: dict[str, str] = field(default_factory=dict)

    def ec2_arn(self, kind: str, key: str) -> str:
        """The ARN of the EC2 resource stored under ``key``."""
        return f"arn:aws:ec2:{self.region}:{self.account}:{kind}/{self.ids[key]}"


def lambda_function(session: boto3.Session, name: str, region: str = "us-east-1") -> str:
    """A Python function with an execution role of its own; its ARN."""
    role = session.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    return str(session.client("lambda", region_name=region).create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": function_zip()})["FunctionArn"])


def full_estate(session: boto3.Session, region: str = "us-east-1",
                bucket_region: str = "eu-west-1") -> Estate:
    """One of every collected type, wired together, in one region (a bucket elsewhere)."""
    account = session.client("sts").get_caller_identity()["Account"]
    estate = Estate(account, region)
    ids = estate.ids
    ec2 = session.client("ec2", region_name=region)
    iam = session.client("iam")
    kms = session.client("kms", region_name=region)

    key = kms.create_key(Description="estate key", Tags=[{"TagKey": "team", "TagValue": "sec"}])
    ids["key_arn"] = key["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/estate", TargetKeyId=key["KeyMetadata"]["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyMetadata"]["KeyId"])

    ids["vpc"] = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{
        "ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "estate-vpc"}]}])["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    ids["subnet"] = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.0.1.0/24",
                                      AvailabilityZone=zones[0])["Subnet"]["SubnetId"]
    ids["subnet2"] = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.0.2.0/24",
                                       AvailabilityZone=zones[1])["Subnet"]["SubnetId"]
    ids["sg"] = ec2.create_security_group(GroupName="web", Description="web",
                                          VpcId=ids["vpc"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ids["sg"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    ids["rtb"] = ec2.create_route_table(VpcId=ids["vpc"])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=ids["rtb"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=ids["igw"])
    ec2.associate_route_table(RouteTableId=ids["rtb"], SubnetId=ids["subnet"])
    ids["nat_eip"] = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ids["nat"] = ec2.create_nat_gateway(SubnetId=ids["subnet"], AllocationId=ids["nat_eip"]
                                        )["NatGateway"]["NatGatewayId"]
    ids["acl"] = ec2.create_network_acl(VpcId=ids["vpc"])["NetworkAcl"]["NetworkAclId"]

    policy = iam.create_policy(PolicyName="estate-admin", PolicyDocument=json.dumps(ADMIN))
    ids["policy_arn"] = policy["Policy"]["Arn"]
    # A newer version that is not the default: IAM enforces v1, so does the evaluation.
    iam.create_policy_version(PolicyArn=ids["policy_arn"], SetAsDefault=False,
                              PolicyDocument=json.dumps(READ_ONLY))
    role = iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
                           Tags=[{"Key": "team", "Value": "app"}])
    ids["role_arn"] = role["Role"]["Arn"]
    iam.attach_role_policy(RoleName="app-role", PolicyArn=ids["policy_arn"])
    iam.put_role_policy(RoleName="app-role", PolicyName="read-logs",
                        PolicyDocument=json.dumps(READ_ONLY))
    profile = iam.create_instance_profile(InstanceProfileName="app-profile")
    ids["profile_arn"] = profile["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app-role")
    lambda_role = iam.create_role(RoleName="fn-role",
                                  AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    ids["fn_role_arn"] = lambda_role["Role"]["Arn"]
    ids["group_arn"] = iam.create_group(GroupName="admins")["Group"]["Arn"]
    iam.attach_group_policy(GroupName="admins", PolicyArn=ids["policy_arn"])
    iam.put_group_policy(GroupName="admins", PolicyName="admins-inline",
                         PolicyDocument=json.dumps(READ_ONLY))
    ids["user_arn"] = iam.create_user(UserName="alice")["User"]["Arn"]
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=ids["policy_arn"])
    iam.put_user_policy(UserName="alice", PolicyName="alice-inline",
                        PolicyDocument=json.dumps(READ_ONLY))
    iam.create_login_profile(UserName="alice", Password="A-long-passw0rd!")
    ids["access_key"] = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]

    instance = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=ids["subnet"],
        SecurityGroupIds=[ids["sg"]], IamInstanceProfile={"Arn": ids["profile_arn"]},
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "Name", "Value": "web-1"}]}])["Instances"][0]
    ids["instance"] = instance["InstanceId"]
    ids["eni"] = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ids["volume"] = ec2.create_volume(AvailabilityZone=instance["Placement"]["AvailabilityZone"],
                                      Size=1, Encrypted=True, KmsKeyId=ids["key_arn"])["VolumeId"]
    ec2.attach_volume(VolumeId=ids["volume"], InstanceId=ids["instance"], Device="/dev/sdf")
    ids["eip"] = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=ids["eip"], NetworkInterfaceId=ids["eni"])

    _bucket(session, "estate-logs", bucket_region, ids["key_arn"])
    session.client("s3", region_name=region).create_bucket(Bucket="estate-public")
    session.client("s3", region_name=region).put_bucket_acl(Bucket="estate-public",
                                                            ACL="public-read")

    fn = session.client("lambda", region_name=region).create_function(
        FunctionName="estate-fn", Runtime="python3.12", Role=ids["fn_role_arn"],
        Handler="handler.handler", Code={"ZipFile": function_zip()},
        VpcConfig={"SubnetIds": [ids["subnet"]], "SecurityGroupIds": [ids["sg"]]},
        Tags={"team": "app"})
    ids["function_arn"] = fn["FunctionArn"]

    rds = session.client("rds", region_name=region)
    ids["db_subnet_group_arn"] = rds.create_db_subnet_group(
        DBSubnetGroupName="estate-db", DBSubnetGroupDescription="db",
        SubnetIds=[ids["subnet"], ids["subnet2"]])["DBSubnetGroup"]["DBSubnetGroupArn"]
    ids["db_arn"] = rds.create_db_instance(
        DBInstanceIdentifier="estate-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="A-long-passw0rd!", AllocatedStorage=20,
        DBSubnetGroupName="estate-db", VpcSecurityGroupIds=[ids["sg"]], StorageEncrypted=True,
        KmsKeyId=ids["key_arn"], PubliclyAccessible=True)["DBInstance"]["DBInstanceArn"]

    elb = session.client("elbv2", region_name=region)
    ids["lb_arn"] = elb.create_load_balancer(
        Name="estate-lb", Subnets=[ids["subnet"], ids["subnet2"]], SecurityGroups=[ids["sg"]],
        Scheme="internet-facing")["LoadBalancers"][0]["LoadBalancerArn"]
    ids["tg_arn"] = elb.create_target_group(Name="estate-tg", Protocol="HTTP", Port=80,
                                            VpcId=ids["vpc"], TargetType="instance"
                                            )["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=ids["tg_arn"], Targets=[{"Id": ids["instance"]}])
    ids["listener_arn"] = elb.create_listener(
        LoadBalancerArn=ids["lb_arn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["tg_arn"]}]
    )["Listeners"][0]["ListenerArn"]

    eks = session.client("eks", region_name=region)
    ids["cluster_arn"] = eks.create_cluster(
        name="estate-eks", roleArn=ids["role_arn"],
        resourcesVpcConfig={"subnetIds": [ids["subnet"], ids["subnet2"]],
                            "securityGroupIds": [ids["sg"]], "endpointPublicAccess": True},
        tags={"team": "platform"})["cluster"]["arn"]
    ids["nodegroup_arn"] = eks.create_nodegroup(
        clusterName="estate-eks", nodegroupName="workers", nodeRole=ids["role_arn"],
        subnets=[ids["subnet"]])["nodegroup"]["nodegroupArn"]

    cloudtrail = session.client("cloudtrail", region_name=region)
    session.client("s3", region_name=region).create_bucket(Bucket="estate-trail")
    ids["trail_arn"] = cloudtrail.create_trail(
        Name="estate-trail", S3BucketName="estate-trail", KmsKeyId=ids["key_arn"],
        IsMultiRegionTrail=True, EnableLogFileValidation=True)["TrailARN"]
    cloudtrail.start_logging(Name="estate-trail")
    return estate


def _bucket(session: boto3.Session, name: str, region: str, key_arn: str) -> None:
    s3 = session.client("s3", region_name=region)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                               "KMSMasterKeyID": key_arn}}]})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{name}/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "Name", "Value": "logs"}]})


def small_estate(session: boto3.Session, region: str = "us-east-1") -> dict[str, Any]:
    """A VPC with a subnet and one instance, a bucket, a role and a function: enough to
    tell scopes and services apart quickly."""
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                 SubnetId=subnet)["Instances"][0]["InstanceId"]
    account = session.client("sts").get_caller_identity()["Account"]
    # Bucket names are global across moto's accounts, as in AWS.
    session.client("s3", region_name=region).create_bucket(Bucket=f"small-{account}-{region}")
    role = session.client("iam").create_role(
        RoleName="small-fn", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    function = session.client("lambda", region_name=region).create_function(
        FunctionName="small-fn", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": function_zip()})["FunctionArn"]
    return {"vpc": vpc, "subnet": subnet, "instance": instance, "role": role,
            "function": function}
