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
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
)
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
UNAVAILABLE: Final = "_unavailable"
"""The key under which a body records the detail calls that were denied (docs/properties.md)."""
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}


class ArmError(CollectionError):
    """A Resource Manager call that failed for good.

    ``status_code`` (the HTTP answer, if any), ``code`` (ARM's error code, e.g.
    ``AuthorizationFailed``) and ``failure_kind`` (for the core's circuit breaker: a sign-in
    or a connection that failed, docs/plugins.md) say what failed without parsing the message.
    """

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None,
                 failure_kind: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.code = code
        self.failure_kind = failure_kind


class ArmRetryPolicy(RetryPolicy):
    """azure-core's RetryPolicy with a budget of its own for server errors.

    Throttling (429) is retried up to ``retry_status`` times, honouring Retry-After: waiting
    is what ARM asks for. A 408 or 5xx is retried at most ``server_retries`` times, whatever
    its Retry-After: with one shared budget a subscription whose network API answered 500
    held each of its scopes about 50 s before failing (issue 13).
    """

    def __init__(self, *, server_retries: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._server_retries = server_retries

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        """Stop retrying a server error once its own budget is spent."""
        status = response.http_response.status_code
        if status == 408 or status >= 500:
            failed = sum(1 for attempt in settings["history"]
                         if attempt.http_response is not None
                         and attempt.http_response.status_code != 429)
            if failed >= self._server_retries:
                return False
        return bool(super().is_retry(settings, response))


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
                 audience: str, *, retries: int = 6, retry_backoff_s: float = 0.8,
                 server_retries: int = 3) -> None:
        self._ctx = ctx
        # ARM throttles reads per subscription and principal (a token bucket refilled every
        # second) and answers 429 with Retry-After, which RetryPolicy honours; the status
        # retries ride out a burst. Server errors and connection failures get a short budget
        # (0 + 1.6 + 3.2 s by default): the core's circuit breaker handles what stays down.
        self._retry: dict[str, Any] = {
            "retry_total": retries + server_retries + 2, "retry_status": retries,
            "retry_connect": server_retries, "retry_read": server_retries,
            "server_retries": server_retries, "retry_backoff_factor": retry_backoff_s,
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
                ArmRetryPolicy(**self._retry),
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

    def list(self, path: str, api_version: str,
             params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every element of a list call's ``value``, following ``nextLink`` page by page."""
        request = HttpRequest("GET", self.base_url + path,
                              params={"api-version": api_version, **(params or {})})
        while True:
            page = self._get(request, path)
            yield from page.get("value") or ()
            next_link = page.get("nextLink")
            if not next_link:
                return
            # nextLink is absolute and carries api-version and the skip token already. It
            # must stay on Resource Manager's host: the bearer token goes with it.
            if not same_origin(next_link, self.base_url):
                raise CollectionError(f"GET {path}: nextLink leaves {self.base_url}")
            request = HttpRequest("GET", next_link)

    def get(self, path: str, api_version: str,
            params: dict[str, str] | None = None) -> dict[str, Any]:
        """One resource."""
        return self._get(HttpRequest("GET", self.base_url + path,
                                     params={"api-version": api_version, **(params or {})}),
                         path)

    def post(self, path: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
        """A read sent as a POST with a JSON body (a Resource Graph query)."""
        return self._get(HttpRequest("POST", self.base_url + path, json=body,
                                     params={"api-version": api_version}), path)

    def detail(self, body: dict[str, Any], property_name: str, call: str, path: str,
               api_version: str, *, params: dict[str, str] | None = None,
               absent: tuple[int, ...] = ()) -> dict[str, Any] | None:
        """A per-resource detail call for the resource ``body`` (a listed body).

        A denial (403), or an answer in ``absent`` (a 404 or 400 for a type whose provider
        cannot serve it), does not fail the scope: ``body["_unavailable"][property_name]``
        records the call and ARM's error code (docs/properties.md), the run counts
        ``details_unavailable``, and None is returned. Any other failure raises
        :class:`ArmError` as :meth:`get` does.
        """
        try:
            return self.get(path, api_version, params)
        except ArmError as error:
            if error.status_code != 403 and error.status_code not in absent:
                raise
            default = "AuthorizationFailed" if error.status_code == 403 else \
                f"HTTP {error.status_code}"
            mark_unavailable(body, property_name, f"{call}: {error.code or default}")
            self._ctx.count("details_unavailable")
            return None

    def _get(self, request: HttpRequest, path: str) -> dict[str, Any]:
        if self._ctx.cancelled.is_set():
            raise CollectionError("interrupted by the user")
        try:
            response = self._client().send_request(request)
        except ClientAuthenticationError as error:
            raise ArmError(f"Azure sign-in failed: {_sign_in_reason(error)}",
                           failure_kind="authentication",
                           hint="check the credentials (az login, AZURE_* variables "
                                "or the azure: section)") from None
        except AzureError as error:
            # Not sent (refused, DNS, TLS) or no answer read: after the retries either way.
            kind = "unreachable-endpoint" if isinstance(error, ServiceRequestError) else \
                "server-error" if isinstance(error, ServiceResponseError) else None
            raise ArmError(f"{request.method} {path}: {_first_line(error)}",
                           failure_kind=kind) from None
        if response.status_code != 200:
            code, message = _arm_error(response)
            raise ArmError(f"{request.method} {path}: HTTP {response.status_code} "
                           f"{message}".rstrip(),
                           status_code=response.status_code, code=code or None)
        body = response.json()
        if not isinstance(body, dict):
            raise CollectionError(f"{request.method} {path}: expected a JSON object")
        return body

    def close(self) -> None:
        """Close every thread's pipeline."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()


def mark_unavailable(body: dict[str, Any], property_name: str, reason: str) -> None:
    """Record in ``body`` that ``property_name`` could not be read (docs/properties.md)."""
    body.setdefault(UNAVAILABLE, {})[property_name] = reason


def same_origin(url: str, base_url: str) -> bool:
    """True when ``url`` has the scheme, host and port of ``base_url``, the scheme's
    default port written or not (``https://management.azure.com:443/...`` is ARM itself)."""
    origin = _origin(url)
    return origin is not None and origin == _origin(base_url)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number: no origin at all
        return None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _arm_error(response: Any) -> tuple[str, str]:
    """ARM's ``{"error": {"code", "message"}}``: the code, and one line (or the reason phrase)."""
    try:
        error = response.json().get("error") or {}
        code = str(error.get("code") or "")
        text = f"{code}: {error.get('message', '')}".strip(": ")
    except (ValueError, AttributeError):
        code, text = "", ""
    return _one_line(code), _one_line(text or (response.reason or ""))


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
