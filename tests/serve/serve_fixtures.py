"""Helpers of the ``cloudscope serve`` tests: keys, tokens, the estate, a running service.

Keys are generated here with ``cryptography`` (RSA 2048 and EC P-256) and published as a
JWKS file; tokens are minted with PyJWT. The server is composed exactly as the command
composes it (``cli.serve_command.compose``) and runs uvicorn on 127.0.0.1 in a thread;
tests talk to it over HTTP with httpx.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cloudscope.cli.main import main
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "examples" / "estate" / "estate.json"
NEXT_WEEK = ROOT / "examples" / "estate" / "estate-next-week.json"
ISSUER = "https://idp.test/"
AUDIENCE = "cloudscope"
# A collector plugin whose second scope fails; each scope meets two throttling answers.
FLAKY_PLUGIN = """
from cloudscope.api import Asset, CollectionError, Collector, ScopeKey, hookimpl

CLOUDSCOPE_API = ">=1.0,<2"


class Flaky(Collector):
    '''Two scopes; ``bad`` is denied; each scope meets two throttling answers.'''

    def plan(self):
        return [ScopeKey(provider="flaky", account="a", service=name) for name in ("good", "bad")]

    def collect(self, scope):
        self.ctx.count("throttled", 2)
        if scope.service == "bad":
            raise CollectionError("AccessDenied")
        yield Asset(id="flaky-1", provider="flaky", asset_type="flaky:good:thing")


@hookimpl
def cloudscope_register_collectors(register):
    register("flaky", Flaky)
"""


@dataclass(frozen=True)
class Keys:
    """Signing keys made for the session, and the JWKS that publishes the trusted ones."""

    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    stranger: rsa.RSAPrivateKey  # never published: "signed with the wrong key"

    def jwks(self, *extra: dict[str, Any]) -> dict[str, Any]:
        """The JWK Set of the trusted public keys (``rsa-1``, ``ec-1``) and ``extra``."""
        return {"keys": [public_jwk(self.rsa, "rsa-1"), public_jwk(self.ec, "ec-1"), *extra]}


def public_jwk(key: Any, kid: str) -> dict[str, Any]:
    """The public JWK of a private key, with its ``kid`` and ``use``."""
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) \
        else jwt.algorithms.ECAlgorithm
    document: dict[str, Any] = algorithm.to_jwk(key.public_key(), as_dict=True)
    return {**document, "kid": kid, "use": "sig"}


def mint(key: Any, *, alg: str = "RS256", kid: str | None = "rsa-1",
         roles: Any = ("viewer",), **claims: Any) -> str:
    """A token for ``key``; claims default to a valid viewer token, a claim given as None
    is left out."""
    now = int(time.time())
    body: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": now,
                            "nbf": now, "exp": now + 300,
                            "roles": list(roles) if isinstance(roles, tuple) else roles}
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(body, key, algorithm=alg, headers=headers)


def cli_json(*argv: str) -> Any:
    """What ``cloudscope ARGV`` prints on stdout, parsed (the CLI run in-process)."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(argv)) == 0
    return json.loads(out.getvalue())


def collect_estate(url: str) -> None:
    """The sample estate collected and assessed into ``url``, by the real CLI in-process."""
    assert main(["collect", "file", str(ESTATE), "--db", url, "--format", "json"]) == 0
    assert main(["assess", "--db", url, "--format", "json"]) == 0


def collect_changed_estate(url: str, workdir: Path) -> dict[str, str]:
    """The README's change-tracking example in ``url``: the sample estate collected and
    assessed, then collected and assessed again a week later (from the same file path,
    so the same scopes). The run ids: ``collect1``, ``assess1``, ``collect2``,
    ``assess2``."""
    path = workdir / "estate.json"
    runs = {}
    for number, source in ((1, ESTATE), (2, NEXT_WEEK)):
        path.write_bytes(source.read_bytes())
        runs[f"collect{number}"] = cli_json("collect", "file", str(path), "--db", url,
                                            "--format", "json")["run_id"]
        runs[f"assess{number}"] = cli_json("assess", "--db", url, "--format",
                                           "json")["run_id"]
    return runs


@dataclass
class RunningService:
    """A ``cloudscope serve`` running in this process."""

    base_url: str
    audit_log: Path
    server: Any
    thread: threading.Thread
    close: Callable[[], None]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        """An httpx client for the service, sending ``token`` as a bearer token."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.Client(base_url=self.base_url, headers=headers, timeout=30)
        self.clients.append(client)
        return client

    def audit_lines(self, count: int = 0) -> list[dict[str, Any]]:
        """The audit log's lines, once there are at least ``count`` (a line is written
        when the response has gone, so the client may read before it is there)."""
        deadline = time.monotonic() + 10
        while True:
            lines = self.audit_log.read_text(encoding="utf-8").splitlines()
            if len(lines) >= count or time.monotonic() > deadline:
                return [json.loads(line) for line in lines]
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (as SIGTERM would) and wait for it."""
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.close()


