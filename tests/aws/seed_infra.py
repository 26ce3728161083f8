"""moto builders: DNS and CDN, identity and security, compute, networking, management and Organizations (registered in ``aws_seed.SEEDERS``)."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_estate import AMI, function_zip
from aws_seed import SEEDERS, TWO, Shared, not_seeded, seeds


# DNS and CDN ------------------------------------------------------------------------------
def _zone(s: Shared, name: str) -> str:
    return str(s.client("route53").create_hosted_zone(
        Name=f"{name}.example.com", CallerReference=f"{name}-{time.time()}"
    )["HostedZone"]["Id"].rsplit("/", 1)[-1])


@seeds("aws:route53:hosted-zone")
def _zones(s: Shared) -> list[str]:
    return [f"arn:aws:route53:::hostedzone/{_zone(s, f'seed-{n}')}" for n in TWO]


@seeds("aws:route53:record-set")
def _records(s: Shared) -> list[str]:
    zone = _zone(s, "seed-records")
    s.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": f"{n}.seed-records.example.com.", "Type": "A", "TTL": 60,
            "ResourceRecords": [{"Value": "192.0.2.1"}]}} for n in TWO]})
    return [f"arn:aws:route53:::hostedzone/{zone}/recordset/{n}.seed-records.example.com./A"
            for n in TWO]


@seeds("aws:route53:health-check")
def _health_checks(s: Shared) -> list[str]:
    route53 = s.client("route53")
    return ["arn:aws:route53:::healthcheck/" + route53.create_health_check(
        CallerReference=f"seed-{n}-{time.time()}", HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": f"{n}.example.com", "Port": 443}
    )["HealthCheck"]["Id"] for n in TWO]


@seeds("aws:route53resolver:resolver-endpoint")
def _resolver_endpoints(s: Shared) -> list[str]:
    resolver = s.client("route53resolver")
    return [resolver.create_resolver_endpoint(
        CreatorRequestId=f"seed-{n}", Name=f"seed-{n}", SecurityGroupIds=[s.group],
        Direction="INBOUND", IpAddresses=[{"SubnetId": subnet} for subnet in s.subnets]
    )["ResolverEndpoint"]["Arn"] for n in TWO]


@seeds("aws:route53resolver:resolver-rule")
def _resolver_rules(s: Shared) -> list[str]:
    resolver = s.client("route53resolver")
    return [resolver.create_resolver_rule(
        CreatorRequestId=f"seed-rule-{n}", Name=f"seed-{n}", RuleType="SYSTEM",
        DomainName=f"{n}.example.com")["ResolverRule"]["Arn"] for n in TWO]


@seeds("aws:cloudfront:distribution")
def _distributions(s: Shared) -> list[str]:
    cloudfront = s.client("cloudfront")
    return [cloudfront.create_distribution(DistributionConfig={
        "CallerReference": f"seed-{n}-{time.time()}", "Comment": n, "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "origin.example.com",
                                              "CustomOriginConfig": {
                                                  "HTTPPort": 80, "HTTPSPort": 443,
                                                  "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                  "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}}}
    )["Distribution"]["ARN"] for n in TWO]


@not_seeded("aws:cloudfront:cloud-front-origin-access-identity")
def _origin_access_identities(s: Shared) -> list[str]:
    cloudfront = s.client("cloudfront")
    return ["arn:aws:cloudfront::123456789012:origin-access-identity/" +
            cloudfront.create_cloud_front_origin_access_identity(
                CloudFrontOriginAccessIdentityConfig={"CallerReference": f"seed-{n}",
                                                      "Comment": n}
            )["CloudFrontOriginAccessIdentity"]["Id"] for n in TWO]


@seeds("aws:cloudfront:origin-access-control")
def _origin_access_controls(s: Shared) -> list[str]:
    cloudfront = s.client("cloudfront")
    return ["arn:aws:cloudfront::123456789012:origin-access-control/" +
            cloudfront.create_origin_access_control(OriginAccessControlConfig={
                "Name": f"seed-{n}", "SigningProtocol": "sigv4", "SigningBehavior": "always",
                "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
            for n in TWO]


# Identity and security --------------------------------------------------------------------
def _user_pool(s: Shared, name: str) -> str:
    return str(s.client("cognito-idp").create_user_pool(PoolName=name)["UserPool"]["Id"])


@seeds("aws:cognito-idp:user-pool")
def _user_pools(s: Shared) -> list[str]:
    return [s.arn("cognito-idp", f"userpool/{_user_pool(s, f'seed-{n}')}") for n in TWO]


@seeds("aws:cognito-idp:user-pool-client")
def _user_pool_clients(s: Shared) -> list[str]:
    cognito = s.client("cognito-idp")
    pool = _user_pool(s, "seed-clients")
    return [s.arn("cognito-idp", f"userpool/{pool}/client/" + cognito.create_user_pool_client(
        UserPoolId=pool, ClientName=f"seed-{n}")["UserPoolClient"]["ClientId"]) for n in TWO]


@seeds("aws:cognito-identity:identity-pool")
def _identity_pools(s: Shared) -> list[str]:
    identity = s.client("cognito-identity")
    return [s.arn("cognito-identity", "identitypool/" + identity.create_identity_pool(
        IdentityPoolName=f"seed_{n}", AllowUnauthenticatedIdentities=False)["IdentityPoolId"])
        for n in TWO]


@seeds("aws:iam:saml-provider")
def _saml_providers(s: Shared) -> list[str]:
    iam = s.client("iam")
    metadata = ("<EntityDescriptor xmlns='urn:oasis:names:tc:SAML:2.0:metadata' "
                f"entityID='https://idp.example.com/{'x' * 1000}'/>")
    return [iam.create_saml_provider(Name=f"seed-{n}", SAMLMetadataDocument=metadata
                                     )["SAMLProviderArn"] for n in TWO]


@seeds("aws:iam:oidc-provider")
def _oidc_providers(s: Shared) -> list[str]:
    iam = s.client("iam")
    return [iam.create_open_id_connect_provider(
        Url=f"https://{n}.example.com", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"] for n in TWO]


@seeds("aws:iam:server-certificate")
def _server_certificates(s: Shared) -> list[str]:
    iam = s.client("iam")
    body = "-----BEGIN CERTIFICATE-----\nMIIBseed\n-----END CERTIFICATE-----"
    return [iam.upload_server_certificate(
        ServerCertificateName=f"seed-{n}", CertificateBody=body, PrivateKey="not-a-key"
    )["ServerCertificateMetadata"]["Arn"] for n in TWO]


@seeds("aws:iam:virtual-mfa-device")
def _virtual_mfa_devices(s: Shared) -> list[str]:
    iam = s.client("iam")
    return [iam.create_virtual_mfa_device(VirtualMFADeviceName=f"seed-{n}"
                                          )["VirtualMFADevice"]["SerialNumber"] for n in TWO]


def _waf(s: Shared, kind: str) -> list[str]:
    wafv2 = s.client("wafv2")
    made = []
    for n in TWO:
        if kind == "web-acl":
            made.append(wafv2.create_web_acl(
                Name=f"seed-{n}", Scope="REGIONAL", DefaultAction={"Allow": {}},
                VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled":
                                  False, "MetricName": n})["Summary"]["ARN"])
        elif kind == "ip-set":
            made.append(wafv2.create_ip_set(Name=f"seed-{n}", Scope="REGIONAL",
                                            IPAddressVersion="IPV4",
                                            Addresses=["192.0.2.0/24"])["Summary"]["ARN"])
        elif kind == "regex-pattern-set":
            made.append(wafv2.create_regex_pattern_set(
                Name=f"seed-{n}", Scope="REGIONAL",
                RegularExpressionList=[{"RegexString": "^x$"}])["Summary"]["ARN"])
        else:
            made.append(wafv2.create_rule_group(
                Name=f"seed-{n}", Scope="REGIONAL", Capacity=10,
                VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled":
                                  False, "MetricName": n})["Summary"]["ARN"])
    return made


for _kind in ("web-acl", "ip-set", "regex-pattern-set", "rule-group"):
    SEEDERS[f"aws:wafv2:{_kind}"] = lambda s, kind=_kind: _waf(s, kind)


@seeds("aws:guardduty:detector")
def _detectors(s: Shared) -> list[str]:
    detector = s.client("guardduty").create_detector(Enable=True)["DetectorId"]
    return [s.arn("guardduty", f"detector/{detector}")]


@not_seeded("aws:access-analyzer:analyzer")
def _analyzers(s: Shared) -> list[str]:
    analyzer = s.client("accessanalyzer")
    return [analyzer.create_analyzer(analyzerName=f"seed-{n}", type="ACCOUNT")["arn"]
            for n in TWO]


@seeds("aws:config:config-rule")
def _config_rules(s: Shared) -> list[str]:
    config = s.client("config")
    for n in TWO:
        config.put_config_rule(ConfigRule={"ConfigRuleName": f"seed-{n}", "Source": {
            "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
    return [rule["ConfigRuleArn"] for rule in config.describe_config_rules()["ConfigRules"]
            if rule["ConfigRuleName"].startswith("seed-")]


# Compute ----------------------------------------------------------------------------------
def _launch_template(s: Shared, name: str) -> str:
    return str(s.client("ec2").create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"])


@seeds("aws:ec2:launch-template")
def _launch_templates(s: Shared) -> list[str]:
    return [s.arn("ec2", f"launch-template/{_launch_template(s, f'seed-{n}')}") for n in TWO]


@seeds("aws:autoscaling:auto-scaling-group")
def _groups(s: Shared) -> list[str]:
    autoscaling = s.client("autoscaling")
    template = _launch_template(s, "seed-asg")
    for n in TWO:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"seed-{n}", MinSize=0, MaxSize=1, DesiredCapacity=0,
            LaunchTemplate={"LaunchTemplateId": template}, VPCZoneIdentifier=",".join(s.subnets))
    return [group["AutoScalingGroupARN"] for group in
            autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
            if group["AutoScalingGroupName"].startswith("seed-")]


@seeds("aws:autoscaling:launch-configuration")
def _launch_configurations(s: Shared) -> list[str]:
    autoscaling = s.client("autoscaling")
    for n in TWO:
        autoscaling.create_launch_configuration(LaunchConfigurationName=f"seed-{n}",
                                                ImageId=AMI, InstanceType="t3.micro")
    return [lc["LaunchConfigurationARN"] for lc in
            autoscaling.describe_launch_configurations()["LaunchConfigurations"]]


@seeds("aws:ec2:snapshot")
def _snapshots(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{s.region}a", Size=1)["VolumeId"]
    snapshots = [ec2.create_snapshot(VolumeId=volume, Description=n)["SnapshotId"] for n in TWO]
    return [f"arn:aws:ec2:{s.region}::snapshot/{snapshot}" for snapshot in snapshots]


@seeds("aws:ec2:image")
def _images(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    images = [ec2.create_image(InstanceId=instance["InstanceId"], Name=f"seed-{n}")["ImageId"]
              for n in TWO]
    return [f"arn:aws:ec2:{s.region}::image/{image}" for image in images]


@seeds("aws:ec2:key-pair")
def _key_pairs(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    for n in TWO:
        ec2.create_key_pair(KeyName=f"seed-{n}")
    return [s.arn("ec2", f"key-pair/seed-{n}") for n in TWO]


@not_seeded("aws:ec2:placement-group")
def _placement_groups(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    for n in TWO:
        ec2.create_placement_group(GroupName=f"seed-{n}", Strategy="cluster")
    return [group.get("GroupArn") or s.arn("ec2", f"placement-group/{group['GroupName']}")
            for group in ec2.describe_placement_groups()["PlacementGroups"]]


@seeds("aws:lambda:layer-version")
def _layers(s: Shared) -> list[str]:
    functions = s.client("lambda")
    return [functions.publish_layer_version(LayerName=f"seed-{n}", Content={
        "ZipFile": function_zip()})["LayerVersionArn"] for n in TWO]


@seeds("aws:lambda:event-source-mapping")
def _mappings(s: Shared) -> list[str]:
    functions = s.client("lambda")
    queues = [s.client("sqs").create_queue(QueueName=f"seed-source-{n}")["QueueUrl"]
              for n in TWO]
    arns = [s.arn("sqs", url.rsplit("/", 1)[-1]) for url in queues]
    mappings = [functions.create_event_source_mapping(EventSourceArn=queue,
                                                      FunctionName=s.function)
                for queue in arns]
    return [m.get("EventSourceMappingArn") or s.arn("lambda", f"event-source-mapping:{m['UUID']}")
            for m in mappings]


@seeds("aws:batch:compute-environment")
def _compute_environments(s: Shared) -> list[str]:
    batch = s.client("batch")
    return [batch.create_compute_environment(
        computeEnvironmentName=f"seed-{n}", type="UNMANAGED", serviceRole=s.role
    )["computeEnvironmentArn"] for n in TWO]


@seeds("aws:batch:job-definition")
def _job_definitions(s: Shared) -> list[str]:
    batch = s.client("batch")
    return [batch.register_job_definition(jobDefinitionName=f"seed-{n}", type="container",
                                          containerProperties={"image": "busybox", "vcpus": 1,
                                                               "memory": 128}
                                          )["jobDefinitionArn"] for n in TWO]


@seeds("aws:elasticbeanstalk:application")
def _beanstalk_applications(s: Shared) -> list[str]:
    beanstalk = s.client("elasticbeanstalk")
    return [beanstalk.create_application(ApplicationName=f"seed-{n}"
                                         )["Application"]["ApplicationArn"] for n in TWO]


@seeds("aws:elasticbeanstalk:environment")
def _beanstalk_environments(s: Shared) -> list[str]:
    beanstalk = s.client("elasticbeanstalk")
    beanstalk.create_application(ApplicationName="seed-environments")
    return [beanstalk.create_environment(ApplicationName="seed-environments",
                                         EnvironmentName=f"seed-{n}",
                                         SolutionStackName="64bit Amazon Linux 2023")[
        "EnvironmentArn"] for n in TWO]


@seeds("aws:states:state-machine")
def _state_machines(s: Shared) -> list[str]:
    states = s.client("stepfunctions")
    definition = json.dumps({"StartAt": "x", "States": {"x": {"Type": "Pass", "End": True}}})
    return [states.create_state_machine(name=f"seed-{n}", definition=definition,
                                        roleArn=s.role)["stateMachineArn"] for n in TWO]


@seeds("aws:states:activity")
def _activities(s: Shared) -> list[str]:
    states = s.client("stepfunctions")
    return [states.create_activity(name=f"seed-{n}")["activityArn"] for n in TWO]


@seeds("aws:sagemaker:notebook-instance")
def _notebooks(s: Shared) -> list[str]:
    sagemaker = s.client("sagemaker")
    return [sagemaker.create_notebook_instance(NotebookInstanceName=f"seed-{n}",
                                               InstanceType="ml.t3.medium", RoleArn=s.role
                                               )["NotebookInstanceArn"] for n in TWO]


@seeds("aws:sagemaker:model")
def _models(s: Shared) -> list[str]:
    sagemaker = s.client("sagemaker")
    return [sagemaker.create_model(ModelName=f"seed-{n}", ExecutionRoleArn=s.role,
                                   PrimaryContainer={"Image": "x"})["ModelArn"] for n in TWO]


@seeds("aws:sagemaker:endpoint-config")
def _endpoint_configs(s: Shared) -> list[str]:
    sagemaker = s.client("sagemaker")
    sagemaker.create_model(ModelName="seed-served", ExecutionRoleArn=s.role,
                           PrimaryContainer={"Image": "x"})
    return [sagemaker.create_endpoint_config(EndpointConfigName=f"seed-{n}", ProductionVariants=[{
        "VariantName": "v", "ModelName": "seed-served", "InitialInstanceCount": 1,
        "InstanceType": "ml.t2.medium"}])["EndpointConfigArn"] for n in TWO]


# Networking -------------------------------------------------------------------------------
@seeds("aws:ec2:vpc-endpoint")
def _vpc_endpoints(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [s.arn("ec2", "vpc-endpoint/" + ec2.create_vpc_endpoint(
        VpcId=s.vpc, ServiceName=f"com.amazonaws.{s.region}.{service}"
    )["VpcEndpoint"]["VpcEndpointId"]) for service in ("s3", "dynamodb")]


@seeds("aws:ec2:vpc-peering-connection")
def _peerings(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    peers = [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in (81, 82)]
    return [s.arn("ec2", "vpc-peering-connection/" + ec2.create_vpc_peering_connection(
        VpcId=s.vpc, PeerVpcId=peer)["VpcPeeringConnection"]["VpcPeeringConnectionId"])
        for peer in peers]


def _transit_gateway(s: Shared) -> str:
    if "tgw" not in s.ids:
        s.ids["tgw"] = s.client("ec2").create_transit_gateway()["TransitGateway"][
            "TransitGatewayId"]
    return str(s.ids["tgw"])


@seeds("aws:ec2:transit-gateway")
def _transit_gateways(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [s.arn("ec2", f"transit-gateway/{_transit_gateway(s)}"),
            ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayArn"]]


@seeds("aws:ec2:transit-gateway-attachment")
def _attachments(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    vpcs = [s.vpc, ec2.create_vpc(CidrBlock="10.83.0.0/16")["Vpc"]["VpcId"]]
    made = []
    for vpc in vpcs:
        subnet = s.subnets[0] if vpc == s.vpc else ec2.create_subnet(
            VpcId=vpc, CidrBlock="10.83.1.0/24")["Subnet"]["SubnetId"]
        made.append(ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=_transit_gateway(s), VpcId=vpc, SubnetIds=[subnet]
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"])
    return [s.arn("ec2", f"transit-gateway-attachment/{attachment}") for attachment in made]


@seeds("aws:ec2:transit-gateway-route-table")
def _tgw_route_tables(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [s.arn("ec2", "transit-gateway-route-table/" + ec2.create_transit_gateway_route_table(
        TransitGatewayId=_transit_gateway(s))["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"]) for _ in TWO]


@seeds("aws:ec2:egress-only-internet-gateway")
def _egress_only_gateways(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    vpcs = [s.vpc, ec2.create_vpc(CidrBlock="10.84.0.0/16")["Vpc"]["VpcId"]]
    return [s.arn("ec2", "egress-only-internet-gateway/" +
                  ec2.create_egress_only_internet_gateway(VpcId=vpc)[
                      "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"])
            for vpc in vpcs]


@seeds("aws:ec2:customer-gateway")
def _customer_gateways(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [s.arn("ec2", "customer-gateway/" + ec2.create_customer_gateway(
        Type="ipsec.1", PublicIp=f"198.51.100.{n}", BgpAsn=65000)["CustomerGateway"][
        "CustomerGatewayId"]) for n in (1, 2)]


@seeds("aws:ec2:vpn-gateway")
def _vpn_gateways(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [s.arn("ec2", "vpn-gateway/" + ec2.create_vpn_gateway(Type="ipsec.1")[
        "VpnGateway"]["VpnGatewayId"]) for _ in TWO]


@seeds("aws:ec2:vpn-connection")
def _vpn_connections(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    gateway = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    made = []
    for n in (3, 4):
        customer = ec2.create_customer_gateway(Type="ipsec.1", PublicIp=f"198.51.100.{n}",
                                               BgpAsn=65000)["CustomerGateway"]
        made.append(ec2.create_vpn_connection(
            Type="ipsec.1", CustomerGatewayId=customer["CustomerGatewayId"],
            VpnGatewayId=gateway)["VpnConnection"]["VpnConnectionId"])
    return [s.arn("ec2", f"vpn-connection/{connection}") for connection in made]


@seeds("aws:ec2:dhcp-options")
def _dhcp_options(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [s.arn("ec2", "dhcp-options/" + ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": [f"{n}.internal"]}])["DhcpOptions"]["DhcpOptionsId"])
        for n in TWO]


@seeds("aws:ec2:prefix-list")
def _prefix_lists(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    return [ec2.create_managed_prefix_list(PrefixListName=f"seed-{n}", MaxEntries=5,
                                           AddressFamily="IPv4")["PrefixList"]["PrefixListArn"]
            for n in TWO]


@seeds("aws:ec2:flow-log")
def _flow_logs(s: Shared) -> list[str]:
    ec2 = s.client("ec2")
    made = []
    for n in TWO:
        made += ec2.create_flow_logs(
            ResourceIds=[s.vpc], ResourceType="VPC", TrafficType="ALL",
            LogDestinationType="cloud-watch-logs", LogGroupName=f"/seed/flow/{n}",
            DeliverLogsPermissionArn=s.role)["FlowLogIds"]
    return [s.arn("ec2", f"vpc-flow-log/{flow}") for flow in made]


@seeds("aws:network-firewall:firewall")
def _firewalls(s: Shared) -> list[str]:
    firewall = s.client("network-firewall")
    policy = s.arn("network-firewall", "firewall-policy/seed")
    return [firewall.create_firewall(
        FirewallName=f"seed-{n}", FirewallPolicyArn=policy, VpcId=s.vpc,
        SubnetMappings=[{"SubnetId": s.subnets[0]}])["Firewall"]["FirewallArn"] for n in TWO]


# Management and migration -----------------------------------------------------------------
@seeds("aws:cloudformation:stack")
def _stacks(s: Shared) -> list[str]:
    cloudformation = s.client("cloudformation")
    template = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    return [cloudformation.create_stack(StackName=f"seed-{n}", TemplateBody=template)["StackId"]
            for n in TWO]


@seeds("aws:ssm:document")
def _documents(s: Shared) -> list[str]:
    ssm = s.client("ssm")
    content = json.dumps({"schemaVersion": "2.2", "description": "seed", "mainSteps": [{
        "action": "aws:runShellScript", "name": "x", "inputs": {"runCommand": ["true"]}}]})
    for n in TWO:
        ssm.create_document(Name=f"seed-{n}", Content=content, DocumentType="Command")
    return [s.arn("ssm", f"document/seed-{n}") for n in TWO]


@seeds("aws:ssm:maintenance-window")
def _windows(s: Shared) -> list[str]:
    ssm = s.client("ssm")
    return [s.arn("ssm", "maintenancewindow/" + ssm.create_maintenance_window(
        Name=f"seed-{n}", Schedule="rate(1 day)", Duration=2, Cutoff=1,
        AllowUnassociatedTargets=False)["WindowId"]) for n in TWO]


@seeds("aws:ssm:patch-baseline")
def _baselines(s: Shared) -> list[str]:
    ssm = s.client("ssm")
    return [s.arn("ssm", "patchbaseline/" + ssm.create_patch_baseline(Name=f"seed-{n}")[
        "BaselineId"]) for n in TWO]


@seeds("aws:resource-groups:group")
def _resource_groups(s: Shared) -> list[str]:
    groups = s.client("resource-groups")
    return [groups.create_group(Name=f"seed-{n}", ResourceQuery={
        "Type": "TAG_FILTERS_1_0", "Query": json.dumps({
            "ResourceTypeFilters": ["AWS::AllSupported"],
            "TagFilters": [{"Key": "app", "Values": [n]}]})})["Group"]["GroupArn"]
        for n in TWO]


@seeds("aws:catalog:portfolio")
def _portfolios(s: Shared) -> list[str]:
    catalog = s.client("servicecatalog")
    return [catalog.create_portfolio(DisplayName=f"seed-{n}", ProviderName="seed",
                                     IdempotencyToken=f"seed-{n}")["PortfolioDetail"]["ARN"]
            for n in TWO]


@not_seeded("aws:appconfig:application")
def _appconfig_applications(s: Shared) -> list[str]:
    appconfig = s.client("appconfig")
    return [s.arn("appconfig", "application/" + appconfig.create_application(
        Name=f"seed-{n}")["Id"]) for n in TWO]


@seeds("aws:ram:resource-share")
def _shares(s: Shared) -> list[str]:
    ram = s.client("ram")
    return [ram.create_resource_share(name=f"seed-{n}")["resourceShare"]["resourceShareArn"]
            for n in TWO]


@seeds("aws:servicediscovery:namespace")
def _namespaces(s: Shared) -> list[str]:
    discovery = s.client("servicediscovery")
    for n in TWO:
        discovery.create_http_namespace(Name=f"seed-{n}")
    return [namespace["Arn"] for namespace in discovery.list_namespaces()["Namespaces"]]


@seeds("aws:ds:microsoft-ad")
def _directories(s: Shared) -> list[str]:
    ds = s.client("ds")
    return [s.arn("ds", "directory/" + ds.create_directory(
        Name=f"{n}.example.com", Password="Seedpassword1!", Size="Small",
        VpcSettings={"VpcId": s.vpc, "SubnetIds": s.subnets})["DirectoryId"]) for n in TWO]


@seeds("aws:transfer:server")
def _transfer_servers(s: Shared) -> list[str]:
    transfer = s.client("transfer")
    return [s.arn("transfer", "server/" + transfer.create_server()["ServerId"]) for _ in TWO]


@seeds("aws:dms:replication-instance")
def _replication_instances(s: Shared) -> list[str]:
    dms = s.client("dms")
    return [dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"seed-{n}", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"] for n in TWO]


@seeds("aws:dms:endpoint")
def _dms_endpoints(s: Shared) -> list[str]:
    dms = s.client("dms")
    return [dms.create_endpoint(EndpointIdentifier=f"seed-{n}", EndpointType="source",
                                EngineName="postgres", ServerName="db", Port=5432,
                                DatabaseName="x", Username="u", Password="not-a-password"
                                )["Endpoint"]["EndpointArn"] for n in TWO]


# Organizations (this account becomes the management account) ----------------------------
def _organization(s: Shared) -> dict[str, Any]:
    if "org" not in s.ids:
        organizations = s.client("organizations")
        organization = organizations.create_organization(FeatureSet="ALL")["Organization"]
        root = organizations.list_roots()["Roots"][0]
        s.ids["org"] = {"organization": organization["Arn"], "root": root}
    return dict(s.ids["org"])


@seeds("aws:organizations:organizational-unit")
def _units(s: Shared) -> list[str]:
    organizations = s.client("organizations")
    root = _organization(s)["root"]
    return [organizations.create_organizational_unit(ParentId=root["Id"], Name=f"seed-{n}"
                                                     )["OrganizationalUnit"]["Arn"] for n in TWO]


@seeds("aws:organizations:account")
def _accounts(s: Shared) -> list[str]:
    organizations = s.client("organizations")
    _organization(s)
    made = [organizations.create_account(AccountName=f"seed-{n}", Email=f"{n}@example.com"
                                         )["CreateAccountStatus"]["AccountId"] for n in TWO]
    return [account["Arn"] for account in organizations.list_accounts()["Accounts"]
            if account["Id"] in made]


@seeds("aws:organizations:policy")
def _policies(s: Shared) -> list[str]:
    organizations = s.client("organizations")
    root = _organization(s)["root"]
    made = []
    for n in TWO:
        policy = organizations.create_policy(
            Name=f"seed-{n}", Description="seed", Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]})
        )["Policy"]["PolicySummary"]
        organizations.attach_policy(PolicyId=policy["Id"], TargetId=root["Id"])
        made.append(policy["Arn"])
    return made


@seeds("aws:organizations:organization")
def _organizations(s: Shared) -> list[str]:
    return [_organization(s)["organization"]]


@seeds("aws:organizations:root")
def _roots(s: Shared) -> list[str]:
    return [_organization(s)["root"]["Arn"]]
