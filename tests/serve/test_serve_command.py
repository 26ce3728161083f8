"""``cloudscope serve`` as a process: start-up refusals, graceful SIGTERM, readiness, and
the other commands' start-up, which must not pay for the service's imports."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cloudscope.cli.main import main
from serve_fixtures import ESTATE, RunningService

HEAVY = ("fastapi", "starlette", "uvicorn", "jwt", "opentelemetry", "prometheus_client")


def clean_environment() -> dict[str, str]:
    """The test's environment without OTEL_* variables (which ask for tracing)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}


@pytest.mark.parametrize("argv", [["plugins", "--format", "json"],
                                  ["collect", "file", str(ESTATE), "--db", "sqlite:///s.db"],
                                  ["assets", "list", "--db", "sqlite:///s.db", "--limit", "1"]],
                         ids=["plugins", "collect", "assets list"])
def test_other_commands_never_import_the_service_stack(argv: list[str], tmp_path: Path) -> None:
    """FastAPI, uvicorn, PyJWT, OpenTelemetry and prometheus-client stay unimported by a
    normal command (no OTEL_* variable set, no --metrics-file)."""
    if argv[0] == "assets":  # listing refuses a store that does not exist: make it first
        subprocess.run([sys.executable, "-m", "cloudscope", "db", "migrate", "--db",
                        "sqlite:///s.db"], cwd=tmp_path, env=clean_environment(), check=True,
                       capture_output=True, timeout=120)
    script = (f"import sys\nfrom cloudscope.cli.main import main\ncode = main({argv!r})\n"
              f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules], code, "
              "file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, env=clean_environment(), timeout=120, check=False)
    line = next(line for line in result.stderr.splitlines() if line.startswith("LOADED"))
    assert line == "LOADED [] 0", result.stderr


def serve_process(tmp_path: Path, db_url: str, *extra: str, auth: dict[str, Any] | None = None,
                  ) -> subprocess.Popen[str]:
    """``cloudscope serve`` in a process of its own, auditing to a file."""
    config = tmp_path / "serve.yaml"
    config.write_text(yaml.safe_dump({"serve": {
        "auth": auth or {"mode": "none"}, "audit_log": str(tmp_path / "audit.jsonl")}}))
    return subprocess.Popen(
        [sys.executable, "-m", "cloudscope", "--config", str(config), "serve", "--db", db_url,
         "--port", "0", *extra], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=tmp_path, env=clean_environment())


def base_url(process: subprocess.Popen[str]) -> str:
    """The URL the process says it serves on (its first line on stderr)."""
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"serving on (http://\S+)", line)
    assert found, line + (process.stderr.read() if process.poll() is not None else "")
    return found.group(1)


@pytest.fixture
def large_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store of 6,000 assets: an export of it outlasts the socket buffers."""
    folder = tmp_path_factory.mktemp("large")
    source = folder / "large.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for index in range(6000):
            out.write(json.dumps({"id": f"asset-{index:05d}", "provider": "file",
                                  "asset_type": "file:demo:thing", "name": f"thing {index}",
                                  "properties": {"padding": "x" * 200}}) + "\n")
    url = f"sqlite:///{folder / 'large.db'}"
    assert main(["collect", "file", str(source), "--db", url, "--format", "json"]) == 0
    return url


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(large_store: str,
                                                               tmp_path: Path) -> None:
    """SIGTERM during a streamed export: the export still arrives whole, the process
    exits 0, and the audit log has the request's line."""
    process = serve_process(tmp_path, large_store)
    try:
        url = base_url(process)
        with httpx.Client(base_url=url, timeout=60) as client, \
                client.stream("GET", "/v1/export/jsonl") as response:
            assert response.status_code == 200
            chunks = response.iter_bytes()
            body = next(chunks)
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)  # the server is shutting down while we still read
            for chunk in chunks:
                body += chunk
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    lines = body.decode("utf-8").splitlines()
    assert len(lines) == 6000 and json.loads(lines[-1])["id"] == "asset-05999"
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(a["path"], a["status"]) for a in audit] == [("/v1/export/jsonl", 200)]


@pytest.mark.parametrize(("auth", "extra", "message"), [
    ({"mode": "none"}, ["--host", "0.0.0.0"], "auth.mode none is refused on 0.0.0.0"),
    ({"mode": "jwt", "audience": "a", "jwks_file": "/nonexistent.json"}, [],
     "serve.auth.issuer"),
    ({"issuer": "i", "audience": "a", "jwks_file": "/nonexistent.json"}, [],
     "/nonexistent.json"),
    ({"issuer": "i", "audience": "a", "hs256_secret": "short"}, [], "32 bytes"),
], ids=["none on a public address", "no issuer", "missing JWKS file", "short secret"])
def test_unsafe_or_broken_auth_is_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], auth: dict[str, Any],
        extra: list[str], message: str) -> None:
    """Configuration that would serve unauthenticated on the network, or cannot check a
    token, stops serve before it listens: exit 2, one line on stderr."""
    config = tmp_path / "serve.yaml"
    config.write_text(yaml.safe_dump({"serve": {"auth": auth}}))
    code = main(["--config", str(config), "serve", "--db", f"sqlite:///{tmp_path / 's.db'}",
                 "--port", "0", *extra])
    stderr = capsys.readouterr().err
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1 and message in stderr, stderr


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Listening where another socket listens: exit 2, naming the address."""
    monkeypatch.setenv("CLOUDSCOPE_SERVE_AUTH_MODE", "none")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port", str(port)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.fixture
def own_store(estate_sqlite: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the estate store that a test may break."""
    source = Path(estate_sqlite.removeprefix("sqlite:///"))
    target = tmp_path / "own.db"
    shutil.copy(source, target)
    yield f"sqlite:///{target}"


def test_readiness_follows_the_store(start_service: Callable[..., RunningService],
                                     own_store: str) -> None:
    """/readyz is 503 (a problem) when the store cannot be opened; /healthz stays 200."""
    service = start_service(own_store, auth={"mode": "none"})
    Path(own_store.removeprefix("sqlite:///")).write_text("not a database\n" * 100)
    client = service.client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "not a SQLite database" in ready.json()["detail"]
    assert client.get("/healthz").status_code == 200


def test_serve_without_the_extra_says_what_to_install(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without FastAPI (the serve extra not installed): exit 2 and the pip command."""
    for name in [name for name in sys.modules if name.startswith("cloudscope.service")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if it were not installed
    code = main(["serve", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    stderr = capsys.readouterr().err
    assert code == 2
    assert "fastapi is not installed" in stderr
    assert "pip install 'cloudscope-core[serve]'" in stderr
