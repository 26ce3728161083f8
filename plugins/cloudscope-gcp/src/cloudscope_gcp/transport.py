"""The Cloud Asset API ``assets.list`` over google-auth's AuthorizedSession.

AuthorizedSession (requests with a token refreshed on expiry and on 401) rather than the
``google-cloud-asset`` GAPIC client: one HTTP stack (requests, already what google-auth
uses for tokens), no protobuf or gRPC runtime to install and import, and the JSON arrives
exactly as the REST reference shows it, which is what ``properties`` keeps. Retries are a
small loop of ours rather than urllib3's ``Retry`` so that every attempt takes a token from
the core's rate limiter and is counted (``throttled``, ``retries``) in the run summary.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from cloudscope.api import CollectContext, CollectionError, redact_text

from cloudscope_gcp.credentials import describe_auth_error
from cloudscope_gcp.settings import GcpSettings

if TYPE_CHECKING:
    from google.auth.credentials import Credentials
    from google.auth.transport.requests import AuthorizedSession

RETRYABLE: Final = frozenset({429, 500, 502, 503, 504})
LIMITER_SCOPE: Final = "cloudasset"
MAX_RETRY_AFTER_S: Final = 120.0
MAX_BACKOFF_S: Final = 60.0
_HINTS: Final = {
    401: "check the application default credentials",
    403: "the caller needs roles/cloudasset.viewer on the scope, and the Cloud Asset API "
         "enabled in its quota project",
    404: "check --scope",
}


class AssetApiError(CollectionError):
    """A Cloud Asset call that failed for good.

    ``status_code`` (the HTTP answer, if any), ``status`` (the API's own, e.g.
    ``PERMISSION_DENIED``) and ``failure_kind`` (for the core's circuit breaker: a token
    that cannot be had, an endpoint that cannot be reached, docs/plugins.md) say what
    failed without parsing the message.
    """

    def __init__(self, message: str, *, status_code: int | None = None, status: str | None = None,
                 failure_kind: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.status = status
        self.failure_kind = failure_kind


class AssetApi:
    """Paged ``assets.list`` calls, one AuthorizedSession per thread.

    The core collects scopes from several threads; a requests Session is not meant to be
    shared between them, so each thread gets its own (the credentials are shared).
    """

    def __init__(self, credentials: Credentials, settings: GcpSettings,
                 ctx: CollectContext) -> None:
        self._credentials = credentials
        self._settings = settings
        self._ctx = ctx
        self._local = threading.local()
        self._sessions: list[AuthorizedSession] = []
        self._lock = threading.Lock()

    def list_assets(self, parent: str, asset_types: Sequence[str],
                    content_type: str = "RESOURCE",
                    page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """Every asset of ``asset_types`` (exact types or RE2 patterns; none: every type)
        under ``parent`` (``projects/ID``, ``folders/ID``, ``organizations/ID``), page
        after page."""
        for page in self.list_pages(parent, asset_types, content_type, page_size):
            yield from page

    def list_pages(self, parent: str, asset_types: Sequence[str],
                   content_type: str = "RESOURCE",
                   page_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """The same listing, one page (a list of assets) at a time."""
        url = f"{self._settings.api_endpoint}/v1/{parent}/assets"
        size = page_size or self._settings.page_size
        base = [("contentType", content_type), ("pageSize", str(size))]
        base += [("assetTypes", asset_type) for asset_type in asset_types]
        token: str | None = None
        while True:
            page = self._get(url, [*base, ("pageToken", token)] if token else base, parent)
            assets = page.get("assets")
            yield assets if isinstance(assets, list) else []
            token = page.get("nextPageToken") or None
            if token is None:
                return

    def close(self) -> None:
        """Close every thread's session."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _session(self) -> AuthorizedSession:
        session: AuthorizedSession | None = getattr(self._local, "session", None)
        if session is None:
            from google.auth.transport.requests import AuthorizedSession

            session = AuthorizedSession(self._credentials)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _get(self, url: str, params: list[tuple[str, str]], parent: str) -> dict[str, Any]:
        import requests
        from google.auth import exceptions

        session = self._session()
        timeout = self._settings.timeout_s
        # Two budgets: throttling (429, max_retries) and server failures (server_retries),
        # so that a request throttled a few times still has its retries for a 503.
        attempt = throttled = failed = 0
        while True:
            self._ctx.limiter.acquire(scope=LIMITER_SCOPE)
            try:
                response = session.get(url, params=params, timeout=timeout)
            except exceptions.RefreshError as error:
                raise AssetApiError(f"{parent}: cannot obtain a Google access token: "
                                    f"{describe_auth_error(error)}",
                                    failure_kind="authentication") from None
            except (requests.RequestException, exceptions.TransportError) as error:
                # A connection never made, or an answer never read: either way the short
                # budget of server errors, the core's circuit breaker handles what stays down.
                if failed >= self._settings.server_retries:
                    unreachable = isinstance(error, requests.ConnectionError
                                             | exceptions.TransportError)
                    raise AssetApiError(
                        f"{parent}: cannot reach the Cloud Asset API at "
                        f"{self._settings.api_endpoint} ({type(error).__name__})",
                        failure_kind="unreachable-endpoint" if unreachable
                        else "server-error") from None
                self._wait(self._backoff(attempt), parent)
                attempt, failed = attempt + 1, failed + 1
                continue
            status = response.status_code
            if status == 200:
                return _json(response, parent)
            spent, budget = (throttled, self._settings.max_retries) if status == 429 \
                else (failed, self._settings.server_retries)
            if status in RETRYABLE and spent < budget:
                if status == 429:
                    self._ctx.count("throttled")
                    throttled += 1
                else:
                    failed += 1
                self._ctx.count("retries")
                delay = _retry_after(response.headers.get("Retry-After"))
                self._wait(self._backoff(attempt) if delay is None else delay, parent)
                attempt += 1
                continue
            raise api_error(response, parent)

    def _backoff(self, attempt: int) -> float:
        # Full jitter (AWS architecture blog): spreads the threads that were throttled together.
        ceiling = min(MAX_BACKOFF_S, self._settings.retry_backoff_s * 2 ** attempt)
        return random.uniform(ceiling / 2, ceiling)

    def _wait(self, seconds: float, parent: str) -> None:
        if seconds > 0 and self._ctx.cancelled.wait(seconds):
            raise CollectionError(f"{parent}: interrupted while waiting to retry")


def api_error(response: Any, parent: str) -> AssetApiError:
    """A one-line error for a failed call: status, the API's own status and message."""
    status = ""
    message = ""
    try:
        body = response.json().get("error") or {}
        status = str(body.get("status") or "")
        message = str(body.get("message") or "")
    except (ValueError, AttributeError):
        message = (response.text or "").strip().splitlines()[0][:200] if response.text else ""
    detail = " ".join(part for part in (str(response.status_code), status) if part)
    text = f"{parent}: the Cloud Asset API answered {detail}"
    if message:
        text += f": {redact_text(message)[:300]}"
    return AssetApiError(text, status_code=response.status_code, status=status or None,
                         hint=_HINTS.get(response.status_code))


def _json(response: Any, parent: str) -> dict[str, Any]:
    try:
        page = response.json()
    except ValueError:
        raise CollectionError(f"{parent}: the Cloud Asset API answered with invalid JSON") from None
    if not isinstance(page, dict):
        raise CollectionError(f"{parent}: the Cloud Asset API answered {type(page).__name__}, "
                              "expected an object")
    return page


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
