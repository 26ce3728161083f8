"""Signing in: DefaultAzureCredential, service principals, clouds, configuration errors."""

from __future__ import annotations

import pytest
from cloudscope.api import CollectContext, CollectionError, ConfigError, RateLimiter, UsageError
from cloudscope_azure.collector import AzureCollector

from tests.azure.conftest import PRODUCTION, service_principal


def build(settings: dict, options: dict | None = None) -> AzureCollector:
    """A collector built as the core builds it (no request is sent)."""
    ctx = CollectContext("azure", limiter=RateLimiter("azure"), config={"azure": settings},
                         log=None)
    return AzureCollector(ctx, options or {})


def test_default_credential_signs_in_from_azure_environment_variables(collect, trust_fake,
                                                                      monkeypatch):
    """AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET/AUTHORITY_HOST work through DefaultAzureCredential."""
    monkeypatch.setenv("AZURE_TENANT_ID", trust_fake.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", trust_fake.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", trust_fake.client_secret)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", trust_fake.url)
    result = collect({"subscription": [PRODUCTION]},
                     settings={"resource_manager_url": trust_fake.url,
                               "disable_instance_discovery": True})
    assert result.errors == {}
    assert len(result.assets) > 15
    assert trust_fake.requests_to(f"/{trust_fake.tenant_id}/oauth2/v2.0/token")


def test_certificate_credential_signs_in(collect, trust_fake, tmp_path):
    """certificate_path signs in with a certificate's signed assertion instead of a secret."""
    import trustme

    pem = tmp_path / "principal.pem"
    trustme.CA().issue_cert("cloudscope-reader", key_type=trustme.KeyType.RSA).private_key_and_cert_chain_pem.write_to_path(
        str(pem))
    settings = service_principal(trust_fake, certificate_path=str(pem))
    del settings["client_secret"]
    result = collect({"subscription": [PRODUCTION], "types": ["microsoft.compute/disks"]},
                     settings=settings)
    assert result.errors == {}
    assert len(result.assets) == 1


def test_a_rejected_secret_is_a_one_line_error_without_the_secret(collect, trust_fake):
    """A sign-in refused by Entra ID fails with one line naming the cause, never the secret."""
    secret = "Wrong~SecretThatMustNotLeak.1234567"
    with pytest.raises(CollectionError) as raised:
        collect(settings=service_principal(trust_fake, client_secret=secret))
    message = str(raised.value)
    assert message.startswith("Azure sign-in failed")
    assert "AADSTS7000215" in message  # Entra ID's own reason, not a generic line
    assert "\n" not in message
    assert secret not in message


@pytest.mark.parametrize("missing", ["tenant_id", "client_id"])
def test_a_secret_without_tenant_or_client_is_a_config_error(trust_fake, missing):
    """A client secret needs azure.tenant_id and azure.client_id; the error names the key."""
    settings = service_principal(trust_fake)
    del settings[missing]
    with pytest.raises(ConfigError, match=rf"azure\.{missing}"):
        build(settings)


def test_secret_and_certificate_together_are_a_config_error(trust_fake, tmp_path):
    """client_secret and certificate_path are alternatives, not both."""
    with pytest.raises(ConfigError, match="not both"):
        build(service_principal(trust_fake, certificate_path=str(tmp_path / "x.pem")))


def test_an_unusable_certificate_is_a_config_error(trust_fake, tmp_path):
    """A certificate file that azure-identity cannot use is a config error naming the key."""
    pem = tmp_path / "not-a-certificate.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    settings = service_principal(trust_fake, certificate_path=str(pem))
    del settings["client_secret"]
    with pytest.raises(ConfigError, match=r"azure\.certificate_path"):
        build(settings)


def test_a_missing_certificate_file_is_a_config_error(trust_fake, tmp_path):
    """certificate_path must name an existing file."""
    settings = service_principal(trust_fake, certificate_path=str(tmp_path / "absent.pem"))
    del settings["client_secret"]
    with pytest.raises(ConfigError, match=r"azure\.certificate_path"):
        build(settings)


@pytest.mark.parametrize(("cloud", "url"), [
    ("public", "https://management.azure.com"),
    ("china", "https://management.chinacloudapi.cn"),
    ("usgov", "https://management.usgovcloudapi.net"),
])
def test_cloud_chooses_resource_manager_and_token_audience(cloud, url):
    """--cloud sets Resource Manager's endpoint and the token scope of that cloud."""
    collector = build({}, {"cloud": cloud})
    assert collector.resource_manager_url == url
    assert collector.arm.token_scope == f"{url}/.default"


def test_resource_manager_url_overrides_the_cloud_endpoint():
    """azure.resource_manager_url (private link, proxies) replaces the cloud's endpoint."""
    collector = build({"resource_manager_url": "https://arm.internal.example/"},
                      {"cloud": "china"})
    assert collector.resource_manager_url == "https://arm.internal.example"
    assert collector.arm.token_scope == "https://management.chinacloudapi.cn/.default"


def test_subscription_must_be_a_guid():
    """--subscription takes subscription ids; anything else is a usage error."""
    with pytest.raises(UsageError, match="expected a subscription id"):
        build({}, {"subscription": ["production"]})


def test_a_type_that_is_no_arm_type_is_a_usage_error():
    """--type takes any ARM type (Namespace/type); anything else is a usage error that
    shows the form."""
    with pytest.raises(UsageError, match=r"expected an ARM resource type such as "
                                         r"Microsoft\.Compute/virtualMachines"):
        build({}, {"types": ["virtualmachines"]})


def test_an_embedded_type_names_its_parent():
    """Subnets are read inside their virtual network: --type names the network's type."""
    with pytest.raises(UsageError, match=r"use --type microsoft\.network/virtualnetworks"):
        build({}, {"types": ["Microsoft.Network/virtualNetworks/subnets"]})
