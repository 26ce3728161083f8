"""Fixtures for the Azure plugin: the HTTPS fake, a collector wired to it, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The fake and the estate are plain modules beside the tests, shared with the benchmark;
# with --import-mode=importlib their directory is not on sys.path by itself.
sys.path.insert(0, str(Path(__file__).parent))

from arm_fake import FakeAzure
from generic_estate import populate_everything

PRODUCTION = "11111111-2222-4333-8444-555555555555"
STAGING = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeAzure]:
    """Resource Manager and Entra ID on 127.0.0.1 over HTTPS, two subscriptions populated
    (the linked estate, every seeded type, a management group hierarchy)."""
    with FakeAzure(tmp_path) as server:
        populate_everything(server, {PRODUCTION: "Production", STAGING: "Staging"})
        yield server


@pytest.fixture
def trust_fake(fake: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> FakeAzure:
    """The fake's certificate authority trusted as azure-core trusts one: REQUESTS_CA_BUNDLE."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_path))
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
                 "AZURE_AUTHORITY_HOST", "AZURE_CLIENT_CERTIFICATE_PATH"):
        monkeypatch.delenv(name, raising=False)
    return fake


def service_principal(fake: FakeAzure, **extra: Any) -> dict[str, Any]:
    """The ``azure:`` section of a service principal signing in at the fake."""
    return {"tenant_id": fake.tenant_id, "client_id": fake.client_id,
            "client_secret": fake.client_secret, "resource_manager_url": fake.url,
            "disable_instance_discovery": True, "retry_backoff_s": 0.01, **extra}


@dataclass
class Collected:
    """What one in-process collection produced, scope by scope."""

    assets: dict[str, Any]
    relationships: set[tuple[str, str, str]]
    errors: dict[str, str]
    counters: dict[str, int]


@pytest.fixture
def collect(trust_fake: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Collected]:
    """Run AzureCollector in process against the fake: plan, then collect every scope."""
    from cloudscope.api import CollectContext, RateLimiter

    monkeypatch.setenv("AZURE_AUTHORITY_HOST", trust_fake.url)

    def run(options: dict[str, Any] | None = None, settings: dict[str, Any] | None = None,
            limiter: Any = None) -> Collected:
        from cloudscope_azure.collector import AzureCollector

        ctx = CollectContext("azure", limiter=limiter or RateLimiter("azure"),
                             config={"azure": settings or service_principal(trust_fake)},
                             log=_QuietLog())
        collector = AzureCollector(ctx, options or {})
        result = Collected({}, set(), {}, {})
        try:
            for scope in collector.plan():
                try:
                    for item in collector.collect(scope):
                        if hasattr(item, "asset_type"):
                            result.assets[item.id] = item
                        else:
                            result.relationships.add(item.key)
                except Exception as error:  # the core marks such a scope failed
                    result.errors[scope.key] = str(error)
        finally:
            collector.close()
        result.counters = ctx.counters
        return result

    return run


class _QuietLog:
    """Drops every event: in-process tests read results, not logs."""

    def __getattr__(self, level: str) -> Callable[..., None]:
        return lambda event, **values: None


@dataclass
class CliResult:
    """A finished ``cloudscope`` process."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.stdout)


def cli_environment(fake: FakeAzure, home: Path) -> dict[str, str]:
    """Environment for a ``cloudscope`` subprocess signing in at ``fake`` with a client
    secret from CLOUDSCOPE_AZURE_*; no user config file (``home`` is empty), only this
    plugin loaded."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AZURE_", "CLOUDSCOPE_"))}
    home.mkdir(exist_ok=True)
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "REQUESTS_CA_BUNDLE": str(fake.ca_path),
        "CLOUDSCOPE_LOAD_PLUGINS": "azure",
        "CLOUDSCOPE_AZURE_TENANT_ID": fake.tenant_id,
        "CLOUDSCOPE_AZURE_CLIENT_ID": fake.client_id,
        "CLOUDSCOPE_AZURE_CLIENT_SECRET": fake.client_secret,
        "CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL": fake.url,
        "CLOUDSCOPE_AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
        "CLOUDSCOPE_AZURE_RETRY_BACKOFF_S": "0.01",
        "AZURE_AUTHORITY_HOST": fake.url,
    })
    return env


@pytest.fixture
def cli_env(trust_fake: FakeAzure, tmp_path: Path) -> dict[str, str]:
    """Environment for a ``cloudscope`` subprocess signing in at the fake with a client
    secret from CLOUDSCOPE_AZURE_*; no user config file, only this plugin loaded."""
    return cli_environment(trust_fake, tmp_path / "home")


@pytest.fixture
def cloudscope(cli_env: dict[str, str], tmp_path: Path) -> Callable[..., CliResult]:
    """Run the real CLI (``python -m cloudscope``) in a subprocess."""

    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        done = subprocess.run([sys.executable, "-m", "cloudscope", *args], cwd=tmp_path,
                              env=env or cli_env, capture_output=True, text=True, timeout=120,
                              check=False)
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run
