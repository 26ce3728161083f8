"""The ``gcp:`` configuration section (environment ``CLOUDSCOPE_GCP_<KEY>``)."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_API_ENDPOINT: Final = "https://cloudasset.googleapis.com"


class GcpSettings(BaseModel):
    """Where the Cloud Asset API lives and how patiently to call it.

    - ``api_endpoint``: the API root (a private endpoint, a proxy, a test fake).
    - ``iam_credentials_endpoint``: the IAM Credentials root used to impersonate a service
      account; default Google's.
    - ``page_size``: assets per ``assets.list`` page (the API allows up to 1000).
    - ``max_retries``: attempts after the first for a throttled request (429).
    - ``server_retries``: attempts after the first for a 5xx or a failed connection: a
      short budget, since the core's circuit breaker stops what stays down.
    - ``retry_backoff_s``: the first backoff; it doubles per attempt (with jitter), and a
      ``Retry-After`` header wins when present.
    - ``timeout_s``: connect and read timeout of one request.
    """

    model_config = ConfigDict(extra="forbid")

    api_endpoint: str = DEFAULT_API_ENDPOINT
    iam_credentials_endpoint: str | None = None
    page_size: int = Field(default=1000, ge=1, le=1000)
    max_retries: int = Field(default=6, ge=0, le=20)
    server_retries: int = Field(default=3, ge=0, le=20)
    retry_backoff_s: float = Field(default=0.5, ge=0, le=60)
    timeout_s: float = Field(default=60.0, gt=0, le=600)

    @field_validator("api_endpoint", "iam_credentials_endpoint")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://cloudasset.googleapis.com")
        return value.rstrip("/")
