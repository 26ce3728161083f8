"""Secrets, parameters and certificates: Secrets Manager secrets, SSM parameters, ACM
certificates, private certificate authorities.

A secret's resource policy (``GetResourcePolicy``) and a private CA's (``GetPolicy``) are
``Policy``, decoded. Secret values are never read: ``ListSecrets`` and the policy carry
metadata only, and SSM's ``DescribeParameters`` no value.
"""

from __future__ import annotations

from typing import Final

from cloudscope_aws.catalogue import Describe, Detail, Edge, Resource, key

SECRET: Final = Resource(
    "AWS::SecretsManager::Secret", "secretsmanager", "ListSecrets", "SecretList", arn="ARN",
    name="Name",
    policy=Detail("Policy", "GetResourcePolicy", {"SecretId": "{ARN}"}, key="ResourcePolicy",
                  absent=("ResourceNotFoundException",)),
    edges=(key("KmsKeyId"),
           Edge("ROUTES_TO", "RotationLambdaARN", "aws:lambda:function")),
    volatile=("LastAccessedDate",),
)

PARAMETER: Final = Resource(
    "AWS::SSM::Parameter", "ssm", "DescribeParameters", "Parameters",
    # Names of parameters in a hierarchy start with "/" (parameter/a/b), others do not.
    arn=("ARN", "arn:{partition}:ssm:{region}:{account}:parameter/{Name!l}"), name="Name",
    tags=Detail("Tags", "ListTagsForResource",
                {"ResourceType": "Parameter", "ResourceId": "{Name}"}, key="TagList",
                absent=("InvalidResourceId",)),
    edges=(key("KeyId"),),
)

CERTIFICATE: Final = Resource(
    "AWS::CertificateManager::Certificate", "acm", "ListCertificates",
    "CertificateSummaryList", arn="CertificateArn", name="DomainName",
    # Every key type, not only the RSA 2048 certificates that ListCertificates returns by
    # default.
    params={"Includes": {"keyTypes": ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096",
                                      "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]}},
    describe=Describe("DescribeCertificate", {"CertificateArn": "{CertificateArn}"},
                      key="Certificate", absent=("ResourceNotFoundException",)),
    tags=Detail("Tags", "ListTagsForCertificate", {"CertificateArn": "{CertificateArn}"},
                key="Tags", absent=("ResourceNotFoundException",)),
    edges=(Edge("ATTACHED_TO", "InUseBy[]", "(the load balancers and distributions using it)"),),
    volatile=("RenewalSummary", "InUse", "InUseBy"),
)

CERTIFICATE_AUTHORITY: Final = Resource(
    "AWS::ACMPCA::CertificateAuthority", "acm-pca", "ListCertificateAuthorities",
    "CertificateAuthorities", arn="Arn",
    name="{CertificateAuthorityConfiguration[Subject][CommonName]}",
    policy=Detail("Policy", "GetPolicy", {"ResourceArn": "{Arn}"}, key="Policy",
                  absent=("ResourceNotFoundException",)),
    edges=(Edge("ROUTES_TO", "RevocationConfiguration.CrlConfiguration.S3BucketName",
                "aws:s3:bucket", "arn:{partition}:s3:::{value}"),),
)

RESOURCES: Final = (SECRET, PARAMETER, CERTIFICATE, CERTIFICATE_AUTHORITY)
