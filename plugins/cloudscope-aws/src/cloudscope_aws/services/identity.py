"""Identity beyond IAM's principals: Cognito user pools and their app clients, identity
pools; IAM identity providers (SAML, OpenID Connect), server certificates and virtual MFA
devices (global).

An identity pool that allows unauthenticated identities hands AWS credentials to anyone
(``AllowUnauthenticatedIdentities``); its roles are not in ``DescribeIdentityPool``.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Describe, Detail, Edge, Resource, arn

USER_POOL: Final = Resource(
    "AWS::Cognito::UserPool", "cognito-idp", "ListUserPools", "UserPools",
    arn="arn:{partition}:cognito-idp:{region}:{account}:userpool/{Id}", name="Name",
    params={"MaxResults": 60},
    describe=Describe("DescribeUserPool", {"UserPoolId": "{Id}"}, key="UserPool",
                      absent=("ResourceNotFoundException",)),
    volatile=("EstimatedNumberOfUsers", "LastModifiedDate"),
)

USER_POOL_CLIENT: Final = Resource(
    "AWS::Cognito::UserPoolClient", "cognito-idp", "ListUserPoolClients", "UserPoolClients",
    arn="arn:{partition}:cognito-idp:{region}:{account}:userpool/{UserPoolId}/client/"
        "{ClientId}",
    name="ClientName", parent=USER_POOL, parent_params={"UserPoolId": "{Id}", "MaxResults": 60},
    absent=("ResourceNotFoundException",),
)

IDENTITY_POOL: Final = Resource(
    "AWS::Cognito::IdentityPool", "cognito-identity", "ListIdentityPools", "IdentityPools",
    arn="arn:{partition}:cognito-identity:{region}:{account}:identitypool/{IdentityPoolId}",
    name="IdentityPoolName", params={"MaxResults": 60},
    describe=Describe("DescribeIdentityPool", {"IdentityPoolId": "{IdentityPoolId}"}, key="",
                      absent=("ResourceNotFoundException",)),
    tags="IdentityPoolTags",
    edges=(arn("ROUTES_TO", "OpenIdConnectProviderARNs[]", "aws:iam:oidc-provider"),
           arn("ROUTES_TO", "SamlProviderARNs[]", "aws:iam:saml-provider"),
           Edge("ROUTES_TO", "CognitoIdentityProviders[].ProviderName",
                "aws:cognito-idp:user-pool",
                "arn:{partition}:cognito-idp:{region}:{account}:userpool/{value!b}")),
)

SAML_PROVIDER: Final = Resource(
    "AWS::IAM::SAMLProvider", "iam", "ListSAMLProviders", "SAMLProviderList", arn="Arn",
    is_global=True,
)

OIDC_PROVIDER: Final = Resource(
    "AWS::IAM::OIDCProvider", "iam", "ListOpenIDConnectProviders", "OpenIDConnectProviderList",
    arn="Arn", is_global=True,
    details=(Detail("OpenIDConnectProvider", "GetOpenIDConnectProvider",
                    {"OpenIDConnectProviderArn": "{Arn}"}, absent=("NoSuchEntity",)),),
)

SERVER_CERTIFICATE: Final = Resource(
    "AWS::IAM::ServerCertificate", "iam", "ListServerCertificates",
    "ServerCertificateMetadataList", arn="Arn", name="ServerCertificateName", is_global=True,
)

VIRTUAL_MFA_DEVICE: Final = Resource(
    "AWS::IAM::VirtualMFADevice", "iam", "ListVirtualMFADevices", "VirtualMFADevices",
    arn="SerialNumber", is_global=True, omit=("Base32StringSeed", "QRCodePNG"),
    edges=(arn("ATTACHED_TO", "User.Arn", "aws:iam:user"),),
)

RESOURCES: Final = (USER_POOL, USER_POOL_CLIENT, IDENTITY_POOL, SAML_PROVIDER, OIDC_PROVIDER,
                    SERVER_CERTIFICATE, VIRTUAL_MFA_DEVICE)
