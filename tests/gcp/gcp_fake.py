"""A local fake of the Cloud Asset API v1 (``assets.list``), the OAuth token endpoint and
the IAM Credentials ``generateAccessToken`` call, for tests and the benchmark.

It is reached through google-auth's real flows: a JWT-bearer assertion exchanged at
``/token`` (verified with the service-account key's public half), or a self-signed JWT sent
directly as the bearer token; both are checked with ``google.auth.jwt.decode``. Responses
follow the public REST reference: ``{"assets": [Asset...], "nextPageToken": ...}`` and
``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from google.auth import jwt

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@dataclass
class Fault:
    """Answer ``count`` matching asset requests with ``status`` (``parent`` None: any)."""

    status: int
    count: int
    parent: str | None = None
    retry_after: str | None = None
    #: Only requests whose query parameters this accepts match (None: every request).
    when: Callable[[dict[str, list[str]]], bool] | None = None


@dataclass
class Recorded:
    """One asset request as the fake saw it."""

    parent: str
    params: dict[str, list[str]]
    principal: str
    auth: str  # "token" (exchanged or impersonated) or "self-signed-jwt"
    status: int = 200


@dataclass
class FakeGcp:
    """The fake's state: keys it trusts, the estate it serves, faults to inject."""

    public_keys: dict[str, str] = field(default_factory=dict)
    impersonable: set[str] = field(default_factory=set)
    project_numbers: dict[str, str] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    #: Parents whose IAM_POLICY listing alone is denied (no cloudasset.assets.listIamPolicy).
    policies_denied: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    #: When set, what each principal may do: ``cloudasset.assets.listResource`` for
    #: ``contentType=RESOURCE``, ``cloudasset.assets.listIamPolicy`` for ``IAM_POLICY``
    #: (the permissions of roles/cloudasset.viewer the collector uses); None: everything.
    grants: dict[str, set[str]] | None = None
    recorded: list[Recorded] = field(default_factory=list)
    token_requests: int = 0
    impersonations: list[str] = field(default_factory=list)
    root: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        self._resources: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self._policies: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)

    # The estate ----------------------------------------------------------------------
    def add_asset(self, asset: dict[str, Any], iam_policy: dict[str, Any] | None = None) -> None:
        """Serve ``asset`` (an ``Asset`` body with ``ancestors``) under each ancestor."""
        for ancestor in asset["ancestors"]:
            self._resources[(ancestor, asset["assetType"])].append(asset)
            if iam_policy is not None:
                self._policies[(ancestor, asset["assetType"])].append(
                    {key: asset[key] for key in ("name", "assetType", "ancestors", "updateTime")}
                    | {"iamPolicy": iam_policy})

    def served(self, name: str, *, iam_policy: bool = False) -> dict[str, Any]:
        """The served ``Asset`` body named ``name`` (or its IAM policy record), to edit in
        place: every ancestor serves the same object."""
        source = self._policies if iam_policy else self._resources
        return next(asset for assets in source.values() for asset in assets
                    if asset["name"] == name)

    def remove_asset(self, name: str) -> None:
        """Stop serving the asset ``name`` (and its IAM policy), as after its deletion."""
        for source in (self._resources, self._policies):
            for assets in source.values():
                assets[:] = [asset for asset in assets if asset["name"] != name]

    def add_project(self, project_id: str, number: str) -> None:
        """Let ``projects/ID`` and ``projects/NUMBER`` name the same project."""
        self.project_numbers[project_id] = number

    @property
    def token_uri(self) -> str:
        """Where service-account keys exchange their assertions."""
        return f"{self.root}/token"

    # Serving -------------------------------------------------------------------------
    def list_assets(self, parent: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """The ``assets.list`` answer for ``parent`` and the query parameters."""
        with self._lock:
            for fault in self.faults:
                if fault.count > 0 and fault.parent in (None, parent) and (
                        fault.when is None or fault.when(query)):
                    fault.count -= 1
                    return fault.status, _error(fault.status, "injected fault",
                                                "RESOURCE_EXHAUSTED" if fault.status == 429
                                                else "UNAVAILABLE") | (
                        {"retry_after": fault.retry_after} if fault.retry_after else {})
        if parent in self.denied or (parent in self.policies_denied
                                     and query.get("contentType") == ["IAM_POLICY"]):
            return 403, _error(403, f"The caller does not have permission on {parent}",
                               "PERMISSION_DENIED")
        kind, _, identifier = parent.partition("/")
        if kind == "projects":
            parent = f"projects/{self.project_numbers.get(identifier, identifier)}"
        content = (query.get("contentType") or ["RESOURCE"])[0]
        source = self._policies if content == "IAM_POLICY" else self._resources
        served = sorted({t for (_a, t) in source})
        try:
            types = _matching(query["assetTypes"], served) if query.get("assetTypes") else served
        except re.error:
            return 400, _error(400, "Invalid asset type pattern", "INVALID_ARGUMENT")
        everything = [asset for asset_type in types for asset in source.get((parent, asset_type), ())]
        size = min(int((query.get("pageSize") or ["100"])[0]), 1000)
        start = 0
        if query.get("pageToken"):
            try:
                start = int(base64.urlsafe_b64decode(query["pageToken"][0]).decode())
            except ValueError:
                return 400, _error(400, "Invalid page token", "INVALID_ARGUMENT")
        page: dict[str, Any] = {"assets": everything[start:start + size],
                                "readTime": "2024-05-01T00:00:00Z"}
        if start + size < len(everything):
            page["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return 200, page

    def authenticate(self, header: str | None) -> tuple[str, str] | None:
        """(principal, kind) for a valid bearer token, else None."""
        if not header or not header.startswith("Bearer "):
            return None
        token = header[len("Bearer "):]
        with self._lock:
            principal = self._tokens.get(token)
        if principal is not None:
            return principal, "token"
        try:
            claims = jwt.decode(token, certs=self.public_keys)
        except ValueError:
            return None
        return str(claims.get("iss")), "self-signed-jwt"

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The OAuth token endpoint: a JWT-bearer assertion for an access token."""
        if form.get("grant_type") != JWT_BEARER:
            return 400, {"error": "unsupported_grant_type"}
        try:
            # google-auth addresses the assertion to Google's token audience whatever the
            # key file's token_uri is; Google accepts both, so does the fake.
            claims = jwt.decode(form.get("assertion", ""), certs=self.public_keys,
                                audience=[self.token_uri, GOOGLE_TOKEN_AUDIENCE])
        except ValueError:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        with self._lock:
            self.token_requests += 1
        return 200, {"access_token": self.issue(str(claims["iss"])), "expires_in": 3600,
                     "token_type": "Bearer"}

    def impersonate(self, caller: str, email: str) -> tuple[int, dict[str, Any]]:
        """IAM Credentials ``generateAccessToken`` for ``email``."""
        if email not in self.impersonable:
            return 403, _error(403, f"Permission 'iam.serviceAccounts.getAccessToken' denied "
                                    f"on {email}", "PERMISSION_DENIED")
        with self._lock:
            self.impersonations.append(f"{caller}->{email}")
        expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, {"accessToken": self.issue(email), "expireTime": expiry}

    def issue(self, principal: str) -> str:
        """A new opaque access token for ``principal``."""
        token = f"ya29.fake-{uuid.uuid4().hex}"
        with self._lock:
            self._tokens[token] = principal
        return token

    def record(self, entry: Recorded) -> None:
        """Keep an asset request for the test to inspect."""
        with self._lock:
            self.recorded.append(entry)


def beyond_the_plan(query: dict[str, list[str]]) -> bool:
    """A Fault's ``when``: every listing but those of projects (the plan's project list,
    a container scope's own listing), so that the collection itself fails, not its plan."""
    return "cloudresourcemanager.googleapis.com/Project" not in query.get("assetTypes", ())


def _matching(requested: list[str], served: list[str]) -> list[str]:
    """The served types ``assetTypes`` selects: exact names, or RE2-style patterns matched
    against the whole type (``compute\\.googleapis\\.com/.*``), as the API documents."""
    chosen: dict[str, None] = {}
    for entry in requested:
        if entry in served:
            chosen[entry] = None
            continue
        pattern = re.compile(entry)
        chosen.update((t, None) for t in served if pattern.fullmatch(t))
    return list(chosen)


PERMISSIONS = {"RESOURCE": "cloudasset.assets.listResource",
               "IAM_POLICY": "cloudasset.assets.listIamPolicy"}


def _error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


class _Handler(BaseHTTPRequestHandler):
    # Without this every response waits for the peer's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    fake: FakeGcp

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the recorded requests instead."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if not (url.path.startswith("/v1/") and url.path.endswith("/assets")):
            return self._send(404, _error(404, "Not found", "NOT_FOUND"))
        identity = self.fake.authenticate(self.headers.get("Authorization"))
        if identity is None:
            return self._send(401, _error(401, "Request had invalid authentication credentials.",
                                          "UNAUTHENTICATED"))
        parent = url.path[len("/v1/"):-len("/assets")]
        query = parse_qs(url.query)
        permission = PERMISSIONS.get((query.get("contentType") or ["RESOURCE"])[0], "")
        grants = self.fake.grants
        if grants is not None and permission not in grants.get(identity[0], set()):
            status, body = 403, _error(403, f"Permission '{permission}' denied on resource "
                                            f"'{parent}'", "PERMISSION_DENIED")
        else:
            status, body = self.fake.list_assets(parent, query)
        self.fake.record(Recorded(parent, query, identity[0], identity[1], status))
        retry_after = body.pop("retry_after", None)
        self._send(status, body, {"Retry-After": retry_after} if retry_after else None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        path = urlsplit(self.path).path
        if path == "/token":
            return self._send(*self.fake.exchange(dict(parse_qsl(raw))))
        if path.endswith(":generateAccessToken"):
            identity = self.fake.authenticate(self.headers.get("Authorization"))
            if identity is None:
                return self._send(401, _error(401, "Unauthenticated", "UNAUTHENTICATED"))
            email = path.rsplit("/", 1)[-1].removesuffix(":generateAccessToken")
            return self._send(*self.fake.impersonate(identity[0], email))
        self._send(404, _error(404, "Not found", "NOT_FOUND"))

    def _send(self, status: int, body: dict[str, Any],
              headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def serve(fake: FakeGcp) -> Iterator[FakeGcp]:
    """Run ``fake`` on 127.0.0.1 and a free port until the block ends."""
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake.root = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-gcp", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
