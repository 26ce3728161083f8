"""Fixtures of the GCP plugin's tests: a service-account key made here, the local fake of
the Cloud Asset API and token endpoint, and the real CLI pointed at it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Tests import with --import-mode=importlib, which puts no test folder on sys.path; the
# fake and the estate are plain modules beside this file (the benchmark imports them too).
sys.path.insert(0, str(Path(__file__).parent))

from gcp_estate import StandardEstate, standard_estate
from gcp_fake import FakeGcp, serve

CLIENT_EMAIL = "collector@ops-tools.iam.gserviceaccount.com"


@dataclass(frozen=True)
class ServiceAccountKey:
    """An RSA key made for the test run: the secret parts a leak check looks for."""

    key_id: str
    private_pem: str
    public_pem: str

    def secrets(self) -> list[str]:
        """Strings that must never appear outside the key file."""
        body = [line for line in self.private_pem.splitlines() if "-----" not in line]
        return [self.key_id, *body[1:4]]


@pytest.fixture(scope="session")
def service_account_key() -> ServiceAccountKey:
    """A 2048-bit RSA key, as a Google service-account key holds."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return ServiceAccountKey("7f3c9e2a1b4d5f60718293a4b5c6d7e8f9012345", private, public)


@pytest.fixture
def fake(service_account_key: ServiceAccountKey) -> Iterator[FakeGcp]:
    """The fake, serving on 127.0.0.1, trusting the test's key."""
    state = FakeGcp(public_keys={service_account_key.key_id: service_account_key.public_pem})
    with serve(state) as running:
        yield running


@pytest.fixture
def estate(fake: FakeGcp) -> StandardEstate:
    """The shared estate served by the fake."""
    return standard_estate(fake)


def write_key_file(path: Path, key: ServiceAccountKey, token_uri: str) -> Path:
    """A service-account JSON key file whose token_uri is the fake's."""
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "ops-tools",
        "private_key_id": key.key_id, "private_key": key.private_pem,
        "client_email": CLIENT_EMAIL, "client_id": "109876543210987654321",
        "token_uri": token_uri, "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    }), encoding="utf-8")
    return path


def collection_environment(fake: FakeGcp, key_file: Path, home: Path) -> dict[str, str]:
    """The variables of a collection against the fake: its key file and endpoints, no
    gcloud configuration, no user config file, no proxy for the fake."""
    return {
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "CLOUDSCOPE_GCP_API_ENDPOINT": fake.root,
        "CLOUDSCOPE_GCP_IAM_CREDENTIALS_ENDPOINT": fake.root,
        "CLOUDSCOPE_GCP_RETRY_BACKOFF_S": "0.01",
        "CLOUDSDK_CONFIG": str(home / "gcloud"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }


@pytest.fixture
def key_file(tmp_path: Path, fake: FakeGcp, service_account_key: ServiceAccountKey) -> Path:
    """A service-account JSON key file whose token_uri is the fake's."""
    return write_key_file(tmp_path / "key.json", service_account_key, fake.token_uri)


@pytest.fixture
def gcp_env(tmp_path: Path, fake: FakeGcp, key_file: Path,
            monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of a collection against the fake (also applied to this process)."""
    env = collection_environment(fake, key_file, tmp_path)
    for name in ("CLOUDSCOPE_CONFIG", "CLOUDSCOPE_DB", "GOOGLE_CLOUD_PROJECT",
                 "GOOGLE_CLOUD_QUOTA_PROJECT", "CLOUDSDK_CORE_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@dataclass
class Collection:
    """One ``cloudscope collect gcp`` run: exit code, summary, output."""

    exit_code: int
    summary: dict[str, Any]
    stdout: str
    stderr: str

    def scopes(self, status: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
        """The summary's scopes by (account, service), optionally of one status."""
        return {(s["account"], s["service"]): s for s in self.summary["scopes"]
                if status is None or s["status"] == status}


@pytest.fixture
def collect_gcp(run_cloudscope: Callable[..., Any], sqlite_url: str,
                gcp_env: dict[str, str]) -> Callable[..., Collection]:
    """Run the real CLI: ``collect_gcp("--scope", "projects/alpha-prod", env={...})``."""

    def collect(*args: str, env: dict[str, str] | None = None) -> Collection:
        result = run_cloudscope("collect", "gcp", *args, "--db", sqlite_url, "--format", "json",
                                env={**gcp_env, **(env or {})})
        try:
            summary = json.loads(result.stdout) if result.stdout.strip() else {}
        except json.JSONDecodeError:
            summary = {}
        return Collection(result.exit_code, summary, result.stdout, result.stderr)

    return collect


@pytest.fixture
def stored(sqlite_url: str) -> Callable[..., Any]:
    """Read the SQLite store the CLI wrote (in this process, for speed): ``stored()`` lists
    assets as JSON, ``stored(ID)`` gives ``{"asset": ..., "relationships": [...]}``."""
    from cloudscope.adapters.sqlite_repository import SQLiteRepository
    from cloudscope.api import AssetQuery

    def read(asset_id: str | None = None) -> Any:
        with SQLiteRepository(sqlite_url) as repository:
            if asset_id is None:
                return [a.model_dump(mode="json") for a in repository.iter_assets(AssetQuery())]
            asset = repository.get_asset(asset_id)
            assert asset is not None, f"{asset_id} not stored"
            return {"asset": asset.model_dump(mode="json"),
                    "relationships": [r.model_dump(mode="json")
                                      for r in repository.relationships_of([asset_id])]}

    return read
