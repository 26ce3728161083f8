"""A local fake of Azure Resource Manager and of Entra ID's token endpoint, over HTTPS.

Serves what the real azure-identity ``ClientSecretCredential`` (instance discovery
disabled) and the real azure-core pipeline ask for: the tenant's OpenID discovery document,
the v2.0 token endpoint (client credentials), ``GET /subscriptions``, a subscription, list
calls paged with ``nextLink``, the generic resources list (``$filter=resourceType eq``), the
providers' metadata, a resource by id at a registered api-version, management groups, and
Resource Graph queries paged with ``$skipToken`` (tests/azure/graph_fake.py). With
``allowed_actions`` set it refuses (403) a call whose read action the role lacks. TLS comes from a throwaway certificate authority
(``trustme``) that clients trust through ``REQUESTS_CA_BUNDLE``. Faults (429 with
Retry-After, 5xx, 403) are injected per path prefix. Used by tests/azure and
bench/azure_collect.py.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import trustme
from graph_fake import GraphTables, action_for, is_allowed

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "00000000-aaaa-4bbb-8ccc-000000000001"
CLIENT_SECRET = "Zq8~fakeClientSecretValue.Never-Logged_4242"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Fault:
    """Answer ``status`` to the next ``times`` requests whose path starts with ``prefix``."""

    prefix: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    code: str = "Fault"


@dataclass
class Seen:
    """A request the fake answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    authorized: bool
    at: float


class FakeAzure:
    """Resource Manager and Entra ID on 127.0.0.1, a free port, HTTPS."""

    def __init__(self, directory: Path, *, page_size: int = 50,
                 graph_page_size: int = 1000) -> None:
        self.page_size = page_size
        #: Rows per Resource Graph page (at most the query's $top).
        self.graph_page_size = graph_page_size
        self.tenant_id = TENANT_ID
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.subscriptions: dict[str, dict[str, Any]] = {}
        # (subscription, lower-case list path) -> bodies
        self.collections: dict[str, list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        #: id (lower case) -> body, for GET by id, the generic list and Resource Graph.
        self.resources: dict[str, dict[str, Any]] = {}
        #: lower-case type -> (type as registered, api-versions): the /providers metadata.
        self.providers: dict[str, tuple[str, list[str]]] = {}
        #: name -> (display name, parent name or None, subscription ids below it).
        self.management_groups: dict[str, tuple[str, str | None, list[str]]] = {}
        #: The actions of the caller's role (``*/read`` style); None allows every call.
        self.allowed_actions: set[str] | None = None
        self.graph = GraphTables(self)
        self.seen: list[Seen] = []
        self.tokens_issued: list[str] = []
        #: Where nextLinks point (Resource Manager itself unless a test says otherwise).
        self.url_for_links: str | None = None
        self._lock = threading.Lock()
        authority = trustme.CA()
        self.ca_path = directory / "fake-azure-ca.pem"
        authority.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True,
                                        name="fake-azure")

    def __enter__(self) -> FakeAzure:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # The estate ------------------------------------------------------------------
    def add_subscription(self, subscription_id: str, name: str) -> None:
        """A subscription shaped like ``GetSubscription.json`` (Subscriptions_Get)."""
        self.subscriptions[subscription_id.lower()] = {
            "id": f"/subscriptions/{subscription_id}",
            "subscriptionId": subscription_id,
            "tenantId": self.tenant_id,
            "displayName": name,
            "state": "Enabled",
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                     "quotaId": "Internal_2014-09-01", "spendingLimit": "Off"},
            "authorizationSource": "RoleBased",
            "tags": {"costcenter": "1234"},
        }

    def add(self, path: str, bodies: Iterable[dict[str, Any]]) -> None:
        """Serve ``bodies`` (appended) at the list call ``path``, and each by its id."""
        added = list(bodies)
        self.collections.setdefault(path.lower().rstrip("/"), []).extend(added)
        for body in added:
            self.resources[body["id"].lower()] = body

    def put(self, bodies: Iterable[dict[str, Any]]) -> None:
        """Serve ``bodies`` by id, in the generic list and in Resource Graph only."""
        for body in bodies:
            self.resources[body["id"].lower()] = body

    def register(self, native_type: str, *api_versions: str) -> None:
        """Register ``native_type`` (``Namespace/type[/child]``) with its api-versions."""
        self.providers[native_type.lower()] = (native_type, list(api_versions))

    def fail(self, prefix: str, status: int, times: int = 1, **headers: str) -> None:
        """Inject a fault (see :class:`Fault`)."""
        self.faults.append(Fault(prefix.lower(), status, times, dict(headers)))

    def deny(self, prefix: str, times: int = 10_000) -> None:
        """Answer 403 AuthorizationFailed, as ARM does to a caller without the permission."""
        self.faults.append(Fault(prefix.lower(), 403, times, {}, "AuthorizationFailed"))

    def requests_to(self, prefix: str) -> list[Seen]:
        """The requests whose path starts with ``prefix`` (case-insensitive)."""
        with self._lock:
            return [seen for seen in self.seen if seen.path.lower().startswith(prefix.lower())]

    # Answers ---------------------------------------------------------------------
    def answer(self, method: str, target: str, headers: Any,
               payload: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The status, headers and JSON body for one request."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        authorized = headers.get("Authorization", "") in {f"Bearer {t}" for t in self.tokens_issued}
        status, extra, body = self._route(method, path, query, payload, authorized)
        with self._lock:
            self.seen.append(Seen(method, path, query, status, authorized, time.monotonic()))
        return status, extra, body

    def _route(self, method: str, path: str, query: dict[str, list[str]],
               payload: bytes, authorized: bool
               ) -> tuple[int, dict[str, str], dict[str, Any]]:
        tenant = f"/{self.tenant_id}"
        if path == f"{tenant}/v2.0/.well-known/openid-configuration":
            return 200, {}, self._discovery()
        if path == f"{tenant}/oauth2/v2.0/token" and method == "POST":
            return self._token(parse_qs(payload.decode("utf-8")))
        fault = self._take_fault(path)
        if fault is not None:
            return fault.status, fault.headers, _arm_error(fault.code, f"injected {fault.status}")
        if not authorized:
            return 401, {}, _arm_error("AuthenticationFailed", "missing or unknown bearer token")
        if "api-version" not in query:
            return 400, {}, _arm_error("MissingApiVersionParameter", "api-version is required")
        action = action_for(method, path)
        if not is_allowed(self.allowed_actions, action):
            return 403, {}, _arm_error("AuthorizationFailed", f"the client does not have "
                                       f"authorization to perform action '{action}'")
        key = path.lower().rstrip("/")
        if method == "POST" and key == "/providers/microsoft.resourcegraph/resources":
            return self.graph.query(json.loads(payload or b"{}"))
        if key.startswith("/providers/microsoft.management/managementgroups"):
            return self.graph.management_group(path, query)
        if key == "/subscriptions":
            return 200, {}, self._page(path, query, list(self.subscriptions.values()))
        segments = key.split("/")
        if len(segments) == 3 and segments[1] == "subscriptions":
            body = self.subscriptions.get(segments[2])
            if body is None:
                return 404, {}, _arm_error("SubscriptionNotFound", "no such subscription")
            return 200, {}, body
        if key in self.collections:
            return 200, {}, self._page(path, query, self.collections[key])
        if len(segments) == 4 and segments[3] == "resources":
            return 200, {}, self._page(path, query, self.graph.listed(segments[2], query))
        if len(segments) == 4 and segments[3] == "providers":
            return 200, {}, self._page(path, query, self.graph.provider_metadata())
        if key in self.resources and self.graph.is_resource_id(key):
            return self.graph.resource(key, query["api-version"][0])
        if len(segments) > 2 and segments[2] in self.subscriptions:
            return 200, {}, self._page(path, query, [])  # a provider with nothing listed
        return 404, {}, _arm_error("NotFound", f"no route for {path}")

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.lower().startswith(fault.prefix) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _page(self, path: str, query: dict[str, list[str]],
              items: list[dict[str, Any]]) -> dict[str, Any]:
        start = int(query.get("$skiptoken", ["0"])[0])
        end = start + self.page_size
        page: dict[str, Any] = {"value": items[start:end]}
        if end < len(items):
            params = {key: values[0] for key, values in query.items() if key != "$skiptoken"}
            params["$skiptoken"] = str(end)
            page["nextLink"] = f"{self.url_for_links or self.url}{path}?{urlencode(params)}"
        return page

    def _discovery(self) -> dict[str, Any]:
        base = f"{self.url}/{self.tenant_id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{self.url}/{self.tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": None,
            "cloud_instance_name": "microsoftonline.com",
        }

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str], dict[str, Any]]:
        def value(name: str) -> str:
            return form.get(name, [""])[0]

        # A client secret, or a certificate's signed assertion (a JWT whose header names
        # the certificate's thumbprint).
        assertion = value("client_assertion")
        proven = value("client_secret") == self.client_secret or (
            value("client_assertion_type") == JWT_BEARER and assertion.count(".") == 2)
        if value("grant_type") != "client_credentials" or value("client_id") != self.client_id \
                or not proven:
            return 401, {}, {"error": "invalid_client",
                             "error_description": "AADSTS7000215: Invalid client secret provided.",
                             "error_codes": [7000215]}
        with self._lock:
            token = f"fake-arm-access-token-{len(self.tokens_issued) + 1}"
            self.tokens_issued.append(token)
        return 200, {}, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                         "access_token": token}


def arm_error(code: str, message: str) -> dict[str, Any]:
    """ARM's error body."""
    return _arm_error(code, message)


def _arm_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _handler_for(fake: FakeAzure) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without it every response waits for the peer's delayed ACK (about 40 ms).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._respond("GET", b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._respond("POST", self.rfile.read(length))

        def _respond(self, method: str, payload: bytes) -> None:
            status, headers, body = fake.answer(method, self.path, self.headers, payload)
            payload = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``fake.seen`` instead."""

    return Handler
