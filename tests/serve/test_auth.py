"""Authentication and roles of ``cloudscope serve``: real keys, real tokens, over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from serve_fixtures import AUDIENCE, ISSUER, Keys, RunningService, mint, public_jwk

ASSETS = "/v1/assets?limit=1"


@pytest.fixture(scope="module")
def service(start_service: Callable[..., RunningService], estate_sqlite: str) -> RunningService:
    """The API over the sample estate, trusting the JWKS file."""
    return start_service(estate_sqlite)


def _unsigned(claims: dict[str, Any]) -> str:
    """A token with ``alg: none`` and no signature, as an attacker writes it by hand."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{part(claims)}."


def _hs256_with_public_key(keys: Keys) -> str:
    """The algorithm-confusion attack: HS256 keyed with the server's RSA public key (PEM),
    which a naive verifier would accept as the HMAC secret."""
    pem = keys.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    header = base64.urlsafe_b64encode(json.dumps(
        {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode()).decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "attacker", "exp": now + 300,
         "roles": ["admin"]}).encode()).decode().rstrip("=")
    signature = hmac.new(pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


UNAUTHORIZED: dict[str, Callable[[Keys], dict[str, str]]] = {
    "missing": lambda k: {},
    "not a bearer": lambda k: {"Authorization": "Basic dXNlcjpwYXNz"},
    "malformed": lambda k: {"Authorization": "Bearer not.a.jwt"},
    "expired": lambda k: {"Authorization": "Bearer " + mint(
        k.rsa, exp=int(time.time()) - 120, iat=int(time.time()) - 600,
        nbf=int(time.time()) - 600)},
    "future nbf": lambda k: {"Authorization": "Bearer " + mint(
        k.rsa, nbf=int(time.time()) + 600)},
    "wrong issuer": lambda k: {"Authorization": "Bearer " + mint(
        k.rsa, iss="https://evil.test/")},
    "wrong audience": lambda k: {"Authorization": "Bearer " + mint(k.rsa, aud="other-api")},
    "no expiry": lambda k: {"Authorization": "Bearer " + mint(k.rsa, exp=None)},
    "wrong key": lambda k: {"Authorization": "Bearer " + mint(k.stranger)},
    "unknown kid": lambda k: {"Authorization": "Bearer " + mint(k.rsa, kid="rsa-404")},
    "alg none": lambda k: {"Authorization": "Bearer " + _unsigned(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 300,
         "roles": ["admin"]})},
    "HS256 keyed with the RSA public key": lambda k: {
        "Authorization": "Bearer " + _hs256_with_public_key(k)},
    "ES256 naming the RSA key": lambda k: {"Authorization": "Bearer " + mint(
        k.ec, alg="ES256", kid="rsa-1")},
}


@pytest.mark.parametrize("case", list(UNAUTHORIZED))
def test_every_bad_token_is_401_with_a_bearer_challenge(service: RunningService, keys: Keys,
                                                        case: str) -> None:
    """Missing, malformed, expired, not yet valid, foreign, forged or unsigned: 401,
    ``WWW-Authenticate: Bearer``, a problem document, and no data."""
    response = service.client(**UNAUTHORIZED[case](keys)).get(ASSETS)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="cloudscope"')
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["detail"]
    assert "items" not in body


@pytest.mark.parametrize(("alg", "key_name", "kid"), [("RS256", "rsa", "rsa-1"),
                                                      ("ES256", "ec", "ec-1")])
def test_tokens_signed_by_a_jwks_key_are_accepted(service: RunningService, keys: Keys,
                                                  alg: str, key_name: str, kid: str) -> None:
    """RS256 and ES256 tokens signed by keys of the JWKS file read the assets."""
    token = mint(getattr(keys, key_name), alg=alg, kid=kid)
    response = service.client(token).get(ASSETS)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 1


@pytest.mark.parametrize(("roles", "path", "status"), [
    (["viewer"], "/v1/assets", 200), (["viewer"], "/v1/runs", 200),
    (["viewer"], "/v1/findings", 403), (["viewer"], "/v1/export/json", 403),
    (["analyst"], "/v1/findings", 200), (["analyst"], "/v1/plugins", 403),
    (["admin"], "/v1/plugins", 200), (["admin"], "/v1/findings", 200),
    ([], "/v1/assets", 403), (["auditor"], "/v1/assets", 403),
])
def test_each_role_includes_the_ones_before_it(service: RunningService, keys: Keys,
                                               roles: list[str], path: str, status: int) -> None:
    """viewer < analyst < admin; a valid token without the role is 403, not 401."""
    response = service.client(mint(keys.rsa, roles=tuple(roles))).get(path)
    assert response.status_code == status, response.text
    if status == 403:
        assert response.headers["content-type"] == "application/problem+json"
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_a_viewer_sees_an_asset_without_its_findings(service: RunningService,
                                                     keys: Keys) -> None:
    """Findings are the analyst's: a viewer's asset detail leaves them out."""
    asset_id = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001"
    path = f"/v1/assets/{asset_id.replace('/', '%2F')}"
    viewer = service.client(mint(keys.rsa)).get(path).json()
    analyst = service.client(mint(keys.rsa, roles=("analyst",))).get(path).json()
    assert "findings" not in viewer and viewer["asset"] == analyst["asset"]
    assert analyst["findings"], "the bastion has findings in the sample estate"


@pytest.mark.parametrize(("claim", "claims"), [
    ("roles", {"roles": "viewer analyst"}),
    ("realm_access.roles", {"realm_access": {"roles": ["analyst"]}}),
    ("https://idp.test/roles", {"https://idp.test/roles": ["analyst"]})],
    ids=["space-separated", "dotted path", "namespaced claim"])
def test_roles_come_from_the_configured_claim(start_service: Callable[..., RunningService],
                                              estate_sqlite: str, jwks_file: Any, keys: Keys,
                                              claim: str, claims: dict[str, Any]) -> None:
    """A list or a space-separated string; a dotted path into nested claims; a namespaced
    claim whose name holds dots."""
    service = start_service(estate_sqlite, auth={
        "issuer": ISSUER, "audience": AUDIENCE, "jwks_file": str(jwks_file),
        "roles_claim": claim})
    token = mint(keys.rsa, **{"roles": None, **claims})
    assert service.client(token).get("/v1/findings?limit=1").status_code == 200


def test_hs256_is_accepted_only_with_a_configured_secret(
        start_service: Callable[..., RunningService], estate_sqlite: str, jwks_file: Any,
        keys: Keys) -> None:
    """With ``hs256_secret`` an HS256 token signed by it passes; one signed by another
    secret, or any HS256 token where no secret is configured, is 401."""
    secret = "s" * 40
    with_secret = start_service(estate_sqlite, auth={
        "issuer": ISSUER, "audience": AUDIENCE, "hs256_secret": secret})
    assert with_secret.client(mint(secret, alg="HS256", kid=None)).get(ASSETS).status_code \
        == 200
    assert with_secret.client(mint("t" * 40, alg="HS256", kid=None)).get(ASSETS).status_code \
        == 401
    assert with_secret.client(mint(keys.rsa)).get(ASSETS).status_code == 401  # no JWKS
    without = start_service(estate_sqlite)
    assert without.client(mint(secret, alg="HS256", kid=None)).get(ASSETS).status_code == 401


class _JwksEndpoint:
    """A local JWKS endpoint whose key set a test can change, counting its fetches."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                endpoint.fetches += 1
                body = json.dumps(endpoint.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def jwks_endpoint(keys: Keys) -> Iterator[_JwksEndpoint]:
    endpoint = _JwksEndpoint(keys.jwks())
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def test_keys_from_a_jwks_url_are_cached_and_refetched_for_a_new_kid(
        start_service: Callable[..., RunningService], estate_sqlite: str, keys: Keys,
        jwks_endpoint: _JwksEndpoint) -> None:
    """The JWKS is fetched once for many tokens; a token naming a key added since (a
    rotation) makes one more fetch and passes."""
    service = start_service(estate_sqlite, auth={
        "issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_endpoint.url,
        "jwks_cooldown_s": 0})
    client = service.client()
    for _ in range(5):
        assert client.get(ASSETS, headers={"Authorization": "Bearer " + mint(keys.rsa)}) \
            .status_code == 200
    assert jwks_endpoint.fetches == 1
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks_endpoint.document = keys.jwks(public_jwk(rotated, "rsa-2"))
    token = mint(rotated, kid="rsa-2")
    assert client.get(ASSETS, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert jwks_endpoint.fetches == 2


def test_forged_key_ids_do_not_flood_the_jwks_endpoint(
        start_service: Callable[..., RunningService], estate_sqlite: str, keys: Keys,
        jwks_endpoint: _JwksEndpoint) -> None:
    """Within the cooldown, tokens naming unknown keys are refused without a fetch each."""
    service = start_service(estate_sqlite, auth={
        "issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_endpoint.url,
        "jwks_cooldown_s": 60})
    client = service.client()
    for index in range(10):
        token = mint(keys.stranger, kid=f"forged-{index}")
        assert client.get(ASSETS, headers={"Authorization": f"Bearer {token}"}) \
            .status_code == 401
    assert jwks_endpoint.fetches <= 2


def test_the_audit_log_names_the_caller_and_never_the_token(
        start_service: Callable[..., RunningService], estate_sqlite: str, keys: Keys) -> None:
    """One JSON line per request with sub, roles, method, path, status, duration and
    client; the token appears nowhere, not even when pasted into the path."""
    service = start_service(estate_sqlite)
    token = mint(keys.rsa, roles=("analyst",), sub="alice")
    client = service.client(token)
    client.get(ASSETS)
    client.get("/v1/plugins")
    client.get(f"/v1/assets/{token}")
    service.client().get("/healthz")
    lines = service.audit_lines(4)
    assert [(line["sub"], line["path"], line["status"]) for line in lines] == [
        ("alice", "/v1/assets", 200), ("alice", "/v1/plugins", 403),
        ("alice", "/v1/assets/[REDACTED]", 404), (None, "/healthz", 200)]
    first = lines[0]
    assert set(first) == {"time", "sub", "roles", "method", "path", "status", "duration_ms",
                          "client"}
    assert first["roles"] == ["analyst"] and first["client"] == "127.0.0.1"
    assert first["method"] == "GET" and first["duration_ms"] > 0
    assert token not in service.audit_log.read_text(encoding="utf-8")
    assert token.split(".")[2] not in service.audit_log.read_text(encoding="utf-8")
