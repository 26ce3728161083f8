"""Fixtures for ``cloudscope serve``: real keys, real tokens, a real uvicorn server.

Keys are generated here with ``cryptography`` (RSA 2048 and EC P-256) and published as a
JWKS file; tokens are minted with PyJWT. The server is composed exactly as the command
composes it (``cli.serve_command.compose``) and runs uvicorn on 127.0.0.1 in a thread;
tests talk to it over HTTP with httpx.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# Plain modules beside the tests; with --import-mode=importlib their directories are not
# on sys.path by themselves.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "postgres"))

from cloudscope.cli.main import build_parser
from serve_fixtures import (
    AUDIENCE,
    FLAKY_PLUGIN,
    ISSUER,
    Keys,
    RunningService,
    collect_estate,
)


@pytest.fixture(scope="session")
def keys() -> Keys:
    """One RSA and one EC key trusted through the JWKS, and an RSA key that is not."""
    return Keys(rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
                ec=ec.generate_private_key(ec.SECP256R1()),
                stranger=rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def jwks_file(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trusted keys as a JWKS file."""
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps(keys.jwks()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def estate_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the assessed sample estate (read-only for the tests)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('estate') / 'estate.db'}"
    collect_estate(url)
    return url


@pytest.fixture(scope="session")
def estate_postgresql() -> Iterator[str]:
    """A PostgreSQL store (its own database) holding the assessed sample estate."""
    from postgres_databases import create_database, drop_database, server_url

    server = server_url()
    url = create_database(server)
    collect_estate(url)
    yield url
    drop_database(server, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def estate_url(request: pytest.FixtureRequest) -> str:
    """The assessed sample estate in each kind of store the API is tested against."""
    return str(request.getfixturevalue(f"estate_{request.param}"))


@pytest.fixture(scope="module")
def start_service(tmp_path_factory: pytest.TempPathFactory,
                  jwks_file: Path) -> Iterator[Callable[..., RunningService]]:
    """``start_service(db_url, auth={...}, **serve_settings)``: compose and start a service
    with a JWKS-file JWT configuration unless ``auth`` says otherwise."""
    from cloudscope.cli.serve_command import compose
    from cloudscope.service.server import make_server

    started: list[RunningService] = []
    tmp_path = tmp_path_factory.mktemp("serve")

    def start(db_url: str, *, auth: dict[str, Any] | None = None,
              **settings: Any) -> RunningService:
        audit = tmp_path / f"audit-{uuid.uuid4().hex[:6]}.jsonl"
        auth = auth if auth is not None else {
            "issuer": ISSUER, "audience": AUDIENCE, "jwks_file": str(jwks_file)}
        config = tmp_path / f"config-{uuid.uuid4().hex[:6]}.yaml"
        config.write_text(yaml.safe_dump({"serve": {"auth": auth, "audit_log": str(audit),
                                                    **settings}}), encoding="utf-8")
        args = build_parser().parse_args(["--config", str(config), "serve", "--db", db_url,
                                          "--host", "127.0.0.1", "--port", "0"])
        service = compose(args)
        server = make_server(service.app, shutdown_timeout_s=service.shutdown_timeout_s)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [service.sock]},
                                  daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        host, port = service.sock.getsockname()[:2]
        running = RunningService(f"http://{host}:{port}", audit, server, thread, service.close)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            running.stop()


@pytest.fixture
def flaky_plugin(fake_distribution: Callable[..., Any]) -> None:
    """A collector plugin whose second scope fails, installed for the test."""
    fake_distribution("cloudscope-flaky", entry_points={"flaky": "flaky_plugin"},
                      modules={"flaky_plugin": FLAKY_PLUGIN})
