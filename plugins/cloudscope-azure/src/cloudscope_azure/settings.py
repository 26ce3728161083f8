"""The ``azure:`` configuration section and the national clouds' endpoints.

Light on purpose (pydantic only): the collector's command-line options and its settings
are read before any Azure library is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

CloudName = Literal["public", "china", "usgov"]


@dataclass(frozen=True, slots=True)
class Cloud:
    """A national cloud: where to sign in and where Resource Manager answers."""

    name: str
    authority_host: str
    resource_manager_url: str
    #: The audience of Resource Manager tokens (``<audience>/.default`` is the scope).
    audience: str


CLOUDS: Final[dict[str, Cloud]] = {
    "public": Cloud("public", "login.microsoftonline.com", "https://management.azure.com",
                    "https://management.azure.com"),
    "china": Cloud("china", "login.chinacloudapi.cn", "https://management.chinacloudapi.cn",
                   "https://management.chinacloudapi.cn"),
    "usgov": Cloud("usgov", "login.microsoftonline.us", "https://management.usgovcloudapi.net",
                   "https://management.usgovcloudapi.net"),
}


class AzureSettings(BaseModel):
    """The ``azure:`` section (environment ``CLOUDSCOPE_AZURE_<KEY>``).

    Without ``client_secret`` or ``certificate_path`` the collector signs in with
    ``DefaultAzureCredential`` (environment, workload identity, managed identity, Azure
    CLI...). ``resource_manager_url`` replaces the cloud's Resource Manager endpoint
    (private link, proxies, tests); ``disable_instance_discovery`` skips Entra ID's instance
    discovery, which a private or test authority cannot answer.
    """

    model_config = ConfigDict(extra="forbid")

    cloud: CloudName | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    # SecretStr: the value never shows in a repr, a validation error or a log line.
    client_secret: SecretStr | None = None
    certificate_path: Path | None = None
    certificate_password: SecretStr | None = None
    resource_manager_url: str | None = None
    disable_instance_discovery: bool = False
    #: Retries of a throttled (429) request, and the exponential backoff factor in seconds
    #: when the answer carries no Retry-After.
    retries: int = Field(default=6, ge=0, le=20)
    retry_backoff_s: float = Field(default=0.8, ge=0, le=60)
    #: Retries of a server error (408, 5xx) or a failed connection: a short budget, since
    #: the core's circuit breaker stops the scopes of a service that stays down.
    server_retries: int = Field(default=3, ge=0, le=20)

    @field_validator("client_secret", "certificate_password", mode="before")
    @classmethod
    def _secret_as_text(cls, value: object) -> object:
        # YAML reads an all-digit secret as a number; a type error would echo it back.
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("resource_manager_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith("https://"):
            # azure-core refuses bearer tokens over plain http; say so before any request.
            raise ValueError("must be an https:// URL")
        return value.rstrip("/")
