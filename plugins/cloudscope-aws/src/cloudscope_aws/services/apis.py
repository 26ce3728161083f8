"""APIs: API Gateway REST APIs (v1) with their stages, authorizers, API keys, usage plans,
custom domain names, VPC links and client certificates; HTTP and WebSocket APIs (v2) with
their stages, routes, integrations, authorizers, domain names and VPC links; AppSync
GraphQL APIs.

Both versions share the ARN prefix ``apigateway`` and their ARNs carry no account
(``arn:P:apigateway:R::/restapis/ID``); v1 and v2 stages, authorizers, domain names and
VPC links share asset types, told apart by ``native_type``. A REST API's resource policy
(``policy``, JSON text with escaped quotes) is ``Policy``, decoded. API key values are
never requested (``includeValues`` is left false).
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Edge, Resource, arn, groups, role, subnets

_V1: Final = "arn:{partition}:apigateway:{region}::"

REST_API: Final = Resource(
    "AWS::ApiGateway::RestApi", "apigateway", "GetRestApis", "items",
    arn=_V1 + "/restapis/{id}", name="name", policy="policy",
)

STAGE: Final = Resource(
    "AWS::ApiGateway::Stage", "apigateway", "GetStages", "item",
    arn=_V1 + "/restapis/{parent[id]}/stages/{stageName}", name="stageName",
    parent=REST_API, parent_params={"restApiId": "{id}"}, absent=("NotFoundException",),
    edges=(arn("PROTECTED_BY", "webAclArn", "aws:wafv2:web-acl"),
           Edge("ROUTES_TO", "accessLogSettings.destinationArn", "aws:logs:log-group")),
)

AUTHORIZER: Final = Resource(
    "AWS::ApiGateway::Authorizer", "apigateway", "GetAuthorizers", "items",
    arn=_V1 + "/restapis/{parent[id]}/authorizers/{id}", name="name", parent=REST_API,
    parent_params={"restApiId": "{id}"}, absent=("NotFoundException",),
    edges=(arn("ROUTES_TO", "providerARNs[]", "aws:cognito-idp:user-pool"),
           role("authorizerCredentials")),
)

API_KEY: Final = Resource(
    "AWS::ApiGateway::ApiKey", "apigateway", "GetApiKeys", "items",
    arn=_V1 + "/apikeys/{id}", name="name", params={"includeValues": False}, omit=("value",),
)

USAGE_PLAN: Final = Resource(
    "AWS::ApiGateway::UsagePlan", "apigateway", "GetUsagePlans", "items",
    arn=_V1 + "/usageplans/{id}", name="name",
    edges=(Edge("ATTACHED_TO", "apiStages[].apiId", "aws:apigateway:rest-api",
                _V1 + "/restapis/{value}"),),
)

DOMAIN_NAME: Final = Resource(
    "AWS::ApiGateway::DomainName", "apigateway", "GetDomainNames", "items",
    arn=_V1 + "/domainnames/{domainName}", name="domainName",
    edges=(arn("ATTACHED_TO", "certificateArn", "aws:acm:certificate", inbound=True),
           arn("ATTACHED_TO", "regionalCertificateArn", "aws:acm:certificate", inbound=True)),
)

VPC_LINK: Final = Resource(
    "AWS::ApiGateway::VpcLink", "apigateway", "GetVpcLinks", "items",
    arn=_V1 + "/vpclinks/{id}", name="name",
    edges=(arn("ROUTES_TO", "targetArns[]", "aws:elasticloadbalancing:load-balancer"),),
)

CLIENT_CERTIFICATE: Final = Resource(
    "AWS::ApiGateway::ClientCertificate", "apigateway", "GetClientCertificates", "items",
    arn=_V1 + "/clientcertificates/{clientCertificateId}", name="clientCertificateId",
)

API: Final = Resource(
    "AWS::ApiGatewayV2::Api", "apigatewayv2", "GetApis", "Items", service="apigateway",
    arn=_V1 + "/apis/{ApiId}", name="Name",
)

_API_ID: Final = {"ApiId": "{ApiId}"}
_GONE: Final = ("NotFoundException",)

V2_STAGE: Final = Resource(
    "AWS::ApiGatewayV2::Stage", "apigatewayv2", "GetStages", "Items",
    arn=_V1 + "/apis/{parent[ApiId]}/stages/{StageName}", name="StageName",
    unit="apigateway/v2-stage", service="apigateway", parent=API, parent_params=_API_ID,
    absent=_GONE,
    edges=(Edge("ROUTES_TO", "AccessLogSettings.DestinationArn", "aws:logs:log-group"),),
)

ROUTE: Final = Resource(
    "AWS::ApiGatewayV2::Route", "apigatewayv2", "GetRoutes", "Items",
    arn=_V1 + "/apis/{parent[ApiId]}/routes/{RouteId}", name="RouteKey",
    service="apigateway", parent=API, parent_params=_API_ID, absent=_GONE,
    edges=(Edge("ROUTES_TO", "Target", "aws:apigateway:integration",
                _V1 + "/apis/{parent[ApiId]}/{value}"),),
)

INTEGRATION: Final = Resource(
    "AWS::ApiGatewayV2::Integration", "apigatewayv2", "GetIntegrations", "Items",
    arn=_V1 + "/apis/{parent[ApiId]}/integrations/{IntegrationId}", name="IntegrationId",
    service="apigateway", parent=API, parent_params=_API_ID, absent=_GONE,
    edges=(arn("ROUTES_TO", "IntegrationUri", "(a function, load balancer listener or "
                                              "service)"),
           role("CredentialsArn")),
)

V2_AUTHORIZER: Final = Resource(
    "AWS::ApiGatewayV2::Authorizer", "apigatewayv2", "GetAuthorizers", "Items",
    arn=_V1 + "/apis/{parent[ApiId]}/authorizers/{AuthorizerId}", name="Name",
    unit="apigateway/v2-authorizer", service="apigateway", parent=API, parent_params=_API_ID,
    absent=_GONE,
    edges=(role("AuthorizerCredentialsArn"),),
)

V2_DOMAIN_NAME: Final = Resource(
    "AWS::ApiGatewayV2::DomainName", "apigatewayv2", "GetDomainNames", "Items",
    service="apigateway", arn=_V1 + "/domainnames/{DomainName}", name="DomainName",
    unit="apigateway/v2-domain-name",
    edges=(arn("ATTACHED_TO", "DomainNameConfigurations[].CertificateArn",
               "aws:acm:certificate", inbound=True),),
)

V2_VPC_LINK: Final = Resource(
    "AWS::ApiGatewayV2::VpcLink", "apigatewayv2", "GetVpcLinks", "Items",
    service="apigateway", arn=_V1 + "/vpclinks/{VpcLinkId}", name="Name",
    unit="apigateway/v2-vpc-link",
    edges=(subnets("SubnetIds[]"), groups("SecurityGroupIds[]")),
)

GRAPHQL_API: Final = Resource(
    "AWS::AppSync::GraphQLApi", "appsync", "ListGraphqlApis", "graphqlApis",
    arn=("arn", "arn:{partition}:appsync:{region}:{account}:apis/{apiId}"),
    name="name",
    edges=(arn("PROTECTED_BY", "wafWebAclArn", "aws:wafv2:web-acl"),
           Edge("ROUTES_TO", "userPoolConfig.userPoolId", "aws:cognito-idp:user-pool",
                "arn:{partition}:cognito-idp:{region}:{account}:userpool/{value}")),
)

RESOURCES: Final = (REST_API, STAGE, AUTHORIZER, API_KEY, USAGE_PLAN, DOMAIN_NAME, VPC_LINK,
                    CLIENT_CERTIFICATE, API, V2_STAGE, ROUTE, INTEGRATION, V2_AUTHORIZER,
                    V2_DOMAIN_NAME, V2_VPC_LINK, GRAPHQL_API)
