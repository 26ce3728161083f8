"""Signing in: an explicit service principal from the settings, else DefaultAzureCredential.

Imported only when a collection runs (azure-identity costs about 0.3 s to import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudscope.api import ConfigError

from cloudscope_azure.settings import AzureSettings, Cloud

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential


def build_credential(settings: AzureSettings, cloud: Cloud | None) -> TokenCredential:
    """The credential the settings describe.

    ``cloud`` is the cloud chosen explicitly (``--cloud`` or ``azure.cloud``); without one
    the authority comes from ``AZURE_AUTHORITY_HOST`` or the public cloud, as azure-identity
    decides. Raise :class:`ConfigError` for an incomplete service principal.
    """
    from azure.identity import CertificateCredential, ClientSecretCredential, DefaultAzureCredential

    options: dict[str, Any] = {}
    if cloud is not None:
        options["authority"] = cloud.authority_host
    if settings.disable_instance_discovery:
        # DefaultAzureCredential hands its keyword arguments to EnvironmentCredential, which
        # hands them to ClientSecretCredential / CertificateCredential: the only way to
        # reach a private authority through AZURE_* variables (no variable sets it).
        options["disable_instance_discovery"] = True
    if settings.client_secret is not None and settings.certificate_path is not None:
        raise ConfigError("set client_secret or certificate_path, not both", key="azure")
    if settings.client_secret is None and settings.certificate_path is None:
        return DefaultAzureCredential(**options)
    tenant_id, client_id = _service_principal(settings)
    if settings.client_secret is not None:
        return ClientSecretCredential(tenant_id, client_id,
                                      settings.client_secret.get_secret_value(), **options)
    path = settings.certificate_path
    assert path is not None  # checked above; narrows the type
    if not path.is_file():
        raise ConfigError(f"no such file: {path}", key="azure.certificate_path",
                          hint="a PEM or PKCS12 file holding the certificate and its key")
    password = settings.certificate_password
    try:
        return CertificateCredential(
            tenant_id, client_id, certificate_path=str(path),
            password=password.get_secret_value().encode() if password is not None else None,
            **options)
    except (ValueError, TypeError, OSError) as error:
        # azure-identity reads the file now: a wrong format, key type or password.
        raise ConfigError(f"{path}: cannot use the certificate ({type(error).__name__})",
                          key="azure.certificate_path",
                          hint="a PEM or PKCS12 file with an RSA private key") from None


def _service_principal(settings: AzureSettings) -> tuple[str, str]:
    missing = [name for name in ("tenant_id", "client_id") if not getattr(settings, name)]
    if missing:
        names = ", ".join(f"azure.{name}" for name in missing)
        raise ConfigError(f"a client secret or certificate needs {names}", key="azure",
                          hint="set them in the config file or as CLOUDSCOPE_AZURE_TENANT_ID "
                               "and CLOUDSCOPE_AZURE_CLIENT_ID")
    return str(settings.tenant_id), str(settings.client_id)
