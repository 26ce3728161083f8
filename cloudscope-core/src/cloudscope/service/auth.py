"""Who is asking: JWT bearer tokens checked with PyJWT, and the roles they carry.

A token is accepted when it is signed with RS256 or ES256 by a key of the configured JWKS
(a file, re-read when a token names a key it does not hold, or a URL fetched and cached by
PyJWT's ``PyJWKClient``, refetched on an unknown ``kid`` at most once per cooldown), or
with HS256 by the configured secret; when ``exp`` has not passed and ``nbf`` has (give or
take the leeway); and when ``iss`` and ``aud`` are the configured ones. The algorithm is
taken from the token only to choose among these three, and the key must be of that
algorithm: ``alg: none``, any other algorithm, and a token that pairs HS256 with a public
key of the JWKS (algorithm confusion) are refused.

Roles come from a claim (``roles`` by default; a dotted path such as
``realm_access.roles`` reaches into nested claims) holding a list or a space-separated
string; each role includes the ones before it: viewer < analyst < admin.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, Final, Protocol

import jwt

from cloudscope.domain.errors import ConfigError
from cloudscope.infrastructure.config import AuthSettings

ASYMMETRIC: Final = frozenset({"RS256", "ES256"})
VERIFIED_CACHE_SIZE: Final = 4096
VERIFIED_TTL_S: Final = 60.0
"""How long a verified token is trusted without checking its signature again: a key
removed from the JWKS stops being honoured within this time."""
REALM: Final = 'Bearer realm="cloudscope"'


class Role(IntEnum):
    """What a caller may read; each role includes the ones before it."""

    VIEWER = 1
    ANALYST = 2
    ADMIN = 3


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: its subject, its role names, and its highest role."""

    sub: str | None
    roles: tuple[str, ...]
    role: Role | None

    def may(self, needed: Role) -> bool:
        """Whether this caller holds ``needed`` or a role above it."""
        return self.role is not None and self.role >= needed


class AuthError(Exception):
    """A request that cannot go on: 401 (who are you?) or 403 (not allowed), with the
    ``WWW-Authenticate`` challenge to send. Messages never contain the token."""

    def __init__(self, status: int, detail: str, challenge: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.challenge = challenge


def unauthorized(detail: str, *, error: str | None = "invalid_token") -> AuthError:
    """A 401 with an RFC 6750 challenge."""
    challenge = REALM if error is None else \
        f'{REALM}, error="{error}", error_description="{detail}"'
    return AuthError(401, detail, challenge)


def forbidden(needed: Role) -> AuthError:
    """A 403: a valid token without the role ``needed``."""
    detail = f"this needs the {needed.name.lower()} role"
    return AuthError(403, detail,
                     f'{REALM}, error="insufficient_scope", error_description="{detail}"')


class Authenticator(Protocol):
    """Turns an ``Authorization`` header into a :class:`Principal` or an :class:`AuthError`."""

    def authenticate(self, authorization: str | None) -> Principal: ...


class Anonymous:
    """``auth.mode: none`` (loopback only): every caller is an administrator."""

    def authenticate(self, authorization: str | None) -> Principal:
        """The anonymous administrator."""
        return Principal(sub=None, roles=("admin",), role=Role.ADMIN)


class _FileKeys:
    """The keys of a JWKS file, read again when a token names a key it does not hold and
    the file changed (key rotation without a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: list[jwt.PyJWK] = []
        self._load()

    def _load(self) -> None:
        try:
            stat = self.path.stat()
            document = json.loads(self.path.read_text(encoding="utf-8"))
            keys = jwt.PyJWKSet.from_dict(document).keys
        except OSError as error:
            raise ConfigError(f"cannot read: {error.strerror or error}", source=str(self.path),
                              key="serve.auth.jwks_file") from None
        except (ValueError, jwt.PyJWTError) as error:
            raise ConfigError(f"not a JWK Set ({error})", source=str(self.path),
                              key="serve.auth.jwks_file") from None
        self._stamp = (stat.st_mtime_ns, stat.st_size)
        self._keys = keys

    def signing_key(self, kid: str | None) -> jwt.PyJWK | None:
        key = _match(self._keys, kid)
        if key is None:
            with self._lock:
                try:
                    stat = self.path.stat()
                    if (stat.st_mtime_ns, stat.st_size) != self._stamp:
                        self._load()
                except (OSError, ConfigError):
                    return None  # a file being rewritten: the keys we have stay
                key = _match(self._keys, kid)
        return key


class _UrlKeys:
    """The keys of a JWKS URL through PyJWT's client (its cache, and its cooldown between
    refreshes forced by unknown key ids, so that forged ids cannot flood the provider)."""

    def __init__(self, url: str, cache_s: float, cooldown_s: float) -> None:
        self.client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=max(cache_s, 1.0),
                                      timeout=10, cooldown_duration=cooldown_s)

    def signing_key(self, kid: str | None) -> jwt.PyJWK | None:
        try:
            if kid is None:
                return _match(self.client.get_signing_keys(), None)
            return self.client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            raise AuthError(503, f"the JWKS could not be fetched ({error})", REALM) from None
        except jwt.PyJWKClientError:
            return None


def _match(keys: Sequence[jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
    signing = [k for k in keys if k.public_key_use in ("sig", None)]
    if kid is None:
        # A token without a kid is accepted only when the set leaves no choice.
        return signing[0] if len(signing) == 1 else None
    return next((k for k in signing if k.key_id == kid), None)


class JwtAuthenticator:
    """Bearer JWTs validated as the module docstring says."""

    def __init__(self, settings: AuthSettings) -> None:
        missing = [name for name in ("issuer", "audience") if not getattr(settings, name)]
        if missing:
            raise ConfigError(f"auth.mode jwt needs {' and '.join(missing)}",
                              key=f"serve.auth.{missing[0]}",
                              hint="set it, or auth.mode: none on a loopback host")
        sources = [s for s in (settings.jwks_file, settings.jwks_url, settings.hs256_secret)
                   if s is not None]
        if not sources:
            raise ConfigError("auth.mode jwt needs a key", key="serve.auth.jwks_file",
                              hint="set jwks_file, jwks_url or hs256_secret")
        if settings.jwks_file is not None and settings.jwks_url is not None:
            raise ConfigError("set jwks_file or jwks_url, not both", key="serve.auth.jwks_url")
        self.issuer = settings.issuer
        self.audience = settings.audience
        self.leeway = settings.leeway_s
        self.roles_claim = settings.roles_claim
        self._secret = settings.hs256_secret.get_secret_value() \
            if settings.hs256_secret is not None else None
        if self._secret is not None and len(self._secret.encode()) < 32:
            # Not `key: message`: the one-line error is redacted, and a secret-named key
            # followed by a colon reads as an assignment whose value would be hidden.
            raise ConfigError("serve.auth.hs256_secret is shorter than 32 bytes",
                              hint="use a random secret of at least 32 bytes (RFC 7518 3.2)")
        # Tokens verified lately, so that a client's repeated requests cost a dict lookup
        # rather than a signature check; expiry and nbf are still checked on every use.
        self._verified: OrderedDict[str, tuple[Principal, float, float, float]] = OrderedDict()
        self._verified_lock = threading.Lock()
        self._keys: _FileKeys | _UrlKeys | None = None
        if settings.jwks_file is not None:
            self._keys = _FileKeys(settings.jwks_file)
        elif settings.jwks_url is not None:
            self._keys = _UrlKeys(settings.jwks_url, settings.jwks_cache_s,
                                  settings.jwks_cooldown_s)

    def authenticate(self, authorization: str | None) -> Principal:
        """The caller of a request with this ``Authorization`` header."""
        if authorization is None:
            raise unauthorized("a bearer token is required", error=None)
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise unauthorized("the Authorization header is not 'Bearer <token>'",
                               error="invalid_request")
        now = time.time()
        with self._verified_lock:
            cached = self._verified.get(token)
        if cached is not None:
            principal, not_before, expires, verified_at = cached
            if not_before - self.leeway <= now < expires + self.leeway and \
                    now - verified_at < VERIFIED_TTL_S:
                return principal
        principal, not_before, expires = self._verify(token)
        with self._verified_lock:
            self._verified[token] = (principal, not_before, expires, now)
            while len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float, float]:
        """The principal of a token whose signature and claims are checked, with its
        ``nbf`` and ``exp``."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise unauthorized("the token is malformed") from None
        algorithm = header.get("alg")
        key = self._key_for(algorithm, header.get("kid"))
        try:
            claims = jwt.decode(token, key, algorithms=[str(algorithm)], audience=self.audience,
                                issuer=self.issuer, leeway=self.leeway,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise unauthorized("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise unauthorized("the token is not valid yet (nbf or iat in the future)") from None
        except jwt.InvalidIssuerError:
            raise unauthorized("the token was issued by another issuer") from None
        except jwt.InvalidAudienceError:
            raise unauthorized("the token is meant for another audience") from None
        except jwt.InvalidSignatureError:
            raise unauthorized("the token's signature does not verify") from None
        except jwt.MissingRequiredClaimError as error:
            raise unauthorized(f"the token has no {error.claim!r} claim") from None
        except jwt.PyJWTError:
            raise unauthorized("the token is invalid") from None
        roles = role_names(claims, self.roles_claim)
        known = [Role[name.upper()] for name in roles if name.upper() in Role.__members__]
        principal = Principal(sub=str(claims["sub"]), roles=roles,
                              role=max(known) if known else None)
        not_before = claims.get("nbf")
        return (principal, float(not_before) if isinstance(not_before, int | float) else 0.0,
                float(claims["exp"]))

    def _key_for(self, algorithm: Any, kid: Any) -> Any:
        if algorithm == "HS256":
            if self._secret is None:
                raise unauthorized("HS256 tokens are not accepted here")
            return self._secret
        if algorithm not in ASYMMETRIC:
            raise unauthorized(f"the algorithm {str(algorithm)[:20]!r} is not accepted")
        if self._keys is None:
            raise unauthorized(f"{algorithm} tokens are not accepted here (no JWKS)")
        jwk = self._keys.signing_key(kid if isinstance(kid, str) else None)
        if jwk is None:
            raise unauthorized("the token's key is not in the JWKS")
        if jwk.algorithm_name != algorithm:
            # An ES256 token naming an RSA key, or the reverse: never verify across kinds.
            raise unauthorized(f"the token's key is not an {algorithm} key")
        return jwk.key


def role_names(claims: Mapping[str, Any], claim: str) -> tuple[str, ...]:
    """The role names in ``claim``: the claim of that exact name (namespaced claims are
    URLs full of dots), else a dotted path into nested objects."""
    value: Any = claims.get(claim)
    if value is None and "." in claim:
        value = claims
        for part in claim.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost`` (``auth.mode: none`` is
    refused anywhere else: the API would be open to the network)."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def authenticator_for(settings: AuthSettings, host: str) -> Authenticator:
    """The authenticator the settings ask for; a ``ConfigError`` for what cannot be safe."""
    if settings.mode == "none":
        if not is_loopback(host):
            raise ConfigError(f"auth.mode none is refused on {host}: the API would be open "
                              "to the network", key="serve.auth.mode",
                              hint="use 127.0.0.1, or configure auth.mode jwt")
        return Anonymous()
    return JwtAuthenticator(settings)
