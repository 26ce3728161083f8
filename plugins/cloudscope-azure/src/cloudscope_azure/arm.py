"""Resource Manager over an azure-core pipeline: list calls with ``nextLink`` paging.

Raw REST rather than the management SDKs: their models move between releases (fields
nested under ``properties`` in the newest, ``SubscriptionClient`` moved package in
azure-mgmt-resource 26), while the REST bodies are what CloudScope stores. Each thread gets
its own pipeline (requests sessions are not safe to share); the credential is shared, and
MSAL's token cache behind it is thread-safe. Imported only when a collection runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import urlsplit

from azure.core import PipelineClient
from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import (
    BearerTokenCredentialPolicy,
    HeadersPolicy,
    RetryPolicy,
    SansIOHTTPPolicy,
    UserAgentPolicy,
)
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest
from cloudscope.api import CollectContext, CollectionError, redact_text

from cloudscope_azure import __version__

RETRY_BACKOFF_MAX_S: Final = 60
CONNECTION_TIMEOUT_S: Final = 10
READ_TIMEOUT_S: Final = 120


class RateLimitPolicy(SansIOHTTPPolicy[Any, Any]):
    """Takes a token from the plugin's rate limit before every request, retries included.

    The limiter scope is the request's subscription id (ARM limits reads per
    subscription), so ``plugins.azure.rate_limit.scopes.<subscription-id>`` applies to
    one subscription. Answers 429 are counted as ``throttled`` in the run summary.
    """

    def __init__(self, ctx: CollectContext) -> None:
        self._ctx = ctx

    def on_request(self, request: PipelineRequest[Any]) -> None:
        """Wait for a token."""
        self._ctx.limiter.acquire(scope=subscription_of(request.http_request.url))

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        """Count throttling answers."""
        self._ctx.count("requests")
        if response.http_response.status_code == 429:
            self._ctx.count("throttled")


def subscription_of(url: str) -> str | None:
    """The subscription id in an ARM URL's path, lower case, or None."""
    parts = urlsplit(url).path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == "subscriptions" and parts[index + 1]:
            return parts[index + 1].lower()
    return None


class ArmClient:
    """Lists Resource Manager collections, one azure-core pipeline per thread."""

    def __init__(self, ctx: CollectContext, credential: TokenCredential, base_url: str,
                 audience: str, *, retries: int = 6, retry_backoff_s: float = 0.8) -> None:
        self._ctx = ctx
        # ARM throttles reads per subscription and principal (a token bucket refilled every
        # second) and answers 429 with Retry-After, which RetryPolicy honours; the status
        # retries ride out a burst.
        self._retry = {"retry_total": retries + 2, "retry_status": retries,
                       "retry_backoff_factor": retry_backoff_s,
                       "retry_backoff_max": RETRY_BACKOFF_MAX_S}
        self._credential = credential
        self.base_url = base_url.rstrip("/")
        self.token_scope = audience.rstrip("/") + "/.default"
        self._local = threading.local()
        self._clients: list[PipelineClient[Any, Any]] = []
        self._lock = threading.Lock()

    def _client(self) -> PipelineClient[Any, Any]:
        client: PipelineClient[Any, Any] | None = getattr(self._local, "client", None)
        if client is None:
            policies = [
                HeadersPolicy({"Accept": "application/json"}),
                UserAgentPolicy(sdk_moniker=f"cloudscope-azure/{__version__}"),
                RetryPolicy(**self._retry),
                RateLimitPolicy(self._ctx),
                BearerTokenCredentialPolicy(self._credential, self.token_scope),
            ]
            # Trust follows azure-core: REQUESTS_CA_BUNDLE (requests' environment settings).
            transport = RequestsTransport(connection_timeout=CONNECTION_TIMEOUT_S,
                                          read_timeout=READ_TIMEOUT_S)
            client = PipelineClient(self.base_url, policies=policies, transport=transport)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def list(self, path: str, api_version: str) -> Iterator[dict[str, Any]]:
        """Every element of a list call's ``value``, following ``nextLink`` page by page."""
        request = HttpRequest("GET", self.base_url + path, params={"api-version": api_version})
        while True:
            page = self._get(request, path)
            yield from page.get("value") or ()
            next_link = page.get("nextLink")
            if not next_link:
                return
            # nextLink is absolute and carries api-version and the skip token already. It
            # must stay on Resource Manager's host: the bearer token goes with it.
            if not _same_origin(next_link, self.base_url):
                raise CollectionError(f"GET {path}: nextLink leaves {self.base_url}")
            request = HttpRequest("GET", next_link)

    def get(self, path: str, api_version: str) -> dict[str, Any]:
        """One resource."""
        return self._get(HttpRequest("GET", self.base_url + path,
                                     params={"api-version": api_version}), path)

    def _get(self, request: HttpRequest, path: str) -> dict[str, Any]:
        if self._ctx.cancelled.is_set():
            raise CollectionError("interrupted by the user")
        try:
            response = self._client().send_request(request)
        except ClientAuthenticationError as error:
            raise CollectionError(f"Azure sign-in failed: {_sign_in_reason(error)}",
                                  hint="check the credentials (az login, AZURE_* variables "
                                       "or the azure: section)") from None
        except AzureError as error:
            raise CollectionError(f"GET {path}: {_first_line(error)}") from None
        if response.status_code != 200:
            raise CollectionError(f"GET {path}: HTTP {response.status_code} "
                                  f"{_arm_error(response)}".rstrip())
        body = response.json()
        if not isinstance(body, dict):
            raise CollectionError(f"GET {path}: expected a JSON object")
        return body

    def close(self) -> None:
        """Close every thread's pipeline."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()


def _same_origin(url: str, base_url: str) -> bool:
    link, base = urlsplit(url), urlsplit(base_url)
    return (link.scheme, link.netloc.lower()) == (base.scheme, base.netloc.lower())


def _arm_error(response: Any) -> str:
    """ARM's ``{"error": {"code", "message"}}``, one line, or the reason phrase."""
    try:
        error = response.json().get("error") or {}
        text = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, AttributeError):
        text = ""
    return _one_line(text or (response.reason or ""))


def _sign_in_reason(error: BaseException) -> str:
    """Entra ID's answer (``AADSTS...``) or the credentials DefaultAzureCredential tried:
    its own first line only says that it failed."""
    message = str(getattr(error, "message", None) or error)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if "AADSTS" in line:
            return _one_line(line)
    attempted = [line for line in lines[1:] if line.split(":", 1)[0].endswith("Credential")]
    return _one_line("; ".join(attempted[:3]) if attempted else message)


def _first_line(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error)
    return _one_line(str(message))


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return redact_text(lines[0] if lines else "")[:300]
