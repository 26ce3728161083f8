"""moto builders: Messaging, containers, APIs and developer tools (registered in ``aws_seed.SEEDERS``)."""

from __future__ import annotations

import json

from aws_seed import TWO, Shared, seeds


# Messaging --------------------------------------------------------------------------------
@seeds("aws:sqs:queue")
def _queues(s: Shared) -> list[str]:
    for name in TWO:
        s.client("sqs").create_queue(QueueName=f"seed-{name}")
    return [s.arn("sqs", f"seed-{name}") for name in TWO]


@seeds("aws:sns:topic")
def _topics(s: Shared) -> list[str]:
    return [s.client("sns").create_topic(Name=f"seed-{n}")["TopicArn"] for n in TWO]


@seeds("aws:sns:subscription")
def _subscriptions(s: Shared) -> list[str]:
    sns = s.client("sns")
    return [sns.subscribe(TopicArn=s.topic, Protocol="sqs", Endpoint=s.arn("sqs", f"q-{n}"),
                          ReturnSubscriptionArn=True)["SubscriptionArn"] for n in TWO]


@seeds("aws:events:event-bus")
def _buses(s: Shared) -> list[str]:
    buses = [s.client("events").create_event_bus(Name=f"seed-{n}")["EventBusArn"] for n in TWO]
    return [*buses, s.arn("events", "event-bus/default")]


@seeds("aws:events:rule")
def _rules(s: Shared) -> list[str]:
    events = s.client("events")
    return [events.put_rule(Name=f"seed-{n}", ScheduleExpression="rate(1 hour)")["RuleArn"]
            for n in TWO]


@seeds("aws:events:archive")
def _archives(s: Shared) -> list[str]:
    events = s.client("events")
    return [events.create_archive(ArchiveName=f"seed-{n}", EventSourceArn=s.arn(
        "events", "event-bus/default"))["ArchiveArn"] for n in TWO]


@seeds("aws:events:connection")
def _connections(s: Shared) -> list[str]:
    events = s.client("events")
    return [events.create_connection(
        Name=f"seed-{n}", AuthorizationType="API_KEY", AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})["ConnectionArn"]
        for n in TWO]


@seeds("aws:events:api-destination")
def _destinations(s: Shared) -> list[str]:
    events = s.client("events")
    connection = events.create_connection(
        Name="seed-dest", AuthorizationType="API_KEY", AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})["ConnectionArn"]
    return [events.create_api_destination(
        Name=f"seed-{n}", ConnectionArn=connection, InvocationEndpoint="https://example.com",
        HttpMethod="POST")["ApiDestinationArn"] for n in TWO]


@seeds("aws:scheduler:schedule-group")
def _schedule_groups(s: Shared) -> list[str]:
    scheduler = s.client("scheduler")
    return [scheduler.create_schedule_group(Name=f"seed-{n}")["ScheduleGroupArn"] for n in TWO]


@seeds("aws:scheduler:schedule")
def _schedules(s: Shared) -> list[str]:
    scheduler = s.client("scheduler")
    return [scheduler.create_schedule(
        Name=f"seed-{n}", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": s.function, "RoleArn": s.role})["ScheduleArn"] for n in TWO]


@seeds("aws:pipes:pipe")
def _pipes(s: Shared) -> list[str]:
    pipes = s.client("pipes")
    return [pipes.create_pipe(Name=f"seed-{n}", RoleArn=s.role, Source=s.arn("sqs", "seed-one"),
                              Target=s.topic)["Arn"] for n in TWO]


@seeds("aws:mq:broker")
def _brokers(s: Shared) -> list[str]:
    mq = s.client("mq")
    return [mq.create_broker(
        BrokerName=f"seed-{n}", DeploymentMode="SINGLE_INSTANCE", EngineType="ACTIVEMQ",
        EngineVersion="5.17.6", HostInstanceType="mq.t3.micro", PubliclyAccessible=False,
        AutoMinorVersionUpgrade=True, Users=[{"Username": "admin", "Password": "seedpassword1"}],
        SubnetIds=s.subnets[:1], SecurityGroups=[s.group])["BrokerArn"] for n in TWO]


@seeds("aws:mq:configuration")
def _broker_configurations(s: Shared) -> list[str]:
    mq = s.client("mq")
    return [mq.create_configuration(Name=f"seed-{n}", EngineType="ACTIVEMQ",
                                    EngineVersion="5.17.6")["Arn"] for n in TWO]


# Containers -------------------------------------------------------------------------------
@seeds("aws:ecr:repository")
def _repositories(s: Shared) -> list[str]:
    ecr = s.client("ecr")
    return [ecr.create_repository(repositoryName=f"seed-{n}")["repository"]["repositoryArn"]
            for n in TWO]


def _ecs_cluster(s: Shared) -> str:
    if "ecs" not in s.ids:
        s.ids["ecs"] = s.client("ecs").create_cluster(clusterName="seed-cluster"
                                                      )["cluster"]["clusterArn"]
    return str(s.ids["ecs"])


def _task_definition(s: Shared, family: str) -> str:
    return str(s.client("ecs").register_task_definition(
        family=family, taskRoleArn=s.role, containerDefinitions=[
            {"name": "app", "image": "nginx", "memory": 128}])["taskDefinition"][
        "taskDefinitionArn"])


@seeds("aws:ecs:cluster")
def _clusters(s: Shared) -> list[str]:
    return [_ecs_cluster(s), s.client("ecs").create_cluster(clusterName="seed-two"
                                                            )["cluster"]["clusterArn"]]


@seeds("aws:ecs:task-definition")
def _task_definitions(s: Shared) -> list[str]:
    return [_task_definition(s, f"seed-{n}") for n in TWO]


@seeds("aws:ecs:service")
def _services(s: Shared) -> list[str]:
    ecs = s.client("ecs")
    task = _task_definition(s, "seed-service")
    return [ecs.create_service(cluster=_ecs_cluster(s), serviceName=f"seed-{n}",
                               taskDefinition=task, desiredCount=0)["service"]["serviceArn"]
            for n in TWO]


def _eks_cluster(s: Shared) -> str:
    if "eks" not in s.ids:
        s.client("eks").create_cluster(name="seed-eks", roleArn=s.role, resourcesVpcConfig={
            "subnetIds": s.subnets})
        s.ids["eks"] = "seed-eks"
    return str(s.ids["eks"])


@seeds("aws:eks:fargate-profile")
def _fargate_profiles(s: Shared) -> list[str]:
    eks = s.client("eks")
    return [eks.create_fargate_profile(
        fargateProfileName=f"seed-{n}", clusterName=_eks_cluster(s), podExecutionRoleArn=s.role,
        subnets=s.subnets, selectors=[{"namespace": n}])["fargateProfile"]["fargateProfileArn"]
        for n in TWO]


# APIs -------------------------------------------------------------------------------------
def _rest_api(s: Shared, name: str) -> str:
    return str(s.client("apigateway").create_rest_api(name=name)["id"])


@seeds("aws:apigateway:rest-api")
def _rest_apis(s: Shared) -> list[str]:
    return [f"arn:aws:apigateway:{s.region}::/restapis/{_rest_api(s, f'seed-{n}')}"
            for n in TWO]


@seeds("aws:apigateway:stage")
def _stages(s: Shared) -> list[str]:
    apigateway = s.client("apigateway")
    api = _rest_api(s, "seed-staged")
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigateway.create_deployment(restApiId=api)["id"]
    for n in TWO:
        apigateway.create_stage(restApiId=api, stageName=n, deploymentId=deployment)
    return [f"arn:aws:apigateway:{s.region}::/restapis/{api}/stages/{n}" for n in TWO]


@seeds("aws:apigateway:api-key")
def _api_keys(s: Shared) -> list[str]:
    apigateway = s.client("apigateway")
    return [f"arn:aws:apigateway:{s.region}::/apikeys/" +
            apigateway.create_api_key(name=f"seed-{n}")["id"] for n in TWO]


@seeds("aws:apigateway:usage-plan")
def _usage_plans(s: Shared) -> list[str]:
    apigateway = s.client("apigateway")
    return [f"arn:aws:apigateway:{s.region}::/usageplans/" +
            apigateway.create_usage_plan(name=f"seed-{n}")["id"] for n in TWO]


@seeds("aws:apigateway:api")
def _http_apis(s: Shared) -> list[str]:
    apigatewayv2 = s.client("apigatewayv2")
    return [f"arn:aws:apigateway:{s.region}::/apis/" + apigatewayv2.create_api(
        Name=f"seed-{n}", ProtocolType="HTTP")["ApiId"] for n in TWO]


def _http_api(s: Shared) -> str:
    if "http-api" not in s.ids:
        s.ids["http-api"] = s.client("apigatewayv2").create_api(
            Name="seed-parent", ProtocolType="HTTP")["ApiId"]
    return str(s.ids["http-api"])


@seeds("aws:apigateway:route")
def _routes(s: Shared) -> list[str]:
    apigatewayv2 = s.client("apigatewayv2")
    api = _http_api(s)
    return [f"arn:aws:apigateway:{s.region}::/apis/{api}/routes/" + apigatewayv2.create_route(
        ApiId=api, RouteKey=f"GET /{n}")["RouteId"] for n in TWO]


@seeds("aws:apigateway:integration")
def _integrations(s: Shared) -> list[str]:
    apigatewayv2 = s.client("apigatewayv2")
    api = _http_api(s)
    return [f"arn:aws:apigateway:{s.region}::/apis/{api}/integrations/" +
            apigatewayv2.create_integration(ApiId=api, IntegrationType="AWS_PROXY",
                                            IntegrationUri=s.function,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
            for _ in TWO]


@seeds("aws:appsync:graph-ql-api")
def _graphql_apis(s: Shared) -> list[str]:
    appsync = s.client("appsync")
    return [appsync.create_graphql_api(name=f"seed-{n}", authenticationType="API_KEY"
                                       )["graphqlApi"]["arn"] for n in TWO]


# Developer tools --------------------------------------------------------------------------
@seeds("aws:codebuild:project")
def _projects(s: Shared) -> list[str]:
    codebuild = s.client("codebuild")
    return [codebuild.create_project(
        name=f"seed-{n}", source={"type": "S3", "location": "seed-bucket/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"}, environment={
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL"}, serviceRole=s.role)["project"]["arn"]
        for n in TWO]


@seeds("aws:codepipeline:pipeline")
def _pipelines(s: Shared) -> list[str]:
    codepipeline = s.client("codepipeline")
    role = s.client("iam").create_role(RoleName="seed-pipeline", AssumeRolePolicyDocument=(
        json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole"}]})))["Role"]["Arn"]
    for n in TWO:
        codepipeline.create_pipeline(pipeline={
            "name": f"seed-{n}", "roleArn": role,
            "artifactStore": {"type": "S3", "location": "seed-bucket"},
            "stages": [{"name": "Source", "actions": [{
                "name": "s", "actionTypeId": {"category": "Source", "owner": "AWS",
                                              "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": "seed-bucket", "S3ObjectKey": "x"},
                "outputArtifacts": [{"name": "o"}]}]},
                {"name": "Build", "actions": [{
                    "name": "b", "actionTypeId": {"category": "Build", "owner": "AWS",
                                                  "provider": "CodeBuild", "version": "1"},
                    "configuration": {"ProjectName": "x"},
                    "inputArtifacts": [{"name": "o"}]}]}]})
    return [s.arn("codepipeline", f"seed-{n}") for n in TWO]


@seeds("aws:codedeploy:application")
def _deploy_applications(s: Shared) -> list[str]:
    codedeploy = s.client("codedeploy")
    for n in TWO:
        codedeploy.create_application(applicationName=f"seed-{n}", computePlatform="Server")
    return [s.arn("codedeploy", f"application:seed-{n}") for n in TWO]


@seeds("aws:ses:email-identity")
def _identities(s: Shared) -> list[str]:
    ses = s.client("ses")
    for n in TWO:
        ses.verify_email_identity(EmailAddress=f"{n}@example.com")
    return [s.arn("ses", f"identity/{n}@example.com") for n in TWO]


@seeds("aws:ses:configuration-set")
def _configuration_sets(s: Shared) -> list[str]:
    ses = s.client("ses")
    for n in TWO:
        ses.create_configuration_set(ConfigurationSet={"Name": f"seed-{n}"})
    return [s.arn("ses", f"configuration-set/seed-{n}") for n in TWO]


@seeds("aws:ses:receipt-rule-set")
def _receipt_rule_sets(s: Shared) -> list[str]:
    ses = s.client("ses")
    for n in TWO:
        ses.create_receipt_rule_set(RuleSetName=f"seed-{n}")
    return [s.arn("ses", f"receipt-rule-set/seed-{n}") for n in TWO]


@seeds("aws:ses:template")
def _templates(s: Shared) -> list[str]:
    ses = s.client("ses")
    for n in TWO:
        ses.create_template(Template={"TemplateName": f"seed-{n}", "SubjectPart": "s",
                                      "TextPart": "t"})
    return [s.arn("ses", f"template/seed-{n}") for n in TWO]
